"""Exact matrices of shallow ReLU networks in 1D and 2D, and the exact O(n) 1D solvers.

A shallow network ``v(x) = c0 + sum_i c_i sigma(w_i . x + b_i)`` (``sigma = max(., 0)``) on a domain
Omega: an interval ``(a, b)`` in 1D (default ``(0, 1)``), a box or a convex polygon in 2D (default
the unit square). With ``y = (1, x)`` (spec: ``relu-matrices.md``):

- mass matrix ``A_ij = int sigma_i sigma_j``,
- Heaviside Gram matrix ``H_ij = int h_i h_j`` (``h = 1{w . x + b > 0}``),
- layer Gauss-Newton matrix ``G``: ``n(d+1) x n(d+1)``, neuron-major (row/column ``i*(d+1) + k``,
  ``k = 0`` for ``b_i`` and ``k = 1..d`` for the components of ``w_i``), block ``(i, j) =
  int_{R_ij} y y^T`` over the common active region ``R_ij``.

Parameters everywhere: ``w`` of shape ``(n,)`` or ``(n, 1)`` (1D) or ``(n, 2)`` (2D), ``b`` of shape
``(n,)``. 1D work is native (cpp/relu/relu1d); 2D work is delegated to :mod:`nnla._relu2d`.

Degenerate neurons (dead ones, repeated breakpoints, too many neurons affine on all of Omega) make A
singular. :func:`degenerate_neurons` lists them; the solvers raise
:class:`nnla.errors.DegenerateNeuronsError` for them, and the assembly functions do so with
``check=True`` (by default they assemble whatever they are given: a singular matrix of degenerate
neurons is the exact answer to the question asked).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import check_int
from nnla.errors import DegenerateNeuronsError, NonFiniteResultError

__all__ = [
    "ShallowNetwork",
    "degenerate_neurons",
    "gauss_newton_entries",
    "heaviside_entries",
    "heaviside_gram",
    "layer_gauss_newton",
    "load_vector",
    "mass_entries",
    "mass_matrix",
    "matvec",
    "solve_heaviside_1d",
    "solve_mass_1d",
]

_KINDS = {  # the kind codes of cpp/relu/kind.hpp (_core.ReluKind)
    "mass": int(_core.ReluKind.MASS),
    "heaviside": int(_core.ReluKind.HEAVISIDE),
    "gauss_newton": int(_core.ReluKind.GAUSS_NEWTON),
}
Domain = Union[None, tuple[float, float], ArrayLike]


# ------------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------------


def _as_real(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} has dtype {arr.dtype}, expected a real (integer or float) array")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or Inf")
    return arr


def _as_params(w: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray, int]:
    """(w, b, d): w float64 (n,) for d = 1 or (n, 2) for d = 2, b float64 (n,)."""
    wa = _as_real(w, "w")
    if wa.ndim == 1:
        d = 1
    elif wa.ndim == 2 and wa.shape[1] in (1, 2):
        d = wa.shape[1]
        if d == 1:
            wa = np.ascontiguousarray(wa[:, 0])
    else:
        raise ValueError(f"w must have shape (n,), (n, 1) or (n, 2), got {wa.shape}")
    ba = _as_real(b, "b")
    if ba.ndim != 1 or ba.shape[0] != wa.shape[0]:
        raise ValueError(f"b must have shape ({wa.shape[0]},) to match w, got {ba.shape}")
    return wa, ba, d


def _as_interval(domain: Domain) -> tuple[float, float]:
    if domain is None:
        return 0.0, 1.0
    try:
        arr = np.asarray(domain, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"domain must be a pair (a, b) of finite numbers, got {domain!r}"
        ) from None
    if arr.shape != (2,):
        raise ValueError(f"domain must be a pair (a, b) in 1D, got shape {arr.shape}")
    lo, hi = float(arr[0]), float(arr[1])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("domain contains NaN or Inf")
    if not lo < hi:
        raise ValueError(
            f"domain must satisfy a < b (got an empty or inverted interval {lo}, {hi})"
        )
    return lo, hi


def _r2d() -> Any:
    from nnla import _relu2d  # imported at call time: the 2D part lives in its own module

    return _relu2d


def _kind(kind: str) -> int:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    return _KINDS[kind]


def _classes(w: np.ndarray, b: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, ...]:
    """(s, interior, full, dead) for 1D neurons on [lo, hi]; s = nan where w = 0."""
    nz = w != 0
    s = np.full(w.shape, np.nan)
    np.divide(-b, w, out=s, where=nz)
    interior = nz & (s > lo) & (s < hi)
    full = ((w > 0) & (s <= lo)) | ((w < 0) & (s >= hi)) | (~nz & (b > 0))
    dead = ~(interior | full)
    return s, interior, full, dead


# ------------------------------------------------------------------------------------------------
# the network value type
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShallowNetwork:
    """The hidden layer ``(w, b)`` of a shallow ReLU network and, optionally, its output layer.

    ``v(x) = c0 + sum_i c_i max(w_i . x + b_i, 0)``. The arrays are validated, converted to
    float64 and stored read-only.

    Parameters
    ----------
    w : array_like, shape (n,), (n, 1) or (n, 2)
        Weights; ``(n, 1)`` is stored as ``(n,)``.
    b : array_like, shape (n,)
        Biases.
    c : array_like, shape (n,), optional
        Output weights (needed for evaluation).
    c0 : float, default 0.0
        Output bias.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import ShallowNetwork
    >>> net = ShallowNetwork(w=[1.0, -1.0], b=[-0.5, 0.25], c=[2.0, 1.0], c0=0.5)
    >>> net.breakpoints().tolist()
    [0.5, 0.25]
    >>> net(np.array([0.0, 1.0])).tolist()
    [0.75, 1.5]
    """

    w: np.ndarray
    b: np.ndarray
    c: np.ndarray | None = None
    c0: float = 0.0

    def __post_init__(self) -> None:
        w, b, _ = _as_params(self.w, self.b)
        w, b = w.copy(), b.copy()
        c = None
        if self.c is not None:
            c = _as_real(self.c, "c").copy()
            if c.shape != b.shape:
                raise ValueError(f"c must have shape {b.shape} to match w, got {c.shape}")
            c.setflags(write=False)
        c0 = np.asarray(self.c0)
        if c0.shape != () or c0.dtype.kind not in "iuf" or not np.isfinite(c0):
            raise ValueError(f"c0 must be a finite real number, got {self.c0!r}")
        w.setflags(write=False)
        b.setflags(write=False)
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "c0", float(c0))

    @property
    def dim(self) -> int:
        """Input dimension d (1 or 2)."""
        return 1 if self.w.ndim == 1 else 2

    @property
    def n(self) -> int:
        """Number of hidden neurons."""
        return int(self.b.shape[0])

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Evaluate the network at points ``x``: shape (m,) in 1D, (m, 2) in 2D; returns (m,)."""
        if self.c is None:
            raise ValueError("c is None: the network has no output layer to evaluate")
        xa = _as_real(x, "x")
        if self.dim == 1 and xa.ndim != 1:
            raise ValueError(f"x must have shape (m,) for a 1D network, got {xa.shape}")
        if self.dim == 2 and (xa.ndim != 2 or xa.shape[1] != 2):
            raise ValueError(f"x must have shape (m, 2) for a 2D network, got {xa.shape}")
        out = np.empty(xa.shape[0])
        step = max(1, (1 << 22) // max(self.n, 1))  # bounded (m, n) temporaries
        for k in range(0, xa.shape[0], step):
            xs = xa[k : k + step]
            pre = np.multiply.outer(xs, self.w) if self.dim == 1 else xs @ self.w.T
            out[k : k + step] = self.c0 + np.maximum(pre + self.b, 0.0) @ self.c
        return out

    def breakpoints(self) -> np.ndarray:
        """1D breakpoints ``s_i = -b_i / w_i`` (NaN where ``w_i = 0``)."""
        if self.dim != 1:
            raise ValueError("breakpoints() is defined for 1D networks only")
        return _classes(self.w, self.b, 0.0, 1.0)[0]

    def order(self, domain: Domain = None) -> np.ndarray:
        """A permutation that orders the neurons geometrically (for hierarchical compression).

        1D: by breakpoint, ascending; ties (equal breakpoints) put right-facing neurons
        (``w > 0``) before left-facing ones, then keep the index order; neurons with ``w = 0``
        (no breakpoint) come last in index order. ``domain`` is not used in 1D. 2D: recursive PCA
        bisection of the lines' closest points to the domain centre (``nnla._relu2d.order_2d``).
        """
        if self.dim == 1:
            s = self.breakpoints()
            key = np.where(np.isnan(s), np.inf, s)
            orient = (self.w < 0).astype(np.int64)
            return np.lexsort((np.arange(self.n), orient, key)).astype(np.int64)
        r2 = _r2d()
        return np.asarray(r2.order_2d(self.w, self.b, r2.as_domain_2d(domain)), dtype=np.int64)

    def permuted(self, perm: ArrayLike) -> ShallowNetwork:
        """The same network with its neurons in the order ``perm`` (a permutation of range(n))."""
        p = np.asarray(perm)
        if p.dtype.kind not in "iu" or p.shape != (self.n,):
            raise ValueError(f"perm must be an integer array of shape ({self.n},)")
        if not np.array_equal(np.sort(p), np.arange(self.n)):
            raise ValueError("perm must be a permutation of range(n)")
        c = None if self.c is None else self.c[p]
        return ShallowNetwork(self.w[p], self.b[p], c, self.c0)

    def save(self, path: str | PathLike[str]) -> None:
        """Write the network to an ``.npz`` file (arrays ``w``, ``b``, ``c0`` and ``c`` if set)."""
        arrays = {"w": self.w, "b": self.b, "c0": np.array(self.c0)}
        if self.c is not None:
            arrays["c"] = self.c
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> ShallowNetwork:
        """Read a network written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            return cls(z["w"], z["b"], z["c"] if "c" in z.files else None, float(z["c0"]))


# ------------------------------------------------------------------------------------------------
# degenerate neurons
# ------------------------------------------------------------------------------------------------


def _degenerate_1d(
    w: np.ndarray, b: np.ndarray, lo: float, hi: float, max_full: int, *, with_order: bool = False
) -> Any:
    """The degenerate-neuron report; with ``with_order`` also (srt, s, interior, full): the live
    neurons sorted by breakpoint (w = 0 last, ties in index order) and the classes."""
    s, interior, full, dead = _classes(w, b, lo, hi)
    alive = np.flatnonzero(~dead)
    key = np.where(np.isnan(s[alive]), np.inf, s[alive])  # w = 0 neurons: all constants, one group
    o = np.argsort(key, kind="stable")  # ties keep the (increasing) index order
    srt, ks = alive[o], key[o]
    same = np.zeros(srt.shape, dtype=bool)
    same[1:] = ks[1:] == ks[:-1]
    dup = np.sort(srt[same])
    is_dup = np.zeros(w.shape, dtype=bool)
    is_dup[dup] = True
    lin = np.flatnonzero(full & ~is_dup)[max_full:]
    rep = {
        "dead": np.flatnonzero(dead).astype(np.int64),
        "duplicate": dup.astype(np.int64),
        "linear": lin.astype(np.int64),
    }
    return (rep, srt, s, interior, full) if with_order else rep


def degenerate_neurons(
    w: ArrayLike, b: ArrayLike, domain: Domain = None, *, kind: str = "mass"
) -> dict[str, np.ndarray]:
    """Find the neurons that make the network's Gram matrices singular on the domain.

    Parameters
    ----------
    w, b : array_like
        Hidden-layer parameters (1D or 2D, see the module docstring).
    domain : optional
        1D: ``(a, b)`` (default ``(0, 1)``); 2D: a box or polygon (default the unit square).
    kind : {"mass", "heaviside", "gauss_newton"}, default "mass"
        The matrix in question. ``"mass"`` (A) allows ``d + 1`` neurons active on all of the
        domain (they are affine there); ``"heaviside"`` and ``"gauss_newton"`` (whose blocks
        depend only on the active sets) allow one (their Heaviside functions are all 1).

    Returns
    -------
    dict
        ``{"dead": ..., "duplicate": ..., "linear": ...}``, sorted int64 neuron indices:
        ``dead``: active on a null set; ``duplicate``: the later neuron of each pair with the same
        breakpoint (1D; either orientation) or breaking line (2D), and every ``w = 0`` neuron but
        the first; ``linear``: neurons active on all of the domain beyond the first ``d + 1`` (for
        ``kind="heaviside"`` or ``"gauss_newton"``: beyond the first). Empty arrays when the
        neurons are independent.

    Examples
    --------
    >>> from nnla.relu import degenerate_neurons
    >>> r = degenerate_neurons([1.0, 1.0, -1.0, 1.0], [-0.5, -2.0, 0.5, -0.5])
    >>> {k: v.tolist() for k, v in r.items()}
    {'dead': [1], 'duplicate': [2, 3], 'linear': []}
    """
    wa, ba, d = _as_params(w, b)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    if d == 2:
        r2 = _r2d()
        rep = r2.degenerate_2d(wa, ba, r2.as_domain_2d(domain), kind=kind)
        return {k: np.asarray(rep[k], dtype=np.int64) for k in ("dead", "duplicate", "linear")}
    lo, hi = _as_interval(domain)
    return _degenerate_1d(wa, ba, lo, hi, 2 if kind == "mass" else 1)


def _refuse_degenerate(rep: dict[str, np.ndarray], func: str) -> None:
    if not any(v.size for v in rep.values()):
        return
    parts = [
        f"{k} {v[:10].tolist()}{' ...' if v.size > 10 else ''}" for k, v in rep.items() if v.size
    ]
    raise DegenerateNeuronsError(
        f"{func}: degenerate neurons make the matrix singular: " + "; ".join(parts),
        reasons=rep,
        hint="remove or re-initialise these neurons (nnla.relu.degenerate_neurons lists them)",
    )


# ------------------------------------------------------------------------------------------------
# dense matrices, entries, products
# ------------------------------------------------------------------------------------------------


def _assemble(kind: str, w: ArrayLike, b: ArrayLike, domain: Domain, check: bool,
              n_threads: int | None) -> np.ndarray:
    wa, ba, d = _as_params(w, b)
    nt = resolve_threads(n_threads)
    if d == 2:
        r2 = _r2d()
        verts = r2.as_domain_2d(domain)
        if check:
            _refuse_degenerate(degenerate_neurons(wa, ba, verts, kind=kind), kind)
        return r2.assemble_2d(kind, wa, ba, verts, n_threads=nt)
    lo, hi = _as_interval(domain)
    if check:
        max_full = 2 if kind == "mass" else 1  # H and G: full neurons share h = 1
        _refuse_degenerate(_degenerate_1d(wa, ba, lo, hi, max_full), kind)
    return _core.relu1d_assemble(_KINDS[kind], wa, ba, lo, hi, nt)


_ASSEMBLY_DOC = """{title}

    {formula}

    Parameters
    ----------
    w : array_like, shape (n,), (n, 1) or (n, 2)
        Hidden-layer weights (1D or 2D network).
    b : array_like, shape (n,)
        Hidden-layer biases.
    domain : optional
        1D: an interval ``(a, b)`` with ``a < b`` (default ``(0, 1)``). 2D: a box
        ``((x0, x1), (y0, y1))`` or the ``(k, 2)`` vertices of a convex polygon (default the unit
        square).
    check : bool, default False
        Raise :class:`nnla.errors.DegenerateNeuronsError` if the neurons are degenerate (the
        matrix is then singular); by default the exact matrix is returned regardless.
    n_threads : int, optional
        OpenMP threads (default :func:`nnla.get_num_threads`); the result does not depend on it.

    Returns
    -------
    ndarray, float64, shape {shape}
        The exact matrix (closed forms in 1D, exact polygon moments in 2D).

    Raises
    ------
    ValueError
        Mismatched lengths, wrong dimensionality, NaN/Inf, an empty or inverted domain.

    Examples
    --------
    {example}
    """


def mass_matrix(w: ArrayLike, b: ArrayLike, domain: Domain = None, *, check: bool = False,
                n_threads: int | None = None) -> np.ndarray:
    return _assemble("mass", w, b, domain, check, n_threads)


def heaviside_gram(w: ArrayLike, b: ArrayLike, domain: Domain = None, *, check: bool = False,
                   n_threads: int | None = None) -> np.ndarray:
    return _assemble("heaviside", w, b, domain, check, n_threads)


def layer_gauss_newton(w: ArrayLike, b: ArrayLike, domain: Domain = None, *, check: bool = False,
                       n_threads: int | None = None) -> np.ndarray:
    return _assemble("gauss_newton", w, b, domain, check, n_threads)


mass_matrix.__doc__ = _ASSEMBLY_DOC.format(
    title="Mass matrix ``A_ij = int_Omega sigma_i sigma_j dx`` of the hidden neurons.",
    formula="1D closed form (shifted): ``A_ij = p_i p_j L + (p_i w_j + p_j w_i) L^2/2 + "
    "w_i w_j L^3/3`` on the common active interval ``[lo, lo + L]``, ``p_k = w_k lo + b_k``.",
    shape="(n, n)",
    example=">>> from nnla.relu import mass_matrix\n"
    "    >>> mass_matrix([1.0], [0.0]).tolist()  # int_0^1 x^2 dx\n"
    "    [[0.3333333333333333]]",
)
heaviside_gram.__doc__ = _ASSEMBLY_DOC.format(
    title="Heaviside Gram matrix ``H_ij = int_Omega h_i h_j dx``, ``h = 1{w . x + b > 0}``.",
    formula="1D: the length of the common active interval.",
    shape="(n, n)",
    example=">>> from nnla.relu import heaviside_gram\n"
    "    >>> heaviside_gram([1.0, -1.0], [-0.25, 0.75]).tolist()\n"
    "    [[0.75, 0.5], [0.5, 0.75]]",
)
layer_gauss_newton.__doc__ = _ASSEMBLY_DOC.format(
    title="Layer Gauss-Newton matrix: block ``(i, j) = int_{R_ij} y y^T dx``, ``y = (1, x)``.",
    formula="Neuron-major layout: row/column ``i*(d+1) + k`` with ``k = 0`` for ``b_i`` and "
    "``k = 1..d`` for ``w_i``. 1D block: ``[[L, (hi^2 - lo^2)/2], [., (hi^3 - lo^3)/3]]``.",
    shape="(n(d+1), n(d+1))",
    example=">>> from nnla.relu import layer_gauss_newton\n"
    "    >>> layer_gauss_newton([1.0], [-0.5]).tolist()\n"
    "    [[0.5, 0.375], [0.375, 0.2916666666666667]]",
)


def _as_index(idx: ArrayLike, name: str, size: int) -> np.ndarray:
    arr = np.asarray(idx)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise ValueError(f"{name} must be an integer index array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr.reshape(-1) if arr.ndim == 0 else arr, dtype=np.int64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1D index array, got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} has indices outside 0..{size - 1}")
    return arr


def _entries(kind: str, w: ArrayLike, b: ArrayLike, domain: Domain, rows: ArrayLike,
             cols: ArrayLike, n_threads: int | None) -> np.ndarray:
    wa, ba, d = _as_params(w, b)
    size = wa.shape[0] * (d + 1 if kind == "gauss_newton" else 1)
    r = _as_index(rows, "rows", size)
    c = _as_index(cols, "cols", size)
    nt = resolve_threads(n_threads)
    if d == 2:
        r2 = _r2d()
        return r2.entries_2d(kind, wa, ba, r2.as_domain_2d(domain), r, c, n_threads=nt)
    lo, hi = _as_interval(domain)
    return _core.relu1d_entries(_KINDS[kind], wa, ba, lo, hi, r, c, nt)


def mass_entries(w: ArrayLike, b: ArrayLike, domain: Domain, rows: ArrayLike, cols: ArrayLike,
                 *, n_threads: int | None = None) -> np.ndarray:
    """The block ``A[rows][:, cols]`` of the mass matrix, computing only those entries.

    Parameters
    ----------
    w, b, domain
        As in :func:`mass_matrix` (``domain=None`` for the default).
    rows, cols : array_like of int
        Indices into the matrix (``0..n-1``).
    n_threads : int, optional
        OpenMP threads over the rows.

    Returns
    -------
    ndarray, shape (len(rows), len(cols))

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import mass_entries, mass_matrix
    >>> w, b = np.array([1.0, 2.0, -1.0]), np.array([-0.1, -1.0, 0.7])
    >>> blk = mass_entries(w, b, None, [2, 0], [1])
    >>> bool(np.array_equal(blk, mass_matrix(w, b)[[2, 0]][:, [1]]))
    True
    """
    return _entries("mass", w, b, domain, rows, cols, n_threads)


def heaviside_entries(w: ArrayLike, b: ArrayLike, domain: Domain, rows: ArrayLike,
                      cols: ArrayLike, *, n_threads: int | None = None) -> np.ndarray:
    """The block ``H[rows][:, cols]`` of the Heaviside Gram matrix (see :func:`mass_entries`).

    Examples
    --------
    >>> from nnla.relu import heaviside_entries
    >>> heaviside_entries([1.0, -1.0], [-0.25, 0.75], None, [0], [0, 1]).tolist()
    [[0.75, 0.5]]
    """
    return _entries("heaviside", w, b, domain, rows, cols, n_threads)


def gauss_newton_entries(w: ArrayLike, b: ArrayLike, domain: Domain, rows: ArrayLike,
                         cols: ArrayLike, *, n_threads: int | None = None) -> np.ndarray:
    """The block ``G[rows][:, cols]`` of the layer Gauss-Newton matrix (indices ``0..n(d+1)-1``,
    neuron-major as in :func:`layer_gauss_newton`; see :func:`mass_entries`).

    Examples
    --------
    >>> from nnla.relu import gauss_newton_entries
    >>> gauss_newton_entries([1.0], [-0.5], None, [0, 1], [1]).tolist()
    [[0.375], [0.2916666666666667]]
    """
    return _entries("gauss_newton", w, b, domain, rows, cols, n_threads)


def matvec(kind: str, w: ArrayLike, b: ArrayLike, domain: Domain, x: ArrayLike, *,
           n_threads: int | None = None) -> np.ndarray:
    """The product ``M @ x`` of a ReLU-network matrix without forming the matrix.

    1D: O(n log n) per column: the neurons are sorted by breakpoint, ``g = sum_j x_j phi_j`` is
    built as a piecewise polynomial on the mesh of breakpoints by prefix sums (right-facing
    neurons from the left end, left-facing ones from the right end), and ``(M x)_i = int phi_i g``
    comes from per-cell moments with shifted recurrences (each neuron's integral is taken about
    its own breakpoint, so no large terms cancel). Accuracy: ``|M x - fl(M x)| <~ n u ||M|| ||x||``.
    2D: ``nnla._relu2d.matvec_2d``.

    Parameters
    ----------
    kind : {"mass", "heaviside", "gauss_newton"}
        Which matrix.
    w, b, domain
        As in :func:`mass_matrix`.
    x : array_like, shape (N,) or (N, k)
        ``N = n`` (``n(d+1)`` for ``"gauss_newton"``).
    n_threads : int, optional
        OpenMP threads over the columns of ``x``.

    Returns
    -------
    ndarray, float64, same shape as ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import mass_matrix, matvec
    >>> rng = np.random.default_rng(0)
    >>> w, b, x = rng.standard_normal(50), rng.standard_normal(50), rng.standard_normal(50)
    >>> y = matvec("mass", w, b, None, x)
    >>> bool(np.allclose(y, mass_matrix(w, b) @ x, rtol=0, atol=1e-13 * np.abs(y).max()))
    True
    """
    k = _kind(kind)
    wa, ba, d = _as_params(w, b)
    size = wa.shape[0] * (d + 1 if kind == "gauss_newton" else 1)
    xa = _as_real(x, "x")
    if xa.ndim not in (1, 2) or xa.shape[0] != size:
        raise ValueError(f"x must have shape ({size},) or ({size}, k), got {xa.shape}")
    nt = resolve_threads(n_threads)
    if d == 2:
        r2 = _r2d()
        return r2.matvec_2d(kind, wa, ba, r2.as_domain_2d(domain), xa, n_threads=nt)
    lo, hi = _as_interval(domain)
    x2 = np.ascontiguousarray(xa.reshape(size, -1))
    y = _core.relu1d_matvec(k, wa, ba, lo, hi, x2, nt)
    return y.reshape(xa.shape)


# ------------------------------------------------------------------------------------------------
# load vectors and the O(n) solvers
# ------------------------------------------------------------------------------------------------


def _cell_quadrature(u: Callable[[np.ndarray], ArrayLike], nodes: np.ndarray, order: int,
                     refine: int) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre on the cells of ``nodes``: (weights * u, lam), shapes (m, P) and
    (P,), where ``lam`` is each point's relative position in its cell; one call of ``u``."""
    order, refine = check_int(order, "order", 1), check_int(refine, "refine", 1)
    if not callable(u):
        raise ValueError("u must be a callable taking an array of points")
    xi, wt = np.polynomial.legendre.leggauss(int(order))
    sub = np.arange(int(refine))[:, None]
    lam = ((sub + 0.5 * (xi + 1.0)) / refine).ravel()  # (P,)
    wrel = np.broadcast_to(0.5 * wt / refine, (int(refine), int(order))).ravel()
    h = np.diff(nodes)
    pts = nodes[:-1, None] + h[:, None] * lam[None, :]
    vals = np.asarray(u(pts.ravel()))
    if vals.shape != (pts.size,):
        raise ValueError(f"u must return an array of shape ({pts.size},) for {pts.size} points, "
                         f"got {vals.shape}")
    if vals.dtype.kind not in "iuf":
        raise ValueError(f"u returned dtype {vals.dtype}, expected real values")
    vals = vals.astype(np.float64, copy=False).reshape(pts.shape)
    if not np.isfinite(vals).all():
        raise ValueError("u returned NaN or Inf")
    return vals * (h[:, None] * wrel[None, :]), lam


def load_vector(u: Callable[[np.ndarray], ArrayLike], w: ArrayLike, b: ArrayLike,
                domain: Domain = None, *, quadrature: str = "gauss", order: int = 10,
                refine: int = 1, tol: float = 1e-10) -> np.ndarray:
    """Load vector ``f_i = int_Omega u(x) sigma(w_i . x + b_i) dx`` for a vectorised target ``u``.

    1D: composite Gauss-Legendre with ``order`` points on each of ``refine`` equal parts of every
    cell of the mesh of all breakpoints inside the domain (every kink is a node, so the rule is
    exact when ``u`` is a polynomial of degree ``<= 2*order - 2``); ``u`` is called once, on all
    points. The per-cell moments are combined natively in O(n log n) with the same shifted
    recurrences as :func:`matvec`. 2D: ``nnla._relu2d.load_vector_2d`` with tolerance ``tol``.

    Parameters
    ----------
    u : callable
        ``u(x)`` for an array of points (``(m,)`` in 1D, ``(m, 2)`` in 2D), returning ``(m,)``.
    w, b, domain
        As in :func:`mass_matrix`.
    quadrature : {"gauss"}
        The 1D rule (the only one).
    order : int, default 10
        Gauss points per (sub)cell (1D).
    refine : int, default 1
        Equal parts per cell (1D): raise it for a non-polynomial ``u``.
    tol : float, default 1e-10
        Accuracy of the 2D rule.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import load_vector
    >>> # int x (x - 1/2)_+ dx and int x (1/2 - x)_+ dx over (0, 1)
    >>> f = load_vector(lambda x: x, [1.0, -1.0], [-0.5, 0.5])
    >>> bool(np.allclose(f, [5 / 48, 1 / 48], rtol=1e-15))
    True
    """
    wa, ba, d = _as_params(w, b)
    if quadrature != "gauss":
        raise ValueError(f"quadrature must be 'gauss', got {quadrature!r}")
    if d == 2:
        r2 = _r2d()
        return r2.load_vector_2d(u, wa, ba, r2.as_domain_2d(domain), tol=tol)
    lo, hi = _as_interval(domain)
    s, interior, _, _ = _classes(wa, ba, lo, hi)
    nodes = np.unique(np.concatenate(([lo], s[interior], [hi])))
    wu, lam = _cell_quadrature(u, nodes, order, refine)
    h = np.diff(nodes)
    m0 = wu.sum(axis=1)
    ml = (wu * lam).sum(axis=1) * h
    mr = (wu * (1.0 - lam)).sum(axis=1) * h
    return _core.relu1d_load_from_moments(wa, ba, nodes, m0, ml, mr)


def _hat_solve(kind: str, func: str, w: ArrayLike, b: ArrayLike, domain: Domain,
               u: Callable[[np.ndarray], ArrayLike] | None, f: ArrayLike | None, include_c0: bool,
               order: int, refine: int) -> tuple[np.ndarray, float]:
    wa, ba, d = _as_params(w, b)
    if d != 1:
        raise ValueError(f"{func} needs a 1D network: w must have shape (n,) or (n, 1)")
    lo, hi = _as_interval(domain)
    if (u is None) == (f is None):
        raise ValueError(f"{func}: pass exactly one of u (a target function) and f (a load vector)")
    rep, srt, s, interior, full = _degenerate_1d(wa, ba, lo, hi, 2 if kind == "mass" else 1,
                                                 with_order=True)
    _refuse_degenerate(rep, func)
    # No dead neurons now: every neuron is interior or full. The native solver gets them in
    # breakpoint order (interior first, then the full ones), so it reads memory sequentially.
    inter_sorted = srt[interior[srt]]
    perm = np.concatenate([inter_sorted, np.flatnonzero(full)]).astype(np.int64)
    n_int = inter_sorted.size
    ws, bs = np.ascontiguousarray(wa[perm]), np.ascontiguousarray(ba[perm])
    order_ = np.arange(n_int, dtype=np.int64)
    fullidx = np.arange(n_int, perm.size, dtype=np.int64)
    if u is not None:
        nodes = np.concatenate(([lo], s[inter_sorted], [hi]))
        wu, lam = _cell_quadrature(u, nodes, order, refine)
        if kind == "mass":  # F_l = int u psi_l (hat functions)
            rhs = np.zeros(nodes.size)
            rhs[:-1] += wu @ (1.0 - lam)
            rhs[1:] += wu @ lam
        else:  # int u over each cell
            rhs = wu.sum(axis=1)
        with_const = bool(include_c0)
    else:
        rhs = _as_real(f, "f")
        if rhs.shape != wa.shape:
            raise ValueError(f"f must have shape {wa.shape}, got {rhs.shape}")
        rhs = rhs[perm]
        with_const = False
    cs, c0, status = _core.relu1d_hat_solve(_KINDS[kind], ws, bs, lo, hi, order_, fullidx,
                                            np.ascontiguousarray(rhs), u is not None, with_const)
    if status == _core.Status.SINGULAR:
        raise DegenerateNeuronsError(
            f"{func}: the neurons' functions are linearly dependent on the domain",
            hint="check the neurons with nnla.relu.degenerate_neurons",
        )
    if status != _core.Status.OK:
        raise NonFiniteResultError(
            f"{func}: the coefficients overflowed",
            hint="the breakpoints are too close together for float64; merge nearby neurons",
        )
    c = np.empty(wa.shape[0])
    c[perm] = cs
    return c, float(c0)


_SOLVER_DOC = """{title}

    {body}

    Parameters
    ----------
    w, b : array_like, shape (n,)
        A 1D hidden layer.
    domain : (a, b), optional
        The interval (default ``(0, 1)``).
    u : callable, optional
        Target ``u(x)`` (vectorised over an ``(m,)`` array): returns the least-squares fit
        ``c0 + sum c_i {fn}_i`` of ``u`` (the L2 projection).
    f : array_like, shape (n,), optional
        A right-hand side: returns ``c`` solving ``{mat} c = f`` (and ``c0 = 0``). Pass exactly one
        of ``u`` and ``f``.
    include_c0 : bool, default True
        With ``u``: include the constant ``c0`` in the fit. It is returned as 0.0 when the
        neurons already span the constants on the domain ({span}), since c0 is then redundant.
    order, refine : int
        The Gauss rule for the loads of ``u`` (as in :func:`load_vector`).

    Returns
    -------
    c : ndarray, shape (n,)
    c0 : float

    Raises
    ------
    nnla.errors.DegenerateNeuronsError
        If the neurons are degenerate (:func:`degenerate_neurons` with ``kind="{kind}"``).
    ValueError
        Bad input (as in :func:`mass_matrix`; ``u`` returning the wrong shape or NaN).

    Examples
    --------
    {example}
    """


def solve_mass_1d(w: ArrayLike, b: ArrayLike, domain: Domain = None, *,
                  u: Callable[[np.ndarray], ArrayLike] | None = None, f: ArrayLike | None = None,
                  include_c0: bool = True, order: int = 10, refine: int = 1
                  ) -> tuple[np.ndarray, float]:
    return _hat_solve("mass", "solve_mass_1d", w, b, domain, u, f, include_c0, order, refine)


def solve_heaviside_1d(w: ArrayLike, b: ArrayLike, domain: Domain = None, *,
                       u: Callable[[np.ndarray], ArrayLike] | None = None,
                       f: ArrayLike | None = None, include_c0: bool = True, order: int = 10,
                       refine: int = 1) -> tuple[np.ndarray, float]:
    return _hat_solve("heaviside", "solve_heaviside_1d", w, b, domain, u, f, include_c0, order,
                      refine)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=96, subsequent_indent="    ")


solve_mass_1d.__doc__ = _SOLVER_DOC.format(
    title="Exact O(n) solve with the 1D mass matrix, never forming it (the hat-basis route).",
    body=_wrap(
    "On the mesh of breakpoints, ``A = P M P^T`` with ``M`` the tridiagonal hat mass matrix "
    "and ``P^{-1}`` banded (second differences). With ``u``: ``z = M^{-1} F``, ``F_l = int u "
    "psi_l`` (a well-conditioned load), then ``c`` from ``z`` by second differences. With ``f``: "
    "the same factors applied to ``f``. When the neurons (with the constant) do not span all "
    "piecewise-linear functions on the mesh (fewer than two of them active on all of the domain "
    "besides the kinks), the basis is extended by {1, x} and the extension removed by a rank-1 "
    "or rank-2 Schur-complement correction. O(n) after an O(n log n) sort; accurate where dense "
    "Cholesky of A fails (kappa(A) ~ 4 n^4 for uniform breakpoints, far more when they cluster). "
    "With ``u`` the fitted function is accurate to rounding level; with ``f`` the accuracy is "
    "that of the problem ``A c = f`` itself (rounding f to float64 already moves the function by "
    "~ sqrt(kappa(A)) u relative), reached with one step of refinement of the correction."),
    fn="sigma",
    mat="A",
    span="two neurons active on all of it, or one with w = 0",
    kind="mass",
    example=">>> import numpy as np\n"
    "    >>> from nnla.relu import solve_mass_1d\n"
    "    >>> s = np.linspace(0, 1, 8, endpoint=False)  # u is piecewise linear on them\n"
    "    >>> c, c0 = solve_mass_1d(np.ones(8), -s, u=lambda x: 1 + np.abs(x - 0.5))\n"
    "    >>> bool(abs(c0 - 1.5) < 1e-13 and abs(c[0] + 1) < 1e-13 and abs(c[4] - 2) < 1e-12)\n"
    "    True",
)
solve_heaviside_1d.__doc__ = _SOLVER_DOC.format(
    title="Exact O(n) solve with the 1D Heaviside Gram matrix (``H^{-1}`` is tridiagonal).",
    body=_wrap("``H = P D P^T`` with ``D`` the cell lengths and ``P^{-1}`` a first difference. "
               "With ``u``: the cell means of ``u``, then jumps. Left-facing neurons and a "
               "missing constant are handled as in :func:`solve_mass_1d` (a rank-1 correction)."),
    fn="h",
    mat="H",
    span="a neuron active on all of it",
    kind="heaviside",
    example=">>> import numpy as np\n"
    "    >>> from nnla.relu import solve_heaviside_1d\n"
    "    >>> u = lambda x: (x > 0.25) + 2.0 * (x > 0.5)\n"
    "    >>> c, c0 = solve_heaviside_1d([1.0, 1.0], [-0.25, -0.5], u=u)\n"
    "    >>> np.round(c, 12).tolist(), round(c0, 12)\n"
    "    ([1.0, 2.0], 0.0)",
)
