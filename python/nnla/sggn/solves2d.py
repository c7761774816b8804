"""The symmetric positive semidefinite solves of the 2D engine (the linear step ``A c = f`` and
the Gauss-Newton direction ``H q = g``), with their accuracy checked.

Both matrices are exact (assembled in closed form) and Jacobi scaled; they are singular to
working precision once lines cluster (``kappa`` beyond ``1/u``, relu-matrices.md), so a plain
Cholesky factorization breaks down or returns garbage. Three solvers:

``"cholesky"`` (default)
    Cholesky of the Jacobi-scaled matrix shifted by ``delta I`` (LAPACK ``dpotrf``, blocked,
    Level 3), ``delta = N u`` to start and ``100x`` larger while the factorization breaks down
    (at most :data:`MAX_SHIFTS` tries), then preconditioned conjugate gradients on the exact
    (unshifted) matrix with that factor as the preconditioner (at most :data:`REFINE_STEPS`
    steps) until the relative residual is below the tolerance. The shifted factor solves every
    eigencomponent above ``delta`` at once; CG recovers those below it, as far as the
    right-hand side determines them. Every CG iterate lowers the quadratic model
    ``1/2 x^T M x - rhs^T x``, so a stopped iteration is still a descent direction, but a solve
    whose residual misses the tolerance is not returned: it falls back to ``"eigh"``.
    ~N^3/3 flops at BLAS speed (measured on 2 cores: dpotrf at N = 3072 in 0.21 s, N = 12 288
    in 8.1 s, 76 GFlop/s).
    With ``overwrite=True`` the matrix itself holds the factor (its upper triangle in C order)
    beside the exact scaled matrix (its lower triangle): no second N x N array.
``"pivoted"``
    Cholesky with diagonal pivoting (LAPACK ``dpstrf``, Higham's rank-revealing factorization of
    a semidefinite matrix) stopped when the largest remaining pivot is below
    :data:`PIVOT_TOL` (the diagonal is 1 after scaling): ``P^T M P = L L^T`` with ``L`` of rank
    ``r``; the solution is the basic one on the ``r`` pivoted unknowns (the others 0). The same
    flop count as ``"cholesky"`` but mostly Level 2 in OpenBLAS: ~25x slower (N = 3072: 5.2 s).
``"eigh"``
    The truncated symmetric eigendecomposition (eigenvalues below :data:`EIG_RCOND` of the
    largest dropped): the minimum-norm solution, backward stable, ~9 N^3 flops: the slow
    reference.

Every solve is checked against the exact ``M``: it passes when its relative residual
``||M x - rhs|| / ||rhs||`` is at most :data:`RESIDUAL_TOL` or its scaled normwise backward
error ``||M_s x_s - r_s|| / (||M_s||_F ||x_s|| + ||r_s||)`` (``M_s = D^-1 M D^-1``,
``x_s = D x``, ``r_s = D^-1 rhs``) is at most :data:`BACKWARD_TOL`: the residual of a
backward-stable solve, which is all that rounding allows when ``x`` is large along the
near-null directions (measured: the truncated eigendecomposition itself leaves ``1e-7`` in
relative residual there). A ``"cholesky"`` or ``"pivoted"`` solve that fails the check falls
back to ``"eigh"`` and the solve with the smaller residual is kept, so a poor direction is never
returned silently. The 2D engine records the relative residual of the Gauss-Newton solve,
recomputed with the matrix-free exact product, in ``history["solve_residual"]``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sl
from scipy.linalg.blas import dsymv
from scipy.linalg.lapack import dpotrf, dpotrs, dpstrf

__all__ = ["BACKWARD_TOL", "EIG_RCOND", "MAX_SHIFTS", "PIVOT_TOL", "REFINE_STEPS",
           "RESIDUAL_TOL", "SOLVERS", "psd_solve_checked"]

#: Truncation of the eigendecomposition, relative to the largest eigenvalue.
EIG_RCOND = 1e-13
#: Pivots (of the unit-diagonal scaled matrix) below this end the pivoted Cholesky.
PIVOT_TOL = 1e-13
#: A solve passes with a relative residual ``||M x - rhs|| / ||rhs||`` at most this, or with a
#: scaled backward error at most :data:`BACKWARD_TOL`.
RESIDUAL_TOL = 1e-9
#: A solve also passes with a scaled normwise backward error
#: ``||M_s x_s - r_s|| / (||M_s||_F ||x_s|| + ||r_s||)`` at most this (``M_s = D^-1 M D^-1`` the
#: Jacobi-scaled matrix): the residual of a backward-stable solve, the floor when ``x`` is large
#: along the near-null directions.
BACKWARD_TOL = 1e-15
#: Conjugate-gradient steps of ``"cholesky"`` on the exact matrix after the shifted factor.
REFINE_STEPS = 30
#: Shifts ``N u, 100 N u, ...`` tried by ``"cholesky"`` before it falls back.
MAX_SHIFTS = 4
#: The solver names :func:`nnla.sggn.fit` accepts in 2D (the first is the default).
SOLVERS = ("cholesky", "pivoted", "eigh")

_U = float(np.finfo(np.float64).eps)


def _jacobi(m: np.ndarray) -> np.ndarray:
    """``d`` with ``D^-1 m D^-1`` of unit diagonal (1 where the diagonal is not positive)."""
    d = np.sqrt(np.maximum(np.diag(m), 0.0))
    return np.where(d > 0, d, 1.0)


def _scaled(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``D^-1 m D^-1`` (a new Fortran-ordered array; only its lower triangle is read by LAPACK)
    and ``d``, ``D = diag(d)``."""
    d = _jacobi(m)
    inv = 1.0 / d
    # m is symmetric: its transpose is the same matrix, Fortran-ordered when m is C-ordered
    ms = np.multiply(m.T, inv[None, :], order="K")
    ms *= inv[:, None]
    if not ms.flags.f_contiguous:
        ms = np.asfortranarray(ms)
    return ms, d


def _eigh(ms: np.ndarray, rs: np.ndarray) -> np.ndarray:
    # scipy's LAPACK (the BLAS nnla calls, with its threads; numpy's own is kept serial during
    # a 2D fit), the divide-and-conquer driver
    lam, vec = sl.eigh(ms, lower=True, driver="evd", check_finite=False)
    keep = lam > EIG_RCOND * max(float(lam[-1]), 0.0)
    if not np.any(keep):
        return np.zeros_like(rs)
    z = vec[:, keep].T @ rs
    return vec[:, keep] @ (z / lam[keep])


def _pivoted(ms: np.ndarray, rs: np.ndarray) -> np.ndarray:
    c, piv, rank, info = dpstrf(ms, lower=1, tol=PIVOT_TOL, overwrite_a=1)
    if info < 0:
        raise ValueError(f"dpstrf: illegal argument {-info}")
    out = np.zeros_like(rs)
    if rank == 0:
        return out
    sel = piv[:rank] - 1
    low = c[:rank, :rank]
    y = sl.solve_triangular(low, rs[sel], lower=True, check_finite=False)
    out[sel] = sl.solve_triangular(low, y, lower=True, trans="T", check_finite=False)
    return out


def _mirror_lower(a: np.ndarray, diag: np.ndarray, block: int = 512) -> None:
    """Copy the strict lower triangle of the C-ordered ``a`` onto its upper triangle and set its
    diagonal to ``diag``, in column blocks (no N x N temporaries)."""
    n = a.shape[0]
    for j0 in range(0, n, block):
        j1 = min(n, j0 + block)
        a[j0:j1, j1:] = a[j1:, j0:j1].T
        blk = a[j0:j1, j0:j1]
        iu = np.triu_indices(j1 - j0, 1)
        blk[iu] = blk.T[iu]
    a[np.diag_indices(n)] = diag


class _ShiftedCholesky:
    """The exact scaled matrix (lower triangle of the C-ordered ``a``, diagonal kept aside) and
    the Cholesky factor of it plus ``delta I`` (upper triangle of ``a`` = lower of ``a.T``)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a
        self.f = a.T  # Fortran view: LAPACK's lower triangle is a's upper one
        self.diag = np.diag(a).copy()
        self.delta = 0.0
        self.ok = False
        n = a.shape[0]
        delta = n * _U
        for _ in range(MAX_SHIFTS):
            self.f[np.diag_indices(n)] = self.diag + delta
            _, info = dpotrf(self.f, lower=1, overwrite_a=1, clean=0)
            if info < 0:
                raise ValueError(f"dpotrf: illegal argument {-info}")
            if info == 0:
                self.ok, self.delta = True, delta
                break
            _mirror_lower(a, self.diag)  # the failed factorization overwrote the upper triangle
            delta *= 100.0
        self.fix = self.diag - np.diag(self.f)

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """The exact scaled matrix times ``x`` (BLAS ``dsymv`` on the kept triangle)."""
        return dsymv(1.0, self.f, x, lower=0) + self.fix * x

    def precondition(self, r: np.ndarray) -> np.ndarray:
        return dpotrs(self.f, r, lower=1)[0]

    def restore(self) -> np.ndarray:
        """``a`` back to the full scaled matrix (the factor is lost)."""
        _mirror_lower(self.a, self.diag)
        return self.a


def _cholesky(ch: _ShiftedCholesky, rs: np.ndarray, d: np.ndarray, target: float,
              norm_m: float) -> np.ndarray:
    """Shifted-factor solve, then preconditioned CG on the exact scaled matrix until the
    (recursively updated) residual meets the tolerance: ``||D (M_s x - r_s)|| <= target`` (the
    caller's units) or the backward-error level of :data:`BACKWARD_TOL`; at most
    :data:`REFINE_STEPS` steps, fewer when six steps bring no new smallest residual."""
    nrs = float(np.linalg.norm(rs))

    def done(x: np.ndarray, r: np.ndarray) -> bool:
        return bool(np.linalg.norm(d * r) <= target or np.linalg.norm(r)
                    <= 0.25 * BACKWARD_TOL * (norm_m * np.linalg.norm(x) + nrs))

    x = ch.precondition(rs)
    r = rs - ch.matvec(x)
    if done(x, r):
        return x
    z = ch.precondition(r)
    p = z.copy()
    rz = float(r @ z)
    least, stall = float(np.linalg.norm(r)), 0
    for _ in range(REFINE_STEPS):
        ap = ch.matvec(p)
        pap = float(p @ ap)
        if not (pap > 0 and rz > 0):
            break
        alpha = rz / pap
        x = x + alpha * p  # every CG step lowers the model 1/2 x^T M x - r^T x
        r = r - alpha * ap
        nr = float(np.linalg.norm(r))
        stall = 0 if nr < least else stall + 1
        least = min(least, nr)
        if done(x, r) or stall >= 6:
            break
        z = ch.precondition(r)
        rz_new = float(r @ z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x


def _accepted(r: np.ndarray, x: np.ndarray, rhs: np.ndarray, d: np.ndarray, norm_m: float,
              target: float) -> bool:
    """The residual check: ``||r|| <= target`` or the scaled backward error at most
    :data:`BACKWARD_TOL`."""
    if np.linalg.norm(r) <= target:
        return True
    den = norm_m * float(np.linalg.norm(x * d)) + float(np.linalg.norm(rhs / d))
    return bool(np.linalg.norm(r / d) <= BACKWARD_TOL * den)


def psd_solve_checked(m: np.ndarray, rhs: np.ndarray, method: str = "cholesky", *,
                      overwrite: bool = False
                      ) -> tuple[np.ndarray, float, str]:
    """Solve ``m x = rhs`` for a symmetric positive semidefinite ``m`` (module docstring).

    Parameters
    ----------
    m : ndarray, shape (N, N)
        Symmetric positive semidefinite (both triangles set), float64.
    rhs : ndarray, shape (N,)
        The right-hand side, float64.
    method : {"cholesky", "pivoted", "eigh"}, default "cholesky"
        The solver (module docstring).
    overwrite : bool, default False
        ``"cholesky"`` only: use ``m`` (C-contiguous) as its workspace instead of a copy. On
        return ``m`` holds the scaled matrix and the factor, not the input.

    Returns
    -------
    x : ndarray, shape (N,)
        The solution (a minimiser of ``1/2 x^T m x - rhs^T x`` to the tolerance).
    residual : float
        ``||m x - rhs|| / ||rhs||`` against the exact ``m`` (0 when ``rhs`` is 0).
    used : str
        The solver whose solution is returned (``"eigh"`` after a fallback).

    Raises
    ------
    ValueError
        An unknown ``method``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.sggn.solves2d import psd_solve_checked
    >>> v = np.vander(np.linspace(0, 1, 12), 12, increasing=True)
    >>> m = v.T @ v                     # Hilbert-like, kappa ~ 1e16
    >>> x, res, used = psd_solve_checked(m, m @ np.ones(12))
    >>> used, bool(res < 1e-9)
    ('cholesky', True)
    """
    if method not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {method!r}")
    nr = float(np.linalg.norm(rhs))
    target = RESIDUAL_TOL * nr

    if method == "cholesky":
        d = _jacobi(m)
        inv = 1.0 / d
        keep_m = not (overwrite and m.flags.c_contiguous)
        a = np.array(m, order="C") if keep_m else m
        a *= inv[:, None]
        a *= inv[None, :]
        norm_m = float(np.linalg.norm(a))
        rs = rhs * inv
        ch = _ShiftedCholesky(a)
        x, res = None, np.inf
        if ch.ok:
            x = _cholesky(ch, rs, d, target, norm_m) * inv
            # the check: the caller's matrix when it was kept, else the exact scaled triangle
            r = (m @ x - rhs) if keep_m else d * ch.matvec(x * d) - rhs
            res = float(np.linalg.norm(r)) / nr if nr > 0 else 0.0
            if _accepted(r, x, rhs, d, norm_m, target):
                return x, res, "cholesky"
        ms = ch.restore()  # the scaled matrix again, both triangles
        xe = _eigh(ms, rs) * inv
        re = (m @ xe - rhs) if keep_m else d * (ms @ (xe * d)) - rhs
        rese = float(np.linalg.norm(re)) / nr if nr > 0 else 0.0
        if x is None or rese < res:
            return xe, rese, "eigh"
        return x, res, "cholesky"

    ms, d = _scaled(m)
    norm_m = float(np.linalg.norm(ms))
    rs = rhs / d

    def residual(x: np.ndarray) -> tuple[float, bool]:
        r = m @ x - rhs
        return (float(np.linalg.norm(r)) / nr if nr > 0 else 0.0,
                _accepted(r, x, rhs, d, norm_m, target))

    if method == "pivoted":
        x = _pivoted(ms, rs) / d  # (overwrites ms)
        res, ok = residual(x)
        if ok:
            return x, res, "pivoted"
        xe = _eigh(_scaled(m)[0], rs) / d
        rese = residual(xe)[0]
        return (xe, rese, "eigh") if rese < res else (x, res, "pivoted")
    x = _eigh(ms, rs) / d
    return x, residual(x)[0], "eigh"
