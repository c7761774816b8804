"""The Denman-Beavers fast path of ``nnla.sqrtm``, orders 3..16 (sqrtm_newton_kernel.cpp).

Each matrix is first given to the scaled product-form Denman-Beavers iteration; its result is
used only if the iteration converged and ``||X^2 - A||_F <= d u ||X||_F^2``, otherwise the Schur
method decides for that matrix. ``nnla._core._sqrtm_newton`` (tests only) reports for a float64 /
complex128 stack whether the iteration accepted each matrix and its root there, so these tests
check that the path is taken where it should be (well-conditioned matrices of every order and
dtype) and not where it must not be (negative or zero eigenvalues, Jordan blocks at 0, near
singular, highly nonnormal or ill-conditioned matrices, upper triangular input), that
``nnla.sqrtm`` returns exactly the accepted root, and that both kinds of matrix are accurate
against independent references: mpmath at 60 digits (tests/references.py) for d <= 8 and dense
LAPACK (scipy.linalg.sqrtm: gees and a triangular recurrence) above, within
``C_TOL * max(1, d / 6) * max(kappa, 1) * u``. Mixed batches give bitwise the results of one-at-a-
time calls on any number of threads.
"""

from __future__ import annotations

import nnla
import numpy as np
import pytest
import scipy.linalg
from logm_cases import C_TOL
from nnla import _core
from references import (
    U32,
    U64,
    kappa_sqrtm,
    mp_sqrtm,
    near_identity,
    orth,
    rel_err,
    with_eigenvalues,
)


def _tol(kappa: float, d: int, u: float = U64) -> float:
    return C_TOL * max(1.0, d / 6.0) * max(kappa, 1.0) * u


def _near_2i(d: int, seed: int, cplx: bool = False, n: int | None = None) -> np.ndarray:
    """2 I + G / (2 sqrt(d)): eigenvalues in a disc around 2 (well conditioned, the fast path)."""
    return near_identity(np.random.default_rng([31, d, seed]), d, cplx=cplx, n=n)


def _reference(a: np.ndarray) -> np.ndarray:
    d = a.shape[0]
    if d <= 8:
        return mp_sqrtm(a)
    return scipy.linalg.sqrtm(a)


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("d", [3, 4, 5, 7, 8, 11, 16])
def test_fast_path_taken_and_accurate(d: int, cplx: bool) -> None:
    a = _near_2i(d, 0, cplx)
    root, accepted = _core._sqrtm_newton(a[None])
    assert accepted.tolist() == [True]
    x = nnla.sqrtm(a)
    assert x.dtype == a.dtype
    assert np.array_equal(x, root[0])  # nnla.sqrtm returns exactly the accepted iterate
    ref = _reference(a)
    assert rel_err(x, ref) <= _tol(kappa_sqrtm(a, ref), d)
    # the acceptance rule (evaluated in another order here: allow the rounding of that)
    assert np.linalg.norm(x @ x - a) <= 2 * d * U64 * np.linalg.norm(x) ** 2


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("d", [4, 8, 16])
def test_fast_path_on_random_batches(d: int, cplx: bool) -> None:
    """Nearly every benchmark matrix is accepted, and accepted roots beat dense LAPACK's residual
    scale: ||X^2 - A||_F <= d u ||X||_F^2 against the Schur method's typical 0.5-6 d u."""
    a = _near_2i(d, 1, cplx, n=40)
    root, accepted = _core._sqrtm_newton(a)
    assert accepted.mean() >= 0.9
    x = nnla.sqrtm(a)
    assert np.array_equal(x[accepted], root[accepted])
    res = np.linalg.norm(x @ x - a, axis=(1, 2)) / np.linalg.norm(x, axis=(1, 2)) ** 2
    assert np.all(res[accepted] <= 2 * d * U64)
    ref = scipy.linalg.sqrtm(a[0])
    assert rel_err(x[0], ref) <= _tol(10.0, d)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
@pytest.mark.parametrize("d", [3, 4, 8, 16])
def test_single_precision_is_the_double_computation_rounded(d: int, dtype: object) -> None:
    # seed 7: the rounded matrices pass the residual test with a margin (<= 0.51 d u ||X||_F^2 on
    # every ISA variant; near the threshold the variants' roundings can decide differently)
    a = _near_2i(d, 7, np.dtype(dtype).kind == "c").astype(dtype)
    wide = a.astype(np.complex128 if np.dtype(dtype).kind == "c" else np.float64)
    assert _core._sqrtm_newton(wide[None])[1].tolist() == [True]
    x = nnla.sqrtm(a)
    assert x.dtype == dtype
    assert np.array_equal(x, nnla.sqrtm(wide).astype(dtype))
    ref = _reference(wide)
    assert rel_err(x, ref) <= _tol(kappa_sqrtm(wide, ref), d, U32)


def _fallback_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(20261124)
    out: list[tuple[str, np.ndarray]] = []

    def similar(ev: list[float], cond: float) -> np.ndarray:
        return with_eigenvalues(rng, ev, cond=cond)

    out.append(("negative-eigenvalue-3", similar([-1.0, 2.0, 3.0], 5.0)))
    out.append(("two-negative-eigenvalues-4", similar([-1.0, -2.0, 2.0, 3.0], 5.0)))
    q = orth(rng, 4)
    out.append(("semisimple-zero-4", q @ np.diag([0.0, 0.0, 1.0, 2.0]) @ q.T))
    out.append(("near-singular-5", similar([1e-9, 0.5, 1.0, 2.0, 3.0], 5.0)))
    out.append(("nonnormal-6", similar([0.5, 1.0, 1.5, 2.0, 3.0, 4.0], 1e5)))
    q = orth(rng, 8)
    out.append(("spd-cond-1e8", q @ np.diag(np.logspace(0, 8, 8)) @ q.T))
    out.append(
        ("upper-triangular-5", np.triu(rng.standard_normal((5, 5))) + np.diag([1.0, 2, 3, 4, 5]))
    )
    ev = np.array([-1.0 + 1e-7j, 2.0, 3.0 + 1j])
    s = orth(rng, 3) + 1j * orth(rng, 3)
    out.append(("complex-near-cut-3", s @ np.diag(ev) @ np.linalg.inv(s)))
    out.append(("rotation-by-pi-minus-1e-9", _rotation_block(np.pi - 1e-9)))
    return out


def _rotation_block(t: float) -> np.ndarray:
    """4x4: a rotation by t (eigenvalues exp(+-it) next to -1) and a 2x2 positive block."""
    a = np.zeros((4, 4))
    a[:2, :2] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    a[2:, 2:] = [[2.0, 0.5], [0.1, 3.0]]
    q = orth(np.random.default_rng(5), 4)
    return q @ a @ q.T


FALLBACK = _fallback_cases()


@pytest.mark.parametrize(("name", "a"), FALLBACK, ids=[c[0] for c in FALLBACK])
def test_fallback_cases_take_the_schur_method(name: str, a: np.ndarray) -> None:
    _, accepted = _core._sqrtm_newton(a[None])
    assert accepted.tolist() == [False]
    x = nnla.sqrtm(a)
    assert np.all(np.isfinite(x))
    ref = mp_sqrtm(a)
    kappa = kappa_sqrtm(a, ref)
    if name == "semisimple-zero-4":  # sqrt of an O(u) eigenvalue perturbation: O(sqrt(u))
        assert rel_err(x, ref) <= 1e-7
    else:
        assert rel_err(x, ref) <= _tol(kappa, a.shape[0])
    assert np.linalg.norm(x @ x - a) <= 16 * (a.shape[0] + 1) * U64 * np.linalg.norm(x) ** 2


def test_jordan_block_at_zero_still_raises() -> None:
    a = np.diag([0.0, 0.0, 2.0, 3.0])
    a[1, 0] = 1.0  # lower triangular (not left out as triangular input): a Jordan block at 0
    assert _core._sqrtm_newton(a[None])[1].tolist() == [False]
    with pytest.raises(nnla.errors.SingularMatrixError, match="has no square root"):
        nnla.sqrtm(a)


@pytest.mark.parametrize("k", [-480, -150, -2, 2, 150, 500])
def test_power_of_two_scaling_is_exact(k: int) -> None:
    """The iteration runs on A scaled by an even power of two (no overflow or underflow), so
    sqrtm(4^k A) = 2^k sqrtm(A) exactly on the fast path."""
    a = _near_2i(6, 3)
    scaled = np.ldexp(a, 2 * k)
    assert _core._sqrtm_newton(np.stack([a, scaled]))[1].tolist() == [True, True]
    assert np.array_equal(nnla.sqrtm(scaled), np.ldexp(nnla.sqrtm(a), k))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
def test_mixed_batch_equals_single_calls_and_threads(dtype: object) -> None:
    """Accepted and fallback matrices (and, for real input, one with a complex root) in one
    batch: bitwise the one-at-a-time results, on 1 and 2 threads."""
    cplx = np.dtype(dtype).kind == "c"
    mats = [_near_2i(5, s, cplx) for s in range(6)]
    mats += [
        c[1].astype(np.complex128) if cplx else c[1].real for c in FALLBACK if c[1].shape[0] == 5
    ]
    mats.append(np.diag([4.0, 1.0, 9.0, 0.25, 2.0]) + np.eye(5, k=-1))
    if not cplx:
        mats.append(np.diag([-4.0, 1.0, 9.0, 0.25, 2.0]) + np.eye(5, k=1))  # complex root
    a = np.stack(mats * 3).astype(dtype)
    wide = a.astype(np.complex128 if cplx else np.float64)
    accepted = _core._sqrtm_newton(wide)[1]
    assert accepted.any()
    assert not accepted.all()
    one = nnla.sqrtm(a, n_threads=1)
    assert np.array_equal(one, nnla.sqrtm(a, n_threads=2))
    for k in range(a.shape[0]):
        single = nnla.sqrtm(a[k], n_threads=1)
        assert np.array_equal(one[k].real, single.real)
        assert np.array_equal(one[k].imag, np.imag(single))


def test_outside_the_fast_path_orders() -> None:
    for d in (2, 17):
        a = _near_2i(d, 4)
        assert _core._sqrtm_newton(a[None])[1].tolist() == [False]
    with pytest.raises(ValueError, match="float64 or complex128"):
        _core._sqrtm_newton(np.eye(3, dtype=np.float32)[None])
