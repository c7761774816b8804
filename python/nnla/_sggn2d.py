"""The 2D engine of :mod:`nnla.sggn`: SgGN and Adam for shallow ReLU networks on a box.

Private module; :func:`nnla.sggn.fit` and :func:`nnla.sggn.fit_adam` with ``dim=2`` call
:func:`fit_2d` and :func:`adam_2d` (spec: ``sggn.md``, ``relu-matrices.md``).

The network is ``u_n(x) = c0 + sum_i c_i sigma(w_i . x + b_i)`` on the box
``Omega = (x0, x1) x (y0, y1)`` (the unit square by default). With ``y = (1, x)``,
``r_i = (b_i, w_i)`` and the constant written as an extra neuron ``r = (1, 0, 0)``, the loss is

    J = 1/2 int (u_n - u)^2 = 1/2 c^T A c - c^T f + 1/2 int u^2,
    f_i = int u sigma_i = r_i . T_i,   T_i = int_{Omega and r_i . y > 0} u y dx,

with the exact mass matrix ``A`` and layer Gauss-Newton matrix ``G`` of :mod:`nnla._relu2d` (each
pair's active polygon is clipped and integrated exactly, so every kink of the network is treated
exactly). The only target-dependent quantities are the half-plane moments ``T_i`` and
``int u``, ``int u^2``:

Quadrature (no fixed grid, so the loss seen by the line search is the true loss)
    * built-in targets (:data:`TARGETS_2D`) have exact or semi-analytic moments: ``line_jump``
      clips ``Omega`` by its own half-plane and the neuron's (exact polygon moments);
      ``circle_jump`` uses the closed-form moments of a circular segment; ``circle_layer`` is
      ``sign(r - 1/2)`` (segment moments again) plus ``tanh - sign``, a radial function that is
      below 1e-17 outside ``|r - 1/2| < 0.2``, integrated in polar coordinates: the angular
      integral over the arcs of the circle inside ``Omega`` and the half-plane is exact (closed
      form in the arc ends), the radial one is a composite Gauss rule whose panels are split at
      every radius where the arcs change form (the layer radius, the box edges, and for each
      neuron the distance of its line and of the line's crossings with the box edges), so the
      integrand is analytic on every panel (accuracy ~1e-15);
    * a target that is itself a :class:`~nnla.relu.ShallowNetwork` is integrated exactly
      (pairs of neurons);
    * any other callable: a composite collapsed Gauss rule (6 x 6 points on 4**3 sub-triangles of
      each triangle) on every neuron's active polygon, so the kink of the neuron is on the
      boundary of the cells; accurate for smooth targets only (a discontinuity of ``u`` inside
      the domain limits it to a few digits).

The relative L2 error ``sqrt(2 J / int u^2)`` is computed from the same exact quantities.

Linear step (``c = argmin J`` for fixed lines)
    ``A c = f`` is solved by a truncated symmetric eigendecomposition of the Jacobi-scaled
    ``A`` (eigenvalues below ``1e-13`` of the largest are dropped): a rank-revealing,
    backward-stable solve that never breaks down when lines cluster or coincide (dense Cholesky
    fails there: kappa(A) exceeds 1/u, relu-matrices.md). The error of the computed minimiser
    enters the loss only quadratically (``J(c + dc) - J(c) = 1/2 dc^T A dc``), ~1e-13 of
    ``||A|| |c|^2`` at worst. A QR solve on a design matrix at quadrature points would need a
    rule that resolves every kink and discontinuity (the pitfall of the spec); with the exact
    matrices no such rule is needed. One SgGN iteration at n = 256 (one 768 x 768 and a few
    257 x 257 eigendecompositions, the exact assemblies, the target moments) takes ~0.3-0.5 s on
    one core.

Nonlinear step
    ``grad_{r_i} J = c_i g_i`` with ``g_i = int (u_n - u) h(r_i . y) y = (G (c r))_i - T_i``;
    direction ``p_i = -(H^+ g)_i / c_i`` with ``H`` the hidden-neuron part of ``G`` (SPD,
    independent of ``c``), solved like ``A`` (truncated eigendecomposition, rcond 1e-13), no
    Levenberg-Marquardt shift. Neurons with a negligible contribution
    (``|c_i| ||sigma_i|| <= 1e-10 max_j |c_j| ||sigma_j||``) are left out of the step and
    re-initialised on a random line through ``Omega`` (this can only lower ``J``: their old
    contribution was zero). Backtracking line search on ``J`` with ``c`` re-solved at every trial
    (variable projection), from ``gamma = 1`` halving up to 30 times, Armijo constant 1e-4;
    after an accepted full step up to three doublings are tried while the loss keeps falling.
    The fit stops as ``"stalled"`` when no step length lowers the loss (near the optimum the
    decrease falls below the rounding level of the loss, see ``loss_rounding_bound``).

Parametrisation and safeguards
    Directions on the unit circle plus offsets: after every step each ``(b_i, w_i)`` is divided by
    ``|w_i|`` (a positive rescaling of a neuron leaves the line unchanged; ``c_i`` absorbs it in
    the next linear solve), so ``w_i = (cos theta_i, sin theta_i)`` and ``-b_i`` is the signed
    distance of the line from the origin. The offset is then clamped so the line cuts ``Omega``
    (``-b_i`` within ``[min_v w_i . v, max_v w_i . v]`` shrunk by 1e-6 of its width), so no
    neuron dies or becomes affine on ``Omega``; the line search judges the clamped step. Weights
    can therefore not collapse to ``w -> 0`` (the stall of the unnormalised method).

Initialisation
    Seeded ``numpy.random.default_rng(seed)``: angles uniform on ``[0, 2 pi)``, offsets uniform
    over the range where the line cuts ``Omega``; or a given network (normalised and clamped the
    same way).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnla import _relu2d
from nnla._native import _core
from nnla._validate import check_int
from nnla.errors import ConvergenceError, NonFiniteResultError
from nnla.relu import ShallowNetwork
from nnla.sggn import (
    HISTORY_KEYS,
    FitResult,
    _check_domain,
    _check_nonneg,
    _check_positive,
)

__all__ = [
    "CIRCLE_CENTER",
    "CIRCLE_JUMP_RADIUS",
    "LAYER_RADIUS",
    "LAYER_WIDTH",
    "LINE_JUMP",
    "SINGULAR_CURVES_2D",
    "TARGETS_2D",
    "adam_2d",
    "fit_2d",
]

#: ``line_jump`` is ``1{a x + b y + c > 0}`` with ``(a, b, c)`` = this: the line ``x + 2 y = 1.2``.
LINE_JUMP: tuple[float, float, float] = (1.0, 2.0, -1.2)
#: Centre of the circular targets.
CIRCLE_CENTER: tuple[float, float] = (0.5, 0.5)
#: ``circle_jump`` is ``1{|x - CIRCLE_CENTER| < CIRCLE_JUMP_RADIUS}``.
CIRCLE_JUMP_RADIUS: float = 0.3
#: ``circle_layer`` is ``tanh((|x - CIRCLE_CENTER| - LAYER_RADIUS) / LAYER_WIDTH)``.
LAYER_RADIUS: float = 0.5
LAYER_WIDTH: float = 0.01

_RCOND = 1e-13  # truncation of the eigendecompositions (relative to the largest eigenvalue)
_NEGLIGIBLE = 1e-10  # relative contribution below which a neuron is left out and re-initialised
_CLAMP = 1e-6  # lines are kept this fraction of their offset range inside Omega
_ARMIJO = 1e-4
_MAX_HALVINGS = 30
_MAX_EXPANSIONS = 3  # doublings tried after an accepted full step
_GENERIC_LEVEL = 3  # sub-triangle level of the rule for generic callables
# circle_layer: tanh(z) - sign(z) is below 1e-17 for |z| > 20
_LAYER_CUT = 20.0
# panel ends (in layer widths from the layer radius, each side) of the radial rule
_RADIAL_BREAKS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0, 16.0, 20.0)
_RADIAL_GAUSS = 16


# ------------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------------


class _Target:
    """A vectorised 2D target with (possibly exact) moments over half-planes of a box."""

    name = "callable"

    def __call__(self, pts: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def exact_on(self, box: tuple[float, float, float, float]) -> bool:
        """Whether :meth:`moments` and :meth:`stats` are exact on ``box``."""
        return False

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        """``T_i = int_{Omega, w_i . x + b_i > 0} u (1, x, y) dx``, shape (n, 3)."""
        raise NotImplementedError  # pragma: no cover

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        """``(int u, int u^2)`` over ``Omega``."""
        raise NotImplementedError  # pragma: no cover


def _halfplane_moments(w: np.ndarray, b: np.ndarray, verts: np.ndarray,
                       extra: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Exact ``int_{Omega, h_i, [h_extra]} (1, x, y)`` (n, 3): the first column of the Gauss-Newton
    block of neuron i with the constant neuron (or with the ``extra`` neuron)."""
    n = w.shape[0]
    if extra is None:
        we, be = np.zeros((1, 2)), np.ones(1)
    else:
        we, be = extra
    wx = np.vstack([w, we])
    bx = np.concatenate([b, be])
    blk = _relu2d.entries_2d("gauss_newton", wx, bx, verts, np.arange(3 * n), [3 * n],
                             n_threads=1)
    return blk.reshape(n, 3)


def _unit_lines(w: np.ndarray, b: np.ndarray, center: np.ndarray) -> tuple[np.ndarray, ...]:
    """(nu, s, theta): unit normals, signed distances of ``center`` (positive inside the active
    half-plane) and normal angles; ``w = 0`` gives ``s = +-inf``."""
    wn = np.hypot(w[:, 0], w[:, 1])
    zero = wn == 0
    safe = np.where(zero, 1.0, wn)
    nu = np.where(zero[:, None], np.array([1.0, 0.0]), w / safe[:, None])
    s = np.where(zero, np.where(b > 0, np.inf, -np.inf), (w @ center + b) / safe)
    return nu, s, np.arctan2(nu[:, 1], nu[:, 0])


def _disc_moments(w: np.ndarray, b: np.ndarray, center: np.ndarray, rad: float) -> np.ndarray:
    """Exact ``int_{disc, w . x + b > 0} (1, x, y)`` for a disc (circular segments), (n, 3)."""
    nu, s, _ = _unit_lines(w, b, center)
    t = np.clip(-s, -rad, rad)  # the segment is nu . (x - center) in (t, rad)
    half = np.sqrt(np.maximum(rad * rad - t * t, 0.0))
    m0 = 0.5 * math.pi * rad * rad - (t * half + rad * rad * np.arcsin(t / rad))
    mt = (2.0 / 3.0) * half**3  # int t * 2 sqrt(rad^2 - t^2) dt over (t, rad)
    out = np.empty((w.shape[0], 3))
    out[:, 0] = m0
    out[:, 1:] = center[None, :] * m0[:, None] + nu * mt[:, None]
    return out


class _LineJump(_Target):
    """1{x + 2y > 1.2}"""

    name = "line_jump"

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        a, b, c = LINE_JUMP
        p = np.asarray(pts, dtype=np.float64)
        return (a * p[:, 0] + b * p[:, 1] + c > 0).astype(np.float64)

    def exact_on(self, box: tuple[float, float, float, float]) -> bool:
        return True

    def _line(self) -> tuple[np.ndarray, np.ndarray]:
        a, b, c = LINE_JUMP
        return np.array([[a, b]]), np.array([c])

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        return _halfplane_moments(w, b, verts, self._line())

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        wt, bt = self._line()
        area = float(_relu2d.assemble_2d("heaviside", wt, bt, verts, n_threads=1)[0, 0])
        return area, area


class _CircleJump(_Target):
    """1{|x - (1/2, 1/2)| < 0.3}"""

    name = "circle_jump"

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        p = np.asarray(pts, dtype=np.float64)
        r = np.hypot(p[:, 0] - CIRCLE_CENTER[0], p[:, 1] - CIRCLE_CENTER[1])
        return (r < CIRCLE_JUMP_RADIUS).astype(np.float64)

    def exact_on(self, box: tuple[float, float, float, float]) -> bool:
        return _disc_inside(box, CIRCLE_JUMP_RADIUS)

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        return _disc_moments(w, b, np.array(CIRCLE_CENTER), CIRCLE_JUMP_RADIUS)

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        area = math.pi * CIRCLE_JUMP_RADIUS**2
        return area, area


def _disc_inside(box: tuple[float, float, float, float], rad: float) -> bool:
    x0, x1, y0, y1 = box
    cx, cy = CIRCLE_CENTER
    return min(cx - x0, x1 - cx, cy - y0, y1 - cy) >= rad


def _arc_moments(lo: np.ndarray, hi: np.ndarray, rho: np.ndarray,
                 center: np.ndarray) -> np.ndarray:
    """``int_lo^hi (1, cx + rho cos phi, cy + rho sin phi) dphi`` (0 where hi <= lo), (..., 3)."""
    ok = hi > lo
    hi = np.where(ok, hi, lo)
    out = np.empty((*lo.shape, 3))
    out[..., 0] = hi - lo
    out[..., 1] = center[0] * (hi - lo) + rho * (np.sin(hi) - np.sin(lo))
    out[..., 2] = center[1] * (hi - lo) + rho * (np.cos(lo) - np.cos(hi))
    return out


class _CircleLayer(_Target):
    """tanh((|x - (1/2, 1/2)| - 1/2) / 0.01)"""

    name = "circle_layer"

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        p = np.asarray(pts, dtype=np.float64)
        r = np.hypot(p[:, 0] - CIRCLE_CENTER[0], p[:, 1] - CIRCLE_CENTER[1])
        return np.tanh((r - LAYER_RADIUS) / LAYER_WIDTH)

    # -- geometry of the radial rule
    @staticmethod
    def _edges(box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Distances from the centre to the box edges and their outward normal angles."""
        x0, x1, y0, y1 = box
        cx, cy = CIRCLE_CENTER
        return (np.array([x1 - cx, y1 - cy, cx - x0, cy - y0]),
                np.array([0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi]))

    def _range(self) -> tuple[float, float]:
        return (max(LAYER_RADIUS - _LAYER_CUT * LAYER_WIDTH, 0.0),
                LAYER_RADIUS + _LAYER_CUT * LAYER_WIDTH)

    def exact_on(self, box: tuple[float, float, float, float]) -> bool:
        x0, x1, y0, y1 = box
        cx, cy = CIRCLE_CENTER
        d, _ = self._edges(box)
        if not _disc_inside(box, LAYER_RADIUS) or np.any(d <= 0):
            return False
        corners = np.hypot(np.array([x1, x0, x0, x1]) - cx, np.array([y1, y1, y0, y0]) - cy)
        return bool(self._range()[1] < corners.min())  # the outside arcs are disjoint

    def _base_breaks(self, box: tuple[float, float, float, float]) -> np.ndarray:
        lo, hi = self._range()
        d, _ = self._edges(box)
        z = LAYER_WIDTH * np.array(_RADIAL_BREAKS)
        parts = [LAYER_RADIUS - z, LAYER_RADIUS + z, [lo, hi], d[(d > lo) & (d < hi)]]
        return np.unique(np.concatenate(parts))

    @staticmethod
    def _gauss(breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Composite Gauss nodes and weights on the panels ``breaks[..., k:k+2]`` (last axis),
        after the substitution ``rho = a + (b - a) (1 - cos(pi t)) / 2``, which makes square-root
        singularities at the panel ends (where an arc appears or vanishes) analytic."""
        g, gw = np.polynomial.legendre.leggauss(_RADIAL_GAUSS)
        t = 0.5 * (g + 1.0)
        frac = 0.5 * (1.0 - np.cos(math.pi * t))
        dfrac = 0.25 * math.pi * np.sin(math.pi * t) * gw  # d frac / dt times the weight of t
        a, bb = breaks[..., :-1, None], breaks[..., 1:, None]
        nodes = a + (bb - a) * frac
        wts = (bb - a) * dfrac
        shape = (*breaks.shape[:-1], -1)
        return nodes.reshape(shape), wts.reshape(shape)

    @staticmethod
    def _excess(rho: np.ndarray) -> np.ndarray:
        """``tanh(z) - sign(z)`` without cancellation, ``z = (rho - R) / eps``."""
        z = (rho - LAYER_RADIUS) / LAYER_WIDTH
        return -np.sign(z) * 2.0 / (np.exp(2.0 * np.abs(z)) + 1.0)

    def _outside(self, rho: np.ndarray, box: tuple[float, float, float, float]
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Half-widths (..., 4) and centres (4,) of the arcs of the circle of radius rho outside
        the box."""
        d, psi = self._edges(box)
        beta = np.arccos(np.minimum(d / rho[..., None], 1.0))
        return beta, psi

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        box = _box_of(verts)
        center = np.array(CIRCLE_CENTER)
        # sign(r - R) = 1 - 2 * 1{disc}
        out = _halfplane_moments(w, b, verts) - 2.0 * _disc_moments(w, b, center, LAYER_RADIUS)
        lo, hi = self._range()
        nu, s, theta = _unit_lines(w, b, center)
        # per-neuron radii where the arcs change form: |s| and the crossings with the edge lines
        x0, x1, y0, y1 = box
        foot = center[None, :] - np.where(np.isfinite(s), s, 0.0)[:, None] * nu
        tau = np.column_stack([-nu[:, 1], nu[:, 0]])
        special = [np.abs(s)]
        for axis, val in ((0, x0), (0, x1), (1, y0), (1, y1)):
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (val - foot[:, axis]) / tau[:, axis]
            special.append(np.hypot(np.where(np.isfinite(s), s, 0.0), t))
        sp = np.column_stack(special)
        sp = np.where(np.isfinite(sp), sp, hi)
        sp = np.clip(sp, lo, hi)
        base = self._base_breaks(box)
        breaks = np.sort(np.concatenate([np.broadcast_to(base, (w.shape[0], base.size)), sp],
                                        axis=1), axis=1)
        rho, wts = self._gauss(breaks)  # (n, P)
        weight = wts * rho * self._excess(rho)  # (n, P)
        # arc of the half-plane: cos(phi - theta) > -s / rho
        alpha = np.arccos(np.clip(-s[:, None] / rho, -1.0, 1.0))
        th = theta[:, None]
        th = np.broadcast_to(th, rho.shape)
        inside = _arc_moments(th - alpha, th + alpha, rho, center).reshape(-1, 3)
        beta, psi = self._outside(rho, box)
        for k in range(4):
            sel = np.flatnonzero(beta[..., k] > 0)  # nodes where the circle leaves the box
            if sel.size == 0:
                continue
            t_k, a_k = th.reshape(-1)[sel], alpha.reshape(-1)[sel]
            b_k = beta[..., k].reshape(-1)[sel]
            shift = np.remainder(psi[k] - t_k + math.pi, 2 * math.pi) - math.pi
            for m in (-1, 0, 1):
                c = t_k + shift + 2 * math.pi * m
                lo_k = np.maximum(t_k - a_k, c - b_k)
                hi_k = np.minimum(t_k + a_k, c + b_k)
                ok = hi_k > lo_k  # trigonometry only for the non-empty intersections
                idx = sel[ok]
                inside[idx] -= _arc_moments(lo_k[ok], hi_k[ok], rho.reshape(-1)[idx], center)
        out += np.einsum("np,npk->nk", weight, inside.reshape(*rho.shape, 3))
        return out

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        box = _box_of(verts)
        x0, x1, y0, y1 = box
        area = (x1 - x0) * (y1 - y0)
        rho, wts = self._gauss(self._base_breaks(box))
        beta, _ = self._outside(rho, box)
        length = 2 * math.pi - 2 * beta.sum(axis=-1)  # of the circle inside the box
        e = self._excess(rho)
        sgn = np.sign(rho - LAYER_RADIUS)
        base = wts * rho * length
        int_u = area - 2 * math.pi * LAYER_RADIUS**2 + float(base @ e)
        int_u2 = area + float(base @ (2 * sgn * e + e * e))
        return int_u, int_u2


class _NetworkTarget(_Target):
    """A target that is itself a 2D network: exact moments from pairs of neurons."""

    name = "network"

    def __init__(self, net: ShallowNetwork) -> None:
        self.net = net
        self.w = np.vstack([net.w, np.zeros((1, 2))])
        self.b = np.concatenate([net.b, [1.0]])
        self.c = np.concatenate([np.asarray(net.c), [net.c0]])

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        return self.net(pts)

    def exact_on(self, box: tuple[float, float, float, float]) -> bool:
        return True

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        n, m = w.shape[0], self.b.size
        wx, bx = np.vstack([w, self.w]), np.concatenate([b, self.b])
        cols = 3 * n + np.arange(3 * m)
        blk = _relu2d.entries_2d("gauss_newton", wx, bx, verts, np.arange(3 * n), cols,
                                 n_threads=1)
        x = (self.c[:, None] * np.column_stack([self.b, self.w])).reshape(-1)
        return (blk @ x).reshape(n, 3)

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        a = _relu2d.assemble_2d("mass", self.w, self.b, verts, n_threads=1)
        return float(a[-1] @ self.c), float(self.c @ a @ self.c)


class _Generic(_Target):
    """Any vectorised callable: composite triangle rule on the active polygons."""

    def __init__(self, u: Callable[[np.ndarray], np.ndarray]) -> None:
        self.u = u
        self.bary, self.wts = _relu2d._reference_rule(_GENERIC_LEVEL)

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        return _relu2d._eval_u(self.u, np.asarray(pts, dtype=np.float64))

    def _polygon_moments(self, xy: np.ndarray, off: np.ndarray, n: int, power: int
                         ) -> np.ndarray:
        counts = np.diff(off)
        ntri = np.maximum(counts - 2, 0)
        owner = np.repeat(np.arange(n), ntri)
        first = np.repeat(off[:-1], ntri)
        local = np.arange(owner.size) - np.repeat(np.cumsum(ntri) - ntri, ntri) + 1
        corner = np.stack([first, first + local, first + local + 1], axis=1)
        out = np.zeros((n, 3))
        per = self.bary.shape[0]
        step = max(1, (1 << 20) // per)
        for lo in range(0, owner.size, step):
            p = xy[corner[lo : lo + step]]  # (t, 3, 2)
            e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
            area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
            pts = np.einsum("pk,tkj->tpj", self.bary, p)
            with np.errstate(over="ignore", invalid="ignore"):  # overflow: checked by caller
                val = self(pts.reshape(-1, 2)).reshape(pts.shape[:2]) ** power
                wv = val * self.wts * area[:, None]
            mom = np.stack([wv.sum(axis=1), np.sum(wv * pts[..., 0], axis=1),
                            np.sum(wv * pts[..., 1], axis=1)], axis=1)
            np.add.at(out, owner[lo : lo + step], mom)
        return out

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        xy, _, off = _core.relu2d_active_polygons(np.ascontiguousarray(w),
                                                  np.ascontiguousarray(b), verts, 1)
        return self._polygon_moments(np.asarray(xy), np.asarray(off), w.shape[0], 1)

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        off = np.array([0, verts.shape[0]])
        i1 = self._polygon_moments(verts, off, 1, 1)[0, 0]
        i2 = self._polygon_moments(verts, off, 1, 2)[0, 0]
        return float(i1), float(i2)


#: The built-in 2D targets on the unit square (vectorised: (m, 2) points -> (m,) values):
#: ``line_jump`` = ``1{x + 2 y > 1.2}`` (:data:`LINE_JUMP`), ``circle_jump`` =
#: ``1{|x - (1/2, 1/2)| < 0.3}``, ``circle_layer`` = ``tanh((|x - (1/2, 1/2)| - 0.5) / 0.01)``.
TARGETS_2D: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "line_jump": _LineJump(),
    "circle_jump": _CircleJump(),
    "circle_layer": _CircleLayer(),
}

#: The singular curves of the built-in targets: ``("line", (a, b, c))`` for ``a x + b y + c = 0``
#: or ``("circle", (cx, cy, radius))`` (for ``circle_layer`` the centre line of the layer).
SINGULAR_CURVES_2D: dict[str, tuple[str, tuple[float, ...]]] = {
    "line_jump": ("line", LINE_JUMP),
    "circle_jump": ("circle", (*CIRCLE_CENTER, CIRCLE_JUMP_RADIUS)),
    "circle_layer": ("circle", (*CIRCLE_CENTER, LAYER_RADIUS)),
}


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------


def _box_of(verts: np.ndarray) -> tuple[float, float, float, float]:
    return (float(verts[:, 0].min()), float(verts[:, 0].max()),
            float(verts[:, 1].min()), float(verts[:, 1].max()))


def _resolve_target(u: object, box: tuple[float, float, float, float],
                    target_name: str | None) -> tuple[_Target, str | None]:
    if isinstance(u, str):
        if u not in TARGETS_2D:
            raise ValueError(f"u: unknown 2D target {u!r}; built-in: {sorted(TARGETS_2D)}")
        target_name = target_name or u
        u = TARGETS_2D[u]
    if not callable(u):
        raise ValueError("u must be a callable taking an (m, 2) array of points, or a target name")
    inner = getattr(u, "func", None)  # a wrapper (nnla.sggn.Target) of a built-in target
    if isinstance(inner, _Target):
        u = inner
    if isinstance(u, ShallowNetwork):
        if u.dim != 2 or u.c is None:
            raise ValueError("u: a network target must be 2D with its output layer c set")
        return _NetworkTarget(u), target_name
    if isinstance(u, _Target) and u.exact_on(box):
        return u, target_name if target_name is not None else u.name
    if isinstance(u, _Target):
        return _Generic(u), target_name if target_name is not None else u.name
    return _Generic(u), target_name


# ------------------------------------------------------------------------------------------------
# The problem: exact loss, linear step, gradient and Gauss-Newton matrix
# ------------------------------------------------------------------------------------------------


def _psd_solve(m: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Truncated eigen-solve of a symmetric positive semidefinite system (Jacobi scaled)."""
    d = np.sqrt(np.maximum(np.diag(m), 0.0))
    d = np.where(d > 0, d, 1.0)
    ms = m / d[:, None] / d[None, :]
    lam, vec = np.linalg.eigh(0.5 * (ms + ms.T))
    keep = lam > _RCOND * max(float(lam[-1]), 0.0)
    if not np.any(keep):
        return np.zeros_like(rhs)
    z = vec[:, keep].T @ (rhs / d)
    return (vec[:, keep] @ (z / lam[keep])) / d


class _Problem:
    def __init__(self, target: _Target, box: tuple[float, float, float, float]) -> None:
        self.target = target
        self.box = box
        self.verts = _relu2d.as_domain_2d(((box[0], box[1]), (box[2], box[3])))
        self.int_u, self.int_u2 = target.stats(self.verts)
        if not (math.isfinite(self.int_u) and math.isfinite(self.int_u2)):
            raise NonFiniteResultError("sggn 2d: the integral of u or u^2 overflows",
                                       hint="rescale the target")
        if not self.int_u2 > 0:
            raise ValueError("u must not vanish on the domain (int u^2 = 0)")

    def ext(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.vstack([w, np.zeros((1, 2))]), np.concatenate([b, [1.0]])

    def load(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(T (n, 3), f (n + 1,)) with the constant last."""
        t = self.target.moments(w, b, self.verts)
        f = np.concatenate([b * t[:, 0] + np.sum(w * t[:, 1:], axis=1), [self.int_u]])
        return t, f

    def loss(self, c: np.ndarray, a: np.ndarray, f: np.ndarray) -> float:
        return float(0.5 * (c @ (a @ c)) - c @ f + 0.5 * self.int_u2)

    def rounding_bound(self, st: dict[str, Any]) -> float:
        """Worst-case rounding error of the loss ``1/2 c^T A c - c^T f + 1/2 int u^2`` (the three
        terms cancel when the coefficients are large): ``eps (|c|^T |A| |c| + 2 |c|^T |f| +
        int u^2)``."""
        c = np.abs(st["c"])
        return float(np.finfo(np.float64).eps
                     * (c @ np.abs(st["a"]) @ c + 2.0 * c @ np.abs(st["f"]) + self.int_u2))

    def rel_error(self, loss: float) -> float:
        return math.sqrt(max(2.0 * loss, 0.0) / self.int_u2)

    def linear(self, w: np.ndarray, b: np.ndarray) -> dict[str, Any]:
        """Linear step at fixed lines: c (constant last), loss and the pieces."""
        we, be = self.ext(w, b)
        a = _relu2d.assemble_2d("mass", we, be, self.verts, n_threads=None)
        t, f = self.load(w, b)
        c = _psd_solve(a, f)
        st = {"w": w, "b": b, "c": c, "a": a, "t": t, "f": f, "loss": self.loss(c, a, f)}
        if not math.isfinite(st["loss"]):
            raise NonFiniteResultError("sggn 2d: the loss is not finite",
                                       hint="rescale the target")
        if st["loss"] < -2.0 * self.rounding_bound(st) - 1e-12 * self.int_u2:
            raise ConvergenceError(
                f"the loss came out negative ({st['loss']:.3e}): the quadrature of the target "
                "is not accurate enough for it",
                hint="the generic triangle rule needs a smooth target; pass a built-in target "
                "name or a ShallowNetwork (exact moments), or smooth the target",
            )
        return st

    def gradient(self, st: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(g (n, 3), Gauss-Newton matrix H (3n, 3n)) at a linear-step state."""
        we, be = self.ext(st["w"], st["b"])
        g_full = _relu2d.assemble_2d("gauss_newton", we, be, self.verts, n_threads=None)
        x = (st["c"][:, None] * np.column_stack([be, we])).reshape(-1)
        n = st["w"].shape[0]
        g = (g_full[: 3 * n] @ x).reshape(n, 3) - st["t"]
        return g, g_full[: 3 * n, : 3 * n]


def _normalise(w: np.ndarray, b: np.ndarray, verts: np.ndarray, w_old: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Unit normals, offsets clamped so every line cuts the polygon."""
    wn = np.hypot(w[:, 0], w[:, 1])
    if w_old is not None:
        bad = ~(wn > 0)
        w = np.where(bad[:, None], w_old, w)
        b = np.where(bad, 0.0, b)
        wn = np.hypot(w[:, 0], w[:, 1])
    w = w / wn[:, None]
    b = b / wn
    proj = w @ verts.T
    lo, hi = proj.min(axis=1), proj.max(axis=1)
    margin = _CLAMP * (hi - lo)
    b = -np.clip(-b, lo + margin, hi - margin)
    return np.ascontiguousarray(w), np.ascontiguousarray(b)


def _random_lines(rng: np.random.Generator, k: int, verts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    theta = rng.uniform(0.0, 2 * math.pi, k)
    w = np.column_stack([np.cos(theta), np.sin(theta)])
    proj = w @ verts.T
    t = rng.uniform(proj.min(axis=1), proj.max(axis=1))
    return _normalise(w, -t, verts)


def _initial(init: object, n_neurons: int, rng: np.random.Generator, verts: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    if init is None:
        return _random_lines(rng, n_neurons, verts)
    if not isinstance(init, ShallowNetwork) or init.dim != 2:
        raise ValueError("init must be None or a 2D nnla.relu.ShallowNetwork")
    if init.n != n_neurons:
        raise ValueError(f"init has {init.n} neurons but n_neurons is {n_neurons}")
    w, b = np.array(init.w), np.array(init.b)
    zero = np.hypot(w[:, 0], w[:, 1]) == 0
    if np.any(zero):
        rw, rb = _random_lines(rng, int(zero.sum()), verts)
        w[zero], b[zero] = rw, rb
    return _normalise(w, b, verts)


def _active(w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> int:
    vals = w @ verts.T + b[:, None]
    return int(np.sum((vals.max(axis=1) > 0) & (vals.min(axis=1) < 0)))


def _network(st: dict[str, Any]) -> ShallowNetwork:
    c = st["c"]
    return ShallowNetwork(st["w"], st["b"], c[:-1], float(c[-1]))


class _Recorder:
    """History, callback and progress bar shared by both methods."""

    def __init__(self, callback: Callable[[dict[str, Any]], Any] | None, progress: bool,
                 total: int | None, desc: str) -> None:
        if callback is not None and not callable(callback):
            raise ValueError("callback must be callable or None")
        self.callback = callback
        self.hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
        self.t0 = time.perf_counter()
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=True)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def record(self, loss: float, rel: float, step: float, active: int) -> bool:
        """Append a record; True if the callback asks to stop."""
        rec = {"loss": loss, "rel_error": rel, "step": step, "active": float(active),
               "time": self.elapsed()}
        for k in HISTORY_KEYS:
            self.hist[k].append(float(rec[k]))
        it = len(self.hist["loss"]) - 1
        if self.bar is not None:
            if it:
                self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.3e}", rel_error=f"{rel:.3e}", refresh=False)
        if self.callback is not None and it:  # after every iteration >= 1, as in 1D
            return bool(self.callback({**rec, "iteration": it}))
        return False

    def close(self) -> dict[str, np.ndarray]:
        if self.bar is not None:
            self.bar.close()
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.hist.items()}


# ------------------------------------------------------------------------------------------------
# SgGN
# ------------------------------------------------------------------------------------------------


def fit_2d(
    u: Callable[[np.ndarray], np.ndarray] | str,
    n_neurons: int,
    *,
    domain: tuple[float, float, float, float] | None = None,
    init: ShallowNetwork | None = None,
    max_iter: int = 50,
    tol: float = 1e-7,
    callback: Callable[[dict[str, Any]], Any] | None = None,
    progress: bool = False,
    seed: int = 0,
    target_name: str | None = None,
) -> FitResult:
    """Fit a 2D shallow ReLU network by structure-guided Gauss-Newton (see the module docstring).

    Parameters
    ----------
    u : callable, str or ShallowNetwork
        The target: a vectorised callable ((m, 2) points -> (m,) values), a name of
        :data:`TARGETS_2D` (exact quadrature), or a 2D network with ``c`` set (exact).
    n_neurons : int
        Hidden neurons, >= 1 (the constant ``c0`` comes on top).
    domain : (x0, x1, y0, y1), optional
        The box; the unit square by default.
    init : ShallowNetwork, optional
        Starting lines (``n_neurons`` of them); default: seeded random lines cutting the box.
    max_iter : int, default 50
        Gauss-Newton iterations.
    tol : float, default 1e-7
        Stop (``"converged"``) when an iteration lowers the loss by less than ``tol`` times it.
    callback : callable, optional
        Called with a dict of the :data:`~nnla.sggn.HISTORY_KEYS` values and ``"iteration"``
        after every iteration (iteration 0 is the initial linear fit); returning True stops the
        fit (reason ``"callback"``).
    progress : bool, default False
        Show a tqdm progress bar on stderr with the loss.
    seed : int, default 0
        Seed of the initial and re-initialised lines.
    target_name : str, optional
        Stored in the result (default: the built-in target's name, or None).

    Returns
    -------
    FitResult
        ``method="sggn"``, ``dim=2``, ``domain=(x0, x1, y0, y1)``; ``info`` holds
        ``reinitialised`` (neurons re-initialised), ``quadrature``, ``n_neurons`` and
        ``loss_rounding_bound`` (a worst-case bound on the rounding error of the final loss:
        the loss is ``1/2 c^T A c - c^T f + 1/2 int u^2``, whose terms cancel when clustered
        lines carry large opposite coefficients).

    Examples
    --------
    >>> from nnla._sggn2d import fit_2d
    >>> res = fit_2d("line_jump", 8, max_iter=5, seed=1)
    >>> res.method, res.dim, res.iterations <= 5, bool(res.rel_error < res.history["rel_error"][0])
    ('sggn', 2, True, True)
    """
    n = check_int(n_neurons, "n_neurons", 1)
    max_iter = check_int(max_iter, "max_iter", 0)
    tol = _check_nonneg(tol, "tol")
    seed = check_int(seed, "seed", 0)
    box = _check_domain(domain, 2)
    target, name = _resolve_target(u, box, target_name)
    prob = _Problem(target, box)
    verts = prob.verts
    rng = np.random.default_rng(seed)
    w, b = _initial(init, n, rng, verts)
    rec = _Recorder(callback, progress, max_iter, "sggn 2d")
    reinit = 0
    st = prob.linear(w, b)
    reason = "max_iter"
    stop = rec.record(st["loss"], prob.rel_error(st["loss"]), 0.0, _active(w, b, verts))
    it = 0
    while not stop and it < max_iter:
        it += 1
        # neurons with a negligible contribution: re-initialise (J cannot increase)
        c = st["c"][:n]
        size = np.abs(c) * np.sqrt(np.maximum(np.diag(st["a"])[:n], 0.0))
        small = size <= _NEGLIGIBLE * max(float(size.max()), np.finfo(float).tiny)
        if np.any(small):
            w, b = st["w"].copy(), st["b"].copy()
            w[small], b[small] = _random_lines(rng, int(small.sum()), verts)
            trial = prob.linear(w, b)
            if trial["loss"] <= st["loss"]:
                st = trial
                reinit += int(small.sum())
                c = st["c"][:n]
                size = np.abs(c) * np.sqrt(np.maximum(np.diag(st["a"])[:n], 0.0))
                small = size <= _NEGLIGIBLE * float(size.max())
        act = np.flatnonzero(~small)
        if act.size == 0 or st["loss"] <= 0:  # nothing to improve (e.g. u is a constant)
            it -= 1
            reason = "converged"
            break
        g, h = prob.gradient(st)
        idx = (3 * act[:, None] + np.arange(3)).reshape(-1)
        q = _psd_solve(h[np.ix_(idx, idx)], g[act].reshape(-1)).reshape(-1, 3)
        p = np.zeros((n, 3))
        p[act] = -q / c[act, None]
        slope = -float(np.sum(g[act] * q))  # directional derivative of J along p (<= 0)
        r0 = np.column_stack([st["b"], st["w"]])
        gamma, accepted = 1.0, None
        for _ in range(_MAX_HALVINGS):
            r = r0 + gamma * p
            wt, bt = _normalise(r[:, 1:], r[:, 0], verts, st["w"])
            trial = prob.linear(wt, bt)
            if trial["loss"] <= st["loss"] + _ARMIJO * gamma * slope and \
                    trial["loss"] < st["loss"]:
                accepted = trial
                break
            gamma *= 0.5
        if accepted is not None and gamma == 1.0:
            # the full step was accepted: try longer ones while they lower the loss further
            for _ in range(_MAX_EXPANSIONS):
                r = r0 + 2.0 * gamma * p
                wt, bt = _normalise(r[:, 1:], r[:, 0], verts, st["w"])
                trial = prob.linear(wt, bt)
                if not trial["loss"] < accepted["loss"]:
                    break
                accepted, gamma = trial, 2.0 * gamma
        if accepted is None:
            reason = "stalled"
            it -= 1
            break
        old = st["loss"]
        st = accepted
        stop = rec.record(st["loss"], prob.rel_error(st["loss"]), gamma,
                          _active(st["w"], st["b"], verts))
        if stop:
            reason = "callback"
            break
        if old - st["loss"] <= tol * old:
            reason = "converged"
            break
    if stop and reason != "callback":
        reason = "callback"
    hist = rec.close()
    info = {"n_neurons": n, "reinitialised": reinit,
            "quadrature": "exact" if not isinstance(target, _Generic) else
            f"triangle rule (level {_GENERIC_LEVEL})",
            "loss_rounding_bound": prob.rounding_bound(st)}
    return FitResult(_network(st), hist, reason, "sggn", name, 2, box, info)


# ------------------------------------------------------------------------------------------------
# Adam
# ------------------------------------------------------------------------------------------------


def adam_2d(
    u: Callable[[np.ndarray], np.ndarray] | str,
    n_neurons: int,
    *,
    domain: tuple[float, float, float, float] | None = None,
    steps: int = 20000,
    lr: float = 1e-3,
    time_limit: float | None = None,
    seed: int = 0,
    target_name: str | None = None,
    callback: Callable[[dict[str, Any]], Any] | None = None,
    progress: bool = False,
) -> FitResult:
    """Fit a 2D shallow ReLU network by Adam with exact gradients of :func:`fit_2d`'s loss.

    All parameters ``(c0, c, b, w)`` are trained (``w`` unnormalised, as usual for Adam; betas
    0.9, 0.999, epsilon 1e-8). The start is the same as :func:`fit_2d`'s iteration 0: the seeded
    random lines with ``c`` from the linear least-squares solve. Each step assembles the exact mass
    and Gauss-Newton matrices (the gradient is ``A c - f`` for ``c`` and ``c_i g_i`` for ``r_i``).

    Parameters
    ----------
    u, n_neurons, domain, seed, target_name, callback, progress
        As in :func:`fit_2d`.
    steps : int, default 20000
        Adam steps (at most).
    lr : float, default 1e-3
        Learning rate, > 0.
    time_limit : float, optional
        Stop (``"time_limit"``) after this many seconds.

    Returns
    -------
    FitResult
        ``method="adam"``; the history has one record per step.

    Examples
    --------
    >>> from nnla._sggn2d import adam_2d
    >>> res = adam_2d("circle_jump", 8, steps=20, lr=1e-2)
    >>> res.method, res.iterations, bool(res.loss < res.history["loss"][0])
    ('adam', 20, True)
    """
    n = check_int(n_neurons, "n_neurons", 1)
    steps = check_int(steps, "steps", 0)
    lr = _check_positive(lr, "lr")
    if time_limit is not None:
        time_limit = _check_nonneg(time_limit, "time_limit")
    seed = check_int(seed, "seed", 0)
    box = _check_domain(domain, 2)
    target, name = _resolve_target(u, box, target_name)
    prob = _Problem(target, box)
    verts = prob.verts
    rng = np.random.default_rng(seed)
    w, b = _initial(None, n, rng, verts)
    c = prob.linear(w, b)["c"]
    theta = np.concatenate([c, b, w.reshape(-1)])  # (c (n + 1), b (n), w (2n))
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    rec = _Recorder(callback, progress, steps, "adam 2d")
    reason = "max_iter"
    k = 0
    while True:
        c, b, w = theta[: n + 1], theta[n + 1 : 2 * n + 1], theta[2 * n + 1 :].reshape(n, 2)
        we, be = prob.ext(w, b)
        a, gm = _both(we, be, verts)
        t, f = prob.load(w, b)
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss raises below
            ac = a @ c
            loss = float(0.5 * (c @ ac) - c @ f + 0.5 * prob.int_u2)
        if not math.isfinite(loss):
            raise NonFiniteResultError(f"adam 2d: the loss is not finite at step {k}",
                                       hint="lower lr or rescale the target")
        if rec.record(loss, prob.rel_error(loss), lr if k else 0.0, _active(w, b, verts)):
            reason = "callback"
            break
        if k >= steps:
            break
        if time_limit is not None and rec.elapsed() >= time_limit:
            reason = "time_limit"
            break
        x = (c[:, None] * np.column_stack([be, we])).reshape(-1)
        gr = ((gm[: 3 * n] @ x).reshape(n, 3) - t) * c[:n, None]
        grad = np.concatenate([ac - f, gr[:, 0], gr[:, 1:].reshape(-1)])
        k += 1
        m1 = beta1 * m1 + (1 - beta1) * grad
        m2 = beta2 * m2 + (1 - beta2) * grad * grad
        theta = theta - lr * (m1 / (1 - beta1**k)) / (np.sqrt(m2 / (1 - beta2**k)) + eps)
    hist = rec.close()
    c, b, w = theta[: n + 1], theta[n + 1 : 2 * n + 1], theta[2 * n + 1 :].reshape(n, 2)
    net = ShallowNetwork(w, b, c[:n], float(c[n]))
    info = {"n_neurons": n, "lr": lr, "quadrature": "exact" if not isinstance(target, _Generic)
            else f"triangle rule (level {_GENERIC_LEVEL})"}
    return FitResult(net, hist, reason, "adam", name, 2, box, info)


def _both(we: np.ndarray, be: np.ndarray, verts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact mass and Gauss-Newton matrices in one pass."""
    out = _core.relu2d_assemble(we, be, verts, True, False, True, 1)
    return out[0], out[2]
