"""The exact matrices of a shallow ReLU network: dense, by entries, as products; degenerate neurons.

Public: :func:`mass_matrix`, :func:`heaviside_gram`, :func:`layer_gauss_newton`,
:func:`mass_entries`, :func:`heaviside_entries`, :func:`gauss_newton_entries`, :func:`matvec`,
:func:`degenerate_neurons`. Internal API (for :mod:`nnla.hss`): :func:`assemble` (one of the three
matrices by name) and :func:`check_nondegenerate`. Each function validates ``w``, ``b`` and the
domain once (:mod:`nnla._validate`) and dispatches on the dimension to
:mod:`nnla.relu.interval` (1D, native closed forms) or :mod:`nnla.relu.polygon` (2D).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._threads import resolve_threads
from nnla._validate import as_index, as_interval, as_polygon, as_real, as_relu_params
from nnla.relu import interval, polygon
from nnla.relu.kinds import Domain, kind_code

__all__ = [
    "assemble",
    "check_nondegenerate",
    "degenerate_neurons",
    "gauss_newton_entries",
    "heaviside_entries",
    "heaviside_gram",
    "layer_gauss_newton",
    "mass_entries",
    "mass_matrix",
    "matvec",
]


# ------------------------------------------------------------------------------------------------
# degenerate neurons
# ------------------------------------------------------------------------------------------------


def _max_full(kind: str) -> int:
    return 2 if kind == "mass" else 1  # H and G: full neurons share h = 1


def degenerate_neurons(
    w: ArrayLike, b: ArrayLike, domain: Domain = None, *, kind: str = "mass"
) -> dict[str, np.ndarray]:
    """Find the neurons that make the network's Gram matrices singular on the domain.

    Parameters
    ----------
    w, b : array_like
        Hidden-layer parameters (1D or 2D, as in :func:`mass_matrix`).
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

    Raises
    ------
    ValueError
        Mismatched lengths of ``w`` and ``b``, wrong dimensionality, NaN/Inf, an empty or
        inverted domain, an unknown ``kind``.

    Examples
    --------
    >>> from nnla.relu import degenerate_neurons
    >>> r = degenerate_neurons([1.0, 1.0, -1.0, 1.0], [-0.5, -2.0, 0.5, -0.5])
    >>> {k: v.tolist() for k, v in r.items()}
    {'dead': [1], 'duplicate': [2, 3], 'linear': []}
    """
    wa, ba, d = as_relu_params(w, b)
    kind_code(kind)
    if d == 2:
        return polygon.degenerate_2d(wa, ba, as_polygon(domain), kind=kind)
    lo, hi = as_interval(domain)
    return interval.degenerate_1d(wa, ba, lo, hi, _max_full(kind))


def check_nondegenerate(w: ArrayLike, b: ArrayLike, domain: Domain, kind: str, func: str) -> None:
    """Raise :class:`nnla.errors.DegenerateNeuronsError` if the neurons make the matrix ``kind``
    singular (:func:`degenerate_neurons` not empty); the message starts with ``func``.

    Parameters
    ----------
    w, b, domain, kind
        As in :func:`degenerate_neurons`.
    func : str
        The caller's name, for the message (e.g. ``"HSSMatrix.from_relu"``).

    Examples
    --------
    >>> from nnla.relu.matrices import check_nondegenerate
    >>> check_nondegenerate([1.0, -1.0], [-0.5, 0.75], None, "mass", "demo")  # fine: returns
    >>> check_nondegenerate([1.0, 1.0], [-0.5, -2.0], None, "mass", "demo")
    Traceback (most recent call last):
    ...
    nnla.errors.DegenerateNeuronsError: demo: degenerate neurons make the matrix singular: ...
    """
    interval.raise_degenerate(degenerate_neurons(w, b, domain, kind=kind), func)


# ------------------------------------------------------------------------------------------------
# dense matrices
# ------------------------------------------------------------------------------------------------


def assemble(kind: str, w: ArrayLike, b: ArrayLike, domain: Domain = None, *,
             check: bool = False, n_threads: int | None = None) -> np.ndarray:
    """The dense matrix ``kind`` (:func:`mass_matrix`, :func:`heaviside_gram` or
    :func:`layer_gauss_newton`, chosen by name; the same arguments).

    Examples
    --------
    >>> from nnla.relu.matrices import assemble
    >>> assemble("heaviside", [1.0, -1.0], [-0.25, 0.75]).tolist()
    [[0.75, 0.5], [0.5, 0.75]]
    """
    kind_code(kind)
    wa, ba, d = as_relu_params(w, b)
    nt = resolve_threads(n_threads)
    if d == 2:
        verts = as_polygon(domain)
        if check:
            interval.raise_degenerate(polygon.degenerate_2d(wa, ba, verts, kind=kind), kind)
        return polygon.assemble_2d(kind, wa, ba, verts, n_threads=nt)
    lo, hi = as_interval(domain)
    if check:
        interval.raise_degenerate(interval.degenerate_1d(wa, ba, lo, hi, _max_full(kind)), kind)
    return interval.assemble_1d(kind, wa, ba, lo, hi, nt)


def mass_matrix(w: ArrayLike, b: ArrayLike, domain: Domain = None, *, check: bool = False,
                n_threads: int | None = None) -> np.ndarray:
    """Mass matrix ``A_ij = int_Omega sigma_i sigma_j dx`` of the hidden neurons.

    1D closed form (shifted): ``A_ij = p_i p_j L + (p_i w_j + p_j w_i) L^2/2 + w_i w_j L^3/3``
    on the common active interval ``[lo, lo + L]``, ``p_k = w_k lo + b_k``.

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
    ndarray, float64, shape (n, n)
        The exact matrix (closed forms in 1D, exact polygon moments in 2D).

    Raises
    ------
    ValueError
        Mismatched lengths, wrong dimensionality, NaN/Inf, an empty or inverted domain.
    nnla.errors.DegenerateNeuronsError
        With ``check=True``, if the neurons are degenerate (:func:`degenerate_neurons`).

    Examples
    --------
    >>> from nnla.relu import mass_matrix
    >>> mass_matrix([1.0], [0.0]).tolist()  # int_0^1 x^2 dx
    [[0.3333333333333333]]
    """
    return assemble("mass", w, b, domain, check=check, n_threads=n_threads)


def heaviside_gram(w: ArrayLike, b: ArrayLike, domain: Domain = None, *, check: bool = False,
                   n_threads: int | None = None) -> np.ndarray:
    """Heaviside Gram matrix ``H_ij = int_Omega h_i h_j dx``, ``h = 1{w·x + b > 0}``.

    1D: the length of the common active interval.

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
    ndarray, float64, shape (n, n)
        The exact matrix (closed forms in 1D, exact polygon moments in 2D).

    Raises
    ------
    ValueError
        Mismatched lengths, wrong dimensionality, NaN/Inf, an empty or inverted domain.
    nnla.errors.DegenerateNeuronsError
        With ``check=True``, if the neurons are degenerate (:func:`degenerate_neurons`).

    Examples
    --------
    >>> from nnla.relu import heaviside_gram
    >>> heaviside_gram([1.0, -1.0], [-0.25, 0.75]).tolist()
    [[0.75, 0.5], [0.5, 0.75]]
    """
    return assemble("heaviside", w, b, domain, check=check, n_threads=n_threads)


def layer_gauss_newton(w: ArrayLike, b: ArrayLike, domain: Domain = None, *, check: bool = False,
                       n_threads: int | None = None) -> np.ndarray:
    """Layer Gauss-Newton matrix: block ``(i, j) = int_{R_ij} y y^T dx``, ``y = (1, x)``.

    Neuron-major layout: row/column ``i*(d+1) + k`` with ``k = 0`` for ``b_i`` and ``k = 1..d``
    for ``w_i``. 1D block: ``[[L, (hi^2 - lo^2)/2], [., (hi^3 - lo^3)/3]]``.

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
    ndarray, float64, shape (n(d+1), n(d+1))
        The exact matrix (closed forms in 1D, exact polygon moments in 2D).

    Raises
    ------
    ValueError
        Mismatched lengths, wrong dimensionality, NaN/Inf, an empty or inverted domain.
    nnla.errors.DegenerateNeuronsError
        With ``check=True``, if the neurons are degenerate (:func:`degenerate_neurons`).

    Examples
    --------
    >>> from nnla.relu import layer_gauss_newton
    >>> layer_gauss_newton([1.0], [-0.5]).tolist()
    [[0.5, 0.375], [0.375, 0.2916666666666667]]
    """
    return assemble("gauss_newton", w, b, domain, check=check, n_threads=n_threads)


# ------------------------------------------------------------------------------------------------
# entries and products
# ------------------------------------------------------------------------------------------------


def _size(kind: str, n: int, d: int) -> int:
    return n * (d + 1 if kind == "gauss_newton" else 1)


def _entries(kind: str, w: ArrayLike, b: ArrayLike, domain: Domain, rows: ArrayLike,
             cols: ArrayLike, n_threads: int | None) -> np.ndarray:
    wa, ba, d = as_relu_params(w, b)
    size = _size(kind, wa.shape[0], d)
    r = as_index(rows, "rows", size)
    c = as_index(cols, "cols", size)
    nt = resolve_threads(n_threads)
    if d == 2:
        return polygon.entries_2d(kind, wa, ba, as_polygon(domain), r, c, n_threads=nt)
    lo, hi = as_interval(domain)
    return interval.entries_1d(kind, wa, ba, lo, hi, r, c, nt)


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

    Raises
    ------
    ValueError
        Mismatched lengths of ``w`` and ``b``, wrong dimensionality, NaN/Inf, an empty or
        inverted domain, indices out of range.

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

    Parameters
    ----------
    w, b, domain
        As in :func:`heaviside_gram` (``domain=None`` for the default).
    rows, cols : array_like of int
        Indices into the matrix (``0..n-1``).
    n_threads : int, optional
        OpenMP threads over the rows.

    Returns
    -------
    ndarray, shape (len(rows), len(cols))

    Raises
    ------
    ValueError
        Mismatched lengths of ``w`` and ``b``, wrong dimensionality, NaN/Inf, an empty or
        inverted domain, indices out of range.

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

    Parameters
    ----------
    w, b, domain
        As in :func:`layer_gauss_newton` (``domain=None`` for the default).
    rows, cols : array_like of int
        Indices into the matrix (``0..n(d+1)-1``).
    n_threads : int, optional
        OpenMP threads over the rows.

    Returns
    -------
    ndarray, shape (len(rows), len(cols))

    Raises
    ------
    ValueError
        Mismatched lengths of ``w`` and ``b``, wrong dimensionality, NaN/Inf, an empty or
        inverted domain, indices out of range.

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
    2D: :func:`nnla.relu.polygon.matvec_2d` (O(n^2) work, O(n) memory).

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

    Raises
    ------
    ValueError
        Mismatched lengths of ``w`` and ``b``, wrong dimensionality, NaN/Inf, an empty or
        inverted domain, an unknown ``kind``, ``x`` of the wrong shape.

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
    kind_code(kind)
    wa, ba, d = as_relu_params(w, b)
    size = _size(kind, wa.shape[0], d)
    xa = as_real(x, "x")
    if xa.ndim not in (1, 2) or xa.shape[0] != size:
        raise ValueError(f"x must have shape ({size},) or ({size}, k), got {xa.shape}")
    nt = resolve_threads(n_threads)
    if d == 2:
        return polygon.matvec_2d(kind, wa, ba, as_polygon(domain), xa, n_threads=nt)
    lo, hi = as_interval(domain)
    return interval.matvec_1d(kind, wa, ba, lo, hi, xa, nt)

