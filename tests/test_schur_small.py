"""The small-matrix Schur paths of ``nnla.sqrtm`` / ``nnla.logm`` (cpp/matfun/schur*.cpp).

Input of order 3..74 whose entries are within gees' scaling range is reduced to Hessenberg form by
LAPACK's unblocked gehd2 / org2r (ung2r) called directly, or for real input of order <= 32 by a
hand-written transcription of them (schur_kernel.cpp); the QR iteration is then a hand-written
transcription of dlahqr (real input) or zlahqr itself (complex input). Everything else (order 1,
order above 74, entries so large or small that gees would scale the matrix, or no convergence of
the QR iteration) goes to gees. Nothing of this is public, so these tests check the results at the
sizes that use each path against independent references: mpmath at 60 digits
(tests/references.py) for d <= 16 and dense LAPACK (scipy.linalg.sqrtm, which runs gees) above,
within C_TOL * max(kappa, 1) * u, including matrices on which the plain Francis shifts stall
(cyclic permutations: exceptional shifts), Jordan blocks given in lower triangular form (the QR
iteration has to do all the work), reducible matrices (immediate deflation) and scaled matrices
that take the gees fallback.
"""

from __future__ import annotations

import nnla
import numpy as np
import pytest
import scipy.linalg
from logm_cases import C_TOL
from references import (
    U64,
    kappa_logm,
    kappa_sqrtm,
    mp_logm,
    mp_sqrtm,
    near_identity,
    orth,
    rel_err,
    with_eigenvalues,
)


def _tol(kappa: float, d: int) -> float:
    # C_TOL covers d <= 6; the backward error of the Schur factorization grows like d.
    return C_TOL * max(1.0, d / 6.0) * max(kappa, 1.0) * U64


def _cyclic(d: int) -> np.ndarray:
    """The cyclic permutation e_i -> e_{i+1}: eigenvalues the d-th roots of unity, a Hessenberg
    matrix on which the standard Francis double shift stalls (zero shifts) until an exceptional
    shift."""
    return np.roll(np.eye(d), 1, axis=0)


def _random(d: int, seed: int, cplx: bool = False) -> np.ndarray:
    return near_identity(np.random.default_rng([20261123, d, seed]), d, cplx=cplx)


def _nonnormal(d: int, cond: float) -> np.ndarray:
    return with_eigenvalues(np.random.default_rng([7, d]), np.linspace(0.5, 4.0, d), cond=cond)


def _block_real(d: int) -> np.ndarray:
    """Rotation-scaling 2x2 blocks (complex pairs) and real eigenvalues, coupled, in a random
    orthogonal basis: the real Schur form has standardised 2x2 blocks."""
    rng = np.random.default_rng([11, d])
    t = np.triu(rng.standard_normal((d, d)), 1) * 0.5
    j = 0
    while j + 1 < d:
        t[j : j + 2, j : j + 2] = [[1.0 + 0.1 * j, -2.0], [0.5, 1.0 + 0.1 * j]]
        j += 3
    for k in range(d):
        if t[k, k] == 0.0:
            t[k, k] = 1.5 + 0.05 * k
    q = orth(rng, d)
    return q @ t @ q.T


SMALL_REAL = [
    ("cyclic-3", _cyclic(3), "eig"),
    ("cyclic-5", _cyclic(5), "eig"),
    ("cyclic-7", _cyclic(7), "eig"),
    ("random-3", _random(3, 0), "eig"),
    ("random-4", _random(4, 0), "eig"),
    ("random-8", _random(8, 0), "eig"),
    ("random-16", _random(16, 0), "eig"),
    ("nonnormal-6", _nonnormal(6, 1e3), "eig"),
    ("blocks-7", _block_real(7), "eig"),
    ("reducible-5", scipy.linalg.block_diag(_random(2, 1), [[3.0]], _random(2, 2)), "eig"),
    # already (partly) reduced: Householder reflectors with tau = 0 in the Hessenberg reduction
    ("hessenberg-6", np.triu(_random(6, 7), -1), "eig"),
    ("triangular-5", np.triu(_random(5, 8)), "eig"),
    ("nonnormal-12", _nonnormal(12, 1e2), "eig"),
]


@pytest.mark.parametrize(("name", "a", "method"), SMALL_REAL, ids=[c[0] for c in SMALL_REAL])
def test_small_real_sqrtm_matches_mpmath(name: str, a: np.ndarray, method: str) -> None:
    ref = mp_sqrtm(a, method=method)
    x = nnla.sqrtm(a)
    assert x.dtype == np.float64
    assert rel_err(x, ref) <= _tol(kappa_sqrtm(a, ref), a.shape[0])


@pytest.mark.parametrize(
    ("name", "a", "method"), SMALL_REAL[:6], ids=[c[0] for c in SMALL_REAL[:6]]
)
def test_small_real_logm_matches_mpmath(name: str, a: np.ndarray, method: str) -> None:
    ref = mp_logm(a, method=method)
    x = nnla.logm(a)
    assert x.dtype == np.float64
    assert rel_err(x, ref) <= _tol(kappa_logm(a, ref), a.shape[0])


@pytest.mark.parametrize("d", [3, 4, 6])
def test_lower_jordan_block(d: int) -> None:
    """J^T for the Jordan block J at 2: Hessenberg with every subdiagonal 1, the QR iteration must
    converge to the (defective) eigenvalue; sqrtm(J^T) = sqrtm(J)^T, logm likewise."""
    j = 2.0 * np.eye(d) + np.eye(d, k=1)
    for f, mp_f, kap in ((nnla.sqrtm, mp_sqrtm, kappa_sqrtm), (nnla.logm, mp_logm, kappa_logm)):
        ref = mp_f(j, method="jordan").T
        x = f(j.T)
        assert np.all(np.isfinite(x))
        # the computed Schur form splits the eigenvalue by ~u^(1/d); the function itself is
        # analytic there, so the error stays at kappa u times a d-dependent constant
        assert rel_err(x, ref) <= _tol(kap(j.T, ref), d), f.__name__


def test_even_cyclic_has_complex_root() -> None:
    """cyclic-6 has the eigenvalue -1: the complex route from rsf2csf of the hand-computed form."""
    a = _cyclic(6)
    ref = mp_sqrtm(a)
    x = nnla.sqrtm(a)
    assert x.dtype == np.complex128
    assert rel_err(x, ref) <= _tol(kappa_sqrtm(a, ref), 6)


@pytest.mark.parametrize("d", [3, 5, 8])
def test_small_complex_matches_mpmath(d: int) -> None:
    """Complex input of order 3..74: zgehd2 + zung2r + zlahqr called directly."""
    a = _random(d, 3, cplx=True)
    ref = mp_sqrtm(a)
    x = nnla.sqrtm(a)
    assert rel_err(x, ref) <= _tol(kappa_sqrtm(a, ref), d)
    refl = mp_logm(a)
    assert rel_err(nnla.logm(a), refl) <= _tol(kappa_logm(a, refl), d)


@pytest.mark.parametrize(
    ("d", "cplx"),
    [(24, False), (32, False), (33, False), (64, False), (70, False), (80, False), (24, True)],
)
def test_medium_matches_lapack_gees(d: int, cplx: bool) -> None:
    """The direct path (d <= 74; hand-written Hessenberg reduction up to 32) and gees (80)
    against scipy's gees-based sqrtm."""
    a = _random(d, 4, cplx=cplx)
    ref = scipy.linalg.sqrtm(a)
    x = nnla.sqrtm(a)
    kappa = kappa_sqrtm(a, ref) if d <= 24 else 10.0  # kappa ~ 2 for these; the SVD is O(d^6)
    assert rel_err(x, ref) <= _tol(kappa, d)
    assert np.linalg.norm(x @ x - a) <= 16 * (d + 1) * U64 * np.linalg.norm(x) ** 2


@pytest.mark.parametrize("scale", [1e-200, 1e200])
@pytest.mark.parametrize("d", [4, 40, 70])
def test_scaled_input_takes_gees_fallback(scale: float, d: int) -> None:
    """Entries outside gees' scaling range: the direct path leaves the matrix to gees."""
    a = _random(d, 5)
    x = nnla.sqrtm(a * scale)
    ref = scipy.linalg.sqrtm(a) * np.sqrt(scale)
    assert rel_err(x, ref) <= _tol(10.0, d)


def test_cyclic_batch_equals_single_and_thread_invariant() -> None:
    """The exceptional-shift path gives bitwise the same results batched, one at a time and on
    any number of threads."""
    mats = [_cyclic(7), _random(7, 6), _nonnormal(7, 1e2), _cyclic(7).T]
    a = np.stack(mats * 3)
    for f in (nnla.sqrtm, nnla.logm):
        one = np.stack([f(m, n_threads=1) for m in a])
        assert np.array_equal(f(a, n_threads=1), one)
        assert np.array_equal(f(a, n_threads=2), one)
