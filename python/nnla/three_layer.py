"""The analytic three-layer matrix-exponential network (Gai and Zhang, arXiv:2407.02540).

The network ``f(X) = W3 expm(W2 expm(W1 X))`` maps ``d x d`` matrices to ``d x d`` matrices. Two
input/output pairs ``f(X1) = Y1``, ``f(X2) = Y2`` can be fitted exactly whenever ``X2 - X1``, ``Y1``
and ``Y2`` are invertible: for a scalar ``mu`` with ``e^mu != 1`` and a logarithm ``L`` of
``M = Y1^{-1} Y2``,

    W1 = mu (X2 - X1)^{-1},   A = L / (e^mu - 1),   W2 = A expm(-W1 X1),   W3 = Y1 expm(-A).

Proof: ``W1 X2 = W1 X1 + mu I``, so ``expm(W1 X2) = e^mu B1`` with ``B1 = expm(W1 X1)``;
``W2 B1 = A`` and ``W2 e^mu B1 = e^mu A`` commute with ``A``, hence ``f(X1) = Y1 e^{-A} e^{A} = Y1``
and ``f(X2) = Y1 e^{(e^mu - 1) A} = Y1 e^L = Y2``.

:func:`solve` builds the weights for one problem or a batch of problems on the batched native
kernels (:func:`nnla.expm`, :func:`nnla.logm`), chooses ``mu`` (and, where the principal
logarithm has a large norm, the branch of ``L``) per problem, optionally refines the rare
instances the closed form leaves above 1e-10 by moving along the solution manifold
(``refine=True``: a damped first layer and a Newton continuation for ``W2``), and verifies every
solution by an independent forward pass; :func:`forward` evaluates the network;
:func:`fit_gradient` trains the same network by Adam (gradients through
:func:`nnla.expm_frechet`) and :func:`fit_one_layer` fits the one-layer network ``Y = W X``, for the
"power of depth" comparison.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Union

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import Status, batch_indices, run, where
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack, check_int
from nnla.errors import NonFiniteResultError, SingularMatrixError, VerificationError
from nnla.linalg import expm, expm_frechet

__all__ = [
    "GradientFit",
    "OneLayerFit",
    "ThreeLayerSolution",
    "fit_gradient",
    "fit_one_layer",
    "forward",
    "solve",
]

_U = float(np.finfo(np.float64).eps) / 2  # unit roundoff of double precision
_LOG_TOL = 1e-10  # accepted ||expm(L) - M|| / ||M|| of the logarithm
_DEFAULTS = (np.log(2.0), 0.5j * np.pi, -0.5j * np.pi, 1.0)
# The default tried first by "auto", before any eigenvalues are computed (the one of _DEFAULTS
# that reached 2^-44 most often on random d = 8 data: 88% complex, 72% real).
_FIRST_COMPLEX = 1.0
_FIRST_REAL = 0.5j * np.pi
_RADII = np.geomspace(1e-3, 20.0, 10)
_ANGLES = np.linspace(-np.pi, np.pi, 12, endpoint=False)
_REAL_GRID = np.concatenate([np.geomspace(1e-3, 20.0, 24), -np.geomspace(1e-3, 20.0, 24)])
_RADII_DENSE = np.geomspace(1e-4, 30.0, 24)
_ANGLES_DENSE = np.linspace(-np.pi, np.pi, 32, endpoint=False)
_N_DENSE = 16
_ACCEPT = 2.0**-44  # a candidate's residual at which an instance stops trying others
_ACCEPT_TAIL = 2.0**-40  # the same, before each of the last _N_GRID_FALLBACK ranked candidates
_N_GRID_FALLBACK = 10  # grid candidates tried after the defaults
_ALT_TAIL = 2.0**-34  # the other branch's last ranked candidates only above this residual
_CHUNK = 256  # instances per block in the vectorised candidate ranking
# Refinement off the analytic family (instances still above _REFINE_LEVEL; see _refine).
_REFINE_LEVEL = 1e-10
_RHOS = (0.1, 0.3)  # damping of the smallest singular direction of X2 - X1 in W1
_HOM_DS0, _HOM_DS_MAX, _HOM_DS_MIN = 0.02, 0.1, 1e-4  # steps of the target homotopy
_HOM_MAX_STEPS = 200
_HOM_MAX_NEWTON = 600  # Newton iterations per homotopy, in all
_REFINE_MAX_D = 16  # larger matrices are not refined (the Jacobian is d^2 x d^2)
_HOM_NEWTON = 8  # Newton iterations per homotopy step
_HOM_TRACK, _HOM_FINAL = 1e-9, 1e-13  # Newton tolerances along the path and at its end

MuSpec = Union[str, complex, float, ArrayLike]


@dataclass(frozen=True)
class ThreeLayerSolution:
    """Exact weights of ``f(X) = W3 expm(W2 expm(W1 X))`` for two pairs, with their verification.

    Attributes
    ----------
    W1, W2, W3 : ndarray, shape (..., d, d)
        The weights (complex128, or float64 when a real solution was requested and found for
        every instance).
    residuals : ndarray, shape (..., 2)
        ``||f(Xk) - Yk||_F / ||Yk||_F`` for k = 1, 2, from an independent forward pass
        (:func:`forward` on the returned weights).
    mu : ndarray, shape (...)
        The scalar parameter used by each instance (complex128, float64 for real solutions).
    diagnostics : dict of str to ndarray
        Per instance (batch shape): ``cond_dx`` (1-norm condition number of ``X2 - X1``),
        ``norm_g`` (``||(X2 - X1)^{-1} X1||_1``), ``cond_y1``, ``cond_y2``, ``cond_m`` (1-norm
        condition numbers of ``Y1``, ``Y2`` and ``M = Y1^{-1} Y2``), ``log_branch`` (the rotation
        ``phi`` of ``L = logm(e^{-i phi} M) + i phi I``; 0 for the principal logarithm),
        ``log_residual`` (``||expm(L) - M||_1 / ||M||_1``), ``norm_l`` (``||L||_1``; ``phi``,
        ``log_residual`` and ``norm_l`` are those of the branch of the kept candidate),
        ``kappa_b1`` (``||B1||_1 ||B1^{-1}||_1`` with ``B1 = expm(W1 X1)``), ``norm_w1``,
        ``norm_w2``, ``norm_w3`` (1-norms), ``candidates`` (how many ``mu`` were verified),
        ``branch_gain`` (for instances whose kept candidate uses the other branch of the
        logarithm, tried by ``mu="auto"`` after the ranked candidates: the residual before that
        stage divided by the residual after it; 1 elsewhere) and ``refine_gain`` (the same for
        the refinement of ``solve(..., refine=True)``: 1 for instances not refined; for refined
        ones ``W1 (X2 - X1)`` is no longer ``mu I`` and ``kappa_b1`` is that of the new ``B1``).
    """

    W1: np.ndarray
    W2: np.ndarray
    W3: np.ndarray
    residuals: np.ndarray
    mu: np.ndarray
    diagnostics: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def residual(self) -> np.ndarray:
        """The larger of the two relative residuals, per instance (batch shape)."""
        return self.residuals.max(axis=-1)

    @property
    def weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W1, W2, W3)``."""
        return self.W1, self.W2, self.W3


# ------------------------------------------------------------------------------------------------
# Small batched helpers
# ------------------------------------------------------------------------------------------------


def _norm1(a: np.ndarray) -> np.ndarray:
    """Matrix 1-norms of a stack (max column sum)."""
    return np.abs(a).sum(axis=-2).max(axis=-1)


def _fro(a: np.ndarray) -> np.ndarray:
    return np.sqrt((np.abs(a) ** 2).sum(axis=(-2, -1)))


def _expm_raw(a: np.ndarray, nt: int) -> tuple[np.ndarray, np.ndarray]:
    """Batched expm of a C-contiguous stack without raising: (result, ok mask)."""
    if a.shape[0] == 0:
        return a.copy(), np.ones(0, dtype=bool)
    out, status = run("expm", np.ascontiguousarray(a), n_threads=nt)
    return out, status == Status.OK


def _lstsq_right(y: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Least-squares ``W`` of ``W e = y`` for stacks ``e, y`` of shape (n, d, 2d), by QR.

    ``e^H = Q R`` (Q: 2d x d), so ``W = y Q R^{-H}``; matrices whose R is exactly singular get
    the minimum-norm solution by the pseudo-inverse instead.
    """
    q, r = np.linalg.qr(np.conj(np.swapaxes(e, -1, -2)))
    yq = y @ q
    try:  # W R^H = y Q  <=>  conj(R) W^T = (y Q)^T
        return np.swapaxes(np.linalg.solve(np.conj(r), np.swapaxes(yq, -1, -2)), -1, -2)
    except np.linalg.LinAlgError:
        return y @ np.linalg.pinv(e)


def _eigvals(a: np.ndarray, nt: int) -> np.ndarray:
    """Eigenvalues (complex128) of a stack, over ``nt`` Python threads for large stacks.

    numpy's LAPACK loops release the GIL; each matrix is one ``geev`` call whatever the split,
    so the result does not depend on ``nt``.
    """
    n = a.shape[0]
    if nt <= 1 or n < 256:
        return np.linalg.eigvals(a).astype(np.complex128, copy=False)
    parts = np.array_split(np.arange(n), nt)
    with ThreadPoolExecutor(max_workers=nt) as pool:
        outs = list(pool.map(lambda ix: np.linalg.eigvals(a[ix]).astype(np.complex128), parts))
    return np.concatenate(outs)


def _inv_each(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched inverse that marks exactly singular matrices instead of raising: (inv, ok).

    numpy's batched ``inv`` raises for the whole stack; then the stack is split in halves
    until the singular matrices are isolated (the same LAPACK call per matrix whatever the
    split, so the results do not depend on the batch); a singular matrix gets the identity.
    """
    try:
        return np.linalg.inv(a), np.ones(a.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        if a.shape[0] == 1:
            return np.eye(a.shape[-1], dtype=a.dtype)[None], np.zeros(1, dtype=bool)
    h = a.shape[0] // 2
    (i1, ok1), (i2, ok2) = _inv_each(a[:h]), _inv_each(a[h:])
    return np.concatenate([i1, i2]), np.concatenate([ok1, ok2])


def _inv_cond(a: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Inverse, 1-norm condition number and singular mask of each matrix of a stack (n, d, d).

    Singular means exactly singular or numerically singular: condition number >= 1 / (d u).
    The inverse is None when some matrix is exactly singular.
    """
    d = a.shape[-1]
    with np.errstate(all="ignore"):
        try:
            inv: np.ndarray | None = np.linalg.inv(a)
            cond = _norm1(a) * _norm1(inv)
        except np.linalg.LinAlgError:
            inv = None
            sv = np.linalg.svd(a, compute_uv=False)
            cond = sv[:, 0] / sv[:, -1]
    bad = ~np.isfinite(cond) | (cond * d * _U >= 1.0)
    return inv, cond, bad


_SINGULAR_HINT = {
    "X2 - X1": "the construction needs W1 = mu (X2 - X1)^{-1}; the two inputs must differ "
    "by an invertible, well-conditioned matrix",
    "Y1": "the construction needs Y1^{-1} Y2 and W3 = Y1 expm(-A); Y1 must be invertible",
    "Y2": "the logarithm of Y1^{-1} Y2 exists only for invertible Y2",
}


def _fmt(values: np.ndarray) -> str:
    v = np.asarray(values, dtype=np.float64).ravel()
    shown = ", ".join(f"{x:.3g}" for x in v[:5])
    return shown + (", ..." if v.size > 5 else "")


def _flat_where(mask: np.ndarray, batch: tuple[int, ...]) -> str:
    """' at batch indices [...]' for a flat mask of a batch, '' for a single problem."""
    return where(mask.reshape(batch))


def _flat_indices(mask: np.ndarray, batch: tuple[int, ...]) -> list[tuple[int, ...]]:
    m = mask.reshape(batch)
    return batch_indices(m) if m.ndim else ([()] if bool(m) else [])


def _raise_singular(
    name: str, cond: np.ndarray, bad: np.ndarray, batch: tuple[int, ...], extra: str = ""
) -> None:
    raise SingularMatrixError(
        f"{name} is singular or numerically singular (1-norm condition number "
        f"{_fmt(cond[bad])}{extra}){_flat_where(bad, batch)}",
        hint=_SINGULAR_HINT[name],
        indices=_flat_indices(bad, batch),
    )


# ------------------------------------------------------------------------------------------------
# Forward pass
# ------------------------------------------------------------------------------------------------


def _forward_raw(
    w1: np.ndarray, w2: np.ndarray, w3: np.ndarray, x: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray]:
    """``W3 expm(W2 expm(W1 X))`` on flat stacks, never raising: (result, ok mask)."""
    with np.errstate(all="ignore"):
        e1, ok1 = _expm_raw(w1 @ x, nt)
        e2, ok2 = _expm_raw(w2 @ e1, nt)
        out = w3 @ e2
    ok = ok1 & ok2 & np.isfinite(out).all(axis=(-2, -1))
    return out, ok


def _rel_residual(f: np.ndarray, y: np.ndarray, ok: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        r = _fro(f - y) / _fro(y)
    r = np.where(ok & np.isfinite(r), r, np.inf)
    return r


def forward(
    W: ThreeLayerSolution | Sequence[ArrayLike],
    X: ArrayLike,
    *,
    n_threads: int | None = None,
) -> np.ndarray:
    """Evaluate the network ``f(X) = W3 expm(W2 expm(W1 X))``.

    Parameters
    ----------
    W : ThreeLayerSolution or sequence of three array_like, each of shape (..., d, d)
        The weights ``(W1, W2, W3)`` or a result of :func:`solve`.
    X : array_like, shape (..., d, d)
        Inputs; the batch shapes of ``X`` and the weights are broadcast against each other.
    n_threads : int, optional
        OpenMP threads of the matrix exponentials (default: :func:`nnla.get_num_threads`).

    Returns
    -------
    ndarray, shape (..., d, d)
        ``f(X)``, in the common dtype of the weights and ``X`` (float64 at least).

    Raises
    ------
    ValueError
        If the weights are not three stacks of square matrices of the size of ``X``, the batch
        shapes do not broadcast, or an entry is NaN or Inf.
    nnla.errors.NonFiniteResultError
        If a matrix exponential overflows.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> eye, zero = np.eye(2), np.zeros((2, 2))
    >>> three_layer.forward((zero, zero, 3 * eye), eye)  # W3 expm(0) = 3 I
    array([[3., 0.],
           [0., 3.]])
    """
    if isinstance(W, ThreeLayerSolution):
        ws = list(W.weights)
    else:
        ws = list(W)
        if len(ws) != 3:
            raise ValueError(f"W must hold three weight matrices (W1, W2, W3), got {len(ws)}")
    arrs = [as_matrix_stack(w, f"W{i + 1}") for i, w in enumerate(ws)]
    x = as_matrix_stack(X, "X")
    d = x.shape[-1]
    for i, a in enumerate(arrs):
        if a.shape[-1] != d:
            raise ValueError(f"W{i + 1} must be {d} x {d} like X, got shape {a.shape}")
    for name, a in [("W1", arrs[0]), ("W2", arrs[1]), ("W3", arrs[2]), ("X", x)]:
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or Inf")
    try:
        batch = np.broadcast_shapes(*(a.shape[:-2] for a in [*arrs, x]))
    except ValueError:
        raise ValueError(
            "the batch shapes of W1, W2, W3 and X do not broadcast: "
            f"{[a.shape[:-2] for a in [*arrs, x]]}"
        ) from None
    dt = np.result_type(np.float64, *arrs, x)
    flat = [np.ascontiguousarray(np.broadcast_to(a, (*batch, d, d)).astype(dt)).reshape(-1, d, d)
            for a in [*arrs, x]]
    nt = resolve_threads(n_threads)
    out, ok = _forward_raw(*flat, nt)
    if not ok.all():
        raise NonFiniteResultError(
            f"forward: a matrix exponential overflowed{_flat_where(~ok, batch)}",
            hint="the weights or inputs are too large for double precision",
            indices=_flat_indices(~ok, batch),
        )
    return out.reshape(*batch, d, d)


# ------------------------------------------------------------------------------------------------
# Choice of mu
# ------------------------------------------------------------------------------------------------


def _spread(re: np.ndarray) -> np.ndarray:
    return re.max(axis=-1) - re.min(axis=-1)


def _rank_candidates(
    grid: np.ndarray,
    lam_g: np.ndarray,
    ell: np.ndarray,
    n_dx: np.ndarray,
    nt: int = 1,
) -> np.ndarray:
    """Estimated log-error of each candidate ``mu`` for each instance: shape (n, K).

    ``grid`` holds the candidates per instance, shape (n, K). The model:
    ``log(err/u) ~ s1 + s2 + log(magnitudes)``, where ``s1`` is the spread of
    ``Re(mu lambda_j(G))`` (``log kappa(B1)``, ``kappa(B1) = ||e^{mu G}|| ||e^{-mu G}||``; infinite
    where ``e^{+-mu lambda_j}`` would leave the floating-point range), ``s2`` the larger spread of
    ``Re(c ell_j)`` for ``c = 1/(e^mu - 1)`` and ``e^mu/(e^mu - 1)`` (the top layer's
    cancellation ``||e^{-A}|| ||e^{A}||`` and ``||e^{-A}|| ||e^{e^mu A}|| / ||e^L||``), and the
    magnitudes the sizes of the exponents and the rounding of ``W1 X2 - W1 X1 = mu I``.
    """
    n, k = grid.shape
    with np.errstate(all="ignore"):
        c1 = 1.0 / np.expm1(grid)  # (n, K)
    c2 = 1.0 + c1
    rho_g = np.abs(lam_g).max(axis=-1)[:, None]  # (n, 1)
    n_l = np.abs(ell).max(axis=-1)[:, None]
    out = np.empty((n, k))

    def re_prod(z: np.ndarray, w: np.ndarray) -> np.ndarray:
        # Re(z_k w_j) for z (m, K), w (m, d): (m, K, d), in real single precision (a ranking).
        zr, zi = z.real.astype(np.float32), z.imag.astype(np.float32)
        wr, wi = w.real.astype(np.float32), w.imag.astype(np.float32)
        return zr[:, :, None] * wr[:, None, :] - zi[:, :, None] * wi[:, None, :]

    def block(s: int) -> None:
        sl = slice(s, s + _CHUNK)
        g = grid[sl]
        with np.errstate(all="ignore"):  # huge inputs rank last (inf or nan cost)
            re1 = re_prod(g, lam_g[sl])
            hi, lo = re1.max(axis=-1), re1.min(axis=-1)
            s1 = np.where(np.maximum(hi, -lo) < 600.0, hi - lo, np.inf)
            s2 = np.maximum(_spread(re_prod(c1[sl], ell[sl])), _spread(re_prod(c2[sl], ell[sl])))
            ag = np.abs(g)
            mag = 2.0 + ag * rho_g[sl] + np.abs(c2[sl]) * n_l[sl] * (1.0 + ag * n_dx[sl, None])
            out[sl] = s1 + s2 + np.log(mag)

    starts = range(0, n, _CHUNK)
    if nt > 1 and n > 2 * _CHUNK:  # numpy's loops release the GIL; blocks are disjoint
        with ThreadPoolExecutor(max_workers=nt) as pool:
            list(pool.map(block, starts))
    else:
        for s in starts:
            block(s)
    return np.where(np.isnan(out), np.inf, out)


def _spectral_candidates(lam_g: np.ndarray, radii: np.ndarray = _RADII) -> np.ndarray:
    """Per instance, ``mu`` with ``mu lambda`` purely imaginary for the two largest eigenvalues
    ``lambda`` of ``G`` (both signs, every radius): shape (n, 4 len(radii))."""
    top = np.take_along_axis(lam_g, np.argsort(-np.abs(lam_g), axis=1)[:, :2], axis=1)
    if top.shape[1] == 1:
        top = np.concatenate([top, top], axis=1)
    theta = np.pi / 2 - np.angle(top)  # (n, 2)
    dirs = np.exp(1j * np.concatenate([theta, theta + np.pi], axis=1))  # (n, 4)
    return (dirs[:, :, None] * radii[None, None, :]).reshape(lam_g.shape[0], -1)


def _candidate_lists(
    mode: str,
    lam_g: np.ndarray,
    ell: np.ndarray,
    n_dx: np.ndarray,
    real: bool,
    dense: bool = False,
    nt: int = 1,
    skip: complex | None = None,
) -> list[np.ndarray]:
    """The cascade of ``mu`` candidates per instance: a list of (n,) arrays.

    ``dense``: the last resort for instances that missed the tolerance, a finer grid
    (``_RADII_DENSE`` x ``_ANGLES_DENSE`` plus the spectral directions), its best ranked
    ``_N_DENSE`` candidates and no defaults. ``skip``: a default already tried, left out.
    """
    n = lam_g.shape[0]
    if dense:
        base = (_RADII_DENSE[:, None] * np.exp(1j * _ANGLES_DENSE)[None, :]).ravel()
        grid = np.concatenate(
            [np.broadcast_to(base, (n, base.size)), _spectral_candidates(lam_g, _RADII_DENSE)],
            axis=1,
        )
        cost = _rank_candidates(grid, lam_g, ell, n_dx, nt)
        order = np.argsort(cost, axis=1, kind="stable")[:, :_N_DENSE]
        pick = np.take_along_axis(grid, order, axis=1)
        return [pick[:, k] for k in range(_N_DENSE)]
    if mode == "real" or real:
        base = _REAL_GRID if real and mode == "auto" else _REAL_GRID[_REAL_GRID > 0]
        grid = np.broadcast_to(base.astype(np.complex128), (n, base.size))
        defaults: tuple = (np.log(2.0), 1.0) if mode == "real" else (np.log(2.0), 1.0, -np.log(2.0))
    else:
        base = (_RADII[:, None] * np.exp(1j * _ANGLES)[None, :]).ravel()
        tiny = np.abs(base.real) < 1e-12 * np.abs(base)
        base = np.where(tiny, 1j * base.imag, base)  # exactly imaginary on the imaginary axis
        grid = np.concatenate(
            [np.broadcast_to(base, (n, base.size)), _spectral_candidates(lam_g)], axis=1
        )
        defaults = _DEFAULTS
    cost = _rank_candidates(grid, lam_g, ell, n_dx, nt)
    order = np.argsort(cost, axis=1, kind="stable")
    pick = np.take_along_axis(grid, order[:, : 1 + _N_GRID_FALLBACK], axis=1)
    if mode == "real" or real:
        pick = pick.real
    stages = [pick[:, 0]]
    stages += [np.full(n, mu, dtype=pick.dtype) for mu in defaults if mu != skip]
    stages += [pick[:, k] for k in range(1, 1 + _N_GRID_FALLBACK)]
    return stages


# ------------------------------------------------------------------------------------------------
# The construction and its verification, for a subset of instances and one mu each
# ------------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    x1: np.ndarray
    x2: np.ndarray
    y1: np.ndarray
    y2: np.ndarray
    dinv: np.ndarray
    log: np.ndarray


def _construct(
    p: _Prepared, idx: np.ndarray, mu: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights, their residuals (n, 2) and kappa(B1) for instances ``idx`` with ``mu``.

    The construction ``W1 = mu (X2 - X1)^{-1}``, ``A = L / (e^mu - 1)``, ``W2 = A expm(-W1 X1)``
    (``expm(-W1 X1)`` as the LU inverse of ``expm(W1 X1)``). The top layer enters linearly,
    ``f(Xk) = W3 Ek`` with ``Ek = expm(W2 expm(W1 Xk))`` evaluated as the forward pass does, and
    ``W3`` is the least-squares solution of ``W3 [E1 E2] = [Y1 Y2]`` (each pair weighted by
    ``1/||Yk||_F``). In exact arithmetic it equals ``Y1 expm(-A)``; in floating point it absorbs
    the rounding errors of the lower layers. The residuals are those of the forward pass
    ``W3 expm(W2 expm(W1 Xk))`` of the returned weights, evaluated as :func:`forward` does
    (``B1``, ``B2 = expm(W1 X2)``, ``E1``, ``E2`` from the weights and ``Xk`` alone); :func:`solve`
    reports them for the candidate it keeps.

    Real ``mu`` (float64) means a real solution: the caller passes only instances with real data
    and a real logarithm, and everything is computed in real arithmetic.
    """
    real = mu.dtype.kind == "f"
    dt = np.float64 if real else np.complex128
    m = mu[:, None, None]
    x1, x2, y1, y2 = (a[idx].astype(dt, copy=False) for a in (p.x1, p.x2, p.y1, p.y2))
    log = p.log[idx].real if real and p.log.dtype.kind == "c" else p.log[idx]
    with np.errstate(all="ignore"):
        w1 = m * p.dinv[idx].astype(dt, copy=False)
        a = log.astype(dt, copy=False) / np.expm1(m)
        # B1 = expm(W1 X1) as the forward pass computes it; W2 = A B1^{-1} (LU, batched).
        b1, ok1 = _expm_raw(w1 @ x1, nt)
        ok_b = ok1 & np.isfinite(b1).all(axis=(-2, -1))
        binv, ok_i = _inv_each(np.where(ok_b[:, None, None], b1, np.eye(b1.shape[-1])))
        ok_b &= ok_i
        w2 = a @ binv
        e1, ok2 = _expm_raw(w2 @ b1, nt)
        b2, ok3 = _expm_raw(w1 @ x2, nt)
        e2, ok4 = _expm_raw(w2 @ b2, nt)
        ok = ok_b & ok2 & ok3 & ok4
        ok &= np.isfinite(e1).all(axis=(-2, -1)) & np.isfinite(e2).all(axis=(-2, -1))
        kappa = np.where(ok, _norm1(b1) * _norm1(binv), np.inf)
        w3 = np.zeros_like(w1)
        res = np.full((w1.shape[0], 2), np.inf)
        if ok.any():
            # Each pair weighted by 1/||Yk||_F, so that the fit balances the relative residuals.
            s1, s2 = (1.0 / _fro(yk[ok])[:, None, None] for yk in (y1, y2))
            w3[ok] = _lstsq_right(
                np.concatenate([y1[ok] * s1, y2[ok] * s2], axis=-1),
                np.concatenate([e1[ok] * s1, e2[ok] * s2], axis=-1),
            )
            w3k, okk = w3[ok], ok[ok]
            r1 = _rel_residual(w3k @ e1[ok], y1[ok], okk)
            res[ok] = np.stack([r1, _rel_residual(w3k @ e2[ok], y2[ok], okk)], axis=-1)
    return w1, w2, w3, res, kappa


def _homotopy_w2(
    b1: np.ndarray, b2: np.ndarray, log: np.ndarray, nt: int
) -> np.ndarray | None:
    """``W2`` with ``expm(-W2 B1) expm(W2 B2) = expm(L)`` for one instance, or None.

    Continuation in the target: ``M(s) = expm(s L)``, ``s`` from 0 (``W2 = 0``) to 1, Newton at
    each ``s`` from the previous ``W2`` with the ``d^2 x d^2`` Jacobian from
    :func:`nnla.expm_frechet` over the ``d^2`` unit directions (``d(e^{-W2 B1} e^{W2 B2}) =
    L(-W2 B1, -E B1) e^{W2 B2} + e^{-W2 B1} L(W2 B2, E B2)``); the step in ``s`` grows by 1.5 after
    a converged step (at most 0.1) and halves after a failed one; None after
    ``_HOM_MAX_STEPS`` steps or ``_HOM_MAX_NEWTON`` Newton iterations.
    """
    d = b1.shape[-1]
    n = d * d
    unit = np.zeros((n, d, d), dtype=np.complex128)
    unit[np.arange(n), np.arange(n) // d, np.arange(n) % d] = 1.0
    eb1, eb2 = unit @ b1, unit @ b2
    w2 = np.zeros((d, d), dtype=np.complex128)
    s, ds, steps, iters = 0.0, _HOM_DS0, 0, 0
    with np.errstate(all="ignore"):
        while s < 1.0:
            if ds < _HOM_DS_MIN or steps >= _HOM_MAX_STEPS or iters >= _HOM_MAX_NEWTON:
                return None
            steps += 1
            sn = min(1.0, s + ds)
            target, ok_t = _expm_raw(np.ascontiguousarray(sn * log[None]), nt)
            if not ok_t[0]:
                return None
            target = target[0]
            level = _HOM_TRACK if sn < 1.0 else _HOM_FINAL
            w = w2
            conv, prev = False, np.inf
            for _ in range(_HOM_NEWTON):
                iters += 1
                z1, z2 = w @ b1, w @ b2
                e, ok_e = _expm_raw(np.stack([-z1, z2]), nt)
                if not ok_e.all():
                    break
                f = e[0] @ e[1] - target
                nf = float(np.linalg.norm(f) / np.linalg.norm(target))
                if not np.isfinite(nf):
                    break
                if nf < level:
                    conv = True
                    break
                if sn >= 1.0 and nf >= 0.5 * prev:  # stalled at the rounding level
                    conv = nf < _HOM_TRACK
                    break
                prev = nf
                a = np.ascontiguousarray(np.concatenate([np.broadcast_to(-z1, (n, d, d)),
                                                         np.broadcast_to(z2, (n, d, d))]))
                try:
                    _, fr = expm_frechet(a, np.concatenate([-eb1, eb2]), n_threads=nt)
                    jac = (fr[:n] @ e[1] + e[0] @ fr[n:]).reshape(n, n).T
                    step = np.linalg.solve(jac, -f.ravel())
                except (np.linalg.LinAlgError, ValueError, NonFiniteResultError):
                    break
                w = w + step.reshape(d, d)
            if conv and np.isfinite(w).all():
                s, w2 = sn, w
                ds = min(1.5 * ds, _HOM_DS_MAX)
            else:
                ds /= 2
    return w2


def _refine(
    p: _Prepared, i: int, mu: complex, log: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Weights off the analytic family for instance ``i``: (W1, W2, W3, residuals, kappa(B1)),
    or None.

    ``X2 - X1 = U S V^H``; ``W1 = mu (I - (1 - rho) v v^H) (X2 - X1)^{-1}`` with ``v`` the right
    singular vector of the smallest singular value damps the direction in which ``G`` has its
    large (rank-one) part, so that ``expm(W1 X1)`` is far better conditioned, at the price of
    ``expm(W1 X2) != e^mu expm(W1 X1)``: ``W2`` then solves ``expm(-W2 B1) expm(W2 B2) = M``
    (:func:`_homotopy_w2`), and ``W3`` is the least-squares top layer of :func:`_construct`. The
    residuals are those of the forward pass of the returned weights. Each ``rho`` of
    ``_RHOS`` is tried; the best result is returned.
    """
    x1, x2, y1, y2 = (a[i].astype(np.complex128) for a in (p.x1, p.x2, p.y1, p.y2))
    d = x1.shape[-1]
    try:
        _, _, vh = np.linalg.svd(x2 - x1)
    except np.linalg.LinAlgError:
        return None
    v = np.conj(vh[-1])
    proj = np.outer(v, np.conj(v))
    dinv = p.dinv[i].astype(np.complex128)
    best: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None = None
    for rho in _RHOS:
        w1 = mu * (np.eye(d) - (1.0 - rho) * proj) @ dinv
        with np.errstate(all="ignore"):
            b, ok = _expm_raw(np.stack([w1 @ x1, w1 @ x2]), nt)
        if not ok.all():
            continue
        w2 = _homotopy_w2(b[0], b[1], log.astype(np.complex128), nt)
        if w2 is None:
            continue
        with np.errstate(all="ignore"):
            e, ok = _expm_raw(np.stack([w2 @ b[0], w2 @ b[1]]), nt)
            if not ok.all():
                continue
            s1, s2 = 1.0 / _fro(y1), 1.0 / _fro(y2)
            w3 = _lstsq_right(np.concatenate([y1 * s1, y2 * s2], axis=-1)[None],
                              np.concatenate([e[0] * s1, e[1] * s2], axis=-1)[None])[0]
        ws = [np.broadcast_to(a, (2, d, d)) for a in (w1, w2, w3)]
        f, okf = _forward_raw(*(np.ascontiguousarray(a) for a in ws), np.stack([x1, x2]), nt)
        res = _rel_residual(f, np.stack([y1, y2]), okf)
        if best is None or res.max() < best[3].max():
            with np.errstate(all="ignore"):
                kap = float(_norm1(b[0]) * _norm1(np.linalg.inv(b[0])))
            best = (w1, w2, w3, res, kap)
        if res.max() <= _REFINE_LEVEL:
            break
    return best


def _validate_pairs(
    X1: ArrayLike, X2: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> tuple[list[np.ndarray], tuple[int, ...], int]:
    names = ("X1", "X2", "Y1", "Y2")
    arrs = [as_matrix_stack(a, n) for a, n in zip((X1, X2, Y1, Y2), names)]
    shape = arrs[0].shape
    for a, n in zip(arrs, names):
        if a.shape != shape:
            raise ValueError(
                f"X1, X2, Y1 and Y2 must have the same shape (..., d, d); {n} has shape "
                f"{a.shape}, X1 has shape {shape}"
            )
    d = shape[-1]
    if d == 0:
        raise ValueError("X1, X2, Y1 and Y2 must be at least 1 x 1, got d = 0")
    for a, n in zip(arrs, names):
        finite = np.isfinite(a).all(axis=(-2, -1))
        if not finite.all():
            raise ValueError(f"{n} contains NaN or Inf{where(~finite)}")
    return arrs, shape[:-2], d


def _parse_mu(mu: MuSpec, batch: tuple[int, ...]) -> tuple[str, np.ndarray | None]:
    if isinstance(mu, str):
        if mu not in ("auto", "real"):
            raise ValueError(f"mu must be 'auto', 'real' or a number, got {mu!r}")
        return mu, None
    try:
        arr = np.asarray(mu)
        if arr.dtype.kind not in "biufc":
            raise TypeError
        val = np.broadcast_to(arr.astype(np.complex128), batch)
    except (TypeError, ValueError):
        raise ValueError(
            f"mu must be 'auto', 'real', a number or an array of the batch shape {batch}, "
            f"got {mu!r}"
        ) from None
    if not np.isfinite(val).all():
        raise ValueError("mu must be finite")
    with np.errstate(all="ignore"):
        bad = np.abs(np.expm1(val)) <= 4 * _U * np.maximum(1.0, np.abs(val))
    if bad.any():
        raise ValueError(
            "e^mu = 1 to working precision (mu = 2 pi i k, or |mu| below ~1e-15): the "
            "construction divides by e^mu - 1; choose another mu"
        )
    return "given", val.reshape(-1)


def solve(
    X1: ArrayLike,
    X2: ArrayLike,
    Y1: ArrayLike,
    Y2: ArrayLike,
    *,
    mu: MuSpec = "auto",
    tol: float = 1e-8,
    real_if_possible: bool = False,
    refine: bool = False,
    n_threads: int | None = None,
) -> ThreeLayerSolution:
    """Exact weights of ``f(X) = W3 expm(W2 expm(W1 X))`` with ``f(X1) = Y1`` and ``f(X2) = Y2``.

    The construction of the module docstring, for one problem ``(d, d)`` or a batch
    ``(..., d, d)`` of independent problems, with ``expm(-W1 X1)`` taken as the (LU) inverse of
    ``expm(W1 X1)``. The top layer is fitted: ``f(Xk) = W3 Ek`` with
    ``Ek = expm(W2 expm(W1 Xk))`` is linear in ``W3``, and ``W3`` is the least-squares solution of
    ``W3 [E1 E2] = [Y1 Y2]`` (QR, each pair weighted by ``1/||Yk||_F``; equal to ``Y1 expm(-A)``
    in exact arithmetic, so the closed forms of the construction hold to rounding). The returned
    residuals are those of a forward pass of the returned weights: each candidate is checked by
    evaluating ``f(Xk) = W3 expm(W2 expm(W1 Xk))`` from its ``W1, W2, W3`` and ``Xk`` alone (the
    computation of :func:`forward`; ``W3`` is fitted to that pass's ``Ek``), and the candidate
    kept is returned with the residuals of that pass (max over the two pairs of
    ``||f(Xk) - Yk||_F / ||Yk||_F``). Because the least-squares ``W3`` absorbs part of the
    rounding of that double-precision pass, the same weights evaluated in exact arithmetic have
    a somewhat larger residual (2-10x for random d = 8 and 16 data, bench/README.md).
    ``mu`` is chosen per instance:

    - ``"auto"``: candidates ranked by an error model (the spread of ``Re(mu lambda_j)`` over the
      eigenvalues of ``G = (X2 - X1)^{-1} X1`` measures ``kappa(expm(W1 X1))``, the spread of
      ``Re(ell_j / (e^mu - 1))`` over the eigenvalues of ``L`` the cancellation in the top layer,
      plus the sizes of the exponents) on a grid ``|mu|`` in [1e-3, 20] x 12 angles and the
      directions making ``mu lambda`` purely imaginary for the two largest eigenvalues of ``G``.
      First ``mu = 1`` (complex data) or ``mu = i pi/2`` (real data) is verified for all
      instances at once, before any eigenvalues are computed; the instances whose residual is
      above ``max(2^-44, u cond(Y1), u cond(X2 - X1))`` then get the eigenvalues of ``G`` and
      ``M`` and try the best ranked candidate and the other defaults of ``ln 2, i pi/2,
      -i pi/2, 1``, those still above ``max(2^-40, ...)`` the next ten ranked candidates; those
      still above ``max(2^-40, ...)`` then try the other branch of the logarithm (below) with
      the best ranked candidate and the defaults (the ten further ranked ones only above
      ``2^-34``), and those still above ``tol`` a denser grid, with the branch of their best
      candidate (each stage batched over the instances still trying). Each instance keeps its
      best candidate, so no stage increases an instance's residual.
    - ``"real"``: the paper's real ``alpha > 0``, searched in the same way over ``[1e-3, 20]``.
    - a number (or an array of the batch shape): that ``mu``.

    The logarithm is the principal one, ``L = logm(Y1^{-1} Y2)``; where its check
    ``||expm(L) - M||_1 / ||M||_1 <= 1e-10`` fails (eigenvalues at the branch cut), the rotated
    branch ``L = logm(e^{-i phi} M) + i phi I`` is used, with ``phi`` turning the spectrum of
    ``M`` away from the negative real axis. With ``"auto"``, the instances that stay above
    ``max(2^-40, ...)`` after the ranked candidates also try that rotated branch where it passes
    the check and has a smaller 1-norm than the principal logarithm: eigenvalues of ``M`` on
    both sides of the negative real axis (a conjugate pair next to a negative eigenvalue of a
    real ``M``) give the principal logarithm a large norm, and the rounding of the forward pass
    grows with ``||L||`` for every ``mu`` (bench/README.md: ``||L||_1`` 335 -> 30 takes a real
    d = 16 instance from 2.5e-9 to 2.9e-11). ``diagnostics["log_branch"]`` is the ``phi`` of the
    branch kept. Computations are in double precision.

    With ``refine=True`` (and ``mu="auto"``), the instances still above 1e-10 after all of this
    are refined off the analytic family, one at a time (bench/README.md). The solution set of the
    two equations is a manifold of dimension at least ``d^2``; the construction's forced
    ``W1 = mu (X2 - X1)^{-1}`` gives ``G`` a large part along the smallest singular direction
    ``v`` of ``X2 - X1`` and makes ``kappa(expm(W1 X1))`` (and the forward pass's rounding) large.
    The refinement damps that direction, ``W1 = mu (I - (1 - rho) v v^H) (X2 - X1)^{-1}`` with
    ``rho = 0.1`` (then 0.3), solves ``expm(-W2 B1) expm(W2 B2) = M`` for ``W2`` by continuation
    in the target ``expm(s L)``, ``s`` from 0 (``W2 = 0``) to 1, with Newton steps on the
    ``d^2 x d^2`` Jacobian from :func:`nnla.expm_frechet` (``mu`` and ``L`` of the kept
    candidate), and fits ``W3`` as above; the result is verified by its own forward pass and
    kept only if its residual is lower (``diagnostics["refine_gain"]``). It costs
    ``O(d^6)`` per Newton step: 0.4-8 s per refined instance at d = 8, 7-25 s at d = 16
    (at most 1200 Newton steps), hence opt-in; the
    refined weights satisfy the two equations but are no longer those of the closed form.

    Parameters
    ----------
    X1, X2, Y1, Y2 : array_like, shape (..., d, d)
        The two input/output pairs, real or complex, all of the same shape. ``X2 - X1``, ``Y1``
        and ``Y2`` must be invertible (``X1`` and ``X2`` need not be).
    mu : {"auto", "real"} or complex or array_like, default "auto"
        The choice of the scalar parameter (see above). A given ``mu`` must satisfy
        ``e^mu != 1``.
    tol : float, default 1e-8
        Largest accepted residual; a solution above it is never returned (see Raises).
    real_if_possible : bool, default False
        For real data whose ``M = Y1^{-1} Y2`` has a real principal logarithm, search real
        ``mu`` (both signs with ``"auto"``) first; the weights are then real. The output arrays
        are float64 only if every instance of the batch got a real solution; otherwise they are
        complex128 (real solutions have zero imaginary parts).
    refine : bool, default False
        Refine the instances still above 1e-10 off the analytic family (see above). Needs
        ``mu="auto"`` and ``d <= 16`` (``ValueError`` otherwise).
    n_threads : int, optional
        OpenMP threads of the native kernels (default: :func:`nnla.get_num_threads`). Results do
        not depend on it, nor on whether the instances are solved together or one at a time.

    Returns
    -------
    ThreeLayerSolution
        The weights, the verified residuals, ``mu`` and the diagnostics, with batch shape ``...``.

    Raises
    ------
    ValueError
        If the four arrays are not stacks of square matrices of the same shape, contain NaN or
        Inf, ``mu`` is not ``"auto"``, ``"real"`` or a finite number, or ``e^mu = 1``.
    nnla.errors.SingularMatrixError
        If ``X2 - X1``, ``Y1`` or ``Y2`` is singular or numerically singular (1-norm condition
        number at least ``1/(d u)``); the message names the matrix, the condition numbers (and
        ``||G||`` for ``X2 - X1`` where it can be formed) and the batch indices.
    nnla.errors.VerificationError
        If some instance's best verified residual exceeds ``tol`` (or its logarithm fails its
        check on both branches). For a batch the error is raised once, naming every failing
        instance in ``indices``; ``err.result`` holds the complete solution (the failing
        instances included, with their residuals) and ``err.diagnostics`` the diagnostics.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> rng = np.random.default_rng(0)
    >>> X1, X2, Y1, Y2 = rng.standard_normal((4, 3, 3))
    >>> sol = three_layer.solve(X1, X2, Y1, Y2)
    >>> bool(sol.residuals.max() < 1e-12)
    True
    >>> f2 = three_layer.forward(sol, X2)
    >>> bool(np.allclose(f2, Y2, rtol=0, atol=1e-12))
    True
    """
    arrs, batch, d = _validate_pairs(X1, X2, Y1, Y2)
    mode, mu_given = _parse_mu(mu, batch)
    if not (_is_real_number(tol) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    if not isinstance(refine, (bool, np.bool_)):
        raise ValueError(f"refine must be True or False, got {refine!r}")
    if refine and mode != "auto":
        raise ValueError("refine=True needs mu='auto' (it refines the automatic choice of mu)")
    if refine and d > _REFINE_MAX_D:
        raise ValueError(
            f"refine=True is available for d <= {_REFINE_MAX_D} (its Newton steps cost O(d^6)), "
            f"got d = {d}"
        )
    nt = resolve_threads(n_threads)
    n = int(np.prod(batch, dtype=np.int64))
    is_real = all(a.dtype.kind == "f" for a in arrs)
    wdt = np.float64 if is_real else np.complex128
    x1, x2, y1, y2 = (np.ascontiguousarray(a, dtype=wdt).reshape(n, d, d) for a in arrs)
    if n == 0:
        z = np.zeros((*batch, d, d), dtype=np.complex128)
        return ThreeLayerSolution(
            z, z.copy(), z.copy(), np.zeros((*batch, 2)), np.zeros(batch, dtype=np.complex128), {}
        )
    return _solve_flat(
        x1, x2, y1, y2, batch, d, mode, mu_given, tol, real_if_possible, bool(refine), nt
    )


def _choose_rotation(eig_m: np.ndarray) -> np.ndarray:
    """Angle phi per instance turning the eigenvalues of M farthest from the negative axis."""
    phis = np.linspace(-np.pi, np.pi, 32, endpoint=False)
    args = np.angle(eig_m)[:, None, :] - phis[None, :, None]
    wrapped = np.angle(np.exp(1j * args))  # in (-pi, pi]
    dist = (np.pi - np.abs(wrapped)).min(axis=-1)  # distance to the cut
    return phis[np.argmax(dist, axis=1)]


def _rotated_logarithm(
    m: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rotated branch ``L = logm(e^{-i phi} M) + i phi I`` of a stack of ``M``.

    ``phi`` turns the eigenvalues of ``M`` farthest from the negative real axis (the cut of the
    principal logarithm). Returns ``(L, phi, check residual ||expm(L) - M||_1 / ||M||_1,
    eigenvalues of L)``; each matrix is one LAPACK/kernel call, so the result of an instance does
    not depend on its batch.
    """
    d = m.shape[-1]
    eig = np.linalg.eigvals(m).astype(np.complex128, copy=False)
    ph = _choose_rotation(eig)
    rot = np.ascontiguousarray(np.exp(-1j * ph)[:, None, None] * m)
    lr, st = run("logm", rot, n_threads=nt)
    okr = st == Status.OK
    lr = np.where(okr[:, None, None], lr, 0) + 1j * ph[:, None, None] * np.eye(d)
    with np.errstate(all="ignore"):
        er, ok_er = _expm_raw(lr, nt)
        rr = _norm1(er - m) / _norm1(m)
        ell = np.log(eig * np.exp(-1j * ph)[:, None]) + 1j * ph[:, None]
    rr = np.where(okr & ok_er & np.isfinite(rr), rr, np.inf)
    return lr, ph, rr, ell


def _logarithm(m: np.ndarray, nt: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L with a verified ``expm(L) = M``: (L complex or real, phi, check residual).

    The eigenvalues of ``M`` (for the rotation ``phi``) are computed only for the instances
    whose principal logarithm fails its check.
    """
    n = m.shape[0]
    log, status = run("logm", m, n_threads=nt)
    ok = status == Status.OK
    log = np.where(ok[:, None, None], log, 0)
    with np.errstate(all="ignore"):
        if m.dtype.kind == "f" and log.dtype.kind == "c":
            # logm decides the dtype for the whole batch; check each real logarithm in real
            # arithmetic so that an instance's result does not depend on its batch.
            e = np.empty_like(log)
            ok_e = np.empty(n, dtype=bool)
            isreal = (log.imag == 0).all(axis=(-2, -1))
            for sel, part in ((isreal, log.real), (~isreal, log)):
                if sel.any():
                    e[sel], ok_e[sel] = _expm_raw(np.ascontiguousarray(part[sel]), nt)
        else:
            e, ok_e = _expm_raw(log, nt)
        res = _norm1(e - m) / _norm1(m)
    res = np.where(ok & ok_e & np.isfinite(res), res, np.inf)
    phi = np.zeros(n)
    bad = res > _LOG_TOL
    if bad.any():
        b = np.flatnonzero(bad)
        lr, ph, rr, _ = _rotated_logarithm(m[b], nt)
        better = (rr <= _LOG_TOL) | (rr < res[b])
        if better.any():
            log = log.astype(np.complex128)
            log[b[better]] = lr[better]
            res[b[better]] = rr[better]
            phi[b[better]] = ph[better]
    return log, phi, res


def _solve_flat(
    x1: np.ndarray,
    x2: np.ndarray,
    y1: np.ndarray,
    y2: np.ndarray,
    batch: tuple[int, ...],
    d: int,
    mode: str,
    mu_given: np.ndarray | None,
    tol: float,
    real_if_possible: bool,
    refine: bool,
    nt: int,
) -> ThreeLayerSolution:
    n = x1.shape[0]
    dx = x2 - x1
    if not np.isfinite(dx).all():
        raise ValueError("X2 - X1 overflows (its entries exceed the floating-point range)")
    dinv, cond_dx, bad = _inv_cond(dx)
    if bad.any():
        with np.errstate(all="ignore"):
            g = _norm1(dinv[bad] @ x1[bad]) if dinv is not None else np.full(bad.sum(), np.inf)
        _raise_singular("X2 - X1", cond_dx, bad, batch, f"; ||(X2 - X1)^-1 X1||_1 = {_fmt(g)}")
    assert dinv is not None
    y1inv, cond_y1, bad = _inv_cond(y1)
    if bad.any():
        _raise_singular("Y1", cond_y1, bad, batch)
    y2inv, cond_y2, bad = _inv_cond(y2)
    if bad.any():
        _raise_singular("Y2", cond_y2, bad, batch)
    assert y2inv is not None
    with np.errstate(all="ignore"):
        g = dinv @ x1
        m = np.linalg.solve(y1, y2)
        minv = y2inv @ y1
    norm_g = _norm1(g)
    cond_m = _norm1(m) * _norm1(minv)
    log, phi, log_res = _logarithm(np.ascontiguousarray(m), nt)
    n_dx = _norm1(dinv) * np.maximum(_norm1(x1), _norm1(x2))
    prep = _Prepared(x1, x2, y1, y2, dinv, log)

    # Per instance: best residual, its mu and weights; a stage cascade over candidates.
    best = np.full(n, np.inf)
    best_res = np.full((n, 2), np.inf)
    best_mu = np.zeros(n, dtype=np.complex128)
    w = [np.zeros((n, d, d), dtype=np.complex128) for _ in range(3)]
    kappa = np.full(n, np.inf)
    tried = np.zeros(n, dtype=np.int64)
    real_sol = np.zeros(n, dtype=bool)
    accept = np.minimum(tol, np.maximum(_ACCEPT, _U * np.maximum(cond_y1, cond_dx)))
    log_ok = log_res <= _LOG_TOL

    # Eigenvalues of G and of L (for the ranking of mu), computed only for the instances that
    # reach a ranked stage; each matrix is one LAPACK call, so an instance's values do not
    # depend on which others are computed with it.
    lam_g = np.zeros((n, d), dtype=np.complex128)
    ell = np.zeros((n, d), dtype=np.complex128)
    have_eig = np.zeros(n, dtype=bool)

    # The last ranked grid candidates only for instances still above a looser level (2^-40):
    # they rarely improve an instance already near round-off and cost 4 expm each.
    accept_tail = np.minimum(tol, np.maximum(_ACCEPT_TAIL, accept))

    def trying(active: np.ndarray, level: np.ndarray = accept) -> np.ndarray:
        return active & (best > level) & log_ok

    def ranked(mode_: str, active: np.ndarray, real: bool, **kw: object) -> list[np.ndarray]:
        """The candidate cascade of _candidate_lists for the instances still trying, as (n,)
        arrays (zero elsewhere)."""
        idx = np.flatnonzero(trying(active))
        if idx.size == 0:
            return []
        need = idx[~have_eig[idx]]
        if need.size:
            eig = _eigvals(np.concatenate([g[need], m[need]]), nt)
            rot = np.exp(-1j * phi[need])[:, None]
            lam_g[need] = eig[: need.size]
            ell[need] = np.log(eig[need.size :] * rot) + 1j * phi[need][:, None]
            have_eig[need] = True
        sub = _candidate_lists(mode_, lam_g[idx], ell[idx], n_dx[idx], real=real, nt=nt, **kw)
        out = []
        for mus in sub:
            full = np.zeros(n, dtype=mus.dtype)
            full[idx] = mus
            out.append(full)
        return out

    def run_stages(
        stages: list[np.ndarray],
        active: np.ndarray,
        real: bool,
        n_tail: int = 0,
        branch: bool = False,
    ) -> None:
        for i, mus in enumerate(stages):
            tail = i >= len(stages) - n_tail
            idx = np.flatnonzero(trying(active, accept_tail if tail else accept))
            if idx.size == 0:
                return
            mu_s = mus[idx].real.astype(np.float64) if real else mus[idx].astype(np.complex128)
            w1, w2, w3, res, kap = _construct(prep, idx, mu_s, nt)
            r = res.max(axis=1)
            tried[idx] += 1
            imp = r < best[idx]
            if not imp.any():
                continue
            j = idx[imp]
            best[j] = r[imp]
            best_res[j] = res[imp]
            best_mu[j] = mu_s[imp]
            real_sol[j] = real
            kappa[j] = kap[imp]
            other_branch[j] = branch
            for k, wk in enumerate((w1, w2, w3)):
                w[k][j] = wk[imp]

    # Instances whose best candidate uses the other branch of the logarithm (below).
    other_branch = np.zeros(n, dtype=bool)
    phi_used = phi.copy()
    norm_l = _norm1(log)
    branch_gain = np.ones(n)  # residual before / after the other branch (1: not taken)
    refine_gain = np.ones(n)  # residual before / after the refinement (1: not refined)

    real_ok = np.zeros(n, dtype=bool)
    if real_if_possible and x1.dtype.kind == "f":
        # Real data whose principal logarithm is real: real mu gives real weights.
        real_ok = phi == 0
        if not np.isrealobj(log):
            real_ok &= (log.imag == 0).all(axis=(-2, -1))
    if mode == "given":
        assert mu_given is not None
        real_mu = real_ok & (mu_given.imag == 0)
        run_stages([mu_given], real_mu, real=True)
        run_stages([mu_given], ~real_mu, real=False)
    else:
        if real_ok.any():
            run_stages(ranked(mode, real_ok, real=True), real_ok, True, _N_GRID_FALLBACK)
            # Real candidates that did not verify fall back to complex ones below.
        if mode == "real":
            run_stages(ranked("real", ~real_ok, real=True), ~real_ok, False, _N_GRID_FALLBACK)
        else:
            # Instances with a verified real solution keep it (real_if_possible).
            active = ~(real_sol & (best <= tol))
            # First one default mu for every instance (no eigenvalues needed); only the
            # instances it leaves above their acceptance level are ranked.
            first = _FIRST_REAL if x1.dtype.kind == "f" else _FIRST_COMPLEX
            run_stages([np.full(n, first, dtype=np.complex128)], active, real=False)
            stages = ranked("auto", active, real=False, skip=first)
            run_stages(stages, active, False, _N_GRID_FALLBACK)
            # The other branch: instances still above 2^-40 whose M has eigenvalues near the cut
            # of the principal logarithm (conjugate pairs straddling the negative axis give it a
            # large norm) try the rotated branch when its norm is smaller.
            alt = np.flatnonzero(trying(active, accept_tail) & (phi == 0))
            if alt.size:
                lr, ph, rr, ell_alt = _rotated_logarithm(m[alt], nt)
                use = (rr <= _LOG_TOL) & (_norm1(lr) < norm_l[alt])
                alt, lr, ph, rr, ell_alt = alt[use], lr[use], ph[use], rr[use], ell_alt[use]
            if alt.size:
                log_alt = log.astype(np.complex128)  # a copy
                log_alt[alt] = lr
                prep = _Prepared(x1, x2, y1, y2, dinv, log_alt)
                sub = _candidate_lists("auto", lam_g[alt], ell_alt, n_dx[alt], real=False, nt=nt)
                alt_stages = []
                for mus in sub:
                    full = np.zeros(n, dtype=np.complex128)
                    full[alt] = mus
                    alt_stages.append(full)
                on_alt = np.zeros(n, dtype=bool)
                on_alt[alt] = True
                before = best[alt].copy()
                head = len(alt_stages) - _N_GRID_FALLBACK
                run_stages(alt_stages[:head], on_alt, False, branch=True)
                # The last ranked candidates only for instances still above _ALT_TAIL.
                on_alt &= best > _ALT_TAIL
                run_stages(alt_stages[head:], on_alt, False, branch=True)
                # Each instance goes on (dense grid below) with the branch of its best candidate.
                back = alt[~other_branch[alt]]
                log_alt[back] = log[back]
                keep = alt[other_branch[alt]]
                ell[keep] = ell_alt[other_branch[alt]]
                phi_used[keep] = ph[other_branch[alt]]
                norm_l[keep] = _norm1(log_alt[keep])
                log_res[keep] = rr[other_branch[alt]]
                branch_gain[keep] = before[other_branch[alt]] / best[keep]
            miss = active & (best > tol)
            if miss.any():  # last resort, only for the instances above the tolerance
                run_stages(ranked("auto", miss, real=False, dense=True), miss, real=False)
            # Off the analytic family, one instance at a time, for the rare instances still
            # above _REFINE_LEVEL; kept only where it lowers the verified residual.
            todo = trying(active, np.full(n, _REFINE_LEVEL)) & refine
            for i in np.flatnonzero(todo):
                if not np.isfinite(best[i]):
                    continue
                out = _refine(prep, int(i), complex(best_mu[i]), prep.log[i], nt)
                if out is not None and out[3].max() < best[i]:
                    refine_gain[i] = best[i] / out[3].max()
                    for k in range(3):
                        w[k][i] = out[k]
                    best_res[i] = out[3]
                    best[i] = out[3].max()
                    kappa[i] = out[4]
                    real_sol[i] = False

    # The residuals are those of each candidate's forward pass, f(Xk) = W3 expm(W2 expm(W1 Xk))
    # evaluated from the returned weights and Xk alone (the computation of `forward`); the
    # instances without any finite candidate residual get a forward pass of what is returned, and
    # so do real solutions returned as complex (a mixed batch): `forward` evaluates them in
    # complex arithmetic.
    all_real = bool(real_if_possible and real_sol.all())
    left = np.flatnonzero(~np.isfinite(best) | (real_sol & (not all_real)))
    if left.size:
        ws_ = [w[k][left] for k in range(3)]
        for k, (xk, yk) in enumerate(((x1, y1), (x2, y2))):
            xl, yl = xk[left].astype(np.complex128), yk[left].astype(np.complex128)
            fk, okk = _forward_raw(*ws_, xl, nt)
            best_res[left, k] = _rel_residual(fk, yl, okk)
    best = best_res.max(axis=1)

    out_dt = np.float64 if all_real else np.complex128
    shp = (*batch, d, d)
    ws = [(wk.real if all_real else wk).astype(out_dt).reshape(shp) for wk in w]
    mu_out = (best_mu.real if all_real else best_mu).reshape(batch)
    diagnostics = {
        "cond_dx": cond_dx,
        "norm_g": norm_g,
        "cond_y1": cond_y1,
        "cond_y2": cond_y2,
        "cond_m": cond_m,
        "log_branch": phi_used,
        "log_residual": log_res,
        "norm_l": norm_l,
        "kappa_b1": kappa,
        "norm_w1": _norm1(w[0]),
        "norm_w2": _norm1(w[1]),
        "norm_w3": _norm1(w[2]),
        "candidates": tried,
        "branch_gain": branch_gain,
        "refine_gain": refine_gain,
    }
    diagnostics = {k: np.asarray(v).reshape(batch) for k, v in diagnostics.items()}
    sol = ThreeLayerSolution(
        ws[0], ws[1], ws[2], best_res.reshape(*batch, 2), mu_out, diagnostics
    )
    fail = ~(best <= tol)
    if fail.any():
        reason = (
            "the logarithm of Y1^{-1} Y2 failed its check on both branches"
            if (~log_ok & fail).any()
            else "no candidate mu reached the tolerance"
        )
        raise VerificationError(
            f"three_layer.solve: the verified residual exceeds tol = {tol:g}"
            f"{_flat_where(fail, batch)}: residual {_fmt(best[fail])} ({reason}); cond(X2 - X1) = "
            f"{_fmt(cond_dx[fail])}, cond(Y1) = {_fmt(cond_y1[fail])}, kappa(B1) = "
            f"{_fmt(kappa[fail])}",
            hint=(
                "the residual is limited by cond(X2 - X1) and cond(Y1) (about u times them); "
                "try another mu, or a larger tol if the problem is this ill conditioned"
            ),
            indices=_flat_indices(fail, batch),
            result=sol,
            diagnostics=diagnostics,
        )
    return sol


# ------------------------------------------------------------------------------------------------
# The "power of depth" comparison: gradient training and the one-layer least-squares fit
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradientFit:
    """Result of :func:`fit_gradient`.

    Attributes
    ----------
    weights : tuple of ndarray
        The trained ``(W1, ..., W_layers)``.
    residuals : ndarray, shape (steps + 1,)
        ``max_k ||f(Xk) - Yk||_F / ||Yk||_F`` before each step and after the last one.
    loss : ndarray, shape (steps + 1,)
        The training loss ``sum_k ||f(Xk) - Yk||_F^2 / ||Yk||_F^2`` at the same points.
    seconds : float
        Wall-clock time of the training loop.
    """

    weights: tuple[np.ndarray, ...]
    residuals: np.ndarray
    loss: np.ndarray
    seconds: float

    @property
    def residual(self) -> float:
        """The final residual."""
        return float(self.residuals[-1])


@dataclass(frozen=True)
class OneLayerFit:
    """Result of :func:`fit_one_layer`.

    Attributes
    ----------
    W : ndarray, shape (..., d, d)
        The least-squares weight of ``Y = W X`` on both pairs.
    residuals : ndarray, shape (..., 2)
        ``||W Xk - Yk||_F / ||Yk||_F`` for k = 1, 2.
    """

    W: np.ndarray
    residuals: np.ndarray

    @property
    def residual(self) -> np.ndarray:
        """The larger of the two relative residuals."""
        return self.residuals.max(axis=-1)


def _net_forward(
    ws: Sequence[np.ndarray], x: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Forward pass of the ``len(ws)``-layer network: output, pre-activations, activations."""
    pre, act = [], []
    with np.errstate(all="ignore"):
        z = ws[0] @ x
    for w in ws[1:]:
        if not np.isfinite(z).all():
            raise NonFiniteResultError("the network's pre-activations overflowed",
                                       hint="the weights diverged: reduce lr")
        e = expm(z)
        pre.append(z)
        act.append(e)
        with np.errstate(all="ignore"):
            z = w @ e
    return z, pre, act


def _loss_and_grad(
    ws: Sequence[np.ndarray], xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]
) -> tuple[float, float, list[np.ndarray]]:
    """Loss ``sum_k ||f(Xk) - Yk||^2 / ||Yk||^2``, max relative residual and the gradient.

    The gradient of a real loss in a complex weight is ``dL/dRe W + i dL/dIm W`` (for real
    weights the ordinary gradient); the adjoint of the Frechet derivative ``L(Z, .)`` is
    ``L(Z^H, .)``.
    """
    grads = [np.zeros_like(w) for w in ws]
    loss = 0.0
    worst = 0.0
    for x, y in zip(xs, ys):
        ny2 = float(np.vdot(y, y).real)
        f, pre, act = _net_forward(ws, x)
        r = f - y
        rr = float(np.vdot(r, r).real)
        loss += rr / ny2
        worst = max(worst, np.sqrt(rr / ny2))
        g = 2.0 * r / ny2  # gradient with respect to f
        for layer in range(len(ws) - 1, 0, -1):
            grads[layer] += g @ act[layer - 1].conj().T
            ge = ws[layer].conj().T @ g
            g = expm_frechet(pre[layer - 1].conj().T, ge)[1]  # gradient with respect to z
        grads[0] += g @ x.conj().T
    return loss, worst, grads


def _is_real_number(v: object) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float, np.integer, np.floating))


def _nonzero_targets(y1: np.ndarray, y2: np.ndarray) -> None:
    """The residuals are relative to ||Yk||: a zero target makes them undefined."""
    for name, y in (("Y1", y1), ("Y2", y2)):
        if np.any(_fro(y) == 0):
            raise ValueError(f"{name} must be nonzero (the residual is relative to ||{name}||)")


def _single_pairs(X1: ArrayLike, X2: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> list[np.ndarray]:
    arrs, batch, _ = _validate_pairs(X1, X2, Y1, Y2)
    if batch:
        raise ValueError(
            f"X1, X2, Y1 and Y2 must be single d x d matrices, got batch shape {batch}"
        )
    dt = np.result_type(np.float64, *arrs)
    return [a.astype(dt, copy=False) for a in arrs]


def fit_gradient(
    X1: ArrayLike,
    X2: ArrayLike,
    Y1: ArrayLike,
    Y2: ArrayLike,
    *,
    layers: int = 3,
    steps: int = 2000,
    lr: float = 1e-2,
    seed: int = 0,
) -> GradientFit:
    """Train ``f(X) = W_n expm(... W2 expm(W1 X))`` on the two pairs by Adam from a random start.

    The comparison for :func:`solve`: the same network (``layers = 3``), trained by gradient
    descent on the loss ``sum_k ||f(Xk) - Yk||_F^2 / ||Yk||_F^2``. Gradients by the chain rule
    through :func:`nnla.expm_frechet` (the adjoint of ``L(Z, .)`` is ``L(Z^H, .)``); Adam with
    ``beta = (0.9, 0.999)``. The start is ``W_i ~ N(0, 1/d)`` entrywise (real for real data,
    complex Gaussian for complex data), seeded. ``layers = 1`` is the linear network ``W1 X``.

    Parameters
    ----------
    X1, X2, Y1, Y2 : array_like, shape (d, d)
        The two input/output pairs (a single problem).
    layers : int, default 3
        Number of weight matrices (>= 1).
    steps : int, default 2000
        Adam steps (>= 0).
    lr : float, default 1e-2
        Adam step size (> 0).
    seed : int, default 0
        Seed of the random start.

    Returns
    -------
    GradientFit
        The weights, the residual and loss curves (``steps + 1`` points) and the time.

    Raises
    ------
    ValueError
        For arrays that are not four ``d x d`` matrices of one size, NaN/Inf entries, a zero
        ``Y1`` or ``Y2``, or invalid ``layers``, ``steps``, ``lr``, ``seed``.
    nnla.errors.NonFiniteResultError
        If the training diverges until a matrix exponential overflows (reduce ``lr``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> rng = np.random.default_rng(1)
    >>> X1, X2, Y1, Y2 = rng.standard_normal((4, 2, 2))
    >>> fit = three_layer.fit_gradient(X1, X2, Y1, Y2, steps=50)
    >>> fit.residuals.shape, bool(fit.residuals[-1] < fit.residuals[0])
    ((51,), True)
    """
    xs_ys = _single_pairs(X1, X2, Y1, Y2)
    layers = check_int(layers, "layers", 1)
    steps = check_int(steps, "steps", 0)
    if not (_is_real_number(lr) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    seed = check_int(seed, "seed", 0)
    x1, x2, y1, y2 = xs_ys
    _nonzero_targets(y1, y2)
    d = x1.shape[-1]
    rng = np.random.default_rng(seed)
    cplx = x1.dtype.kind == "c"
    ws = []
    for _ in range(layers):
        w = rng.standard_normal((d, d)) / np.sqrt(d)
        if cplx:
            w = (w + 1j * rng.standard_normal((d, d)) / np.sqrt(d)) / np.sqrt(2)
        ws.append(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    m1 = [np.zeros_like(w) for w in ws]
    m2 = [np.zeros(w.shape) for w in ws]
    res = np.empty(steps + 1)
    loss = np.empty(steps + 1)
    t0 = time.perf_counter()
    for step in range(steps + 1):
        lval, worst, grads = _loss_and_grad(ws, (x1, x2), (y1, y2))
        loss[step], res[step] = lval, worst
        if step == steps:
            break
        for i, g in enumerate(grads):
            m1[i] = b1 * m1[i] + (1 - b1) * g
            m2[i] = b2 * m2[i] + (1 - b2) * np.abs(g) ** 2
            mhat = m1[i] / (1 - b1 ** (step + 1))
            vhat = m2[i] / (1 - b2 ** (step + 1))
            ws[i] = ws[i] - lr * mhat / (np.sqrt(vhat) + eps)
    seconds = time.perf_counter() - t0
    return GradientFit(tuple(ws), res, loss, seconds)


def fit_one_layer(X1: ArrayLike, X2: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> OneLayerFit:
    """Least-squares one-layer network ``Y = W X`` on both pairs.

    ``W`` minimises ``||W X1 - Y1||_F^2 + ||W X2 - Y2||_F^2``: ``W = [Y1 Y2] [X1 X2]^+`` (the
    pseudo-inverse by the SVD, batched). A single ``W`` fits both pairs only if the pairs are
    consistent (``Y2 X2^{-1} = Y1 X1^{-1}``); for generic data the residual stays O(1), which is
    the point of the three-layer construction.

    Parameters
    ----------
    X1, X2, Y1, Y2 : array_like, shape (..., d, d)
        The two input/output pairs.

    Returns
    -------
    OneLayerFit
        ``W`` and the residuals of both pairs.

    Raises
    ------
    ValueError
        For arrays that are not stacks of square matrices of one shape, NaN/Inf entries, or a zero
        ``Y1`` or ``Y2``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> X1, X2 = np.eye(2), 2 * np.eye(2)
    >>> fit = three_layer.fit_one_layer(X1, X2, 3 * X1, 3 * X2)  # consistent: W = 3 I
    >>> bool(np.allclose(fit.W, 3 * np.eye(2), rtol=1e-14)), bool(fit.residual < 1e-14)
    (True, True)
    """
    arrs, batch, d = _validate_pairs(X1, X2, Y1, Y2)
    dt = np.result_type(np.float64, *arrs)
    x1, x2, y1, y2 = (a.astype(dt, copy=False) for a in arrs)
    _nonzero_targets(y1, y2)
    xc = np.concatenate([x1, x2], axis=-1)
    yc = np.concatenate([y1, y2], axis=-1)
    w = yc @ np.linalg.pinv(xc)
    with np.errstate(all="ignore"):
        r = np.stack([_fro(w @ x1 - y1) / _fro(y1), _fro(w @ x2 - y2) / _fro(y2)], axis=-1)
    return OneLayerFit(w, r)
