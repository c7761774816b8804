"""``nnla.logm`` (and the API contract shared with ``nnla.sqrtm``): accuracy against mpmath
references at 60 digits (tests/references.py; the matrices in tests/logm_cases.py), the branch
convention on the negative real axis, round trips, dtype rules, bad input and concurrent calls
(batching, thread counts and memory layouts: tests/test_batched.py).

Tolerance: relative Frobenius error <= C_TOL * max(kappa, 1) * u (C_TOL = 50, kappa the condition
number of the logarithm at the input, u the unit roundoff of the output dtype); and no worse than
scipy.linalg.logm: err <= 2 * err_scipy + 8 u.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable

import nnla
import numpy as np
import pytest
import scipy.linalg
from logm_cases import C_TOL, CASES, Case
from references import U32, U64, kappa_logm, mp_logm, orth, randn, rel_err, scipy_peer

FUNCS = [nnla.logm, nnla.sqrtm]
FUNC_IDS = ["logm", "sqrtm"]


def _case_id(c: Case) -> str:
    return c.name


def _mixed_batch(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Real matrices, every third with a negative real eigenvalue (the rest in the right half
    plane), so a batch exercises both the real and the complex route."""
    out = np.empty((n, d, d))
    for k in range(n):
        q = orth(rng, d)
        ev = rng.uniform(0.5, 3.0, d)
        if k % 3 == 1:
            ev[0] = -ev[0]
        t = np.triu(rng.standard_normal((d, d)) * 0.3, 1) + np.diag(ev)
        out[k] = q @ t @ q.T
    return out


# ------------------------------------------------------------------------------------------------
# Accuracy
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_logm_matches_mpmath(case: Case) -> None:
    ref = mp_logm(case.a, method=case.method)
    x = nnla.logm(case.a)
    if np.iscomplexobj(case.a) or case.complex_result:
        assert x.dtype == np.complex128
    else:
        assert x.dtype == np.float64
    kappa = kappa_logm(case.a, ref)
    assert rel_err(x, ref) <= C_TOL * max(kappa, 1.0) * U64


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_logm_no_worse_than_scipy(case: Case) -> None:
    ref = mp_logm(case.a, method=case.method)
    x = nnla.logm(case.a)
    assert np.all(np.isfinite(x))
    err_s = rel_err(scipy_peer(scipy.linalg.logm, case.a), ref)
    assert rel_err(x, ref) <= 2.0 * err_s + 8.0 * U64


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "near-singular"], ids=_case_id)
def test_logm_single_precision(case: Case) -> None:
    """float32/complex64 are computed in double and rounded: error O(kappa * u32) against the
    reference for the exact single-precision input."""
    a32 = case.a.astype(np.complex64 if np.iscomplexobj(case.a) else np.float32)
    ref = mp_logm(a32, method=case.method)
    x = nnla.logm(a32)
    assert x.dtype in (np.float32, np.complex64)
    assert x.dtype == (np.complex64 if np.iscomplexobj(ref) else np.float32)
    kappa = kappa_logm(a32.astype(np.complex128), ref)
    assert rel_err(x, ref) <= C_TOL * max(kappa, 1.0) * U32


def test_jordan_block_at_minus_two_branch() -> None:
    """Eigenvalues on the negative real axis: imaginary part +pi (numpy's log(-2 + 0j)); closed form
    log(-2 I + N) = (log 2 + i pi) I - N/2 + ... (scipy returned NaN here in some versions)."""
    j3 = np.array([[-2.0, 1.0, 0.0], [0.0, -2.0, 1.0], [0.0, 0.0, -2.0]])
    x = nnla.logm(j3)
    lam = np.log(-2.0 + 0j)
    exact = np.array([[lam, -0.5, -0.125], [0, lam, -0.5], [0, 0, lam]])
    assert np.all(np.isfinite(x))
    assert rel_err(x, exact) <= 4 * U64
    assert np.all(np.diag(x).imag == np.pi)


def test_near_negative_axis_keeps_accuracy() -> None:
    """A rotation by theta close to pi: log is theta * [[0, -1], [1, 0]] exactly (real)."""
    for eps in (1e-3, 1e-6, 1e-9):
        th = np.pi - eps
        r = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
        x = nnla.logm(r)
        assert x.dtype == np.float64
        exact = np.array([[0.0, -th], [th, 0.0]])
        # the rounded entries of r perturb theta by about u / eps
        assert rel_err(x, exact) <= 8 * U64 / eps


def test_logm_of_expm_of_skew_symmetric() -> None:
    """logm(expm(X)) = X for real skew-symmetric X with eigenvalues in (-pi, pi)."""
    rng = np.random.default_rng(7)
    for d in (2, 3, 5, 6):
        g = rng.standard_normal((d, d))
        x = g - g.T
        x *= 3.0 / np.abs(np.linalg.eigvals(x)).max()  # spectral radius 3 < pi
        a = nnla.expm(x)
        lx = nnla.logm(a)
        assert lx.dtype == np.float64
        kappa = kappa_logm(a, x)
        assert rel_err(lx, x) <= C_TOL * max(kappa, 1.0) * U64
        assert np.linalg.norm(lx + lx.T) <= C_TOL * max(kappa, 1.0) * U64 * np.linalg.norm(x)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("d", [1, 2, 4, 7, 12, 20])
def test_expm_logm_round_trip(d: int, dtype: object) -> None:
    rng = np.random.default_rng(d)
    a = randn(rng, (6, d, d), dtype) / np.sqrt(d) + 1.5 * np.eye(d)
    back = nnla.expm(nnla.logm(a))
    for k in range(a.shape[0]):
        assert rel_err(back[k], a[k]) <= 200 * d * U64


# ------------------------------------------------------------------------------------------------
# Dtype decision for real input, singular input
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("func", "name"), list(zip(FUNCS, FUNC_IDS)), ids=FUNC_IDS)
def test_negative_eigenvalue_makes_the_whole_batch_complex(func: Callable, name: str) -> None:
    rng = np.random.default_rng(3)
    a = _mixed_batch(rng, 6, 4)
    out = func(a)
    assert out.dtype == np.complex128
    for k in range(a.shape[0]):
        single = func(a[k])
        if k % 3 == 1:
            assert single.dtype == np.complex128
            assert np.array_equal(out[k], single)
        else:  # real principal value: same bits, zero imaginary part
            assert single.dtype == np.float64
            assert np.array_equal(out[k].real, single)
            assert np.all(out[k].imag == 0)
    assert func(a[::3]).dtype == np.float64
    assert func(a[::3].astype(np.float32)).dtype == np.float32
    assert func(a.astype(np.float32)).dtype == np.complex64


@pytest.mark.parametrize(
    "a",
    [
        pytest.param(np.zeros((3, 3)), id="zero"),
        pytest.param(np.array([[1.0, 2.0], [2.0, 4.0]]), id="rank-1"),
        pytest.param(np.diag([0.0, 1.0]), id="diag-0-1"),
        pytest.param(np.array([[0.0, 1.0], [0.0, 0.0]]), id="jordan-0"),
        pytest.param(np.zeros((2, 2), dtype=np.complex128), id="complex-zero"),
    ],
)
def test_logm_singular_raises(a: np.ndarray) -> None:
    with pytest.raises(nnla.errors.SingularMatrixError, match="logarithm of a singular matrix"):
        nnla.logm(a)


def test_logm_rank_deficient_dense_raises() -> None:
    rng = np.random.default_rng(9)
    a = rng.standard_normal((5, 3)) @ rng.standard_normal((3, 5))  # rank 3
    with pytest.raises(nnla.errors.SingularMatrixError, match="singular matrix does not exist"):
        nnla.logm(a)


def test_highly_nonnormal_triangular_is_not_singular() -> None:
    """The zero-eigenvalue test is relative to the eigenvalues, not to ||a||: [[1, t], [0, 1]]
    with t = 1e200 has log [[0, t], [0, 0]] and square root [[1, t/2], [0, 1]] (closed forms)."""
    t = 1e200
    a = np.array([[1.0, t], [0.0, 1.0]])
    assert np.array_equal(nnla.logm(a), np.array([[0.0, t], [0.0, 0.0]]))
    assert np.array_equal(nnla.sqrtm(a), np.array([[1.0, t / 2], [0.0, 1.0]]))


def test_logm_singular_names_batch_indices() -> None:
    a = np.stack([np.eye(2), np.zeros((2, 2)), 2 * np.eye(2), np.diag([1.0, 0.0])]).reshape(
        2, 2, 2, 2
    )
    with pytest.raises(
        nnla.errors.SingularMatrixError, match=r"batch indices \[\(0, 1\), \(1, 1\)\]"
    ) as e:
        nnla.logm(a)
    assert e.value.indices == [(0, 1), (1, 1)]
    assert isinstance(e.value, np.linalg.LinAlgError)


# ------------------------------------------------------------------------------------------------
# Integer input, bad input, check_finite, Python threads (shared by logm and sqrtm; batched ==
# one at a time, threads, empty batches and memory layouts: tests/test_batched.py)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", FUNCS, ids=FUNC_IDS)
def test_integer_input_becomes_float64(func: Callable) -> None:
    ai = np.array([[4, 1], [0, 9]])
    assert func(ai).dtype == np.float64
    assert np.array_equal(func(ai), func(ai.astype(np.float64)))
    empty = func(np.zeros((3, 0, 2, 2), dtype=np.int64))
    assert empty.shape == (3, 0, 2, 2)
    assert empty.dtype == np.float64


_STACK = r"must be a \(\.\.\., d, d\) stack of square matrices"
_SQUARE = r"must be square in its last two axes"
_DTYPE = r"\ba has dtype .*expected float32, float64, complex64 or complex128"


@pytest.mark.parametrize("func", FUNCS, ids=FUNC_IDS)
@pytest.mark.parametrize(
    ("a", "match"),
    [
        pytest.param(3.0, _STACK, id="scalar"),
        pytest.param(np.ones(3), _STACK, id="1d"),
        pytest.param(np.ones((2, 3)), _SQUARE, id="2x3"),
        pytest.param(np.ones((0, 2, 3)), _SQUARE, id="empty-2x3"),
        pytest.param(np.eye(2, dtype=bool), _DTYPE, id="bool"),
        pytest.param(np.eye(2).astype(object), _DTYPE, id="object"),
        pytest.param(np.array([[1.0, np.nan], [0.0, 1.0]]), r"\ba contains NaN or Inf", id="nan"),
        pytest.param(
            np.array([[[1.0, 0.0], [0.0, 1.0]], [[np.inf, 0.0], [0.0, 1.0]]]),
            r"\ba contains NaN or Inf at batch indices \[\(1,\)\]",
            id="inf-batch",
        ),
        pytest.param(
            np.array([[1.0, 0.0], [np.nan, 1.0]], dtype=np.complex64),
            r"\ba contains NaN or Inf",
            id="nan-complex64",
        ),
    ],
)
def test_bad_input(func: Callable, a: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        func(a)


@pytest.mark.parametrize("func", FUNCS, ids=FUNC_IDS)
def test_check_finite_false(func: Callable) -> None:
    a = np.stack([np.eye(3) * 4, np.full((3, 3), np.nan), np.diag([1.0, 4.0, 9.0])])
    out = func(a, check_finite=False)
    assert np.all(np.isnan(out[1]))
    assert np.array_equal(out[0], func(a[0]))
    assert np.array_equal(out[2], func(a[2]))


@pytest.mark.parametrize("func", FUNCS, ids=FUNC_IDS)
def test_concurrent_python_threads(func: Callable) -> None:
    """The GIL is released and nothing is shared: concurrent calls give the sequential results."""
    rng = np.random.default_rng(900)
    batches = [
        _mixed_batch(rng, 30, 5),
        (randn(rng, (16, 12, 12), np.complex128) / 4 + 2 * np.eye(12)),
        randn(rng, (200, 2, 2), np.float64) / 2 + np.eye(2),
        (randn(rng, (32, 3, 3), np.complex64) / 4 + np.eye(3)).astype(np.complex64),
    ]
    calls = [(b, nt) for b in batches for nt in (None, 1, 2)] * 2
    expected = [func(b, n_threads=nt) for b, nt in calls]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: func(c[0], n_threads=c[1]), calls))
    for k, (r, e) in enumerate(zip(results, expected)):
        assert np.array_equal(r, e), f"call {k} differs when run concurrently"
