"""Adaptive quadrature mesh of the 1D engine: finds the jumps, kinks, cusps and layers of a target
from samples.

The 1D loss is integrated by an 8-point Gauss rule on every cell of the union of the network's
breakpoints and a fixed mesh. Between its breakpoints the network is linear, so the rule is as
accurate as the fixed mesh resolves the target ``u``: on a cell where ``u`` is a polynomial of
degree <= 13 it is exact, on a cell that holds an undeclared jump it is only accurate to
``O(h)``. :func:`adapt_mesh` refines the fixed mesh until every cell resolves ``u``:

* per-cell error estimate: the 8-point rule on the cell against the same rule on its two halves
  and against the 8-point Gauss-Lobatto rule on the cell, for ``int u^2`` and ``int u`` (the
  latter scaled by the root mean square of ``u``), ``e_k = |dQ(u^2)| + rms |dQ(u)|``; smooth cells
  show rounding-level differences, a cell holding a jump ``J`` shows ``~ h J^2``, a kink
  ``~ h^3``, ``x^(2/3)`` at an end ``~ h^(5/3)``. The Lobatto rule samples the cell's ends, so a
  jump in the sliver between an end and the first Gauss node (invisible to the two Gauss rules,
  which then agree) is still seen;
* a cell is bisected while ``e_k > rtol (h_k / |Omega|) Q_k + atol`` and it is wider than
  ``_MIN_WIDTH`` relative to the domain (``Q_k`` the cell's ``int u^2``; ``atol = 1e-16 int
  u^2`` caps the total left in cells that cannot be resolved: a jump is localised to a cell of
  width ~1e-14 of the domain, within 40 bisections of a background cell);
* rounds of simultaneous bisection (only the children of split cells are re-examined) until
  nothing is left to split. The cost is ~32 target evaluations per cell examined.

The engine (:meth:`nnla.sggn.engine1d.Problem1D.quad_error`) records every iteration the
a-posteriori estimate of the loss's quadrature error (the same comparisons on the current cells)
and adapts the cells it blames (:meth:`~nnla.sggn.engine1d.Problem1D.refine`), so that
``"converged"`` is only reported on a loss whose quadrature error is well below it
(:data:`QUAD_SAFETY`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["QUAD_SAFETY", "adapt_cells", "adapt_mesh", "bisected", "gauss_rule", "lobatto_rule"]

_GAUSS_ORDER = 8
_RTOL = 1e-13  # of int u^2, distributed by length
_ATOL = 1e-16  # of int u^2 per cell: what an unresolvable cell (a jump) may keep
_MIN_WIDTH = 1e-14  # relative to the domain: cells this narrow are not split
_MAX_ROUNDS = 64
_MAX_CELLS = 2_000_000
#: The loss counts as converged only while its quadrature error estimate is at most this
#: fraction of it.
QUAD_SAFETY = 1e-3


def gauss_rule() -> tuple[np.ndarray, np.ndarray]:
    """The 8-point Gauss-Legendre rule on ``[0, 1]`` (nodes, weights)."""
    xi, wt = np.polynomial.legendre.leggauss(_GAUSS_ORDER)
    return 0.5 * (xi + 1.0), 0.5 * wt


def lobatto_rule() -> tuple[np.ndarray, np.ndarray]:
    """The 8-point Gauss-Lobatto rule on ``[0, 1]`` (nodes with both ends, weights)."""
    n = _GAUSS_ORDER
    p = np.polynomial.legendre.Legendre.basis(n - 1)
    x = np.concatenate([[-1.0], np.sort(p.deriv().roots().real), [1.0]])
    w = 2.0 / (n * (n - 1) * p(x) ** 2)
    return 0.5 * (x + 1.0), 0.5 * w


def bisected(q: np.ndarray) -> np.ndarray:
    """The sorted nodes ``q`` with the midpoint of every cell added."""
    out = np.empty(2 * q.size - 1)
    out[0::2] = q
    out[1::2] = 0.5 * (q[:-1] + q[1:])
    return out


def _cell_integrals(u: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
                    xi: np.ndarray, wg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int u, int u^2) on each cell ``[lo_k, hi_k]`` by the Gauss rule."""
    h = hi - lo
    x = lo[:, None] + h[:, None] * xi[None, :]
    v = u(x.ravel()).reshape(x.shape)
    w = h[:, None] * wg[None, :]
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow: see adapt_mesh
        return np.sum(w * v, axis=1), np.sum(w * v * v, axis=1)


def adapt_mesh(u: Callable[[np.ndarray], np.ndarray], q: np.ndarray, a: float, b: float
               ) -> tuple[np.ndarray, int]:
    """Refine the sorted nodes ``q`` (from ``a`` to ``b``) until the Gauss rule resolves ``u`` on
    every cell (module docstring); returns the refined nodes and the rounds taken.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.sggn.adaptive1d import adapt_mesh
    >>> q, _ = adapt_mesh(lambda x: (x > 0.3).astype(float), np.linspace(0, 1, 11), 0.0, 1.0)
    >>> bool(np.min(np.abs(q - 0.3)) < 1e-13)   # the jump is found to rounding
    True
    """
    xi, wg = gauss_rule()
    i2 = _cell_integrals(u, q[:-1], q[1:], xi, wg)[1]
    u2 = float(i2.sum())
    if not np.isfinite(u2):  # int u^2 overflows: the caller raises
        return q, 0
    new, rounds = adapt_cells(u, q[:-1], q[1:], a, b, u2)
    return (np.union1d(q, new) if new.size else q), rounds


def adapt_cells(u: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
                a: float, b: float, u2: float) -> tuple[np.ndarray, int]:
    """The nodes to add inside the cells ``[lo_k, hi_k]`` of the domain ``(a, b)`` so that the
    rule resolves ``u`` on every cell (``u2`` = ``int u^2`` over the domain); (nodes, rounds).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.sggn.adaptive1d import adapt_cells
    >>> new, _ = adapt_cells(np.abs, np.array([-0.3]), np.array([0.7]), -1.0, 1.0, 2 / 3)
    >>> bool(np.min(np.abs(new)) < 1e-5)   # the kink at 0, close enough for ~1e-16 of int u^2
    True
    """
    xi, wg = gauss_rule()
    xl, wl = lobatto_rule()
    length = b - a
    min_w = _MIN_WIDTH * max(length, abs(a), abs(b))
    u2 = max(u2, np.finfo(float).tiny)
    rms = np.sqrt(u2 / length)
    i1, i2 = _cell_integrals(u, lo, hi, xi, wg)
    new: list[np.ndarray] = []
    rounds = 0
    while lo.size and rounds < _MAX_ROUNDS:
        rounds += 1
        mid = 0.5 * (lo + hi)
        l1, l2 = _cell_integrals(u, lo, mid, xi, wg)
        r1, r2 = _cell_integrals(u, mid, hi, xi, wg)
        o1, o2 = _cell_integrals(u, lo, hi, xl, wl)
        with np.errstate(over="ignore", invalid="ignore"):
            err = (np.abs(l2 + r2 - i2) + rms * np.abs(l1 + r1 - i1)
                   + np.abs(o2 - i2) + rms * np.abs(o1 - i1))
        tol = (_RTOL * (hi - lo) / length + _ATOL) * u2 + 16 * np.finfo(float).eps * (
            np.abs(l2) + np.abs(r2) + rms * (np.abs(l1) + np.abs(r1)))
        split = (err > tol) & (hi - lo > min_w)
        if not np.any(split) or sum(m.size for m in new) > _MAX_CELLS:
            break
        new.append(mid[split])
        lo = np.concatenate([lo[split], mid[split]])
        hi = np.concatenate([mid[split], hi[split]])
        i1 = np.concatenate([l1[split], r1[split]])
        i2 = np.concatenate([l2[split], r2[split]])
    return (np.concatenate(new) if new else np.zeros(0)), rounds
