"""Load vectors and the exact O(n) 1D solvers of shallow ReLU networks.

Public: :func:`load_vector`, :func:`solve_mass_1d`, :func:`solve_heaviside_1d`. The 1D work is
:mod:`nnla.relu.interval` (the native hat-basis solver :func:`nnla.relu.interval.hat_solve`), the
2D loads :func:`nnla.relu.polygon.load_vector_2d`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from nnla._validate import as_interval, as_polygon, as_relu_params, check_choice
from nnla.relu import interval, polygon
from nnla.relu.kinds import Domain

__all__ = ["load_vector", "solve_heaviside_1d", "solve_mass_1d"]


def load_vector(u: Callable[[np.ndarray], ArrayLike], w: ArrayLike, b: ArrayLike,
                domain: Domain = None, *, quadrature: str = "gauss", order: int = 10,
                refine: int = 1, tol: float = 1e-10) -> np.ndarray:
    """Load vector ``f_i = int_Omega u(x) sigma(w_i·x + b_i) dx`` for a vectorised target ``u``.

    1D: composite Gauss-Legendre with ``order`` points on each of ``refine`` equal parts of every
    cell of the mesh of all breakpoints inside the domain (every kink is a node, so the rule is
    exact when ``u`` is a polynomial of degree ``<= 2*order - 2``); ``u`` is called once, on all
    points. The per-cell moments are combined natively in O(n log n) with the same shifted
    recurrences as :func:`nnla.relu.matvec`. 2D: :func:`nnla.relu.polygon.load_vector_2d` with
    tolerance ``tol``.

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

    Raises
    ------
    ValueError
        Mismatched lengths of ``w`` and ``b``, wrong dimensionality, NaN/Inf, an empty or
        inverted domain, ``u`` returning the wrong shape or NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import load_vector
    >>> # int x (x - 1/2)_+ dx and int x (1/2 - x)_+ dx over (0, 1)
    >>> f = load_vector(lambda x: x, [1.0, -1.0], [-0.5, 0.5])
    >>> bool(np.allclose(f, [5 / 48, 1 / 48], rtol=1e-15))
    True
    """
    wa, ba, d = as_relu_params(w, b)
    check_choice(quadrature, "quadrature", ("gauss",))
    if d == 2:
        return polygon.load_vector_2d(u, wa, ba, as_polygon(domain), tol=tol)
    lo, hi = as_interval(domain)
    return interval.load_vector_1d(u, wa, ba, lo, hi, order, refine)


def _solve(kind: str, func: str, w: ArrayLike, b: ArrayLike, domain: Domain,
           u: Callable[[np.ndarray], ArrayLike] | None, f: ArrayLike | None, include_c0: bool,
           order: int, refine: int) -> tuple[np.ndarray, float]:
    wa, ba, d = as_relu_params(w, b)
    if d != 1:
        raise ValueError(f"{func} needs a 1D network: w must have shape (n,) or (n, 1)")
    lo, hi = as_interval(domain)
    return interval.solve_1d(kind, wa, ba, lo, hi, u=u, f=f, include_c0=include_c0, order=order,
                             refine=refine, func=func)


def solve_mass_1d(w: ArrayLike, b: ArrayLike, domain: Domain = None, *,
                  u: Callable[[np.ndarray], ArrayLike] | None = None, f: ArrayLike | None = None,
                  include_c0: bool = True, order: int = 10, refine: int = 1
                  ) -> tuple[np.ndarray, float]:
    """Exact O(n) solve with the 1D mass matrix, never forming it (the hat-basis route).

    On the mesh of breakpoints, ``A = P M P^T`` with ``M`` the tridiagonal hat mass matrix and
    ``P^{-1}`` banded (second differences). With ``u``: ``z = M^{-1} F``, ``F_l = int u psi_l``
    (a well-conditioned load), then ``c`` from ``z`` by second differences. With ``f``: the same
    factors applied to ``f``. When the neurons (with the constant) do not span all piecewise-
    linear functions on the mesh (fewer than two of them active on all of the domain besides the
    kinks), the basis is extended by {1, x} and the extension removed by a rank-1 or rank-2
    Schur-complement correction. O(n) after an O(n log n) sort; accurate where dense Cholesky of
    A fails (kappa(A) ~ 4 n^4 for uniform breakpoints, far more when they cluster). With ``u``
    the fitted function is accurate to rounding level; with ``f`` the accuracy is that of the
    problem ``A c = f`` itself (rounding f to float64 already moves the function by ~
    sqrt(kappa(A)) u relative), reached with one step of refinement of the correction.

    Parameters
    ----------
    w, b : array_like, shape (n,)
        A 1D hidden layer.
    domain : (a, b), optional
        The interval (default ``(0, 1)``).
    u : callable, optional
        Target ``u(x)`` (vectorised over an ``(m,)`` array): returns the least-squares fit
        ``c0 + sum c_i sigma_i`` of ``u`` (the L2 projection).
    f : array_like, shape (n,), optional
        A right-hand side: returns ``c`` solving ``A c = f`` (and ``c0 = 0``). Pass exactly one
        of ``u`` and ``f``.
    include_c0 : bool, default True
        With ``u``: include the constant ``c0`` in the fit. It is returned as 0.0 when the
        neurons already span the constants on the domain (two neurons active on all of it, or
        one with w = 0), since c0 is then redundant.
    order, refine : int
        The Gauss rule for the loads of ``u`` (as in :func:`load_vector`).

    Returns
    -------
    c : ndarray, shape (n,)
    c0 : float

    Raises
    ------
    nnla.errors.DegenerateNeuronsError
        If the neurons are degenerate (:func:`degenerate_neurons` with ``kind="mass"``).
    ValueError
        Bad input (as in :func:`mass_matrix`; ``u`` returning the wrong shape or NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import solve_mass_1d
    >>> s = np.linspace(0, 1, 8, endpoint=False)  # u is piecewise linear on them
    >>> c, c0 = solve_mass_1d(np.ones(8), -s, u=lambda x: 1 + np.abs(x - 0.5))
    >>> bool(abs(c0 - 1.5) < 1e-13 and abs(c[0] + 1) < 1e-13 and abs(c[4] - 2) < 1e-12)
    True
    """
    return _solve("mass", "solve_mass_1d", w, b, domain, u, f, include_c0, order, refine)


def solve_heaviside_1d(w: ArrayLike, b: ArrayLike, domain: Domain = None, *,
                       u: Callable[[np.ndarray], ArrayLike] | None = None,
                       f: ArrayLike | None = None, include_c0: bool = True, order: int = 10,
                       refine: int = 1) -> tuple[np.ndarray, float]:
    """Exact O(n) solve with the 1D Heaviside Gram matrix (``H^{-1}`` is tridiagonal).

    ``H = P D P^T`` with ``D`` the cell lengths and ``P^{-1}`` a first difference. With ``u``: the
    cell means of ``u``, then jumps. Left-facing neurons and a missing constant are handled as
    in :func:`solve_mass_1d` (a rank-1 correction).

    Parameters
    ----------
    w, b : array_like, shape (n,)
        A 1D hidden layer.
    domain : (a, b), optional
        The interval (default ``(0, 1)``).
    u : callable, optional
        Target ``u(x)`` (vectorised over an ``(m,)`` array): returns the least-squares fit
        ``c0 + sum c_i h_i`` of ``u`` (the L2 projection).
    f : array_like, shape (n,), optional
        A right-hand side: returns ``c`` solving ``H c = f`` (and ``c0 = 0``). Pass exactly one
        of ``u`` and ``f``.
    include_c0 : bool, default True
        With ``u``: include the constant ``c0`` in the fit. It is returned as 0.0 when the
        neurons already span the constants on the domain (a neuron active on all of it), since
        c0 is then redundant.
    order, refine : int
        The Gauss rule for the loads of ``u`` (as in :func:`load_vector`).

    Returns
    -------
    c : ndarray, shape (n,)
    c0 : float

    Raises
    ------
    nnla.errors.DegenerateNeuronsError
        If the neurons are degenerate (:func:`degenerate_neurons` with ``kind="heaviside"``).
    ValueError
        Bad input (as in :func:`mass_matrix`; ``u`` returning the wrong shape or NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import solve_heaviside_1d
    >>> u = lambda x: (x > 0.25) + 2.0 * (x > 0.5)
    >>> c, c0 = solve_heaviside_1d([1.0, 1.0], [-0.25, -0.5], u=u)
    >>> np.round(c, 12).tolist(), round(c0, 12)
    ([1.0, 2.0], 0.0)
    """
    return _solve("heaviside", "solve_heaviside_1d", w, b, domain, u, f, include_c0, order,
                      refine)
