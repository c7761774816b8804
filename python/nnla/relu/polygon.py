"""The 2D part of :mod:`nnla.relu`: exact ReLU-network matrices on a convex polygon.

Neuron ``i`` is ``sigma_i(x) = max(w_i . x + b_i, 0)``; with ``y = (1, x)`` and
``r_i = (b_i, w_i)``, the active region of a pair is
``R_ij = {x in Omega : r_i . y > 0 and r_j . y > 0}``, a convex polygon obtained by clipping
``Omega`` by two half-planes (Sutherland-Hodgman, native: ``cpp/relu``). Its moments are
integrated exactly (fan triangulation):

* mass matrix ``A_ij = int_{R_ij} (r_i . y)(r_j . y) dx``, integrated from the values of the two
  neurons at the vertices of ``R_ij`` (a sum of non-negative terms, so entries are accurate to a few
  ulps relative to themselves, also for slivers along a line);
* Heaviside Gram matrix ``H_ij = |R_ij|``;
* layer Gauss-Newton matrix ``G`` (3n x 3n, neuron-major: index ``3 i + k``, ``k = 0`` the bias,
  ``k = 1, 2`` the weights), block ``(i, j) = int_{R_ij} y y^T dx``.

A neuron with ``w = 0`` is active on all of ``Omega`` if ``b > 0`` and nowhere otherwise; a neuron
whose line only touches ``Omega`` (at a vertex or along an edge) from outside is dead.

Every function validates ``w`` (n, 2) and ``b`` (n,) (:func:`params_2d`) and takes the domain as
``vertices``: the counter-clockwise convex polygon returned by :func:`nnla._validate.as_polygon`
(the one 2D domain convention: ``None``, a box ``((x0, x1), (y0, y1))`` or the vertices of a convex
polygon; collinear vertices are allowed and change nothing). Only the shape of ``vertices`` is
checked here: validate a domain once with ``as_polygon`` and pass its vertices to every call.
:mod:`nnla.relu` validates and delegates every 2D case here.

Internal API for the 2D SgGN engine (besides the matrices): :func:`active_polygons`,
:func:`fan_triangles`, :func:`reference_rule`, :func:`eval_target` and
:func:`assemble_2d_kinds`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import as_index, as_real, as_relu_params, check_float, check_int
from nnla.errors import ConvergenceError, NonFiniteResultError
from nnla.relu.kinds import KINDS, kind_code

__all__ = [
    "active_polygons",
    "assemble_2d",
    "assemble_2d_all",
    "assemble_2d_kinds",
    "degenerate_2d",
    "entries_2d",
    "eval_target",
    "fan_triangles",
    "load_vector_2d",
    "matvec_2d",
    "order_2d",
    "params_2d",
    "reference_rule",
]

# Relative tolerance of the degenerate-neuron tests (values at the vertices, normalised lines).
_DEGEN_RTOL = 64 * np.finfo(np.float64).eps
_DUPLICATE_RTOL = 1e-12
# Most points passed to ``u`` in one call by load_vector_2d.
_MAX_POINTS_PER_CALL = 1 << 21


# ------------------------------------------------------------------------------------------------
# Parameter checks
# ------------------------------------------------------------------------------------------------


def params_2d(w: object, b: object) -> tuple[np.ndarray, np.ndarray]:
    """2D hidden-layer parameters: finite float64 C-contiguous ``w`` (n, 2) and ``b`` (n,).

    Examples
    --------
    >>> from nnla.relu.polygon import params_2d
    >>> w, b = params_2d([[1, 0]], [0])
    >>> w.dtype, w.shape, b.shape
    (dtype('float64'), (1, 2), (1,))
    """
    wa, ba, d = as_relu_params(w, b)
    if d != 2:
        raise ValueError(f"w must have shape (n, 2) in 2D, got {np.shape(w)}")
    return wa, ba


def _vertices(vertices: np.ndarray) -> np.ndarray:
    """The domain as given: ``(k, 2)`` counter-clockwise convex vertices from ``as_polygon``.

    Only the shape is checked here (``as_polygon`` costs about as much as a small assembly, and
    the engines call these functions with the same vertices many times).
    """
    v = np.ascontiguousarray(vertices, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != 2 or v.shape[0] < 3:
        raise ValueError(
            f"vertices must be a (k, 2) array of k >= 3 counter-clockwise convex polygon vertices "
            f"(from nnla._validate.as_polygon), got shape {v.shape}"
        )
    return v


def _size(code: int, n: int) -> int:
    return n * (3 if code == KINDS["gauss_newton"] else 1)


def _finite(out: np.ndarray, func: str) -> np.ndarray:
    """Raise NonFiniteResultError if ``out`` has an Inf or NaN (overflow for huge w, b)."""
    if out.size and not (np.isfinite(np.max(out)) and np.isfinite(np.min(out))):
        raise NonFiniteResultError(
            f"{func}: the result overflowed (|w| and |b| are too large for float64)",
            hint="rescale w and b: the matrices scale with their squares",
        )
    return out


# ------------------------------------------------------------------------------------------------
# Matrices
# ------------------------------------------------------------------------------------------------


def assemble_2d(
    kind: str, w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *, n_threads: int | None,
    out: np.ndarray | None = None
) -> np.ndarray:
    """Assemble one exact 2D matrix: mass ``A``, Heaviside Gram ``H`` or Gauss-Newton ``G``.

    Parameters
    ----------
    kind : {"mass", "heaviside", "gauss_newton"}
    w : ndarray, shape (n, 2)
    b : ndarray, shape (n,)
    vertices : ndarray, shape (k, 2)
        The domain: a counter-clockwise convex polygon from :func:`nnla._validate.as_polygon`
        (which takes ``None`` for the unit square, a box or polygon vertices).
    n_threads : int or None
        OpenMP threads over rows; the result is bitwise the same for every count.
    out : ndarray, optional
        A C-contiguous writeable float64 array of the result's shape to fill (and return)
        instead of a new one: a loop that assembles the same size again and again (the 2D SgGN
        engine) reuses its memory instead of faulting in fresh pages each time (1.2 GB for
        ``G`` at n = 4096).

    Returns
    -------
    ndarray
        ``(n, n)`` for A and H, ``(3n, 3n)`` neuron-major for G; symmetric (``out`` if given).

    Raises
    ------
    ValueError
        An unknown ``kind``, bad ``w``, ``b`` or ``vertices``, or an ``out`` of the wrong shape,
        dtype or layout.
    nnla.errors.NonFiniteResultError
        If the matrix overflowed (``|w|``, ``|b|`` too large for float64).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import assemble_2d
    >>> w, b = np.array([[1.0, 0.0]]), np.array([0.0])      # sigma(x) = x on the unit square
    >>> float(assemble_2d("mass", w, b, as_polygon(None), n_threads=1)[0, 0])  # int x^2 = 1/3
    0.3333333333333333
    """
    code = kind_code(kind)
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    nt = resolve_threads(n_threads)
    want = [code == KINDS[k] for k in ("mass", "heaviside", "gauss_newton")]
    if out is not None:
        size = _size(code, w.shape[0])
        if (not isinstance(out, np.ndarray) or out.dtype != np.float64
                or out.shape != (size, size) or not out.flags.c_contiguous
                or not out.flags.writeable):
            raise ValueError(f"out must be a writeable C-contiguous float64 array of shape "
                             f"({size}, {size})")
    res = _core.relu2d_assemble(w, b, v, *want, nt, out)
    return _finite(res[code], kind)


def assemble_2d_all(
    w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *, n_threads: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assemble ``A``, ``H`` and ``G`` in one pass (each pair is clipped and integrated once).

    Parameters
    ----------
    w : ndarray, shape (n, 2)
    b : ndarray, shape (n,)
    vertices : ndarray, shape (k, 2)
        The domain: a counter-clockwise convex polygon from :func:`nnla._validate.as_polygon`
        (which takes ``None`` for the unit square, a box or polygon vertices).
    n_threads : int or None
        OpenMP threads; the results do not depend on it.

    Returns
    -------
    (A, H, G) : tuple of ndarray
        Bitwise equal to three :func:`assemble_2d` calls.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import assemble_2d_all
    >>> w, b = np.array([[0.0, 0.0]]), np.array([1.0])       # the constant 1
    >>> A, H, G = assemble_2d_all(w, b, as_polygon(((0, 2), (0, 1))), n_threads=1)
    >>> float(A[0, 0]), float(H[0, 0]), G[0].tolist()
    (2.0, 2.0, [2.0, 2.0, 1.0])
    """
    a, h, g = assemble_2d_kinds(KINDS, w, b, vertices, n_threads=n_threads)
    return a, h, g


def assemble_2d_kinds(
    kinds: Sequence[str], w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *,
    n_threads: int | None
) -> tuple[np.ndarray, ...]:
    """Assemble the matrices ``kinds`` in one pass (each pair is clipped and integrated once).

    Parameters
    ----------
    kinds : sequence of {"mass", "heaviside", "gauss_newton"}
        The matrices wanted, in the order they are returned (for example
        ``("mass", "gauss_newton")`` for the SgGN step, which needs no ``H``).
    w, b, vertices, n_threads
        As in :func:`assemble_2d`.

    Returns
    -------
    tuple of ndarray
        One matrix per entry of ``kinds``, bitwise equal to :func:`assemble_2d`.

    Raises
    ------
    nnla.errors.NonFiniteResultError
        If a matrix overflowed (``|w|``, ``|b|`` too large for float64).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import assemble_2d_kinds
    >>> w, b = np.array([[1.0, 0.0]]), np.array([0.0])       # sigma(x) = x
    >>> A, G = assemble_2d_kinds(("mass", "gauss_newton"), w, b, as_polygon(None), n_threads=1)
    >>> float(A[0, 0]), G[1].tolist()  # int x^2; int x (1, x, y)
    (0.3333333333333333, [0.5, 0.3333333333333333, 0.25])
    """
    codes = [kind_code(k, "kinds") for k in kinds]
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    want = [c in codes for c in range(3)]
    out = _core.relu2d_assemble(w, b, v, *want, resolve_threads(n_threads))
    return tuple(_finite(out[c], k) for c, k in zip(codes, kinds))


def entries_2d(
    kind: str,
    w: np.ndarray,
    b: np.ndarray,
    vertices: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    n_threads: int | None,
) -> np.ndarray:
    """The block ``M[rows][:, cols]`` of a 2D matrix, computed without assembling ``M``.

    Parameters
    ----------
    kind : {"mass", "heaviside", "gauss_newton"}
    w, b, vertices : ndarray
        As in :func:`assemble_2d`.
    rows, cols : array_like of int
        Indices into the assembled matrix (``0 <= index < n``, or ``< 3n`` for G).
    n_threads : int or None
        OpenMP threads over rows.

    Returns
    -------
    ndarray, shape (len(rows), len(cols))
        Bitwise equal to the same entries of :func:`assemble_2d`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import assemble_2d, entries_2d
    >>> rng = np.random.default_rng(0)
    >>> w, b, v = rng.standard_normal((5, 2)), rng.standard_normal(5), as_polygon(None)
    >>> blk = entries_2d("gauss_newton", w, b, v, [0, 4, 7], [1, 14], n_threads=1)
    >>> G = assemble_2d("gauss_newton", w, b, v, n_threads=1)
    >>> bool(np.array_equal(blk, G[[0, 4, 7]][:, [1, 14]]))
    True
    """
    code = kind_code(kind)
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    size = _size(code, w.shape[0])
    r = as_index(rows, "rows", size)
    c = as_index(cols, "cols", size)
    return _finite(_core.relu2d_entries(code, w, b, v, r, c, resolve_threads(n_threads)), kind)


def matvec_2d(
    kind: str,
    w: np.ndarray,
    b: np.ndarray,
    vertices: np.ndarray,
    x: np.ndarray,
    *,
    n_threads: int | None,
) -> np.ndarray:
    """``M @ x`` for a 2D matrix without forming ``M`` (O(n^2) work, O(n) memory).

    Parameters
    ----------
    kind : {"mass", "heaviside", "gauss_newton"}
    w, b, vertices : ndarray
        As in :func:`assemble_2d`.
    x : array_like, shape (N,) or (N, k)
        ``N = n`` (``3n`` for G); finite.
    n_threads : int or None
        OpenMP threads over rows; the result is bitwise the same for every count.

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import assemble_2d, matvec_2d
    >>> rng = np.random.default_rng(1)
    >>> w, b, v = rng.standard_normal((6, 2)), rng.standard_normal(6), as_polygon(None)
    >>> x = rng.standard_normal(6)
    >>> y = matvec_2d("mass", w, b, v, x, n_threads=2)
    >>> bool(np.allclose(y, assemble_2d("mass", w, b, v, n_threads=1) @ x, rtol=1e-14, atol=0))
    True
    """
    code = kind_code(kind)
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    size = _size(code, w.shape[0])
    xa = as_real(x, "x")
    if xa.ndim not in (1, 2) or xa.shape[0] != size:
        raise ValueError(f"x must have shape ({size},) or ({size}, k), got {xa.shape}")
    x2 = np.ascontiguousarray(xa.reshape(size, -1))
    y = _core.relu2d_matvec(code, w, b, v, x2, resolve_threads(n_threads))
    return _finite(y, f"{kind} matvec").reshape(xa.shape)


# ------------------------------------------------------------------------------------------------
# Load vector
# ------------------------------------------------------------------------------------------------

# Collapsed (Duffy) Gauss-Legendre rule of q x q points on the reference triangle: exact for
# polynomials of total degree <= 2q - 2. With sigma_i linear on each triangle, u * sigma_i is
# integrated exactly for polynomial u of degree <= 2q - 3 at every level.
_GAUSS_Q = 6
_MAX_LEVEL = 5


def reference_rule(level: int) -> tuple[np.ndarray, np.ndarray]:
    """The composite triangle rule of :func:`load_vector_2d` on the reference triangle.

    A collapsed (Duffy) Gauss-Legendre rule of 6 x 6 points on each of the ``4**level``
    congruent triangles the reference triangle splits into; exact for total degree 10 (so for
    ``u * sigma_i`` with ``u`` of degree <= 9 on a triangle where ``sigma_i`` is linear).

    Parameters
    ----------
    level : int
        Refinement level, ``>= 0``.

    Returns
    -------
    bary : ndarray, shape (P, 3)
        Barycentric coordinates of the points, ``P = 36 * 4**level``.
    weights : ndarray, shape (P,)
        Weights summing to 1 (multiply by the triangle's area).

    Examples
    --------
    >>> from nnla.relu.polygon import reference_rule
    >>> bary, wts = reference_rule(1)
    >>> bary.shape, round(float(wts.sum()), 15)
    ((144, 3), 1.0)
    """
    level = check_int(level, "level", 0)
    g, gw = np.polynomial.legendre.leggauss(_GAUSS_Q)
    g, gw = (g + 1) / 2, gw / 2
    s, t = np.meshgrid(g, g, indexing="ij")
    ws = np.outer(gw, gw) * 2 * s  # Jacobian of (s, t) -> (1 - s, s (1 - t), s t), area 1/2
    base_bary = np.stack([1 - s, s * (1 - t), s * t], axis=-1).reshape(-1, 3)
    base_w = ws.reshape(-1)  # sums to 1
    tris = np.eye(3)[None]  # (m, 3 corners, 3 barycentric)
    for _ in range(level):
        a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
        ab, bc, ca = (a + b) / 2, (b + c) / 2, (c + a) / 2
        tris = np.concatenate(
            [np.stack(q, axis=1) for q in ((a, ab, ca), (ab, b, bc), (ca, bc, c), (bc, ca, ab))]
        )
    pts = np.einsum("pk,mkj->mpj", base_bary, tris).reshape(-1, 3)
    wts = np.tile(base_w, tris.shape[0]) / tris.shape[0]
    return pts, wts


def eval_target(u: Callable[[np.ndarray], ArrayLike], pts: np.ndarray) -> np.ndarray:
    """``u(pts)`` checked: a real finite float64 array of shape ``(m,)`` for ``(m, 2)`` points.

    Raises ``ValueError`` (naming ``u``) for a wrong shape, a non-real dtype, NaN or Inf.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.polygon import eval_target
    >>> eval_target(lambda p: p[:, 0] + p[:, 1], np.array([[0.5, 0.25]])).tolist()
    [0.75]
    """
    out = np.asarray(u(pts))
    if out.shape != (pts.shape[0],):
        raise ValueError(
            f"u must return an array of shape (m,) for points of shape (m, 2); got {out.shape}"
        )
    if out.dtype.kind not in "biuf":
        raise ValueError(f"u must return real values, got dtype {out.dtype}")
    if not np.all(np.isfinite(out)):
        raise ValueError("u returned NaN or Inf on the domain")
    return out.astype(np.float64, copy=False)


def active_polygons(
    w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *, n_threads: int | None = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each neuron's active polygon: ``Omega`` clipped by ``w_i . x + b_i >= 0`` (native).

    Parameters
    ----------
    w, b, vertices
        As in :func:`assemble_2d`.
    n_threads : int or None, default 1
        OpenMP threads.

    Returns
    -------
    xy : ndarray, shape (m, 2)
        The vertices of all polygons, counter-clockwise, polygon after polygon.
    values : ndarray, shape (m,)
        ``sigma_i`` at each vertex of polygon ``i``.
    offsets : ndarray of int64, shape (n + 1,)
        Polygon ``i`` is ``xy[offsets[i]:offsets[i + 1]]`` (fewer than 3 vertices: empty).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import active_polygons
    >>> w, b = np.array([[1.0, 0.0]]), np.array([-0.5])       # x > 1/2
    >>> xy, val, off = active_polygons(w, b, as_polygon(None))
    >>> off.tolist(), sorted(map(tuple, xy.tolist()))
    ([0, 4], [(0.5, 0.0), (0.5, 1.0), (1.0, 0.0), (1.0, 1.0)])
    """
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    xy, val, off = _core.relu2d_active_polygons(w, b, v, resolve_threads(n_threads))
    return xy, val, off


def fan_triangles(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fan triangulation of the polygons of :func:`active_polygons`.

    Parameters
    ----------
    offsets : ndarray of int64, shape (n + 1,)
        Polygon ``i`` has the vertices ``offsets[i]:offsets[i + 1]``.

    Returns
    -------
    owner : ndarray of int64, shape (T,)
        The polygon of each triangle.
    corners : ndarray of int64, shape (T, 3)
        Vertex indices of each triangle (counter-clockwise, first vertex of its polygon first).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu.polygon import fan_triangles
    >>> owner, corners = fan_triangles(np.array([0, 4, 4, 7]))
    >>> owner.tolist(), corners.tolist()
    ([0, 0, 2], [[0, 1, 2], [0, 2, 3], [4, 5, 6]])
    """
    off = np.asarray(offsets, dtype=np.int64)
    ntri = np.maximum(np.diff(off) - 2, 0)
    owner = np.repeat(np.arange(ntri.size), ntri)
    first = np.repeat(off[:-1], ntri)
    local = np.arange(owner.size) - np.repeat(np.cumsum(ntri) - ntri, ntri) + 1
    return owner, np.stack([first, first + local, first + local + 1], axis=1)


class _FanRule:
    """The fan triangles of the active polygons with the quadrature of :func:`load_vector_2d`."""

    def __init__(self, u: Callable[[np.ndarray], ArrayLike], w: np.ndarray, b: np.ndarray,
                 v: np.ndarray) -> None:
        self.u, self.n = u, w.shape[0]
        xy, val, off = _core.relu2d_active_polygons(w, b, v, 1)
        self.owner, corner = fan_triangles(off)
        self.P = xy[corner]  # (T, 3, 2)
        self.S = val[corner]  # (T, 3)
        e1, e2 = self.P[:, 1] - self.P[:, 0], self.P[:, 2] - self.P[:, 0]
        self.area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])

    def triangles_of(self, neurons: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.isin(self.owner, neurons))

    def values(self, level: int, tri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per neuron: ``int u sigma_i`` and ``int |u| sigma_i`` over the triangles ``tri``."""
        bary, wts = reference_rule(level)
        per = bary.shape[0]
        fv, fa = np.empty(tri.size), np.empty(tri.size)
        step = max(1, _MAX_POINTS_PER_CALL // per)  # bounds the memory of one call of u
        for lo in range(0, tri.size, step):
            t = tri[lo : lo + step]
            pts = np.einsum("pk,tkj->tpj", bary, self.P[t]).reshape(-1, 2)
            sig = (self.S[t] @ bary.T) * wts  # (t, p): sigma_i times the weight
            uu = eval_target(self.u, pts).reshape(t.size, per)
            fv[lo : lo + t.size] = self.area[t] * np.sum(uu * sig, axis=1)
            fa[lo : lo + t.size] = self.area[t] * np.sum(np.abs(uu) * sig, axis=1)
        return (
            np.bincount(self.owner[tri], weights=fv, minlength=self.n),
            np.bincount(self.owner[tri], weights=fa, minlength=self.n),
        )


def load_vector_2d(
    u: Callable[[np.ndarray], ArrayLike],
    w: np.ndarray,
    b: np.ndarray,
    vertices: np.ndarray,
    *,
    tol: float = 1e-10,
) -> np.ndarray:
    """Load vector ``f_i = int_Omega u(x) sigma_i(x) dx`` by quadrature on the active polygons.

    Each neuron's active polygon (``Omega`` clipped by its half-plane, so the kink is on its
    boundary and ``sigma_i`` is linear inside) is fan-triangulated; every triangle gets the
    composite rule of :func:`reference_rule` (6 x 6 points per sub-triangle, exact for total
    degree 10) on ``4**L`` congruent sub-triangles. Starting at ``L = 0``, the values at levels
    ``L`` and ``L + 1`` are compared per neuron; a neuron is done when
    ``|f_(L+1) - f_L| <= tol * int |u| sigma_i`` and gets ``f_(L+1)``. ``u`` is evaluated once
    per level on all points of the unfinished neurons (in chunks of at most 2M points).
    Polynomial ``u`` of degree <= 9 is integrated exactly.

    Parameters
    ----------
    u : callable
        Vectorised: an (m, 2) float64 array of points -> (m,) real finite values.
    w, b, vertices
        As in :func:`assemble_2d`.
    tol : float, default 1e-10
        Relative accuracy target, > 0.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        ``tol`` not positive, ``u`` returning the wrong shape or NaN/Inf.
    nnla.errors.ConvergenceError
        If some neurons did not reach ``tol`` after 5 refinements (``u`` not smooth enough).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import load_vector_2d
    >>> w, b = np.array([[1.0, 0.0]]), np.array([0.0])   # sigma(x) = x
    >>> f = load_vector_2d(lambda p: p[:, 1], w, b, as_polygon(None))  # int x y = 1/4
    >>> bool(abs(f[0] - 0.25) < 1e-15)
    True
    """
    tol = check_float(tol, "tol", low=0.0, low_open=True)
    if not callable(u):
        raise ValueError("u must be a callable taking an (m, 2) array of points")
    w, b = params_2d(w, b)
    rule = _FanRule(u, w, b, _vertices(vertices))
    f = np.zeros(rule.n)
    todo = np.unique(rule.owner)
    if todo.size == 0:
        return f
    tri = rule.triangles_of(todo)
    prev, _ = rule.values(0, tri)
    for level in range(1, _MAX_LEVEL + 1):
        cur, scale = rule.values(level, tri)
        done = np.abs(cur[todo] - prev[todo]) <= tol * scale[todo]
        f[todo[done]] = cur[todo[done]]
        todo = todo[~done]
        if todo.size == 0:
            return _finite(f, "load_vector")
        tri = rule.triangles_of(todo)
        prev = cur
    raise ConvergenceError(
        f"load_vector: the quadrature of neurons {todo[:10].tolist()}"
        f"{' ...' if todo.size > 10 else ''} did not reach tol={tol:g} after {_MAX_LEVEL} "
        "refinements",
        hint="u may be non-smooth or oscillate strongly on the domain; raise tol or smooth u",
    )


# ------------------------------------------------------------------------------------------------
# Ordering and degenerate neurons
# ------------------------------------------------------------------------------------------------


def _foot_points(w: np.ndarray, b: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    c = vertices.mean(axis=0)
    ww = np.sum(w * w, axis=1)
    val = w @ c + b
    scale = np.divide(val, ww, out=np.zeros_like(val), where=ww > 0)
    return c - scale[:, None] * w


def order_2d(w: np.ndarray, b: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Geometric ordering of 2D neurons by recursive PCA bisection (for hierarchical compression).

    Each neuron is represented by the point of its line closest to the domain centre (the centre
    itself for ``w = 0``). The set is split at the median of its projection on the principal axis
    (of the points' covariance); both halves are ordered recursively, down to single neurons.

    Parameters
    ----------
    w, b, vertices : ndarray
        As in :func:`assemble_2d`.

    Returns
    -------
    ndarray of int64, shape (n,)
        A permutation: ``w[perm], b[perm]`` is the ordered network.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import order_2d
    >>> w = np.array([[1.0, 0.0]] * 4)
    >>> b = -np.array([0.9, 0.1, 0.6, 0.3])          # vertical lines x = 0.9, 0.1, 0.6, 0.3
    >>> order_2d(w, b, as_polygon(None)).tolist()
    [1, 3, 2, 0]
    """
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    pts = _foot_points(w, b, v)
    out: list[np.ndarray] = []
    stack = [np.arange(w.shape[0], dtype=np.int64)]
    while stack:
        idx = stack.pop()
        if idx.size <= 1:
            out.append(idx)
            continue
        p = pts[idx] - pts[idx].mean(axis=0)
        sxx, syy, sxy = float(p[:, 0] @ p[:, 0]), float(p[:, 1] @ p[:, 1]), float(p[:, 0] @ p[:, 1])
        theta = 0.5 * math.atan2(2 * sxy, sxx - syy)  # principal axis of the 2 x 2 covariance
        proj = p @ np.array([math.cos(theta), math.sin(theta)])
        order = idx[np.argsort(proj, kind="stable")]
        half = idx.size // 2
        stack.append(order[half:])  # popped second: the left half comes first
        stack.append(order[:half])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _duplicates(w: np.ndarray, b: np.ndarray, dead: np.ndarray) -> np.ndarray:
    """Mask of the live neurons whose line equals an earlier live neuron's (either orientation),
    and of every live ``w = 0`` neuron but the first."""
    n = w.shape[0]
    wn = np.hypot(w[:, 0], w[:, 1])
    const = wn == 0
    safe = np.where(const, 1.0, wn)
    key = np.column_stack([b / safe, w / safe[:, None]])  # unit normal and offset
    dup = np.zeros(n, dtype=bool)
    alive = np.flatnonzero(~dead)
    consts = alive[const[alive]]
    dup[consts[1:]] = True
    lines = alive[~const[alive]]
    block = 256
    for lo in range(0, lines.size, block):
        rows = lines[lo : lo + block]
        earlier = lines[: lo + block]
        kr, ke = key[rows][:, None, :], key[earlier][None, :, :]
        tol = _DUPLICATE_RTOL * (1.0 + np.maximum(np.abs(kr[..., 0]), np.abs(ke[..., 0])))
        same = np.max(np.abs(kr - ke), axis=2) <= tol
        opposite = np.max(np.abs(kr + ke), axis=2) <= tol
        before = earlier[None, :] < rows[:, None]
        dup[rows] |= np.any((same | opposite) & before, axis=1)
    return dup


def _affine_dependent(w: np.ndarray, b: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """The full neurons among ``candidates`` whose ``(b, w)`` lies in the span of the earlier
    ones' (numerical rank at 1e-12): affine on Omega, they add nothing to the mass matrix."""
    basis: list[np.ndarray] = []
    lin: list[int] = []
    for i in candidates:
        r = np.array([b[i], w[i, 0], w[i, 1]])
        r = r / np.linalg.norm(r)
        if len(basis) < 3:
            sv = np.linalg.svd(np.array([*basis, r]), compute_uv=False)
            if sv[-1] > _DUPLICATE_RTOL * sv[0]:
                basis.append(r)
                continue
        lin.append(int(i))
    return np.array(lin, dtype=np.int64)


def degenerate_2d(
    w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *, kind: str = "mass"
) -> dict[str, np.ndarray]:
    """Neurons that make the 2D matrices singular.

    * ``dead``: no vertex of ``Omega`` has a positive value ``w . x + b`` beyond rounding
      (64 eps relative to the terms), so the active region has zero measure;
    * ``duplicate``: among the other neurons, one whose line equals an earlier neuron's line with
      either orientation (normalised ``(b, w) / |w|`` equal to 1e-12), so it is a combination of
      that neuron and an affine function; all neurons with ``w = 0`` (and ``b > 0``) are multiples
      of the first one. The later index of each pair is reported;
    * ``linear``: neurons active on all of ``Omega`` (no vertex negative beyond rounding), not
      dead or duplicate, that add nothing to the earlier such neurons. For the mass matrix they
      are affine on ``Omega``: a full neuron is reported when its ``(b, w)`` lies in the span of
      the earlier full neurons' (numerical rank at 1e-12), so always beyond the first three. For
      ``heaviside`` and ``gauss_newton`` every full neuron has the same ``h = 1`` on ``Omega``:
      all beyond the first one are reported.

    Parameters
    ----------
    w, b, vertices : ndarray
        As in :func:`assemble_2d`.
    kind : {"mass", "heaviside", "gauss_newton"}, default "mass"
        The matrix whose singularity is of interest (it changes only ``linear``).

    Returns
    -------
    dict
        ``{"dead": ..., "duplicate": ..., "linear": ...}``, sorted int64 index arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_polygon
    >>> from nnla.relu.polygon import degenerate_2d
    >>> w = np.array([[1.0, 0.0], [1.0, 0.0], [-2.0, 0.0], [0.0, 1.0]])
    >>> b = np.array([-2.0, -0.5, 1.0, 0.5])       # x > 2 (dead); x = 0.5 twice; y > -0.5 (full)
    >>> {k: v.tolist() for k, v in degenerate_2d(w, b, as_polygon(None)).items()}
    {'dead': [0], 'duplicate': [2], 'linear': []}
    """
    code = kind_code(kind)
    w, b = params_2d(w, b)
    v = _vertices(vertices)
    vals = b[:, None] + w @ v.T  # (n, k)
    terms = np.abs(b)[:, None] + np.abs(w) @ np.abs(v).T
    slack = _DEGEN_RTOL * terms
    dead = ~np.any(vals > slack, axis=1)
    full = ~dead & np.all(vals >= -slack, axis=1)
    dup = _duplicates(w, b, dead)
    candidates = np.flatnonzero(full & ~dup)
    linear = candidates[1:] if code != KINDS["mass"] else _affine_dependent(w, b, candidates)
    return {
        "dead": np.flatnonzero(dead).astype(np.int64),
        "duplicate": np.flatnonzero(dup).astype(np.int64),
        "linear": np.asarray(linear, dtype=np.int64),
    }
