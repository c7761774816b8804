"""Exact matrices of shallow ReLU networks in 1D and 2D, and the exact O(n) 1D solvers.

A shallow network ``v(x) = c0 + sum_i c_i sigma(w_i . x + b_i)`` (``sigma = max(., 0)``) on a domain
Omega: an interval ``(a, b)`` in 1D (default ``(0, 1)``), a box ``((x0, x1), (y0, y1))`` or a
convex polygon in 2D (default the unit square). With ``y = (1, x)`` (spec: ``relu-matrices.md``):

- mass matrix ``A_ij = int sigma_i sigma_j``,
- Heaviside Gram matrix ``H_ij = int h_i h_j`` (``h = 1{w . x + b > 0}``),
- layer Gauss-Newton matrix ``G``: ``n(d+1) x n(d+1)``, neuron-major (row/column ``i*(d+1) + k``,
  ``k = 0`` for ``b_i`` and ``k = 1..d`` for the components of ``w_i``), block ``(i, j) =
  int_{R_ij} y y^T`` over the common active region ``R_ij``.

Parameters everywhere: ``w`` of shape ``(n,)`` or ``(n, 1)`` (1D) or ``(n, 2)`` (2D), ``b`` of shape
``(n,)``. 1D work is native closed forms and the O(n) hat-basis solver (cpp/relu/relu1d); 2D work
is native polygon clipping (cpp/relu/relu2d).

Degenerate neurons (dead ones, repeated breakpoints, too many neurons affine on all of Omega) make A
singular. :func:`degenerate_neurons` lists them; the solvers raise
:class:`nnla.errors.DegenerateNeuronsError` for them, and the assembly functions do so with
``check=True`` (by default they assemble whatever they are given: a singular matrix of degenerate
neurons is the exact answer to the question asked).

Layout
------
``network``   :class:`ShallowNetwork`, the value type.
``matrices``  the dense matrices, their entries and products, degenerate neurons.
``solvers``   load vectors and the exact O(n) 1D solvers.
``interval``  the 1D internals (neuron classes, degenerate detection, the native 1D calls).
``polygon``   the 2D internals (validated parameters, native polygon clipping, quadrature).
``kinds``     the one table of the native kind codes, ``KINDS``.

Internal API (documented, non-underscore; for the other subpackages of nnla, not re-exported):

- ``kinds.KINDS``, ``kinds.kind_code(kind)``: the kind names and their native codes.
- ``matrices.assemble(kind, w, b, domain=None, *, check=False, n_threads=None)``: one matrix by
  name; ``matrices.check_nondegenerate(w, b, domain, kind, func)`` raises
  ``DegenerateNeuronsError`` (used by ``nnla.hss``).
- ``interval.hat_solve(kind, w, b, lo, hi, order, full, rhs, *, from_load, with_const,
  func="hat_solve")``: the native O(n) hat-basis solve (raises on its status);
  ``interval.hat_loads(kind, u, nodes, order, refine)``: its right-hand side for a target;
  ``interval.solve_1d(...)``, ``interval.classes``, ``interval.order_1d``,
  ``interval.degenerate_1d``, ``interval.raise_degenerate`` (used by the 1D SgGN engine).
- ``polygon.reference_rule(level)``, ``polygon.eval_target(u, pts)``,
  ``polygon.active_polygons(w, b, vertices, *, n_threads=1)``, ``polygon.fan_triangles(offsets)``,
  ``polygon.assemble_2d_kinds(kinds, w, b, vertices, *, n_threads)`` and ``assemble_2d``,
  ``assemble_2d_all``, ``entries_2d``, ``matvec_2d``, ``load_vector_2d``, ``order_2d``,
  ``degenerate_2d``, ``params_2d`` (used by the 2D SgGN engine). ``vertices`` is always the output
  of :func:`nnla._validate.as_polygon` (validate a domain once, pass its vertices to every call).

Examples
--------
>>> import numpy as np
>>> from nnla import relu
>>> w, b = np.ones(4), -np.arange(4) / 4
>>> c, c0 = relu.solve_mass_1d(w, b, u=lambda x: x * x, order=4)
>>> net = relu.ShallowNetwork(w, b, c, c0)
>>> bool(abs(net(np.array([0.5]))[0] - 0.25) < 0.02)
True
"""

from __future__ import annotations

from nnla.relu.matrices import (
    degenerate_neurons,
    gauss_newton_entries,
    heaviside_entries,
    heaviside_gram,
    layer_gauss_newton,
    mass_entries,
    mass_matrix,
    matvec,
)
from nnla.relu.network import ShallowNetwork
from nnla.relu.solvers import load_vector, solve_heaviside_1d, solve_mass_1d

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
