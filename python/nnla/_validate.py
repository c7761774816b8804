"""Input validation shared by every public function: dtypes, shapes, domains, integers, finiteness.

Every check raises ``ValueError`` naming the argument and what was expected. The status codes of
the native kernels and the exceptions they map to live in :mod:`nnla._native`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable

import numpy as np

__all__ = [
    "as_columns",
    "as_domain",
    "as_index",
    "as_interval",
    "as_matrix_stack",
    "as_operator",
    "as_permutation",
    "as_points",
    "as_polygon",
    "as_real",
    "as_relu_params",
    "check_bool",
    "check_choice",
    "check_finite",
    "check_float",
    "check_int",
]

_NATIVE = (
    np.dtype(np.float32),
    np.dtype(np.float64),
    np.dtype(np.complex64),
    np.dtype(np.complex128),
)

UNIT_SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
"""The default 2D domain, counter-clockwise from the origin."""
_CONVEX_RTOL = 1e-12  # relative turn below which three polygon vertices count as collinear


# ------------------------------------------------------------------------------------------------
# scalars
# ------------------------------------------------------------------------------------------------


def check_int(value: object, name: str, low: int, high: int | None = None) -> int:
    """``value`` as an int if it is an integer (not a bool) with ``low <= value <= high``.

    Examples
    --------
    >>> from nnla._validate import check_int
    >>> check_int(3, "n", 1)
    3
    """
    bad = isinstance(value, bool) or not isinstance(value, numbers.Integral)
    if bad or int(value) < low or (high is not None and int(value) > high):  # type: ignore
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {rng}, got {value!r}")
    return int(value)  # type: ignore[arg-type]


def check_float(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float within the bounds (closed unless ``*_open``), not a bool.

    Examples
    --------
    >>> from nnla._validate import check_float
    >>> check_float(0.5, "tol", low=0.0, high=1.0, low_open=True, high_open=True)
    0.5
    """
    bad = isinstance(value, bool) or not isinstance(value, numbers.Real)
    v = math.nan if bad else float(value)  # type: ignore[arg-type]
    ok = math.isfinite(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high:g}")
        if not parts:
            raise ValueError(f"{name} must be a finite real number, got {value!r}")
        rng = " and ".join(parts)
        raise ValueError(f"{name} must be a finite number {rng}, got {value!r}")
    return v


def check_bool(value: object, name: str) -> bool:
    """``value`` as a bool if it is ``True`` or ``False`` (a Python or numpy bool).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import check_bool
    >>> check_bool(np.True_, "refine")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value: object, name: str, choices: Iterable[str]) -> str:
    """``value`` if it is one of the strings ``choices``.

    Examples
    --------
    >>> from nnla._validate import check_choice
    >>> check_choice("mass", "kind", ("mass", "heaviside"))
    'mass'
    """
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


# ------------------------------------------------------------------------------------------------
# real arrays
# ------------------------------------------------------------------------------------------------


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """``arr`` if it has no NaN or Inf."""
    if arr.size and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or Inf")
    return arr


def as_real(a: object, name: str, *, finite: bool = True) -> np.ndarray:
    """``a`` as a C-contiguous float64 array; integers and floats of any width are converted.

    Bools, complex, object and string arrays raise; so do NaN and Inf unless ``finite=False``.

    Examples
    --------
    >>> from nnla._validate import as_real
    >>> as_real([1, 2], "w").dtype
    dtype('float64')
    """
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real array, got {type(a).__name__}") from None
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} has dtype {arr.dtype}, expected a real (integer or float) array")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    return check_finite(arr, name) if finite else arr


def as_columns(a: object, n: int, name: str) -> tuple[np.ndarray, bool]:
    """``a`` of shape ``(n,)`` or ``(n, k)`` as a finite float64 ``(n, k)`` array, and whether it
    was a vector (right-hand sides and product arguments of ``(n, n)`` operators).

    Examples
    --------
    >>> from nnla._validate import as_columns
    >>> arr, vec = as_columns([1, 2, 3], 3, "b")
    >>> arr.shape, vec
    ((3, 1), True)
    """
    arr = as_real(a, name)
    vec = arr.ndim == 1
    if vec:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) or ({n}, k), got {np.shape(a)}")
    return arr, vec


def _finite_rows(arr: np.ndarray, name: str) -> None:
    """Raise if the 2D ``arr`` has NaN or Inf (by blocks of rows: no n^2 temporary)."""
    step = max(1, (1 << 20) // max(1, arr.shape[1]))
    for r0 in range(0, arr.shape[0], step):
        if not np.isfinite(arr[r0 : r0 + step]).all():
            raise ValueError(f"{name} contains NaN or Inf")


def as_operator(op: object, n: int, name: str = "operator") -> Callable[[np.ndarray], np.ndarray]:
    """``op``, a real ``(n, n)`` operator, as a checked function ``X -> op @ X`` on ``(n, k)``.

    Accepted: a dense array (integer or float; converted to float64 once, here), a scipy sparse
    matrix or array, a
    :class:`scipy.sparse.linalg.LinearOperator` (applied with ``matmat``), or any object with a
    ``shape`` and ``@`` (an :class:`nnla.hss.HSSMatrix`). Every product is checked: shape
    ``(n, k)``, real dtype, finite values (else ``ValueError`` naming ``name``; for a dense array
    with NaN/Inf entries, saying so: the entries are scanned only then, not on every call, where
    the scan would cost more than a product). A plain function is refused (wrap it in a
    ``LinearOperator``: its shape is then known).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._validate import as_operator
    >>> apply = as_operator(np.diag([1, 2, 3]), 3)
    >>> apply(np.ones((3, 1))).ravel().tolist()
    [1.0, 2.0, 3.0]
    """
    from scipy.sparse import issparse
    from scipy.sparse.linalg import LinearOperator

    dense: np.ndarray | None = None
    if isinstance(op, LinearOperator):
        dtype = np.dtype(op.dtype) if op.dtype is not None else np.dtype(np.float64)
        shape, matmul = tuple(op.shape), op.matmat
    elif issparse(op) or (
        not isinstance(op, np.ndarray) and hasattr(op, "shape") and hasattr(op, "__matmul__")
    ):
        dtype = np.dtype(getattr(op, "dtype", np.float64))
        shape = tuple(op.shape)  # type: ignore[attr-defined]
        matmul = op.__matmul__  # type: ignore[attr-defined]
    elif callable(op):
        raise ValueError(
            f"{name} must be a matrix or a scipy.sparse.linalg.LinearOperator, got a function; "
            f"wrap it: LinearOperator(({n}, {n}), matvec=f, matmat=f)"
        )
    else:
        try:
            arr = np.asarray(op)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a real matrix, got {type(op).__name__}") from None
        dtype, shape = arr.dtype, arr.shape
        if dtype.kind in "iuf" and shape == (n, n) and dtype != np.float64:
            arr = arr.astype(np.float64)
        dense = arr
        matmul = arr.__matmul__
    if dtype.kind not in "iuf":
        raise ValueError(f"{name} has dtype {dtype}, expected a real (integer or float) operator")
    if shape != (n, n):
        raise ValueError(f"{name} must have shape ({n}, {n}), got {shape}")

    def apply(x: np.ndarray) -> np.ndarray:
        y = np.asarray(matmul(x))
        if y.shape != x.shape:
            raise ValueError(f"{name} @ X returned shape {y.shape}, expected {x.shape}")
        if y.dtype.kind not in "iuf":
            raise ValueError(f"{name} @ X returned dtype {y.dtype}, expected real")
        y = np.asarray(y, dtype=np.float64)
        if not np.isfinite(y).all():
            if dense is not None:
                _finite_rows(dense, name)
            raise ValueError(f"{name} @ X returned NaN or Inf")
        return y

    return apply


def as_index(idx: object, name: str, size: int) -> np.ndarray:
    """A 1D int64 index array with entries in ``[0, size)`` (a scalar becomes one index)."""
    raw = np.asarray(idx)
    if raw.dtype.kind not in "iu" and not (raw.size == 0 and raw.dtype.kind in "fb"):
        raise ValueError(f"{name} must be an integer index array, got dtype {raw.dtype}")
    if raw.ndim > 1:
        raise ValueError(f"{name} must be a 1D index array, got shape {raw.shape}")
    arr = np.ascontiguousarray(raw.reshape(-1), dtype=np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} has indices outside 0..{size - 1}")
    return arr


def as_permutation(order: object, n: int, name: str = "order") -> np.ndarray:
    """``order`` as an int64 permutation of ``range(n)``."""
    perm = np.asarray(order)
    if perm.ndim != 1 or perm.shape[0] != n or perm.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a permutation of range({n}) as an integer array")
    perm = perm.astype(np.int64)
    if n and (perm.min() < 0 or perm.max() >= n or np.unique(perm).size != n):
        raise ValueError(f"{name} must be a permutation of range({n})")
    return perm


def as_points(points: object, n: int | None, name: str = "points") -> np.ndarray:
    """Finite float64 points of shape ``(n, d)``, ``1 <= d <= 3`` (shape ``(n,)`` means d = 1)."""
    pts = as_real(points, name)
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or not (1 <= pts.shape[1] <= 3) or pts.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n,) or (n, d) with 1 <= d <= 3, got {pts.shape}")
    if n is not None and pts.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows, got {pts.shape[0]}")
    return np.ascontiguousarray(pts)


def as_relu_params(w: object, b: object) -> tuple[np.ndarray, np.ndarray, int]:
    """Hidden-layer parameters ``(w, b, d)`` of a shallow ReLU network, finite float64.

    ``w`` of shape ``(n,)`` or ``(n, 1)`` (returned as ``(n,)``, d = 1) or ``(n, 2)`` (d = 2);
    ``b`` of shape ``(n,)``.

    Examples
    --------
    >>> from nnla._validate import as_relu_params
    >>> w, b, d = as_relu_params([[1.0], [2.0]], [0.0, -1.0])
    >>> w.shape, d
    ((2,), 1)
    """
    wa = as_real(w, "w")
    if wa.ndim == 1:
        d = 1
    elif wa.ndim == 2 and wa.shape[1] in (1, 2):
        d = wa.shape[1]
        if d == 1:
            wa = np.ascontiguousarray(wa[:, 0])
    else:
        raise ValueError(f"w must have shape (n,), (n, 1) or (n, 2), got {wa.shape}")
    ba = as_real(b, "b")
    if ba.ndim != 1 or ba.shape[0] != wa.shape[0]:
        raise ValueError(f"b must have shape ({wa.shape[0]},) to match w, got {ba.shape}")
    return wa, ba, d


# ------------------------------------------------------------------------------------------------
# domains: an interval (a, b) in 1D; a box ((x0, x1), (y0, y1)) or convex polygon in 2D
# ------------------------------------------------------------------------------------------------


def as_interval(domain: object) -> tuple[float, float]:
    """A 1D domain ``(a, b)`` with finite ``a < b`` (``None``: ``(0, 1)``).

    Examples
    --------
    >>> from nnla._validate import as_interval
    >>> as_interval((0, 2))
    (0.0, 2.0)
    """
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
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("domain contains NaN or Inf")
    if not lo < hi:
        raise ValueError(
            f"domain must satisfy a < b (got an empty or inverted interval {lo}, {hi})"
        )
    if not math.isfinite(hi - lo):
        raise ValueError(f"domain is too wide (its width overflows), got {domain!r}")
    return lo, hi


def as_polygon(domain: object) -> np.ndarray:
    """Vertices of a 2D domain as a counter-clockwise convex polygon.

    This is the one 2D domain convention of nnla (``relu``, ``hss``, ``sggn``).

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
        repeated vertices, zero area, a non-convex or self-intersecting polygon, or the flat form
        ``(x0, x1, y0, y1)`` (write ``((x0, x1), (y0, y1))``).

    Examples
    --------
    >>> from nnla._validate import as_polygon
    >>> as_polygon(((0, 2), (0, 1))).tolist()
    [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0]]
    >>> as_polygon([[0, 0], [0, 1], [1, 0]]).tolist()  # clockwise in, counter-clockwise out
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    if domain is None:
        return UNIT_SQUARE.copy()
    try:
        raw = np.asarray(domain)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"domain must be a box ((x0, x1), (y0, y1)) or (k, 2) vertices: {exc}"
        ) from None
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"domain must be real numbers, got dtype {raw.dtype}")
    arr = np.array(raw, dtype=np.float64)
    if arr.shape == (4,):
        box = tuple(map(tuple, arr.reshape(2, 2).tolist()))
        raise ValueError(
            f"domain must be a box ((x0, x1), (y0, y1)) or (k, 2) vertices in 2D; the flat form "
            f"(x0, x1, y0, y1) is not accepted: write {box}"
        )
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
        if not (math.isfinite(float(x1) - float(x0)) and math.isfinite(float(y1) - float(y0))):
            raise ValueError(f"domain is too wide (its width overflows), got {arr.tolist()}")
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    return _convex_ccw(arr)


def _convex_ccw(arr: np.ndarray) -> np.ndarray:
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


def as_domain(domain: object, dim: int) -> tuple[float, float] | np.ndarray:
    """:func:`as_interval` for ``dim == 1``, :func:`as_polygon` for ``dim == 2``."""
    return as_interval(domain) if dim == 1 else as_polygon(domain)


# ------------------------------------------------------------------------------------------------
# matrix stacks
# ------------------------------------------------------------------------------------------------


def _normalise_dtype(arr: np.ndarray, name: str) -> np.ndarray:
    if not arr.dtype.isnative:  # non-native byte order: same values, native bytes
        arr = arr.astype(arr.dtype.newbyteorder("="))
    dt = arr.dtype
    if dt in _NATIVE:
        return arr
    if dt.kind in "iu":
        return arr.astype(np.float64)
    if dt == np.float16:
        return arr.astype(np.float32)
    raise ValueError(
        f"{name} has dtype {dt}, expected float32, float64, complex64 or complex128 "
        "(integers are converted to float64)"
    )


def as_matrix_stack(a: object, name: str = "a") -> np.ndarray:
    """Return ``a`` as a native-order, C-contiguous ``(..., d, d)`` array of a supported dtype.

    Copies only when needed (dtype conversion or a non-contiguous view).
    """
    arr = a if type(a) is np.ndarray else np.asarray(a)
    if arr.dtype not in _NATIVE:
        arr = _normalise_dtype(arr, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be a (..., d, d) stack of square matrices, got shape {arr.shape}"
        )
    if arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must be square in its last two axes, got shape {arr.shape}")
    if not (arr.flags.c_contiguous and arr.flags.aligned):
        arr = np.array(arr, order="C", copy=True)  # copies an unaligned contiguous array too
    return arr
