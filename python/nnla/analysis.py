"""Does a trained model act like a linear operator, and like the one it was meant to learn?

:func:`linear_surrogate` fits the linear map ``C`` with ``C Y ~ Xhat`` (samples are columns) by a
stable least-squares solve (SVD of the data, optional ridge) and reports how well it explains the
model on the fitted and on held-out samples.  :func:`linearity_report` does the same for a model
and a sampler, and then evaluates the model on shifted, scaled and rotated inputs: it shows where
the model stops behaving like the surrogate (the point of a reviewer who says a network fits its
training distribution, not the operator).  :func:`compare_spectra` compares ``C`` with a reference
operator (a matrix, a callable applying ``A^{-1}``, an object with ``.solve``, a scipy
``LinearOperator``): singular values side by side, matched eigenvalues, principal angles between
the leading singular subspaces and the relative distance ``||C - ref||_2 / ||ref||_2``.
:func:`plot_spectra` draws a :class:`SpectraReport` with matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse.linalg
from numpy.typing import ArrayLike

from nnla._validate import check_finite, check_float, check_int

__all__ = [
    "DEFAULT_SHIFTS",
    "LinearityReport",
    "ShiftResult",
    "SpectraReport",
    "SurrogateReport",
    "compare_spectra",
    "linear_surrogate",
    "linearity_report",
    "plot_spectra",
]

Shift = Callable[[np.ndarray, np.random.Generator], np.ndarray]
Reference = Union[np.ndarray, Callable[[np.ndarray], np.ndarray], Any]


def _fmt(x: float | None) -> str:
    return "nan" if x is None or not np.isfinite(x) else f"{x:.4g}"


def _as_data(a: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iufc":
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (features x samples), got shape {arr.shape}")
    if arr.dtype.kind in "iu" or arr.dtype == np.float16:
        arr = arr.astype(np.float64)
    return check_finite(arr, name)


# ------------------------------------------------------------------------------------------------
# linear_surrogate
# ------------------------------------------------------------------------------------------------


@dataclass(repr=False)
class SurrogateReport:
    """The linear surrogate ``C`` of a model and how well it explains the model.

    Attributes
    ----------
    C : ndarray, shape (m, n)
        ``argmin ||C Y - Xhat||_F^2 + ridge ||C||_F^2`` over the fitted samples.
    r2, holdout_r2 : float
        Coefficient of determination ``1 - ||C Y - Xhat||_F^2 / ||Xhat - mean||_F^2`` (mean over
        samples, per output) on the fitted and the held-out samples (NaN without held-out
        samples).
    residual, holdout_residual : float
        Relative residual ``||C Y - Xhat||_F / ||Xhat||_F`` on the fitted and held-out samples.
    residuals, holdout_residuals : ndarray
        Per-sample relative residuals ``||C y_j - xhat_j|| / ||xhat_j||``.
    rank : int
        Numerical rank of the fitted ``Y`` (singular values above ``max(n, N) u s_max``).
    singular_values : ndarray
        Singular values of the fitted ``Y`` (how well the data excite every input direction).
    n_fit, n_holdout : int
        Numbers of fitted and held-out samples.
    ridge : float
        The ridge parameter used.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import analysis
    >>> Y = np.random.default_rng(0).standard_normal((3, 100))
    >>> rep = analysis.linear_surrogate(Y, 2 * Y)
    >>> bool(np.allclose(rep.C, 2 * np.eye(3))), round(rep.r2, 12)
    (True, 1.0)
    """

    C: np.ndarray
    r2: float
    holdout_r2: float
    residual: float
    holdout_residual: float
    residuals: np.ndarray
    holdout_residuals: np.ndarray
    rank: int
    singular_values: np.ndarray
    n_fit: int
    n_holdout: int
    ridge: float

    def predict(self, Y: ArrayLike) -> np.ndarray:
        """``C @ Y``."""
        return self.C @ np.asarray(Y)

    def summary(self) -> str:
        """Two lines: fit and held-out R^2 and relative residuals."""
        m, n = self.C.shape
        return (
            f"linear surrogate C ({m}x{n}, rank of data {self.rank}, ridge {self.ridge:g}): "
            f"{self.n_fit} fitted, {self.n_holdout} held-out samples\n"
            f"  fit:      R^2 = {_fmt(self.r2)}, relative residual {_fmt(self.residual)}\n"
            f"  held-out: R^2 = {_fmt(self.holdout_r2)}, "
            f"relative residual {_fmt(self.holdout_residual)}"
        )

    def __repr__(self) -> str:
        return (
            f"SurrogateReport(C.shape={self.C.shape}, r2={_fmt(self.r2)}, "
            f"holdout_r2={_fmt(self.holdout_r2)}, residual={_fmt(self.residual)}, "
            f"holdout_residual={_fmt(self.holdout_residual)}, n_fit={self.n_fit}, "
            f"n_holdout={self.n_holdout})"
        )


def _fit_stats(C: np.ndarray, Y: np.ndarray, X: np.ndarray) -> tuple[float, float, np.ndarray]:
    """R^2, relative residual and per-sample relative residuals of ``C Y ~ X``."""
    if X.shape[1] == 0:
        return math.nan, math.nan, np.empty(0)
    R = C @ Y - X
    ss_res = float(np.vdot(R, R).real)
    Xc = X - X.mean(axis=1, keepdims=True)
    ss_tot = float(np.vdot(Xc, Xc).real)
    nx = float(np.vdot(X, X).real)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else -math.inf)
    res = math.sqrt(ss_res / nx) if nx > 0 else (0.0 if ss_res == 0 else math.inf)
    cn = np.linalg.norm(X, axis=0)
    rn = np.linalg.norm(R, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(cn > 0, rn / np.where(cn > 0, cn, 1.0), np.where(rn > 0, np.inf, 0.0))
    return r2, res, per


def _solve_surrogate(
    Y: np.ndarray, X: np.ndarray, ridge: float
) -> tuple[np.ndarray, int, np.ndarray]:
    """``C = argmin ||C Y - X||_F^2 + ridge ||C||_F^2`` from the SVD ``Y = U S V^H``.

    ``C = X V diag(s / (s^2 + ridge)) U^H``; with ``ridge = 0`` singular values below
    ``max(n, N) u s_max`` are dropped (the minimum-norm least-squares solution).  No normal
    equations: the conditioning is that of ``Y``, not its square.
    """
    n, N = Y.shape
    if N == 0:
        return np.zeros((X.shape[0], n), dtype=np.result_type(X, Y)), 0, np.empty(0)
    U, s, Vh = scipy.linalg.svd(Y, full_matrices=False, lapack_driver="gesvd")
    tol = max(n, N) * np.finfo(s.dtype).eps * (s[0] if s.size else 0.0)
    rank = int(np.count_nonzero(s > tol))
    if ridge > 0:
        w = s / (s * s + ridge)
    else:
        w = np.where(s > tol, 1.0 / np.where(s > tol, s, 1.0), 0.0)
    C = (X @ Vh.conj().T * w) @ U.conj().T
    return C, rank, s


def linear_surrogate(
    Y: ArrayLike,
    Xhat: ArrayLike,
    *,
    ridge: float = 0.0,
    holdout: float = 0.2,
    seed: int = 0,
) -> SurrogateReport:
    """Fit a linear map ``C`` with ``C Y ~ Xhat`` and report how linear the model is on the data.

    Parameters
    ----------
    Y : array_like, shape (n, N)
        Model inputs, one sample per column.
    Xhat : array_like, shape (m, N)
        Model outputs for those inputs.
    ridge : float, default 0.0
        Ridge penalty: ``C`` minimises ``||C Y - Xhat||_F^2 + ridge ||C||_F^2``.  With 0, the
        minimum-norm least-squares solution (tiny singular values of ``Y`` dropped).
    holdout : float, default 0.2
        Share of the samples (chosen at random with ``seed``) held out of the fit and used to
        measure how the surrogate generalises; 0 fits all samples.
    seed : int, default 0
        Seed of the random split.

    Returns
    -------
    SurrogateReport
        ``C``, R^2 and relative residuals on the fitted and held-out samples, the data's rank.

    Raises
    ------
    ValueError
        If ``Y`` or ``Xhat`` is not a finite numeric 2-D array, their numbers of samples differ,
        ``ridge < 0``, ``holdout`` is not in ``[0, 1)`` or leaves no sample to fit.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((3, 4))
    >>> Y = rng.standard_normal((4, 200))
    >>> rep = nnla.analysis.linear_surrogate(Y, A @ Y)
    >>> bool(np.allclose(rep.C, A, rtol=0, atol=1e-13)), rep.r2 > 1 - 1e-14
    (True, True)
    """
    Yd = _as_data(Y, "Y")
    Xd = _as_data(Xhat, "Xhat")
    if Xd.shape[1] != Yd.shape[1]:
        raise ValueError(
            f"Xhat has {Xd.shape[1]} samples (columns), Y has {Yd.shape[1]}: they must match"
        )
    ridge = check_float(ridge, "ridge", low=0.0)
    holdout = check_float(holdout, "holdout", low=0.0, high=1.0, high_open=True)
    seed = check_int(seed, "seed", 0)
    N = Yd.shape[1]
    n_hold = int(round(holdout * N))
    if N - n_hold < 1:
        raise ValueError(f"holdout={holdout} leaves no sample to fit (Y has {N} samples)")
    perm = np.random.default_rng(seed).permutation(N)
    fit, hold = np.sort(perm[: N - n_hold]), np.sort(perm[N - n_hold :])
    C, rank, s = _solve_surrogate(Yd[:, fit], Xd[:, fit], ridge)
    r2, res, per = _fit_stats(C, Yd[:, fit], Xd[:, fit])
    hr2, hres, hper = _fit_stats(C, Yd[:, hold], Xd[:, hold])
    return SurrogateReport(C, r2, hr2, res, hres, per, hper, rank, s, fit.size, hold.size, ridge)


# ------------------------------------------------------------------------------------------------
# Reference operators
# ------------------------------------------------------------------------------------------------


@dataclass
class _Operator:
    shape: tuple[int, int]
    apply: Callable[[np.ndarray], np.ndarray]
    adjoint: Callable[[np.ndarray], np.ndarray] | None
    dense: np.ndarray | None


def _block(fn: Callable[[np.ndarray], np.ndarray], name: str) -> Callable[[np.ndarray], np.ndarray]:
    def apply(B: np.ndarray) -> np.ndarray:
        out = np.asarray(fn(B))
        if out.ndim == 1 and B.ndim == 2 and B.shape[1] == 1:
            out = out[:, None]
        if out.shape[-1:] != B.shape[-1:] or out.ndim != B.ndim:
            raise ValueError(f"{name} returned shape {out.shape} for input of shape {B.shape}")
        return out

    return apply


def _as_operator(
    reference: Reference,
    n: int,
    adjoint: Callable[[np.ndarray], np.ndarray] | None,
    hermitian: bool,
) -> _Operator:
    """Wrap a matrix, LinearOperator, ``.solve`` object or callable as a block operator."""
    if not isinstance(reference, scipy.sparse.linalg.LinearOperator) and callable(
        getattr(reference, "aslinearoperator", None)
    ):  # e.g. an nnla.hss factorization: its LinearOperator brings the adjoint
        reference = reference.aslinearoperator()
    if isinstance(reference, scipy.sparse.linalg.LinearOperator):
        op = reference
        adj = adjoint or (lambda B: op.rmatmat(B))
        return _Operator(op.shape, _block(op.matmat, "reference.matmat"), adj, None)
    if not (callable(reference) or hasattr(reference, "solve")):
        R = _as_data(reference, "reference")
        return _Operator(R.shape, lambda B: R @ B, lambda B: R.conj().T @ B, R)
    if hasattr(reference, "solve") and callable(reference.solve):
        fn = reference.solve
        name = "reference.solve"
    elif callable(reference):
        fn = reference
        name = "reference"
    else:
        raise ValueError(
            "reference must be a matrix, a callable applying the operator to a block (n, k), "
            f"an object with .solve(B) or a scipy LinearOperator; got {type(reference).__name__}"
        )
    apply = _block(fn, name)
    probe = apply(np.zeros((n, 1)))
    shape = (probe.shape[0], n)
    adj = _block(adjoint, "adjoint") if adjoint is not None else (apply if hermitian else None)
    return _Operator(shape, apply, adj, None)


def _form(op: _Operator) -> np.ndarray:
    """The dense matrix of an operator, from one block application to the identity."""
    return op.apply(np.eye(op.shape[1]))


def _power_norm(
    apply: Callable[[np.ndarray], np.ndarray],
    adjoint: Callable[[np.ndarray], np.ndarray],
    n: int,
    n_iter: int,
    rng: np.random.Generator,
) -> float:
    """``||M||_2`` estimated by ``n_iter`` power iterations on ``M^H M`` (a lower bound)."""
    v = rng.standard_normal((n, 1))
    v /= np.linalg.norm(v)
    est = 0.0
    for _ in range(n_iter):
        w = apply(v)
        est = float(np.linalg.norm(w))
        if est == 0:
            return 0.0
        v = adjoint(w)
        nv = np.linalg.norm(v)
        if nv == 0:
            return est
        v = v / nv
    return est


# ------------------------------------------------------------------------------------------------
# compare_spectra
# ------------------------------------------------------------------------------------------------


@dataclass(repr=False)
class SpectraReport:
    """Spectral comparison of a surrogate ``C`` with a reference operator.

    Attributes
    ----------
    sv_C, sv_ref : ndarray
        Leading singular values of ``C`` and of the reference (all of them when the reference is
        a matrix or was formed; the ``k`` leading ones otherwise).
    sv_rel_diff : ndarray
        ``|sv_C - sv_ref| / sv_ref`` for the values compared.
    eig_C, eig_ref : ndarray or None
        Eigenvalues matched in pairs (``eig_C[i]`` assigned to ``eig_ref[i]`` by a minimum-cost
        linear assignment on ``|lambda_C - lambda_ref|``); None for a non-square ``C``.
    eig_rel_diff : ndarray or None
        ``|eig_C - eig_ref| / |eig_ref|``.
    k : int
        Dimension of the leading singular subspaces compared.
    angles_left, angles_right : ndarray
        Principal angles (radians, descending) between the ``k``-dimensional leading left
        (output) and right (input) singular subspaces of ``C`` and of the reference.  Only
        meaningful when the ``k``-th and ``k+1``-th singular values are well separated.
    relative_distance : float
        ``||C - ref||_2 / ||ref||_2``: exact for a matrix, estimated by power iterations on
        ``(C - ref)^H (C - ref)`` for an operator (a lower bound that converges quickly).
    distance_method : str
        "exact" or "power iteration (n steps)".
    data_relative_distance : float or None
        ``||(C - ref) Y||_F / ||ref Y||_F`` on the samples ``Y`` when given: the distance on the
        data subspace.
    reference_formed : bool
        True when an operator reference had to be formed as a dense matrix (n applications).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import analysis
    >>> rep = analysis.compare_spectra(np.diag([3.0, 2.0, 1.0]), np.diag([3.0, 2.0, 1.1]))
    >>> rep.sv_C.tolist(), round(rep.relative_distance, 6)
    ([3.0, 2.0, 1.0], 0.033333)
    """

    sv_C: np.ndarray
    sv_ref: np.ndarray
    sv_rel_diff: np.ndarray
    eig_C: np.ndarray | None
    eig_ref: np.ndarray | None
    eig_rel_diff: np.ndarray | None
    k: int
    angles_left: np.ndarray
    angles_right: np.ndarray
    relative_distance: float
    distance_method: str
    data_relative_distance: float | None = None
    reference_formed: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self, rows: int = 8) -> str:
        """A table of the leading singular values and matched eigenvalues, then the distances."""
        lines = [f"{'i':>3}  {'sv(C)':>11}  {'sv(ref)':>11}  {'rel.diff':>9}"]
        for i in range(min(rows, self.sv_ref.size)):
            lines.append(
                f"{i:>3}  {self.sv_C[i]:>11.5g}  {self.sv_ref[i]:>11.5g}  "
                f"{self.sv_rel_diff[i]:>9.2e}"
            )
        if self.eig_ref is not None and self.eig_C is not None and self.eig_rel_diff is not None:
            order = np.argsort(-np.abs(self.eig_ref))[:rows]
            lines.append(f"{'':>3}  {'eig(C)':>22}  {'eig(ref)':>22}  {'rel.diff':>9}")
            for i in order:
                lines.append(
                    f"{i:>3}  {self.eig_C[i]:>22.5g}  {self.eig_ref[i]:>22.5g}  "
                    f"{self.eig_rel_diff[i]:>9.2e}"
                )
        if self.angles_left.size:
            lines.append(
                f"largest principal angle of the leading {self.k}-dim singular subspaces: "
                f"left {np.degrees(self.angles_left.max()):.3g} deg, "
                f"right {np.degrees(self.angles_right.max()):.3g} deg"
            )
        lines.append(
            f"||C - ref||_2 / ||ref||_2 = {_fmt(self.relative_distance)} ({self.distance_method})"
        )
        if self.data_relative_distance is not None:
            lines.append(
                f"on the data: ||(C - ref) Y||_F / ||ref Y||_F = "
                f"{_fmt(self.data_relative_distance)}"
            )
        lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"SpectraReport(k={self.k}, sv_max_rel_diff={_fmt(float(self.sv_rel_diff.max()))}, "
            f"relative_distance={_fmt(self.relative_distance)}, "
            f"max_angle={_fmt(float(self.angles_left.max(initial=0.0)))})"
        )


def _svd_leading(op: _Operator, k: int, rng: np.random.Generator, dtype: np.dtype):
    """``k`` leading singular triplets of an operator with an adjoint (Lanczos via ARPACK)."""
    m, n = op.shape
    lo = scipy.sparse.linalg.LinearOperator(
        (m, n),
        matvec=lambda v: op.apply(v.reshape(n, 1)).ravel(),
        rmatvec=lambda v: op.adjoint(v.reshape(m, 1)).ravel(),  # type: ignore[misc]
        matmat=op.apply,
        rmatmat=op.adjoint,
        dtype=dtype,
    )
    v0 = rng.standard_normal(min(m, n))
    u, s, vh = scipy.sparse.linalg.svds(lo, k=k, v0=v0, tol=0, solver="arpack")
    order = np.argsort(-s)
    return u[:, order], s[order], vh[order].conj().T


def _eig_leading(op: _Operator, k: int, rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    n = op.shape[0]
    lo = scipy.sparse.linalg.LinearOperator(
        (n, n),
        matvec=lambda v: op.apply(v.reshape(n, 1)).ravel(),
        matmat=op.apply,
        dtype=dtype,
    )
    w = scipy.sparse.linalg.eigs(
        lo, k=k, v0=rng.standard_normal(n), tol=0, return_eigenvectors=False
    )
    return w[np.argsort(-np.abs(w))]


def _spectra_arguments(
    C: ArrayLike, reference: Reference, k: int | None, adjoint: Any, hermitian: bool,
    Y: ArrayLike | None, n_iter: int, seed: int,
) -> tuple[np.ndarray, _Operator, int, int, np.random.Generator, np.ndarray | None]:
    """The checked arguments of :func:`compare_spectra`: (C, operator, k, n_iter, rng, Y)."""
    Cd = _as_data(C, "C")
    m, n = Cd.shape
    if m == 0 or n == 0:
        raise ValueError(f"C must be a non-empty matrix, got shape {Cd.shape}")
    kk = min(10, m, n) if k is None else check_int(k, "k", 1)
    if kk > min(m, n):
        raise ValueError(f"k must be <= min(m, n) = {min(m, n)}, got {k}")
    n_iter = check_int(n_iter, "n_iter", 1)
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    op = _as_operator(reference, n, adjoint, hermitian)
    if op.shape != (m, n):
        raise ValueError(f"reference has shape {op.shape}, C has {(m, n)}: they must match")
    Yd = None
    if Y is not None:
        Yd = _as_data(Y, "Y")
        if Yd.shape[0] != n:
            raise ValueError(f"Y must have {n} rows (the columns of C), got shape {Yd.shape}")
    return Cd, op, kk, n_iter, rng, Yd


def _matched_eigenvalues(
    Cd: np.ndarray, R: np.ndarray | None, op: _Operator, kk: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues of C matched to the reference's (all, or its k leading) by an assignment
    minimising the total distance: (eig_C, eig_ref, relative differences)."""
    lc = np.linalg.eigvals(Cd)
    lr = (
        np.linalg.eigvals(R)
        if R is not None
        else _eig_leading(op, kk, rng, np.result_type(Cd, np.float64))
    )
    cost = np.abs(lr[:, None] - lc[None, :])
    ri, ci = scipy.optimize.linear_sum_assignment(cost)
    eig_r = lr[ri].astype(complex)
    eig_c = lc[ci].astype(complex)
    if not (eig_r.imag.any() or eig_c.imag.any()):
        eig_r, eig_c = eig_r.real, eig_c.real
    with np.errstate(divide="ignore", invalid="ignore"):
        eig_diff = np.abs(eig_c - eig_r) / np.abs(eig_r)
    return eig_c, eig_r, eig_diff


def _relative_distance(
    Cd: np.ndarray, R: np.ndarray | None, op: _Operator, sr: np.ndarray, n_iter: int,
    rng: np.random.Generator,
) -> tuple[float, str]:
    """``||C - R||_2 / ||R||_2``, exact when R is formed, else by power iteration."""
    if R is not None:
        dist = float(np.linalg.norm(Cd - R, 2))
        nref = float(sr[0]) if sr.size else 0.0
        method = "exact"
    else:
        assert op.adjoint is not None
        adj = op.adjoint
        n = Cd.shape[1]
        dist = _power_norm(
            lambda B: Cd @ B - op.apply(B), lambda B: Cd.conj().T @ B - adj(B), n, n_iter, rng
        )
        nref = float(sr[0])
        method = f"power iteration ({n_iter} steps)"
    return (dist / nref if nref > 0 else math.inf), method


def compare_spectra(
    C: ArrayLike,
    reference: Reference,
    *,
    k: int | None = None,
    Y: ArrayLike | None = None,
    adjoint: Callable[[np.ndarray], np.ndarray] | None = None,
    hermitian: bool = False,
    n_iter: int = 50,
    seed: int = 0,
) -> SpectraReport:
    """Compare the spectrum of a (surrogate) matrix ``C`` with that of a reference operator.

    Parameters
    ----------
    C : array_like, shape (m, n)
        The matrix to assess, e.g. ``linear_surrogate(...).C``.
    reference : array_like, callable, object with ``.solve`` or LinearOperator
        The operator ``C`` should approximate (e.g. ``A^{-1}``): a dense ``(m, n)`` matrix; a
        callable ``B -> ref @ B`` on blocks ``B`` of shape ``(n, p)``; an object whose
        ``.solve(B)`` applies it (an LU/Cholesky factorization of ``A``); a
        ``scipy.sparse.linalg.LinearOperator``; or an object with ``.aslinearoperator()`` (an
        ``nnla.hss`` Cholesky factorization), whose LinearOperator is used.
    k : int, optional
        Dimension of the leading singular subspaces compared (default ``min(10, m, n)``).  For an
        operator reference, also the number of its singular values and eigenvalues computed.
    Y : array_like, shape (n, N), optional
        Data samples: adds ``||(C - ref) Y||_F / ||ref Y||_F``, the distance on the data subspace.
    adjoint : callable, optional
        ``B -> ref^H @ B`` for an operator reference (a LinearOperator brings its own).
    hermitian : bool, default False
        The operator reference is symmetric/Hermitian (its adjoint is itself), e.g. the inverse of
        an SPD matrix applied by a Cholesky factorization.
    n_iter : int, default 50
        Power iterations for the distance estimate of an operator reference.
    seed : int, default 0
        Seed of the random start vectors.

    Returns
    -------
    SpectraReport
        Singular values side by side, matched eigenvalues, principal angles, distances.

    Notes
    -----
    A matrix reference is used as is.  An operator reference with an adjoint (``adjoint``,
    ``hermitian=True`` or a LinearOperator) is never formed: its ``k`` leading singular triplets
    come from Lanczos (ARPACK ``svds``), its ``k`` eigenvalues of largest modulus from Arnoldi
    (ARPACK ``eigs``) and ``||C - ref||_2`` from power iterations; that needs ``k < min(m, n)``
    (``k < n - 1`` for the eigenvalues).  An operator without adjoint, or with ``k`` too large
    for ARPACK, is formed from ``n`` applications (one block of the identity), and
    ``reference_formed`` says so.

    Raises
    ------
    ValueError
        If ``C`` is not a finite 2-D numeric array, the reference has another shape, ``k`` or
        ``n_iter`` is not a positive integer, or ``Y`` does not have ``n`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> A = np.diag([4.0, 2.0, 1.0])
    >>> rep = nnla.analysis.compare_spectra(np.diag([4.0, 2.0, 1.1]), A, k=2)
    >>> rep.sv_rel_diff.round(12).tolist(), round(rep.relative_distance, 12)
    ([0.0, 0.0, 0.1], 0.025)
    >>> rep.angles_left.tolist()
    [0.0, 0.0]
    """
    Cd, op, kk, n_iter, rng, Yd = _spectra_arguments(
        C, reference, k, adjoint, hermitian, Y, n_iter, seed
    )
    m, n = Cd.shape
    notes: list[str] = []
    R = op.dense
    formed = False
    if R is None and (op.adjoint is None or kk >= min(m, n) or (m == n and kk >= n - 1)):
        R = _form(op)
        formed = True
        why = "no adjoint known" if op.adjoint is None else f"k={kk} too large for ARPACK"
        notes.append(f"reference formed from {n} applications ({why})")

    Uc, sc, Vhc = scipy.linalg.svd(Cd, full_matrices=False, lapack_driver="gesvd")
    if R is not None:
        Ur, sr, Vhr = scipy.linalg.svd(R, full_matrices=False, lapack_driver="gesvd")
        Vr = Vhr.conj().T
        ncmp = sr.size
    else:
        Ur, sr, Vr = _svd_leading(op, kk, rng, np.result_type(Cd, np.float64))
        ncmp = kk
    sv_c = sc[:ncmp]
    with np.errstate(divide="ignore", invalid="ignore"):
        sv_diff = np.abs(sv_c - sr[:ncmp]) / sr[:ncmp]
    ang_l = scipy.linalg.subspace_angles(Uc[:, :kk], Ur[:, :kk])
    ang_r = scipy.linalg.subspace_angles(Vhc[:kk].conj().T, Vr[:, :kk])
    eig_c, eig_r, eig_diff = _matched_eigenvalues(Cd, R, op, kk, rng) if m == n else (None,) * 3
    rel, method = _relative_distance(Cd, R, op, sr, n_iter, rng)
    data_rel = None
    if Yd is not None:
        RY = R @ Yd if R is not None else op.apply(Yd)
        nry = float(np.linalg.norm(RY))
        data_rel = float(np.linalg.norm(Cd @ Yd - RY)) / nry if nry > 0 else math.inf

    return SpectraReport(
        sv_C=sv_c,
        sv_ref=sr[:ncmp],
        sv_rel_diff=sv_diff,
        eig_C=eig_c,
        eig_ref=eig_r,
        eig_rel_diff=eig_diff,
        k=kk,
        angles_left=ang_l,
        angles_right=ang_r,
        relative_distance=rel,
        distance_method=method,
        data_relative_distance=data_rel,
        reference_formed=formed,
        notes=notes,
    )


# ------------------------------------------------------------------------------------------------
# linearity_report
# ------------------------------------------------------------------------------------------------


@dataclass(repr=False)
class ShiftResult:
    """The model on one input distribution, compared with the training surrogate.

    Attributes
    ----------
    name : str
        The distribution (``"train"`` or the shift's name).
    r2_transfer, residual_transfer : float
        R^2 and relative residual of the *training* surrogate ``C`` on these inputs: does the
        model still act like the same linear operator?
    r2_refit, residual_refit : float
        Held-out R^2 and relative residual of a surrogate refitted on these inputs: is the model
        linear here at all (possibly another operator)?
    reference_error : float or None
        ``||model(Y) - ref(Y)||_F / ||ref(Y)||_F`` when a reference is given: the model against
        the exact operator.
    surrogate_reference_error : float or None
        ``||C Y - ref(Y)||_F / ||ref(Y)||_F``: the training surrogate against the exact operator.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import analysis
    >>> rep = analysis.linearity_report(lambda y: 2 * y, lambda m, g: g.standard_normal((3, m)),
    ...                                 n_samples=200)
    >>> r = rep["train"]
    >>> r.name, round(r.r2_transfer, 12)
    ('train', 1.0)
    """

    name: str
    r2_transfer: float
    residual_transfer: float
    r2_refit: float
    residual_refit: float
    reference_error: float | None = None
    surrogate_reference_error: float | None = None

    def __repr__(self) -> str:
        ref = (
            ""
            if self.reference_error is None
            else f", reference_error={_fmt(self.reference_error)}"
        )
        return (
            f"ShiftResult({self.name!r}, r2_transfer={_fmt(self.r2_transfer)}, "
            f"r2_refit={_fmt(self.r2_refit)}{ref})"
        )


@dataclass(repr=False)
class LinearityReport:
    """How linear a model is on its training distribution and off it.

    Attributes
    ----------
    surrogate : SurrogateReport
        The surrogate fitted on training-distribution samples.
    results : list of ShiftResult
        The training distribution (fresh samples, first) and each shifted distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import analysis
    >>> rep = analysis.linearity_report(np.tanh, lambda m, g: g.standard_normal((3, m)),
    ...                                 n_samples=200)
    >>> [r.name for r in rep.results]
    ['train', 'scale:0.1', 'scale:2', 'scale:10', 'rotate', 'offset:1']
    >>> bool(rep["scale:10"].r2_transfer < rep["train"].r2_transfer)
    True
    """

    surrogate: SurrogateReport
    results: list[ShiftResult]

    def __getitem__(self, name: str) -> ShiftResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def summary(self) -> str:
        """The surrogate's fit, then one table row per distribution."""
        has_ref = any(r.reference_error is not None for r in self.results)
        head = f"{'inputs':<16} {'R2(train C)':>12} {'res(train C)':>12} {'R2(refit)':>10}"
        if has_ref:
            head += f" {'model vs ref':>13} {'C vs ref':>10}"
        lines = [self.surrogate.summary(), head]
        for r in self.results:
            row = (
                f"{r.name:<16} {_fmt(r.r2_transfer):>12} {_fmt(r.residual_transfer):>12} "
                f"{_fmt(r.r2_refit):>10}"
            )
            if has_ref:
                row += f" {_fmt(r.reference_error):>13} {_fmt(r.surrogate_reference_error):>10}"
            lines.append(row)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"LinearityReport(r2={_fmt(self.surrogate.r2)}, "
            f"shifts={[r.name for r in self.results[1:]]})"
        )


def _haar_rotation(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))


def _parse_shift(spec: str) -> Shift:
    """``"scale:a"`` multiplies inputs by a; ``"rotate"`` applies a Haar-random rotation;
    ``"offset:a"`` adds a random direction times ``a`` times the rms column norm."""
    name, _, arg = spec.partition(":")
    try:
        a = float(arg) if arg else 1.0
    except ValueError:
        raise ValueError(f"shifts: cannot read the number in {spec!r}") from None
    if name == "scale":
        return lambda Y, rng: a * Y
    if name == "rotate":
        return lambda Y, rng: _haar_rotation(rng, Y.shape[0]) @ Y
    if name == "offset":

        def offset(Y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
            v = rng.standard_normal((Y.shape[0], 1))
            rms = math.sqrt(float(np.mean(np.sum(np.abs(Y) ** 2, axis=0))))
            return Y + (a * rms / np.linalg.norm(v)) * v

        return offset
    raise ValueError(f"shifts: unknown shift {spec!r} (use 'scale:a', 'rotate' or 'offset:a')")


DEFAULT_SHIFTS: tuple[str, ...] = ("scale:0.1", "scale:2", "scale:10", "rotate", "offset:1")


def _apply_model(model: Callable[[np.ndarray], np.ndarray], Y: np.ndarray) -> np.ndarray:
    out = np.asarray(model(Y))
    if out.ndim != 2 or out.shape[1] != Y.shape[1]:
        raise ValueError(
            f"model must map (n, N) inputs to (m, N) outputs, got {out.shape} for {Y.shape}"
        )
    return out


def linearity_report(
    model: Callable[[np.ndarray], np.ndarray],
    sampler: Callable[[int, np.random.Generator], np.ndarray],
    *,
    n_samples: int,
    shifts: Sequence[str] | Mapping[str, Shift] | None = None,
    reference: Reference | None = None,
    ridge: float = 0.0,
    holdout: float = 0.2,
    seed: int = 0,
) -> LinearityReport:
    """Fit a linear surrogate of ``model`` on its training distribution and test it off it.

    Parameters
    ----------
    model : callable
        ``Y -> Xhat``: maps inputs ``(n, N)`` (one sample per column) to outputs ``(m, N)``.
    sampler : callable
        ``(N, rng) -> Y``: ``N`` samples of the training distribution, shape ``(n, N)``.
    n_samples : int
        Samples per distribution (the surrogate is fitted on ``n_samples`` training samples).
    shifts : sequence of str or mapping, optional
        Input distributions to test besides fresh training samples: strings ``"scale:a"``
        (inputs times a), ``"rotate"`` (a Haar-random rotation of the inputs), ``"offset:a"``
        (a random offset of ``a`` times the rms input norm), or a mapping ``name -> (Y, rng) ->
        Y'``.  Default: :data:`DEFAULT_SHIFTS`.
    reference : optional
        The exact operator (as in :func:`compare_spectra`: matrix, callable, ``.solve`` object,
        LinearOperator); adds the model's and the surrogate's errors against it.
    ridge, holdout : float
        As in :func:`linear_surrogate`.
    seed : int, default 0
        Seed of every random draw (samples, split, rotations).

    Returns
    -------
    LinearityReport
        The surrogate and one :class:`ShiftResult` per distribution, training first.

    Raises
    ------
    ValueError
        For a non-callable ``model`` or ``sampler``, ``n_samples < 2``, an unknown shift, or
        model/sampler outputs of the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> A = np.array([[2.0, 1.0], [0.0, 1.0]])
    >>> model = lambda Y: np.tanh(A @ Y)            # linear near 0 only
    >>> sampler = lambda N, rng: 0.01 * rng.standard_normal((2, N))
    >>> rep = nnla.analysis.linearity_report(model, sampler, n_samples=400,
    ...                                      shifts=["scale:100"])
    >>> rep["train"].r2_transfer > 0.999, rep["scale:100"].r2_transfer < 0.9
    (True, True)
    """
    if not callable(model):
        raise ValueError(f"model must be callable, got {type(model).__name__}")
    if not callable(sampler):
        raise ValueError(f"sampler must be callable, got {type(sampler).__name__}")
    n_samples = check_int(n_samples, "n_samples", 2)
    seed = check_int(seed, "seed", 0)
    if shifts is None:
        shifts = DEFAULT_SHIFTS
    if isinstance(shifts, Mapping):
        items = list(shifts.items())
        for name, fn in items:
            if not callable(fn):
                raise ValueError(f"shifts[{name!r}] must be callable")
    elif isinstance(shifts, str):
        raise ValueError("shifts must be a sequence of strings or a mapping, not one string")
    else:
        items = [(s, _parse_shift(s)) for s in shifts]
    rng = np.random.default_rng(seed)

    def draw(N: int) -> np.ndarray:
        Y = _as_data(sampler(N, rng), "sampler output")
        if Y.shape[1] != N:
            raise ValueError(f"sampler must return (n, {N}) samples, got shape {Y.shape}")
        return Y

    Y = draw(n_samples)
    X = _apply_model(model, Y)
    sur = linear_surrogate(Y, X, ridge=ridge, holdout=holdout, seed=seed)
    op = None
    if reference is not None:
        op = _as_operator(reference, Y.shape[0], None, False)
        if op.shape != sur.C.shape:
            raise ValueError(f"reference has shape {op.shape}, the model maps {sur.C.shape[::-1]}")

    def evaluate(name: str, Ys: np.ndarray) -> ShiftResult:
        Xs = _apply_model(model, Ys)
        r2t, rest, _ = _fit_stats(sur.C, Ys, Xs)
        refit = linear_surrogate(Ys, Xs, ridge=ridge, holdout=max(holdout, 0.2), seed=seed)
        ref_err = sur_err = None
        if op is not None:
            Rs = op.apply(Ys)
            nr = float(np.linalg.norm(Rs))
            ref_err = float(np.linalg.norm(Xs - Rs)) / nr if nr > 0 else math.inf
            sur_err = float(np.linalg.norm(sur.C @ Ys - Rs)) / nr if nr > 0 else math.inf
        return ShiftResult(
            name, r2t, rest, refit.holdout_r2, refit.holdout_residual, ref_err, sur_err
        )

    results = [evaluate("train", draw(n_samples))]
    for name, fn in items:
        Ys = _as_data(fn(draw(n_samples), rng), f"shift {name!r} output")
        results.append(evaluate(str(name), Ys))
    return LinearityReport(sur, results)


# ------------------------------------------------------------------------------------------------
# plot_spectra
# ------------------------------------------------------------------------------------------------


def plot_spectra(report: SpectraReport, path: str | Path) -> Path:
    """Plot singular values (log scale) and matched eigenvalues (complex plane) to a file.

    Parameters
    ----------
    report : SpectraReport
        From :func:`compare_spectra`.
    path : str or Path
        Image file; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If ``report`` is not a :class:`SpectraReport`.

    Examples
    --------
    >>> import numpy as np, nnla, tempfile, os
    >>> rep = nnla.analysis.compare_spectra(np.eye(3), 2 * np.eye(3))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     nnla.analysis.plot_spectra(rep, os.path.join(tmp, "s.png")).name
    's.png'
    """
    if not isinstance(report, SpectraReport):
        raise ValueError(f"report must be a SpectraReport, got {type(report).__name__}")
    from matplotlib.figure import Figure  # no pyplot: no global backend or figure state
    p = Path(path)
    ncols = 2 if report.eig_C is not None else 1
    fig = Figure(figsize=(5 * ncols, 4))
    axes = fig.subplots(1, ncols, squeeze=False)
    ax = axes[0, 0]
    i = np.arange(1, report.sv_ref.size + 1)
    ax.semilogy(i, report.sv_ref, "o-", label="reference", mfc="none")
    ax.semilogy(i, report.sv_C, "x--", label="C")
    ax.set_xlabel("index")
    ax.set_ylabel("singular value")
    ax.set_title(f"||C - ref|| / ||ref|| = {_fmt(report.relative_distance)}")
    ax.legend()
    if report.eig_C is not None and report.eig_ref is not None:
        ax = axes[0, 1]
        ax.plot(report.eig_ref.real, report.eig_ref.imag, "o", mfc="none", label="reference")
        ax.plot(report.eig_C.real, report.eig_C.imag, "x", label="C")
        for a, b in zip(report.eig_ref, report.eig_C):
            ax.plot([a.real, b.real], [a.imag, b.imag], "k-", lw=0.5, alpha=0.5)
        ax.set_xlabel("Re")
        ax.set_ylabel("Im")
        ax.set_title("eigenvalues (matched)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(p)
    return p
