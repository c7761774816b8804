"""``nnla.signm``: accuracy against mpmath, identities, the imaginary-axis error, and the API.

Reference: ``sign(A) = V sign(Re Lambda) V^-1`` in mpmath at 50 digits (tests/references.py),
and for Hermitian matrices ``V sign(Lambda) V^H`` from LAPACK's eigh. Tolerances are
``c * d * u`` times ``||S||_1^2`` (the growth of the sign function's condition number with
nonnormality).
"""

from __future__ import annotations

import warnings

import nnla
import numpy as np
import pytest
import scipy.linalg
from references import (
    U64,
    mp_signm,
    nonnormal_triangular,
    rel_err,
    unit_roundoff,
    with_eigenvalues,
)

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _scipy_signm(a: np.ndarray) -> np.ndarray:
    """scipy.linalg.signm(a) of shape a.shape: scipy >= 1.16 (disp deprecated) returns only the
    matrix (indexing it with [0] took its first row) and returns shape (1,) for a 1x1 input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = scipy.linalg.signm(a, disp=False)
    if isinstance(s, tuple):  # older scipy: (signm, errest)
        s = s[0]
    return np.reshape(s, a.shape)


def _tol(ref: np.ndarray, u: float = U64, c: float = 20.0) -> float:
    d = ref.shape[-1]
    growth = max(1.0, float(np.abs(ref).sum(axis=0).max()) ** 2)
    return c * d * u * growth


def _away_from_axis(rng: np.random.Generator, d: int, *, complex_: bool) -> np.ndarray:
    """Random matrix whose eigenvalues have |Re| >= 0.1 ||A||_1 / d (resampled otherwise)."""
    while True:
        a = rng.standard_normal((d, d))
        if complex_:
            a = a + 1j * rng.standard_normal((d, d))
        w = np.linalg.eigvals(a)
        if np.min(np.abs(w.real)) >= 0.1 * np.abs(a).sum(axis=0).max() / d:
            return a


def _case(kind: str, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "random":
        return _away_from_axis(rng, d, complex_=False)
    if kind == "complex":
        return _away_from_axis(rng, d, complex_=True)
    if kind == "triangular":
        return nonnormal_triangular(rng, d, 1.5)
    if kind == "nonnormal":  # eigenvalues +-(0.5..2), eigenvector basis of condition 100
        eigs = rng.uniform(0.5, 2.0, d) * np.where(np.arange(d) % 3 == 0, -1.0, 1.0)
        return with_eigenvalues(rng, eigs, cond=100.0)
    if kind == "complex-eigs":  # complex spectrum in both half planes
        eigs = rng.uniform(0.3, 2.0, d) * np.where(np.arange(d) % 2 == 0, -1.0, 1.0)
        eigs = eigs + 1j * rng.uniform(-3.0, 3.0, d)
        return with_eigenvalues(rng, eigs, cond=10.0)
    raise ValueError(kind)  # pragma: no cover


KINDS = ["random", "complex", "triangular", "nonnormal", "complex-eigs"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("d", [1, 2, 3, 5, 8])
def test_against_mpmath(kind: str, d: int) -> None:
    a = _case(kind, d, seed=13 * d + len(kind))
    x, r = nnla.signm(a, return_residual=True)
    ref = mp_signm(a)
    err = rel_err(x, ref)
    assert err <= _tol(ref), err
    assert x.dtype == a.dtype
    # errors of scipy's order on every test matrix: within a factor 4 of scipy's (two different
    # algorithms round differently; on the nonnormal 2x2 case, cond(V) ~ 1e3, Newton ends at 3x
    # scipy's error, 600 u, well inside the conditioning bound above) plus a few d u
    peer = rel_err(_scipy_signm(a), ref)
    assert err <= 4 * peer + 4 * d * U64 * max(1.0, np.abs(ref).sum(0).max())
    # the residual diagnostic: ||X^2 - I||_1 / ||X||_1^2, recomputed here
    x2 = x @ x - np.eye(d)
    assert abs(r - np.abs(x2).sum(0).max() / np.abs(x).sum(0).max() ** 2) <= 4 * d * U64
    assert r <= 10 * d * U64


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_dtypes(dtype: type) -> None:
    kind = "complex" if np.dtype(dtype).kind == "c" else "random"
    a = _case(kind, 4, seed=77).astype(dtype)
    x = nnla.signm(a)
    assert x.dtype == dtype
    u = unit_roundoff(dtype)
    ref = mp_signm(a)
    assert rel_err(x, ref) <= _tol(ref, u)


@pytest.mark.parametrize("d", [2, 6, 16, 30])
def test_hermitian_eigendecomposition(d: int) -> None:
    rng = np.random.default_rng(d)
    b = rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))
    lam = rng.uniform(0.2, 3.0, d) * np.where(np.arange(d) % 2 == 0, 1.0, -1.0)
    q, _ = np.linalg.qr(b)
    a = (q * lam) @ q.conj().T
    w, v = np.linalg.eigh(a)
    ref = (v * np.sign(w)) @ v.conj().T
    x = nnla.signm(a)
    assert rel_err(x, ref) <= 20 * d * U64
    assert rel_err(x, x.conj().T) <= 10 * d * U64  # Hermitian to rounding


@pytest.mark.parametrize("d", [3, 9, 16, 40])
def test_involution_and_commutes(d: int) -> None:
    rng = np.random.default_rng(40 + d)
    a = _away_from_axis(rng, d, complex_=False)
    x, r = nnla.signm(a, return_residual=True)
    assert np.isrealobj(x)
    assert np.abs(x @ x - np.eye(d)).sum(0).max() <= 100 * d * U64 * np.abs(x).sum(0).max() ** 2
    assert r <= 100 * d * U64
    comm = np.abs(a @ x - x @ a).sum(0).max()
    assert comm <= 100 * d * U64 * np.abs(a).sum(0).max() * np.abs(x).sum(0).max() ** 2


def test_closed_forms() -> None:
    # sign(c I) = sign(c) I; A with A^2 = I is its own sign when its eigenvalues are +-1
    assert np.array_equal(nnla.signm(np.diag([3.0, -0.5, 7.0])), np.diag([1.0, -1.0, 1.0]))
    a = np.array([[1.0, 1e6], [0.0, -1.0]])
    x = nnla.signm(a)
    assert rel_err(x, a) <= 4 * U64
    a2 = np.array([[2.0, 1.0], [0.0, -3.0]])
    assert rel_err(nnla.signm(a2), [[1.0, 0.4], [0.0, -1.0]]) <= 4 * U64


# ------------------------------------------------------------------------------------------------
# Eigenvalues on (or numerically on) the imaginary axis
# ------------------------------------------------------------------------------------------------


def _rot_plus(rng: np.random.Generator, extra: list[float]) -> np.ndarray:
    n = 2 + len(extra)
    b = np.zeros((n, n))
    b[:2, :2] = [[0.0, 1.0], [-1.0, 0.0]]
    b[2:, 2:] = np.diag(extra)
    v = rng.standard_normal((n, n))
    return v @ b @ np.linalg.inv(v)


AXIS_CASES = {
    "zero": np.zeros((3, 3)),
    "singular": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "rotation": np.array([[0.0, 1.0], [-1.0, 0.0]]),
    "rotation-2": np.array([[0.0, 2.0], [-0.5, 0.0]]),
    "nilpotent": np.diag([1.0, 1.0], 1),
    "rotation+1": _rot_plus(np.random.default_rng(1), [1.0]),
    "rotation+mixed": _rot_plus(np.random.default_rng(2), [2.0, -3.0, 0.5]),
    "imaginary-complex": np.diag([1.0 + 0j, 2.0j, -1.0]),
    "near-axis": np.diag([1.0, 1e-12 + 1.0j, -1.0]).astype(np.complex128),
}


@pytest.mark.parametrize("name", list(AXIS_CASES))
def test_imaginary_axis_raises(name: str) -> None:
    a = AXIS_CASES[name]
    with pytest.raises(nnla.errors.UndefinedFunctionError, match="imaginary axis") as info:
        nnla.signm(a)
    assert isinstance(info.value, np.linalg.LinAlgError)


def test_imaginary_axis_batch_indices() -> None:
    a = np.stack([np.eye(2), np.array([[0.0, 1.0], [-1.0, 0.0]]), -np.eye(2)]).reshape(3, 1, 2, 2)
    match = r"batch indices \[\(1, 0\)\]"
    with pytest.raises(nnla.errors.UndefinedFunctionError, match=match) as info:
        nnla.signm(a)
    assert info.value.indices == [(1, 0)]


def test_float32_near_axis_threshold() -> None:
    """sqrt(u) ||A||_1 decides: 1e-2 is fine in single precision, 1e-5 is not."""
    ok = np.diag([1.0, -2.0]).astype(np.float32)
    ok[0, 1] = 0.0
    assert np.array_equal(nnla.signm(ok), np.diag([1.0, -1.0]).astype(np.float32))
    with pytest.raises(nnla.errors.UndefinedFunctionError):
        nnla.signm(np.diag([1.0, 1e-5]).astype(np.float32))
    assert np.array_equal(nnla.signm(np.diag([1.0, 1e-5])), np.eye(2))


# ------------------------------------------------------------------------------------------------
# API: dtypes, bad input (batched == one at a time, threads, empty batches, memory layouts and the
# residual's shape and dtype: tests/test_batched.py)
# ------------------------------------------------------------------------------------------------


def test_integer_input_becomes_float64() -> None:
    xi = nnla.signm(np.array([[2, 1], [0, -3]]))
    assert xi.dtype == np.float64
    assert rel_err(xi, [[1.0, 0.4], [0.0, -1.0]]) <= 4 * U64


@pytest.mark.parametrize(
    ("a", "match"),
    [
        pytest.param(np.ones(3), r"a must be a \(\.\.\., d, d\) stack", id="1d"),
        pytest.param(3.0, r"a must be a \(\.\.\., d, d\) stack", id="scalar"),
        pytest.param(np.ones((2, 3)), r"a must be square", id="2x3"),
        pytest.param(np.eye(2, dtype=bool), r"a has dtype bool", id="bool"),
        pytest.param(np.array([["1", "0"], ["0", "1"]]), r"a has dtype <U1", id="str"),
        pytest.param(np.diag([np.nan, 1.0]), r"a contains NaN or Inf", id="nan"),
        pytest.param(np.diag([np.inf, 1.0]), r"a contains NaN or Inf", id="inf"),
    ],
)
def test_bad_input(a: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        nnla.signm(a)


def test_check_finite_false() -> None:
    a = np.stack([np.diag([2.0, -1.0]), np.diag([np.nan, 1.0])])
    x = nnla.signm(a, check_finite=False)
    assert np.array_equal(x[0], np.diag([1.0, -1.0]))
    assert np.all(np.isnan(x[1]))
