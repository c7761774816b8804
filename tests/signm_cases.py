"""Test matrices and high-precision references for ``nnla.signm`` and ``nnla.expm_frechet``.

This module holds no tests.  It provides

* :func:`mp_signm` -- ``sign(A) = V sign(Re Lambda) V^-1`` from mpmath's eigendecomposition at
  >= 50 digits, from the exact binary values of the entries (mpmath's ``sqrtm`` route,
  ``A (A^2)^(-1/2)``, was tried and returns a non-principal root for some complex matrices);
* :func:`mp_expm_frechet` -- ``(expm(A), L(A, E))`` from the block identity
  ``expm([[A, E], [0, A]]) = [[expm(A), L(A, E)], [0, expm(A)]]`` in mpmath;
* :func:`mp_expm_frechet_fd` -- ``L(A, E)`` by a central difference ``(expm(A + hE) -
  expm(A - hE)) / 2h`` with ``h = 10^-30`` at 100 digits (truncation error ~1e-60);
* :func:`kron_cond_exact` -- the 1-norm condition number of expm from the Kronecker form built
  column by column with ``scipy.linalg.expm_frechet`` (an independent implementation);
* generators of matrices with eigenvalues away from the imaginary axis.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import scipy.linalg

__all__ = [
    "U32",
    "U64",
    "kron_cond_exact",
    "mp_expm_frechet",
    "mp_expm_frechet_fd",
    "mp_signm",
    "nonnormal_triangular",
    "rel_err",
    "with_eigenvalues",
]

U64: float = 2.0**-53
U32: float = 2.0**-24


def rel_err(x: np.ndarray, ref: np.ndarray) -> float:
    """Relative Frobenius error ``||x - ref||_F / ||ref||_F`` (``||x||_F`` when ref is zero)."""
    x = np.asarray(x).astype(np.complex128)
    ref = np.asarray(ref).astype(np.complex128)
    nr = float(np.linalg.norm(ref))
    if nr == 0.0:
        return float(np.linalg.norm(x))
    return float(np.linalg.norm(x - ref) / nr)


def _exact(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a.astype(np.complex128) if np.iscomplexobj(a) else a.astype(np.float64)


def _to_np(m: mpmath.matrix, is_complex: bool) -> np.ndarray:
    conv = complex if is_complex else float
    return np.array([[conv(m[i, j]) for j in range(m.cols)] for i in range(m.rows)])


@functools.cache
def _mp_signm_cached(dtype: str, n: int, data: bytes, dps: int) -> np.ndarray:
    a = np.frombuffer(data, dtype=np.dtype(dtype)).reshape(n, n)
    with mpmath.workdps(dps):
        m = mpmath.matrix(a.tolist())
        w, v = mpmath.eig(m)
        sg = mpmath.diag([1 if mpmath.re(x) > 0 else -1 for x in w])
        s = v * sg * mpmath.inverse(v)
        out = _to_np(s, True)
    return out if np.iscomplexobj(a) else out.real.copy()


def mp_signm(a: np.ndarray, dps: int = 50) -> np.ndarray:
    """Reference ``sign(a)`` of one diagonalizable matrix (eigenvalues away from the axis)."""
    if dps < 50:
        raise ValueError("reference precision must be at least 50 digits")
    a = np.ascontiguousarray(_exact(a))
    return _mp_signm_cached(a.dtype.str, a.shape[0], a.tobytes(), dps)


@functools.cache
def _mp_frechet_cached(dtype: str, n: int, data_a: bytes, data_e: bytes, dps: int) -> tuple:
    a = np.frombuffer(data_a, dtype=np.dtype(dtype)).reshape(n, n)
    e = np.frombuffer(data_e, dtype=np.dtype(dtype)).reshape(n, n)
    big = np.zeros((2 * n, 2 * n), dtype=a.dtype)
    big[:n, :n] = a
    big[n:, n:] = a
    big[:n, n:] = e
    with mpmath.workdps(dps):
        x = mpmath.expm(mpmath.matrix(big.tolist()))
        out = _to_np(x, np.iscomplexobj(a))
    return out[:n, :n], out[:n, n:]


def mp_expm_frechet(a: np.ndarray, e: np.ndarray, dps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Reference ``(expm(a), L(a, e))`` of one matrix pair by the 2d x 2d block identity."""
    if dps < 50:
        raise ValueError("reference precision must be at least 50 digits")
    dt = np.result_type(_exact(a), _exact(e))
    a = np.ascontiguousarray(np.asarray(a).astype(dt))
    e = np.ascontiguousarray(np.asarray(e).astype(dt))
    return _mp_frechet_cached(dt.str, a.shape[0], a.tobytes(), e.tobytes(), dps)


def mp_expm_frechet_fd(a: np.ndarray, e: np.ndarray, dps: int = 100) -> np.ndarray:
    """Reference ``L(a, e)`` by a central difference at ``h = 1e-30`` in ``dps`` digits."""
    dt = np.result_type(_exact(a), _exact(e))
    is_complex = dt.kind == "c"
    with mpmath.workdps(dps):
        ma = mpmath.matrix(np.asarray(a).astype(dt).tolist())
        me = mpmath.matrix(np.asarray(e).astype(dt).tolist())
        h = mpmath.mpf(10) ** -30
        d = (mpmath.expm(ma + h * me) - mpmath.expm(ma - h * me)) / (2 * h)
        return _to_np(d, is_complex)


def kron_cond_exact(a: np.ndarray) -> float:
    """``||K(A)||_1 ||A||_1 / ||expm(A)||_1`` with K's columns ``vec L(A, E_ij)`` from scipy."""
    a = _exact(a)
    n = a.shape[0]
    best = 0.0
    x = scipy.linalg.expm(a)
    for i in range(n):
        for j in range(n):
            ee = np.zeros_like(a)
            ee[i, j] = 1.0
            _, lij = scipy.linalg.expm_frechet(a, ee)
            best = max(best, float(np.abs(lij).sum()))
    na = float(np.abs(a).sum(axis=0).max())
    nx = float(np.abs(x).sum(axis=0).max())
    return best * na / nx


def with_eigenvalues(
    rng: np.random.Generator, eigs: np.ndarray, *, complex_basis: bool = False, cond: float = 10.0
) -> np.ndarray:
    """``V diag(eigs) V^-1`` with a random V of 2-norm condition number ``cond`` (complex when
    ``eigs`` is complex or ``complex_basis`` is set)."""
    n = len(eigs)
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    if complex_basis:
        q1 = q1 @ np.diag(np.exp(1j * rng.uniform(0, 2 * np.pi, n)))
    sv = np.geomspace(1.0, cond, n)
    v = q1 @ np.diag(sv) @ q2.T
    return v @ np.diag(eigs) @ np.linalg.inv(v)


def nonnormal_triangular(rng: np.random.Generator, n: int, offdiag: float) -> np.ndarray:
    """Upper triangular with diagonal +-(0.5..2) of both signs and off-diagonal N(0, offdiag^2)."""
    diag = rng.uniform(0.5, 2.0, n) * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    t = np.triu(rng.standard_normal((n, n)) * offdiag, 1)
    return t + np.diag(diag)
