"""The fused d = 2 path of ``nnla.sqrtm`` for real input (cpp/matfun/sqrtm.cpp, ``sqrtm2_real``):
the real Schur form by one rotation (dlanv2), the square root of the standardised 2x2 factor (two
1x1 blocks or one complex-conjugate pair) and the back transformation, in registers. Real input
with a negative real eigenvalue leaves it for the complex Schur route; complex input takes the
general complex route (closed-form 2x2 complex Schur form). Every case here is checked against
mpmath at 60 digits (tests/references.py) within ``C_TOL * max(kappa, 1) * u``, against
scipy.linalg.sqrtm (no worse: ``err <= 2 err_scipy + 8 u``), and for the residual
``||X^2 - A||_F <= 16 (d + 1) u ||X||_F^2`` (the Schur method's backward-stability bound).
"""

from __future__ import annotations

import warnings

import nnla
import numpy as np
import pytest
import scipy.linalg
from logm_cases import C_TOL
from references import U32, U64, kappa_sqrtm, mp_sqrtm, rel_err, scipy_peer


def _rot(t: float) -> np.ndarray:
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def _similar(t: np.ndarray, angle: float = 0.7) -> np.ndarray:
    """``Q t Q^T`` for a rotation Q: full (non-triangular) input with the eigenvalues of t up to
    the rounding of the product (the references use the rounded entries exactly)."""
    q = _rot(angle)
    return q @ t @ q.T


# (name, matrix, reference method, complex result expected)
CASES: list[tuple[str, np.ndarray, str, bool]] = [
    ("random", np.array([[2.1, -0.4], [0.7, 1.6]]), "eig", False),
    ("symmetric", np.array([[2.0, 1.0], [1.0, 2.0]]), "eig", False),
    ("lower-triangular", np.array([[4.0, 0.0], [1.0, 9.0]]), "eig", False),
    ("upper-triangular", np.array([[4.0, 1.0], [0.0, 9.0]]), "eig", False),
    ("scalar", 3.0 * np.eye(2), "eig", False),
    ("near-singular", _similar(np.array([[1e-12, 1.0], [0.0, 1.0]])), "eig", False),
    ("near-singular-diag", np.diag([1e-300, 1.0]), "eig", False),
    ("nonnormal", _similar(np.array([[1.0, 1e6], [0.0, 2.0]])), "eig", False),
    ("nonnormal-close-eigs", _similar(np.array([[1.0, 1e3], [0.0, 1.0 + 1e-6]])), "eig", False),
    ("jordan", np.array([[4.0, 1.0], [0.0, 4.0]]), "jordan", False),
    ("jordan-perturbed", np.array([[4.0, 1.0], [1e-16, 4.0]]), "eig", False),
    ("jordan-rotated", _similar(np.array([[4.0, 1.0], [0.0, 4.0]]), 0.3), "eig", False),
    ("complex-pair", np.array([[1.0, -3.0], [2.0, 1.0]]), "eig", False),
    ("complex-pair-nonnormal", _similar(np.array([[1.0, -1e4], [1e-3, 1.0]])), "eig", False),
    ("complex-pair-left-half", np.array([[-2.0, -1.0], [4.0, -1.0]]), "eig", False),
    ("complex-pair-near-cut", np.array([[-1.0, -1e-8], [1e-8, -1.0]]), "eig", False),
    ("rotation", 3.0 * _rot(2.5), "eig", False),
    ("one-negative", np.array([[-1.0, 2.0], [0.5, 3.0]]), "eig", True),
    ("both-negative", np.array([[-2.0, 1.0], [0.0, -3.0]]), "eig", True),
    ("negative-jordan", np.array([[-4.0, 1.0], [0.0, -4.0]]), "jordan", True),
    ("negative-near-singular", _similar(np.array([[-1e-10, 1.0], [0.0, 2.0]])), "eig", True),
    ("complex", np.array([[1.0 + 2.0j, 3.0], [0.5j, -1.0]]), "eig", True),
    ("complex-hermitian", np.array([[2.0, 1.0 - 1.0j], [1.0 + 1.0j, 3.0]]), "eig", True),
    ("complex-jordan", np.array([[1.0j, 1.0], [0.0, 1.0j]]), "jordan", True),
    ("complex-near-singular", np.array([[1e-12j, 1.0], [0.0, 1.0 + 1.0j]]), "eig", True),
]


def _residual_ok(x: np.ndarray, a: np.ndarray, u: float) -> bool:
    x = x.astype(np.complex128)
    res = np.linalg.norm(x @ x - a)
    return bool(res <= 16 * 3 * u * np.linalg.norm(x) ** 2)


@pytest.mark.parametrize(("name", "a", "method", "cplx"), CASES, ids=[c[0] for c in CASES])
def test_2x2_matches_mpmath_and_scipy(name: str, a: np.ndarray, method: str, cplx: bool) -> None:
    ref = mp_sqrtm(a, method=method)
    x = nnla.sqrtm(a)
    assert x.dtype == (np.complex128 if cplx else np.float64)
    assert np.all(np.isfinite(x))
    err = rel_err(x, ref)
    assert err <= C_TOL * max(kappa_sqrtm(a, ref), 1.0) * U64
    assert _residual_ok(x, a, U64)
    assert err <= 2.0 * rel_err(scipy_peer(scipy.linalg.sqrtm, a), ref) + 8.0 * U64  # last: skips


@pytest.mark.parametrize(
    ("name", "a", "method"),
    [c[:3] for c in CASES if c[0] != "near-singular-diag"],
    ids=[c[0] for c in CASES if c[0] != "near-singular-diag"],
)
def test_2x2_single_precision(name: str, a: np.ndarray, method: str) -> None:
    """float32 / complex64 are computed in double and rounded (rounding the input to single can
    move an eigenvalue across zero: the reference decides whether the root is complex)."""
    a32 = a.astype(np.complex64 if np.iscomplexobj(a) else np.float32)
    ref = mp_sqrtm(a32, method=method)
    x = nnla.sqrtm(a32)
    assert x.dtype == (np.complex64 if np.iscomplexobj(ref) else np.float32)
    kappa = kappa_sqrtm(a32.astype(np.complex128), ref)
    assert rel_err(x, ref) <= C_TOL * max(kappa, 1.0) * U32


@pytest.mark.parametrize("k", [-500, -330, -100, 100, 330, 500])
@pytest.mark.parametrize(
    "b",
    [
        pytest.param(np.array([[2.1, -0.4], [0.7, 1.6]]), id="real-eigs"),
        pytest.param(np.array([[1.0, -3.0], [2.0, 1.0]]), id="complex-pair"),
        pytest.param(np.array([[4.0, 1.0], [0.0, 1e-8]]), id="near-singular"),
    ],
)
def test_2x2_extreme_scales(b: np.ndarray, k: int) -> None:
    """sqrtm(4^k B) = 2^k sqrtm(B) exactly in binary: tiny and huge entries (the rotation and the
    block formulas scale internally; no underflow to zero, no overflow)."""
    ref = mp_sqrtm(b) * 2.0**k
    x = nnla.sqrtm(b * 4.0**k)
    assert x.dtype == np.float64
    assert rel_err(x, ref) <= C_TOL * max(kappa_sqrtm(b, mp_sqrtm(b)), 1.0) * U64


def test_2x2_random_residual_and_scipy() -> None:
    """Many random 2x2 matrices over a wide range of scales: backward stable, and within the
    accuracy of scipy where the result is real."""
    rng = np.random.default_rng(20261123)
    a = rng.standard_normal((400, 2, 2)) * 10.0 ** rng.uniform(-8, 8, (400, 1, 1))
    x = nnla.sqrtm(a)
    for k in range(a.shape[0]):
        assert _residual_ok(x[k], a[k], U64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = scipy.linalg.sqrtm(a[:50])
    for k in range(50):
        ref = mp_sqrtm(a[k])
        assert rel_err(x[k], ref) <= 2.0 * rel_err(s[k], ref) + C_TOL * U64


def test_2x2_batch_equals_single_and_thread_invariant() -> None:
    rng = np.random.default_rng(5)
    mats = [c[1] for c in CASES if not np.iscomplexobj(c[1]) and not c[3]]
    a = np.concatenate([np.stack(mats), 0.5 * rng.standard_normal((600, 2, 2)) + 4.0 * np.eye(2)])
    a = a[rng.permutation(a.shape[0])]
    one = np.stack([nnla.sqrtm(m, n_threads=1) for m in a[:64]])
    full1 = nnla.sqrtm(a, n_threads=1)
    assert np.array_equal(full1[:64], one)
    assert np.array_equal(nnla.sqrtm(a, n_threads=2), full1)
    # a negative eigenvalue somewhere turns the whole batch complex; the real results are kept
    b = np.concatenate([a, np.diag([-4.0, 1.0])[None]])
    xb = nnla.sqrtm(b, n_threads=2)
    assert xb.dtype == np.complex128
    assert np.array_equal(xb[:-1].real, full1)
    assert not np.any(xb[:-1].imag)
    assert np.array_equal(xb[-1], np.diag([2j, 1.0 + 0j]))


def test_2x2_no_square_root_and_nonfinite() -> None:
    a = np.stack([np.eye(2), np.array([[0.0, 1.0], [0.0, 0.0]]), _similar(np.diag([0.0, 0.0]))])
    with pytest.raises(nnla.errors.SingularMatrixError, match=r"at batch indices \[\(1,\)\]"):
        nnla.sqrtm(a)
    b = np.stack([np.eye(2), np.array([[np.nan, 0.0], [0.0, 1.0]])])
    x = nnla.sqrtm(b, check_finite=False)
    assert np.array_equal(x[0], np.eye(2))
    assert np.all(np.isnan(x[1]))
