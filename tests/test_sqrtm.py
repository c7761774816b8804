"""``nnla.sqrtm``: accuracy against mpmath references at 60 digits (tests/references.py; the
matrices in tests/logm_cases.py), the residual ||X^2 - A|| / ||A||, real results for real input
(real Schur method), complex results for negative real eigenvalues, semisimple zero eigenvalues
and matrices without a square root. The API contract shared with logm (dtypes, bad input) is in
test_logm.py; batching, threads and memory layouts in test_batched.py.

Tolerance: relative Frobenius error <= C_TOL * max(kappa, 1) * u (C_TOL = 50); no worse than
scipy.linalg.sqrtm: err <= 2 * err_scipy + 8 u; residual ||X^2 - A||_F <= 16 (d + 1) u ||X||_F^2
(the backward-stability bound of the Schur method, Higham 1987; measured: <= 20 u ||X||_F^2 for
d <= 24, the same as scipy's on these matrices).
"""

from __future__ import annotations

import nnla
import numpy as np
import pytest
import scipy.linalg
from logm_cases import C_TOL, CASES, Case
from references import U32, U64, kappa_sqrtm, mp_sqrtm, orth, rel_err, scipy_peer, unit_roundoff


def _case_id(c: Case) -> str:
    return c.name


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_sqrtm_matches_mpmath(case: Case) -> None:
    ref = mp_sqrtm(case.a, method=case.method)
    x = nnla.sqrtm(case.a)
    if np.iscomplexobj(case.a) or case.complex_result:
        assert x.dtype == np.complex128
    else:
        assert x.dtype == np.float64
    kappa = kappa_sqrtm(case.a, ref)
    assert rel_err(x, ref) <= C_TOL * max(kappa, 1.0) * U64


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_sqrtm_no_worse_than_scipy(case: Case) -> None:
    ref = mp_sqrtm(case.a, method=case.method)
    x = nnla.sqrtm(case.a)
    assert np.all(np.isfinite(x))
    err_s = rel_err(scipy_peer(scipy.linalg.sqrtm, case.a), ref)
    assert rel_err(x, ref) <= 2.0 * err_s + 8.0 * U64


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "near-singular"], ids=_case_id)
def test_sqrtm_single_precision(case: Case) -> None:
    """float32/complex64 are computed in double and rounded."""
    a32 = case.a.astype(np.complex64 if np.iscomplexobj(case.a) else np.float32)
    ref = mp_sqrtm(a32, method=case.method)
    x = nnla.sqrtm(a32)
    assert x.dtype == (np.complex64 if np.iscomplexobj(ref) else np.float32)
    kappa = kappa_sqrtm(a32.astype(np.complex128), ref)
    assert rel_err(x, ref) <= C_TOL * max(kappa, 1.0) * U32


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("d", [1, 2, 3, 5, 8, 13, 24])
def test_residual(d: int, dtype: object) -> None:
    """||X^2 - A|| = O(u) ||X||^2 on random matrices (about a third with a negative eigenvalue)."""
    rng = np.random.default_rng(100 + d)
    a = rng.standard_normal((8, d, d))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal((8, d, d))
    x = nnla.sqrtm(a.astype(dtype))
    for k in range(a.shape[0]):
        res = np.linalg.norm(x[k] @ x[k] - a[k])
        assert res <= 16 * (d + 1) * U64 * np.linalg.norm(x[k]) ** 2


def test_rotation_closed_form() -> None:
    """Complex-conjugate eigenvalues (a 2x2 block of the real Schur form): the square root of a
    rotation by t is the rotation by t/2, real."""
    for t in (0.3, 2.0, 3.1, np.pi - 1e-8):
        r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        x = nnla.sqrtm(3.0 * r)
        assert x.dtype == np.float64
        exact = np.sqrt(3.0) * np.array(
            [[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]]
        )
        assert rel_err(x, exact) <= 32 * U64


def test_negative_eigenvalues_give_complex_principal_root() -> None:
    x = nnla.sqrtm(np.diag([-4.0, 9.0]))
    assert x.dtype == np.complex128
    assert np.array_equal(x, np.diag([2j, 3.0 + 0j]))
    assert np.array_equal(
        nnla.sqrtm(np.array([[-4.0]], dtype=np.float32)), np.array([[2j]], dtype=np.complex64)
    )


@pytest.mark.parametrize(
    "a",
    [
        pytest.param(np.zeros((3, 3)), id="zero"),
        pytest.param(np.diag([0.0, 1.0]), id="diag-0-1"),
        pytest.param(np.diag([0.0, 0.0, 4.0]), id="diag-0-0-4"),
        pytest.param(np.array([[0.0, 1.0], [0.0, 4.0]]), id="triangular-0-4"),
        pytest.param(np.zeros((2, 2), dtype=np.complex64), id="zero-complex64"),
    ],
)
def test_semisimple_zero_eigenvalue_has_a_root(a: np.ndarray) -> None:
    x = nnla.sqrtm(a)
    assert np.all(np.isfinite(x))
    u = unit_roundoff(x.dtype)
    assert np.linalg.norm(x @ x - a) <= 8 * a.shape[0] * u * max(np.linalg.norm(x) ** 2, 1.0)


def test_rotated_semisimple_zero() -> None:
    rng = np.random.default_rng(2)
    q = orth(rng, 4)
    a = q @ np.diag([0.0, 0.0, 1.0, 2.0]) @ q.T
    x = nnla.sqrtm(a)
    ref = q @ np.diag([0.0, 0.0, 1.0, np.sqrt(2.0)]) @ q.T
    assert np.linalg.norm(x @ x - a) <= 64 * U64 * np.linalg.norm(a)
    assert rel_err(x, ref) <= 1e-7  # sqrt of an O(u) eigenvalue perturbation: O(sqrt(u))


@pytest.mark.parametrize(
    "a",
    [
        pytest.param(np.array([[0.0, 1.0], [0.0, 0.0]]), id="jordan-0"),
        pytest.param(
            np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 5.0]]), id="jordan-0-and-5"
        ),
        pytest.param(
            np.array([[0.0, 1.0], [0.0, 0.0]], dtype=np.complex128), id="jordan-0-complex"
        ),
    ],
)
def test_no_square_root_raises(a: np.ndarray) -> None:
    with pytest.raises(nnla.errors.SingularMatrixError, match="has no square root"):
        nnla.sqrtm(a)


def test_no_square_root_names_batch_indices() -> None:
    a = np.stack([np.eye(2), np.array([[0.0, 1.0], [0.0, 0.0]]), np.zeros((2, 2))])
    with pytest.raises(
        nnla.errors.SingularMatrixError, match=r"at batch indices \[\(1,\)\].*Hint"
    ) as e:
        nnla.sqrtm(a)
    assert e.value.indices == [(1,)]
