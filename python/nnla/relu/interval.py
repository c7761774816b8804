"""The 1D part of :mod:`nnla.relu`: neurons on an interval, the native closed forms and solvers.

Neuron ``i`` is ``sigma_i(x) = max(w_i x + b_i, 0)`` on ``[lo, hi]``, with breakpoint
``s_i = -b_i / w_i``. Every function here takes validated parameters: ``w`` and ``b`` finite
float64 of shape ``(n,)`` (:func:`nnla._validate.as_relu_params`) and ``lo < hi``
(:func:`nnla._validate.as_interval`); the public functions of :mod:`nnla.relu` validate and
delegate here. The work is native (``cpp/relu/relu1d``): closed forms for the matrices, shifted
recurrences for products and loads, and the exact O(n) hat-basis solver (:func:`hat_solve`).

Internal API (used by :mod:`nnla.relu` and the 1D SgGN engine): :func:`classes`,
:func:`order_1d`, :func:`degenerate_1d`, :func:`assemble_1d`, :func:`entries_1d`,
:func:`matvec_1d`, :func:`cell_quadrature`, :func:`load_vector_1d`, :func:`hat_loads`,
:func:`hat_solve`, :func:`hat_mass_solve` (the nodal P1 projection the 1D SgGN step uses),
:func:`solve_1d`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._validate import as_real, check_int
from nnla.errors import DegenerateNeuronsError, NonFiniteResultError
from nnla.relu.kinds import KINDS, kind_code

__all__ = [
    "DegenerateReport",
    "assemble_1d",
    "cell_quadrature",
    "classes",
    "degenerate_1d",
    "entries_1d",
    "hat_loads",
    "hat_mass_solve",
    "hat_solve",
    "load_vector_1d",
    "matvec_1d",
    "order_1d",
    "raise_degenerate",
    "solve_1d",
]

DegenerateReport = dict[str, np.ndarray]
"""``{"dead": ..., "duplicate": ..., "linear": ...}``: sorted int64 neuron indices."""


# ------------------------------------------------------------------------------------------------
# neuron classes, ordering, degenerate neurons
# ------------------------------------------------------------------------------------------------


def classes(w: np.ndarray, b: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, ...]:
    """``(s, interior, full, dead)`` of 1D neurons on ``[lo, hi]``.

    ``s`` are the breakpoints (NaN where ``w = 0``); the boolean masks say whether a neuron's
    breakpoint is strictly inside, whether it is active on all of the interval, or on a null set.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import classes
    >>> s, interior, full, dead = classes(np.array([1.0, -1.0, 0.0]), np.array([-0.5, 2.0, -1.0]),
    ...                                   0.0, 1.0)
    >>> s.tolist()[:2], interior.tolist(), full.tolist(), dead.tolist()
    ([0.5, 2.0], [True, False, False], [False, True, False], [False, False, True])
    """
    nz = w != 0
    s = np.full(w.shape, np.nan)
    np.divide(-b, w, out=s, where=nz)
    interior = nz & (s > lo) & (s < hi)
    full = ((w > 0) & (s <= lo)) | ((w < 0) & (s >= hi)) | (~nz & (b > 0))
    dead = ~(interior | full)
    return s, interior, full, dead


def order_1d(w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Neurons by breakpoint, ascending (int64 permutation).

    Ties put right-facing neurons (``w > 0``) before left-facing ones, then keep the index order;
    neurons with ``w = 0`` (no breakpoint) come last in index order.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import order_1d
    >>> order_1d(np.array([1.0, 0.0, -1.0, 1.0]), np.array([-0.5, 1.0, 0.5, -0.25])).tolist()
    [3, 0, 2, 1]
    """
    s = classes(w, b, 0.0, 1.0)[0]
    key = np.where(np.isnan(s), np.inf, s)
    orient = (w < 0).astype(np.int64)
    return np.lexsort((np.arange(w.shape[0]), orient, key)).astype(np.int64)


def degenerate_1d(
    w: np.ndarray, b: np.ndarray, lo: float, hi: float, max_full: int, *, with_order: bool = False
) -> DegenerateReport | tuple:
    """The neurons that make the 1D Gram matrices singular on ``[lo, hi]``.

    Parameters
    ----------
    w, b : ndarray, shape (n,)
        Validated parameters.
    lo, hi : float
        The interval.
    max_full : int
        How many neurons active on all of the interval are allowed (2 for the mass matrix: they
        are affine there; 1 for the Heaviside and Gauss-Newton matrices).
    with_order : bool, default False
        Also return ``(srt, s, interior, full)``: the live neurons sorted by breakpoint (``w = 0``
        last, ties in index order) and the classes of :func:`classes`.

    Returns
    -------
    dict or tuple
        The report ``{"dead", "duplicate", "linear"}`` (see :func:`nnla.relu.degenerate_neurons`),
        or ``(report, srt, s, interior, full)`` with ``with_order``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import degenerate_1d
    >>> rep = degenerate_1d(np.array([1.0, -1.0, 1.0]), np.array([-0.5, 0.5, -2.0]), 0.0, 1.0, 2)
    >>> {k: v.tolist() for k, v in rep.items()}
    {'dead': [2], 'duplicate': [1], 'linear': []}
    """
    s, interior, full, dead = classes(w, b, lo, hi)
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


def raise_degenerate(rep: DegenerateReport, func: str) -> None:
    """Raise :class:`nnla.errors.DegenerateNeuronsError` (naming ``func``) if ``rep`` lists any
    neuron; return otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import raise_degenerate
    >>> raise_degenerate({"dead": np.array([3]), "duplicate": np.zeros(0, int)}, "demo")
    Traceback (most recent call last):
    ...
    nnla.errors.DegenerateNeuronsError: demo: degenerate neurons make the matrix singular: ...
    """
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
# matrices, entries, products (native)
# ------------------------------------------------------------------------------------------------


def assemble_1d(kind: str, w: np.ndarray, b: np.ndarray, lo: float, hi: float,
                n_threads: int) -> np.ndarray:
    """The dense 1D matrix ``kind`` (closed forms; see :func:`nnla.relu.mass_matrix`).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import assemble_1d
    >>> assemble_1d("heaviside", np.array([1.0]), np.array([-0.25]), 0.0, 1.0, 1).tolist()
    [[0.75]]
    """
    return _core.relu1d_assemble(kind_code(kind), w, b, lo, hi, n_threads)


def entries_1d(kind: str, w: np.ndarray, b: np.ndarray, lo: float, hi: float, rows: np.ndarray,
               cols: np.ndarray, n_threads: int) -> np.ndarray:
    """The block ``M[rows][:, cols]`` of a 1D matrix (int64 indices already checked).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import entries_1d
    >>> w, b, i = np.array([1.0, -1.0]), np.array([-0.25, 0.75]), np.array([0, 1])
    >>> entries_1d("heaviside", w, b, 0.0, 1.0, i[:1], i, 1).tolist()
    [[0.75, 0.5]]
    """
    return _core.relu1d_entries(kind_code(kind), w, b, lo, hi, rows, cols, n_threads)


def matvec_1d(kind: str, w: np.ndarray, b: np.ndarray, lo: float, hi: float, x: np.ndarray,
              n_threads: int) -> np.ndarray:
    """``M @ x`` of a 1D matrix without forming it (see :func:`nnla.relu.matvec`); ``x`` finite
    float64 of shape ``(N,)`` or ``(N, k)`` with the right ``N``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import matvec_1d
    >>> matvec_1d("heaviside", np.array([1.0, -1.0]), np.array([-0.25, 0.75]), 0.0, 1.0,
    ...           np.ones(2), 1).tolist()
    [1.25, 1.25]
    """
    x2 = np.ascontiguousarray(x.reshape(x.shape[0], -1))
    return _core.relu1d_matvec(kind_code(kind), w, b, lo, hi, x2, n_threads).reshape(x.shape)


# ------------------------------------------------------------------------------------------------
# loads
# ------------------------------------------------------------------------------------------------


def cell_quadrature(u: Callable[[np.ndarray], ArrayLike], nodes: np.ndarray, order: int,
                    refine: int) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre on the cells of ``nodes``, with one call of ``u``.

    Parameters
    ----------
    u : callable
        Vectorised target: an ``(m,)`` array of points to ``(m,)`` real finite values.
    nodes : ndarray, shape (m + 1,)
        Increasing cell boundaries.
    order, refine : int
        ``order`` Gauss points on each of ``refine`` equal parts of every cell (both >= 1).

    Returns
    -------
    wu : ndarray, shape (m, P)
        Quadrature weight times ``u`` at each point of each cell (``P = order * refine``).
    lam : ndarray, shape (P,)
        Each point's relative position in its cell.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import cell_quadrature
    >>> wu, lam = cell_quadrature(lambda x: x, np.array([0.0, 0.5, 1.0]), 2, 1)
    >>> wu.sum(axis=1).tolist()  # int x over each cell
    [0.125, 0.375]
    """
    order, refine = check_int(order, "order", 1), check_int(refine, "refine", 1)
    if not callable(u):
        raise ValueError("u must be a callable taking an array of points")
    xi, wt = np.polynomial.legendre.leggauss(order)
    sub = np.arange(refine)[:, None]
    lam = ((sub + 0.5 * (xi + 1.0)) / refine).ravel()  # (P,)
    wrel = np.broadcast_to(0.5 * wt / refine, (refine, order)).ravel()
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


def load_vector_1d(u: Callable[[np.ndarray], ArrayLike], w: np.ndarray, b: np.ndarray, lo: float,
                   hi: float, order: int, refine: int) -> np.ndarray:
    """``f_i = int u sigma_i`` by :func:`cell_quadrature` on the mesh of all interior
    breakpoints, combined natively (see :func:`nnla.relu.load_vector`).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import load_vector_1d
    >>> f = load_vector_1d(lambda x: x, np.array([1.0]), np.array([-0.5]), 0.0, 1.0, 10, 1)
    >>> bool(abs(f[0] - 5 / 48) < 1e-16)
    True
    """
    s, interior, _, _ = classes(w, b, lo, hi)
    nodes = np.unique(np.concatenate(([lo], s[interior], [hi])))
    wu, lam = cell_quadrature(u, nodes, order, refine)
    h = np.diff(nodes)
    m0 = wu.sum(axis=1)
    ml = (wu * lam).sum(axis=1) * h
    mr = (wu * (1.0 - lam)).sum(axis=1) * h
    return _core.relu1d_load_from_moments(w, b, nodes, m0, ml, mr)


def hat_loads(kind: str, u: Callable[[np.ndarray], ArrayLike], nodes: np.ndarray, order: int,
              refine: int) -> np.ndarray:
    """The right-hand side of :func:`hat_solve` with ``from_load=True`` for a target ``u``.

    ``"mass"``: ``F_l = int u psi_l`` for the hat functions ``psi_l`` on ``nodes`` (length
    ``m + 1``); ``"heaviside"``: ``int u`` over each cell (length ``m``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import hat_loads
    >>> hat_loads("mass", lambda x: np.ones_like(x), np.array([0.0, 0.5, 1.0]), 2, 1).tolist()
    [0.25, 0.5, 0.25]
    """
    wu, lam = cell_quadrature(u, nodes, order, refine)
    if kind_code(kind) != KINDS["mass"]:
        return wu.sum(axis=1)
    rhs = np.zeros(nodes.size)
    rhs[:-1] += wu @ (1.0 - lam)
    rhs[1:] += wu @ lam
    return rhs


# ------------------------------------------------------------------------------------------------
# the O(n) hat-basis solver
# ------------------------------------------------------------------------------------------------


def hat_solve(kind: str, w: np.ndarray, b: np.ndarray, lo: float, hi: float, order: np.ndarray,
              full: np.ndarray, rhs: np.ndarray, *, from_load: bool, with_const: bool,
              func: str = "hat_solve") -> tuple[np.ndarray, float]:
    """The exact O(n) solve with the 1D mass or Heaviside matrix (native), never forming it.

    The neurons must be non-degenerate (:func:`degenerate_1d` empty): each one either has its
    breakpoint inside ``(lo, hi)`` or is active on all of the interval.

    Parameters
    ----------
    kind : {"mass", "heaviside"}
        Which matrix.
    w, b : ndarray, shape (n,)
        Validated parameters.
    lo, hi : float
        The interval.
    order : ndarray of int64, shape (n_int,)
        The neurons with an interior breakpoint, in increasing breakpoint order (the mesh nodes
        are ``lo``, their breakpoints, ``hi``). Sequential memory is fastest: pass neurons
        sorted this way with ``order = arange(n_int)``.
    full : ndarray of int64, shape (n_full,)
        The neurons active on all of the interval; ``n_int + n_full = n``.
    rhs : ndarray
        ``from_load=False``: ``f`` of shape ``(n,)``, and ``c`` solves ``M c = f``.
        ``from_load=True``: the loads of a target from :func:`hat_loads` (length ``n_int + 2``
        for ``"mass"``, ``n_int + 1`` for ``"heaviside"``), and ``c`` (with ``c0`` if
        ``with_const``) is the L2 projection of the target.
    from_load, with_const : bool
        See ``rhs``; ``with_const`` (fit a constant ``c0`` too) needs ``from_load``.
    func : str
        The name the errors give.

    Returns
    -------
    c : ndarray, shape (n,)
    c0 : float

    Raises
    ------
    nnla.errors.DegenerateNeuronsError
        If the neurons are linearly dependent after all.
    nnla.errors.NonFiniteResultError
        If the coefficients overflow (breakpoints too close together for float64).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import hat_loads, hat_solve
    >>> s = np.array([0.25, 0.5, 0.75])                     # fit u = |x - 1/2| on (0, 1)
    >>> nodes = np.concatenate(([0.0], s, [1.0]))
    >>> w, b = np.array([1.0, 1.0, 1.0, -1.0]), np.array([-0.25, -0.5, -0.75, 2.0])
    >>> rhs = hat_loads("mass", lambda x: np.abs(x - 0.5), nodes, 2, 1)
    >>> c, c0 = hat_solve("mass", w, b, 0.0, 1.0, np.arange(3), np.array([3]), rhs,
    ...                   from_load=True, with_const=True)
    >>> np.round(c, 12).tolist(), round(c0, 12)
    ([0.0, 2.0, 0.0, 1.0], -1.5)
    """
    c, c0, status = _core.relu1d_hat_solve(kind_code(kind), w, b, lo, hi, order, full,
                                           np.ascontiguousarray(rhs), from_load, with_const)
    if status == 2:
        raise DegenerateNeuronsError(
            f"{func}: the neurons' functions are linearly dependent on the domain",
            hint="check the neurons with nnla.relu.degenerate_neurons",
        )
    if status != 0:
        raise NonFiniteResultError(
            f"{func}: the coefficients overflowed",
            hint="the breakpoints are too close together for float64; merge nearby neurons",
        )
    return c, float(c0)


def hat_mass_solve(nodes: np.ndarray, rhs: np.ndarray, *, func: str = "hat_mass_solve"
                   ) -> np.ndarray:
    """The P1 L2 projection on a mesh: nodal values ``z = M^{-1} rhs`` (native, O(m)).

    ``M`` is the tridiagonal mass matrix of the ``m + 1`` hat functions on ``nodes`` (strictly
    increasing, finite, C-contiguous float64) and ``rhs`` the loads ``int u psi_l`` (for example
    from :func:`hat_loads`). Unlike :func:`hat_solve` it returns the nodal values, not the ReLU
    coefficients: the piecewise-linear fit evaluated at the nodes stays accurate when nodes
    cluster (the coefficients, slope jumps, then grow like one over the gap).

    Raises
    ------
    nnla.errors.NonFiniteResultError
        If the nodes are not strictly increasing or the values overflow.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import hat_loads, hat_mass_solve
    >>> nodes = np.array([0.0, 0.3, 1.0])
    >>> z = hat_mass_solve(nodes, hat_loads("mass", lambda x: 2 * x + 1, nodes, 2, 1))
    >>> np.round(z, 12).tolist()                              # u is in the span: z = u(nodes)
    [1.0, 1.6, 3.0]
    """
    z, status = _core.relu1d_hat_mass_solve(nodes, np.ascontiguousarray(rhs))
    if status != 0:
        raise NonFiniteResultError(
            f"{func}: the nodal values overflowed or the nodes are not strictly increasing",
            hint="rescale the target",
        )
    return z


def solve_1d(kind: str, w: np.ndarray, b: np.ndarray, lo: float, hi: float, *,
             u: Callable[[np.ndarray], ArrayLike] | None, f: ArrayLike | None, include_c0: bool,
             order: int, refine: int, func: str) -> tuple[np.ndarray, float]:
    """:func:`nnla.relu.solve_mass_1d` / :func:`nnla.relu.solve_heaviside_1d` on validated
    parameters: refuse degenerate neurons, sort, build the loads, :func:`hat_solve`, unsort.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.interval import solve_1d
    >>> c, c0 = solve_1d("heaviside", np.array([1.0, 1.0]), np.array([-0.25, -0.5]), 0.0, 1.0,
    ...                  u=None, f=[0.75, 0.5], include_c0=True, order=2, refine=1, func="demo")
    >>> np.round(c, 12).tolist(), c0
    ([1.0, 0.0], 0.0)
    """
    if (u is None) == (f is None):
        raise ValueError(f"{func}: pass exactly one of u (a target function) and f (a load vector)")
    rep, srt, s, interior, full = degenerate_1d(w, b, lo, hi, 2 if kind == "mass" else 1,
                                                with_order=True)
    raise_degenerate(rep, func)
    # No dead neurons now: every neuron is interior or full. The native solver gets them in
    # breakpoint order (interior first, then the full ones), so it reads memory sequentially.
    inter_sorted = srt[interior[srt]]
    perm = np.concatenate([inter_sorted, np.flatnonzero(full)]).astype(np.int64)
    n_int = inter_sorted.size
    ws, bs = np.ascontiguousarray(w[perm]), np.ascontiguousarray(b[perm])
    if u is not None:
        nodes = np.concatenate(([lo], s[inter_sorted], [hi]))
        rhs = hat_loads(kind, u, nodes, order, refine)
    else:
        rhs = as_real(f, "f")
        if rhs.shape != w.shape:
            raise ValueError(f"f must have shape {w.shape}, got {rhs.shape}")
        rhs = rhs[perm]
    cs, c0 = hat_solve(kind, ws, bs, lo, hi, np.arange(n_int, dtype=np.int64),
                       np.arange(n_int, perm.size, dtype=np.int64), rhs, from_load=u is not None,
                       with_const=u is not None and bool(include_c0), func=func)
    c = np.empty(w.shape[0])
    c[perm] = cs
    return c, c0
