"""The 2D part of :mod:`nnla.relu`: exact ReLU-network matrices on a convex polygon.

Private module; :mod:`nnla.relu` validates the parameters and delegates every 2D case here (see the
interface contract). Neuron ``i`` is ``sigma_i(x) = max(w_i . x + b_i, 0)``; with ``y = (1, x)``
and ``r_i = (b_i, w_i)``, the active region of a pair is
``R_ij = {x in Omega : r_i . y > 0 and r_j . y > 0}``, a convex polygon obtained by clipping
``Omega`` by two half-planes (Sutherland-Hodgman). Its moments are integrated exactly (fan
triangulation):

* mass matrix ``A_ij = int_{R_ij} (r_i . y)(r_j . y) dx``, integrated from the values of the two
  neurons at the vertices of ``R_ij`` (a sum of non-negative terms, so entries are accurate to a few
  ulps relative to themselves, also for slivers along a line);
* Heaviside Gram matrix ``H_ij = |R_ij|``;
* layer Gauss-Newton matrix ``G`` (3n x 3n, neuron-major: index ``3 i + k``, ``k = 0`` the bias,
  ``k = 1, 2`` the weights), block ``(i, j) = int_{R_ij} y y^T dx``.

A neuron with ``w = 0`` is active on all of ``Omega`` if ``b > 0`` and nowhere otherwise; a neuron
whose line only touches ``Omega`` (at a vertex or along an edge) from outside is dead.

Domains (:func:`as_domain_2d`): convex polygons; collinear vertices (a vertex on the segment between
its neighbours) are allowed, they change nothing.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla.errors import ConvergenceError, NonFiniteResultError

__all__ = [
    "as_domain_2d",
    "assemble_2d",
    "assemble_2d_all",
    "degenerate_2d",
    "entries_2d",
    "load_vector_2d",
    "matvec_2d",
    "order_2d",
]

_KINDS = {  # the kind codes of cpp/relu/kind.hpp (_core.ReluKind)
    "mass": int(_core.ReluKind.MASS),
    "heaviside": int(_core.ReluKind.HEAVISIDE),
    "gauss_newton": int(_core.ReluKind.GAUSS_NEWTON),
}
_UNIT_SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
# Relative tolerance of the convexity test (cross product of consecutive edges against the product
# of their lengths): a turn smaller than this is collinear.
_CONVEX_RTOL = 1e-12
# Relative tolerance of the degenerate-neuron tests (values at the vertices, normalised lines).
_DEGEN_RTOL = 64 * np.finfo(np.float64).eps
_DUPLICATE_RTOL = 1e-12
# Most points passed to ``u`` in one call by load_vector_2d.
_MAX_POINTS_PER_CALL = 1 << 21


# ------------------------------------------------------------------------------------------------
# Domain and parameter checks
# ------------------------------------------------------------------------------------------------


def as_domain_2d(domain: object) -> np.ndarray:
    """Vertices of a 2D domain as a counter-clockwise convex polygon.

    Parameters
    ----------
    domain : None, box or array_like of shape (k, 2)
        ``None`` for the unit square, a box ``((x0, x1), (y0, y1))`` with ``x0 < x1``, ``y0 < y1``,
        or the ``k >= 3`` vertices of a convex polygon in either orientation. Collinear vertices (a
        vertex on the segment between its neighbours, up to a relative turn of 1e-12) are allowed;
        repeated vertices are not.

    Returns
    -------
    ndarray, shape (k, 2)
        float64 vertices in counter-clockwise order (a box gives 4, starting at ``(x0, y0)``).

    Raises
    ------
    ValueError
        Naming ``domain``: wrong shape, fewer than 3 vertices, NaN/Inf, inverted or empty box,
        repeated vertices, zero area, a non-convex or self-intersecting polygon.

    Examples
    --------
    >>> from nnla._relu2d import as_domain_2d
    >>> as_domain_2d(((0, 2), (0, 1))).tolist()
    [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0]]
    >>> as_domain_2d([[0, 0], [0, 1], [1, 0]]).tolist()  # clockwise in, counter-clockwise out
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    if domain is None:
        return _UNIT_SQUARE.copy()
    try:
        raw = np.asarray(domain)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"domain must be a box ((x0, x1), (y0, y1)) or (k, 2) vertices: {exc}"
        ) from None
    if raw.dtype.kind not in "biuf":
        raise ValueError(f"domain must be real numbers, got dtype {raw.dtype}")
    arr = np.array(raw, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"domain must be a box ((x0, x1), (y0, y1)) or an array of (k, 2) vertices, "
            f"got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("domain contains NaN or Inf")
    if arr.shape[0] == 2:
        (x0, x1), (y0, y1) = arr
        if not (x0 < x1 and y0 < y1):
            raise ValueError(
                f"domain box ((x0, x1), (y0, y1)) must have x0 < x1 and y0 < y1 (an inverted or "
                f"empty box), got {arr.tolist()}"
            )
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    k = arr.shape[0]
    if k < 3:
        raise ValueError(f"domain must have at least 3 vertices, got {k}")
    if np.unique(arr, axis=0).shape[0] < k:
        raise ValueError("domain has repeated vertices")
    rel = arr - arr[0]
    area2 = float(np.sum(rel[1:-1, 0] * rel[2:, 1] - rel[2:, 0] * rel[1:-1, 1]))
    diam2 = float(np.max(np.sum(rel**2, axis=1)))
    if not abs(area2) > _CONVEX_RTOL * diam2:
        raise ValueError("domain has zero area (its vertices are collinear)")
    if area2 < 0:
        arr = arr[::-1].copy()
    e = np.roll(arr, -1, axis=0) - arr
    en = np.roll(e, -1, axis=0)
    cross = e[:, 0] * en[:, 1] - e[:, 1] * en[:, 0]
    dot = np.sum(e * en, axis=1)
    lens = np.hypot(e[:, 0], e[:, 1]) * np.hypot(en[:, 0], en[:, 1])
    straight = np.abs(cross) <= _CONVEX_RTOL * lens
    if np.any((cross < 0) & ~straight) or np.any(straight & (dot < 0)):
        raise ValueError("domain is not a convex polygon")
    turning = float(np.sum(np.arctan2(np.where(straight, 0.0, cross), dot)))
    if abs(turning - 2 * math.pi) > 1e-6:
        raise ValueError("domain is not a convex polygon (its boundary winds more than once)")
    return arr


def _params(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 C-contiguous ``w`` (n, 2) and ``b`` (n,), finite."""
    w = np.ascontiguousarray(w, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != 2:
        raise ValueError(f"w must have shape (n, 2) in 2D, got {w.shape}")
    if b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},) to match w, got {b.shape}")
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
        raise ValueError("w and b must be finite (no NaN or Inf)")
    return w, b


def _vertices(vertices: np.ndarray) -> np.ndarray:
    v = np.ascontiguousarray(vertices, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != 2 or v.shape[0] < 3:
        raise ValueError(f"vertices must have shape (k, 2) with k >= 3, got {v.shape}")
    return v


def _kind(kind: str) -> int:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    return _KINDS[kind]


def _index(idx: object, name: str, size: int) -> np.ndarray:
    raw = np.asarray(idx)
    if raw.dtype.kind not in "iu" and not (raw.dtype.kind == "b" and raw.size == 0):
        if raw.size != 0 or raw.dtype.kind != "f":
            raise ValueError(f"{name} must be an integer index array, got dtype {raw.dtype}")
    arr = np.ascontiguousarray(raw.reshape(-1), dtype=np.int64)
    if raw.ndim > 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {raw.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} has an index out of range [0, {size})")
    return arr


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
    kind: str, w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *, n_threads: int | None
) -> np.ndarray:
    """Assemble one exact 2D matrix: mass ``A``, Heaviside Gram ``H`` or Gauss-Newton ``G``.

    Parameters
    ----------
    kind : {"mass", "heaviside", "gauss_newton"}
    w : ndarray, shape (n, 2)
    b : ndarray, shape (n,)
    vertices : ndarray, shape (k, 2)
        Counter-clockwise convex polygon (from :func:`as_domain_2d`).
    n_threads : int or None
        OpenMP threads over rows; the result is bitwise the same for every count.

    Returns
    -------
    ndarray
        ``(n, n)`` for A and H, ``(3n, 3n)`` neuron-major for G; symmetric.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._relu2d import as_domain_2d, assemble_2d
    >>> w, b = np.array([[1.0, 0.0]]), np.array([0.0])      # sigma(x) = x on the unit square
    >>> float(assemble_2d("mass", w, b, as_domain_2d(None), n_threads=1)[0, 0])  # int x^2 = 1/3
    0.3333333333333333
    """
    code = _kind(kind)
    w, b = _params(w, b)
    v = _vertices(vertices)
    nt = resolve_threads(n_threads)
    out = _core.relu2d_assemble(w, b, v, code == 0, code == 1, code == 2, nt)
    return _finite(out[code], kind)


def assemble_2d_all(
    w: np.ndarray, b: np.ndarray, vertices: np.ndarray, *, n_threads: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assemble ``A``, ``H`` and ``G`` in one pass (each pair is clipped and integrated once).

    Parameters
    ----------
    w : ndarray, shape (n, 2)
    b : ndarray, shape (n,)
    vertices : ndarray, shape (k, 2)
        Counter-clockwise convex polygon (from :func:`as_domain_2d`).
    n_threads : int or None
        OpenMP threads; the results do not depend on it.

    Returns
    -------
    (A, H, G) : tuple of ndarray
        Bitwise equal to three :func:`assemble_2d` calls.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._relu2d import as_domain_2d, assemble_2d_all
    >>> w, b = np.array([[0.0, 0.0]]), np.array([1.0])       # the constant 1
    >>> A, H, G = assemble_2d_all(w, b, as_domain_2d(((0, 2), (0, 1))), n_threads=1)
    >>> float(A[0, 0]), float(H[0, 0]), G[0].tolist()
    (2.0, 2.0, [2.0, 2.0, 1.0])
    """
    w, b = _params(w, b)
    v = _vertices(vertices)
    out = _core.relu2d_assemble(w, b, v, True, True, True, resolve_threads(n_threads))
    return tuple(_finite(m, name) for m, name in zip(out, _KINDS))


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
    >>> from nnla._relu2d import as_domain_2d, assemble_2d, entries_2d
    >>> rng = np.random.default_rng(0)
    >>> w, b, v = rng.standard_normal((5, 2)), rng.standard_normal(5), as_domain_2d(None)
    >>> blk = entries_2d("gauss_newton", w, b, v, [0, 4, 7], [1, 14], n_threads=1)
    >>> G = assemble_2d("gauss_newton", w, b, v, n_threads=1)
    >>> bool(np.array_equal(blk, G[[0, 4, 7]][:, [1, 14]]))
    True
    """
    code = _kind(kind)
    w, b = _params(w, b)
    v = _vertices(vertices)
    size = w.shape[0] * (3 if code == 2 else 1)
    r = _index(rows, "rows", size)
    c = _index(cols, "cols", size)
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
    >>> from nnla._relu2d import as_domain_2d, assemble_2d, matvec_2d
    >>> rng = np.random.default_rng(1)
    >>> w, b, v = rng.standard_normal((6, 2)), rng.standard_normal(6), as_domain_2d(None)
    >>> x = rng.standard_normal(6)
    >>> y = matvec_2d("mass", w, b, v, x, n_threads=2)
    >>> bool(np.allclose(y, assemble_2d("mass", w, b, v, n_threads=1) @ x, rtol=1e-14, atol=0))
    True
    """
    code = _kind(kind)
    w, b = _params(w, b)
    v = _vertices(vertices)
    size = w.shape[0] * (3 if code == 2 else 1)
    raw = np.asarray(x)
    if raw.dtype.kind not in "biuf":
        raise ValueError(f"x must be a real array, got dtype {raw.dtype}")
    if raw.ndim not in (1, 2) or raw.shape[0] != size:
        raise ValueError(f"x must have shape ({size},) or ({size}, k), got {raw.shape}")
    if not np.all(np.isfinite(raw)):
        raise ValueError("x contains NaN or Inf")
    x2 = np.ascontiguousarray(raw.reshape(size, -1), dtype=np.float64)
    y = _core.relu2d_matvec(code, w, b, v, x2, resolve_threads(n_threads))
    return _finite(y, f"{kind} matvec").reshape(raw.shape)


# ------------------------------------------------------------------------------------------------
# Load vector
# ------------------------------------------------------------------------------------------------

# Collapsed (Duffy) Gauss-Legendre rule of q x q points on the reference triangle: exact for
# polynomials of total degree <= 2q - 2. With sigma_i linear on each triangle, u * sigma_i is
# integrated exactly for polynomial u of degree <= 2q - 3 at every level.
_GAUSS_Q = 6
_MAX_LEVEL = 5


def _reference_rule(level: int) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric points (P, 3) and weights (P,) (summing to 1) of the composite rule on the
    reference triangle split ``level`` times into 4 congruent triangles."""
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


def _eval_u(u: Callable[[np.ndarray], np.ndarray], pts: np.ndarray) -> np.ndarray:
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


def load_vector_2d(
    u: Callable[[np.ndarray], np.ndarray],
    w: np.ndarray,
    b: np.ndarray,
    vertices: np.ndarray,
    *,
    tol: float = 1e-10,
) -> np.ndarray:
    """Load vector ``f_i = int_Omega u(x) sigma_i(x) dx`` by quadrature on the active polygons.

    Each neuron's active polygon (``Omega`` clipped by its half-plane, so the kink is on its
    boundary and ``sigma_i`` is linear inside) is fan-triangulated; every triangle gets a
    composite collapsed Gauss-Legendre rule (6 x 6 points per sub-triangle, exact for total
    degree 10) on ``4**L`` congruent sub-triangles. Starting at ``L = 0``, the values at levels
    ``L`` and ``L + 1`` are compared per neuron; a neuron is done when
    ``|f_(L+1) - f_L| <= tol * int |u| sigma_i`` and gets ``f_(L+1)``. ``u`` is evaluated once
    per level on all points of the unfinished neurons (in chunks of at most 2M points).
    Polynomial ``u`` of degree <= 9 is integrated exactly.

    Parameters
    ----------
    u : callable
        Vectorised: an (m, 2) float64 array of points -> (m,) real finite values.
    w, b, vertices : ndarray
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
    >>> from nnla._relu2d import as_domain_2d, load_vector_2d
    >>> w, b = np.array([[1.0, 0.0]]), np.array([0.0])   # sigma(x) = x
    >>> f = load_vector_2d(lambda p: p[:, 1], w, b, as_domain_2d(None))  # int x y = 1/4
    >>> bool(abs(f[0] - 0.25) < 1e-15)
    True
    """
    if not (isinstance(tol, (int, float, np.floating)) and math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    if not callable(u):
        raise ValueError("u must be a callable taking an (m, 2) array of points")
    w, b = _params(w, b)
    v = _vertices(vertices)
    n = w.shape[0]
    xy, val, off = _core.relu2d_active_polygons(w, b, v, 1)
    counts = np.diff(off)
    ntri = np.maximum(counts - 2, 0)
    owner = np.repeat(np.arange(n), ntri)
    first = np.repeat(off[:-1], ntri)
    local = np.arange(owner.size) - np.repeat(np.cumsum(ntri) - ntri, ntri) + 1
    corner = np.stack([first, first + local, first + local + 1], axis=1)  # (T, 3)
    P = xy[corner]  # (T, 3, 2)
    S = val[corner]  # (T, 3)
    e1, e2 = P[:, 1] - P[:, 0], P[:, 2] - P[:, 0]
    area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])

    def level_values(level: int, tri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bary, wts = _reference_rule(level)
        per = bary.shape[0]
        fv, fa = np.empty(tri.size), np.empty(tri.size)
        step = max(1, _MAX_POINTS_PER_CALL // per)  # bounds the memory of one call of u
        for lo in range(0, tri.size, step):
            t = tri[lo : lo + step]
            pts = np.einsum("pk,tkj->tpj", bary, P[t]).reshape(-1, 2)
            sig = (S[t] @ bary.T) * wts  # (t, p): sigma_i times the weight
            uu = _eval_u(u, pts).reshape(t.size, per)
            fv[lo : lo + t.size] = area[t] * np.sum(uu * sig, axis=1)
            fa[lo : lo + t.size] = area[t] * np.sum(np.abs(uu) * sig, axis=1)
        return (
            np.bincount(owner[tri], weights=fv, minlength=n),
            np.bincount(owner[tri], weights=fa, minlength=n),
        )

    f = np.zeros(n)
    todo = np.flatnonzero(ntri > 0)
    if todo.size == 0:
        return f
    tri = np.flatnonzero(np.isin(owner, todo))
    prev, _ = level_values(0, tri)
    for level in range(1, _MAX_LEVEL + 1):
        cur, scale = level_values(level, tri)
        done = np.abs(cur[todo] - prev[todo]) <= tol * scale[todo]
        f[todo[done]] = cur[todo[done]]
        todo = todo[~done]
        if todo.size == 0:
            return _finite(f, "load_vector")
        tri = np.flatnonzero(np.isin(owner, todo))
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
    >>> from nnla._relu2d import as_domain_2d, order_2d
    >>> w = np.array([[1.0, 0.0]] * 4)
    >>> b = -np.array([0.9, 0.1, 0.6, 0.3])          # vertical lines x = 0.9, 0.1, 0.6, 0.3
    >>> order_2d(w, b, as_domain_2d(None)).tolist()
    [1, 3, 2, 0]
    """
    w, b = _params(w, b)
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
    >>> from nnla._relu2d import as_domain_2d, degenerate_2d
    >>> w = np.array([[1.0, 0.0], [1.0, 0.0], [-2.0, 0.0], [0.0, 1.0]])
    >>> b = np.array([-2.0, -0.5, 1.0, 0.5])       # x > 2 (dead); x = 0.5 twice; y > -0.5 (full)
    >>> {k: v.tolist() for k, v in degenerate_2d(w, b, as_domain_2d(None)).items()}
    {'dead': [0], 'duplicate': [2], 'linear': []}
    """
    code = _kind(kind)
    w, b = _params(w, b)
    v = _vertices(vertices)
    n = w.shape[0]
    vals = b[:, None] + w @ v.T  # (n, k)
    terms = np.abs(b)[:, None] + np.abs(w) @ np.abs(v).T
    slack = _DEGEN_RTOL * terms
    dead = ~np.any(vals > slack, axis=1)
    full = ~dead & np.all(vals >= -slack, axis=1)
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
    candidates = np.flatnonzero(full & ~dup)
    if code != 0:
        linear = candidates[1:]
    else:
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
        linear = np.array(lin, dtype=np.int64)
    return {
        "dead": np.flatnonzero(dead).astype(np.int64),
        "duplicate": np.flatnonzero(dup).astype(np.int64),
        "linear": np.asarray(linear, dtype=np.int64),
    }
