"""Targets of the fits: the one :class:`Target` type (1D and 2D) and the built-in targets.

A :class:`Target` is a named, vectorised ``u(x)`` that knows where it is not smooth (1D:
:attr:`Target.singularities`, where the 1D quadrature puts nodes). The built-in 2D targets are
:class:`Target` s that also integrate themselves exactly over the half-planes of the network's
neurons (:meth:`Target.moments`, :meth:`Target.stats`), so the 2D engine's loss needs no grid:

* ``line_jump`` clips the domain by its own half-plane and the neuron's (exact polygon moments);
* ``circle_jump`` uses the closed-form moments of a circular segment;
* ``circle_layer`` is ``sign(r - 1/2)`` (segment moments again) plus ``tanh - sign``, a radial
  function that is below 1e-17 outside ``|r - 1/2| < 0.2``, integrated in polar coordinates: the
  angular integral over the arcs of the circle inside the box and the half-plane is exact (closed
  form in the arc ends), the radial one is a composite Gauss rule whose panels are split at every
  radius where the arcs change form (the layer radius, the box edges, and for each neuron the
  distance of its line and of the line's crossings with the box edges), so the integrand is
  analytic on every panel (accuracy ~1e-15).

Where a built-in target's exact moments do not apply (:meth:`Target.exact_on` is False: the disc
or the layer is not inside the domain, or ``circle_layer`` on a domain that is not a box), the 2D
engine integrates it like any other callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from nnla._validate import as_real
from nnla.relu.polygon import assemble_2d, entries_2d

__all__ = [
    "CIRCLE_CENTER",
    "CIRCLE_JUMP_RADIUS",
    "LAYER_RADIUS",
    "LAYER_WIDTH",
    "LINE_JUMP",
    "SINGULAR_CURVES_2D",
    "TARGETS",
    "Target",
    "box_of",
    "check_singularities",
    "halfplane_moments",
    "resolve_target",
    "target_function",
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

# circle_layer: tanh(z) - sign(z) is below 1e-17 for |z| > 20
_LAYER_CUT = 20.0
# panel ends (in layer widths from the layer radius, each side) of the radial rule
_RADIAL_BREAKS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0, 16.0, 20.0)
_RADIAL_GAUSS = 16


@dataclass(frozen=True)
class Target:
    """A named target function with the points where it is not smooth.

    Attributes
    ----------
    name : str
        The name (the key in :data:`TARGETS` for a built-in target).
    func : callable
        Vectorised ``u(x)``: ``(m,)`` points in 1D, ``(m, 2)`` in 2D, returning ``(m,)``.
    dim : int
        1 or 2.
    singularities : tuple of float
        1D: the jumps and kinks of ``u`` and the points where a derivative is unbounded; the 1D
        quadrature puts a node on each (and grades towards it).
    description : str
        The formula.

    Notes
    -----
    The 2D engine asks a target for its exact moments over half-planes of the domain
    (:meth:`exact_on`, :meth:`moments`, :meth:`stats`); a plain :class:`Target` has none (it is
    integrated on the engine's adaptive triangulation), the built-in 2D targets override them.

    Examples
    --------
    >>> from nnla.sggn import target_function
    >>> u = target_function("jump")
    >>> u.singularities, u([0.0, 0.5]).tolist()
    ((0.3333333333333333,), [0.0, 1.0])
    >>> target_function("line_jump")([[0.1, 0.1], [0.9, 0.9]]).tolist()
    [0.0, 1.0]
    """

    name: str
    func: Callable[[np.ndarray], np.ndarray]
    dim: int
    singularities: tuple[float, ...] = ()
    description: str = ""

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Evaluate the target at points ``x``."""
        return np.asarray(self.func(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def exact_on(self, verts: np.ndarray) -> bool:
        """Whether :meth:`moments` and :meth:`stats` are exact on the polygon ``verts`` (2D)."""
        return False

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        """``T_i = int_{Omega, w_i . x + b_i > 0} u (1, x, y) dx``, shape (n, 3) (2D)."""
        raise NotImplementedError(f"target {self.name!r} has no exact moments")

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        """``(int u, int u^2)`` over the polygon ``verts`` (2D)."""
        raise NotImplementedError(f"target {self.name!r} has no exact moments")


# ------------------------------------------------------------------------------------------------
# 1D built-in targets
# ------------------------------------------------------------------------------------------------


def _jump(x: np.ndarray) -> np.ndarray:
    return (x > 1.0 / 3.0).astype(np.float64)


def _layer(x: np.ndarray) -> np.ndarray:
    return np.tanh((x - 0.5) / 0.01)


def _cusp(x: np.ndarray) -> np.ndarray:
    return np.cbrt(x) ** 2


def _sine_jump(x: np.ndarray) -> np.ndarray:
    return np.sin(2.0 * np.pi * x) + 0.5 * (x > 0.7)


# ------------------------------------------------------------------------------------------------
# 2D geometry: half-plane, disc and arc moments
# ------------------------------------------------------------------------------------------------


def box_of(verts: np.ndarray) -> tuple[float, float, float, float] | None:
    """``(x0, x1, y0, y1)`` if the counter-clockwise polygon ``verts`` is an axis-aligned box
    starting at ``(x0, y0)`` (as :func:`nnla._validate.as_polygon` returns a box), else None."""
    if verts.shape != (4, 2):
        return None
    (x0, y0), (x1, y0b), (x1b, y1), (x0b, y1b) = verts.tolist()
    if x0 == x0b and x1 == x1b and y0 == y0b and y1 == y1b and x0 < x1 and y0 < y1:
        return float(x0), float(x1), float(y0), float(y1)
    return None


def halfplane_moments(w: np.ndarray, b: np.ndarray, verts: np.ndarray,
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
    blk = entries_2d("gauss_newton", wx, bx, verts, np.arange(3 * n), [3 * n], n_threads=1)
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


def _disc_inside(verts: np.ndarray, rad: float) -> bool:
    """Whether the disc of radius ``rad`` about :data:`CIRCLE_CENTER` lies in the polygon."""
    cx, cy = CIRCLE_CENTER
    box = box_of(verts)
    if box is not None:
        x0, x1, y0, y1 = box
        return min(cx - x0, x1 - cx, cy - y0, y1 - cy) >= rad
    e = np.roll(verts, -1, axis=0) - verts  # counter-clockwise: the inside is on the left
    rel = np.array([cx, cy]) - verts
    dist = (e[:, 0] * rel[:, 1] - e[:, 1] * rel[:, 0]) / np.hypot(e[:, 0], e[:, 1])
    return bool(dist.min() >= rad)


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


# ------------------------------------------------------------------------------------------------
# 2D built-in targets
# ------------------------------------------------------------------------------------------------


def _line_jump(p: np.ndarray) -> np.ndarray:
    a, b, c = LINE_JUMP
    return (a * p[:, 0] + b * p[:, 1] + c > 0).astype(np.float64)


def _circle_jump(p: np.ndarray) -> np.ndarray:
    r = np.hypot(p[:, 0] - CIRCLE_CENTER[0], p[:, 1] - CIRCLE_CENTER[1])
    return (r < CIRCLE_JUMP_RADIUS).astype(np.float64)


def _circle_layer(p: np.ndarray) -> np.ndarray:
    r = np.hypot(p[:, 0] - CIRCLE_CENTER[0], p[:, 1] - CIRCLE_CENTER[1])
    return np.tanh((r - LAYER_RADIUS) / LAYER_WIDTH)


class _LineJump(Target):
    """``1{x + 2y > 1.2}``: exact moments on every polygon."""

    def __init__(self) -> None:
        super().__init__("line_jump", _line_jump, 2, (), "1{x + 2y > 1.2}")

    def exact_on(self, verts: np.ndarray) -> bool:
        return True

    @staticmethod
    def _line() -> tuple[np.ndarray, np.ndarray]:
        a, b, c = LINE_JUMP
        return np.array([[a, b]]), np.array([c])

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        return halfplane_moments(w, b, verts, self._line())

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        wt, bt = self._line()
        area = float(assemble_2d("heaviside", wt, bt, verts, n_threads=1)[0, 0])
        return area, area


class _CircleJump(Target):
    """``1{|x - (1/2, 1/2)| < 0.3}``: exact moments where the disc lies inside the domain."""

    def __init__(self) -> None:
        super().__init__("circle_jump", _circle_jump, 2, (), "1{|x - (1/2, 1/2)| < 0.3}")

    def exact_on(self, verts: np.ndarray) -> bool:
        return _disc_inside(verts, CIRCLE_JUMP_RADIUS)

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        return _disc_moments(w, b, np.array(CIRCLE_CENTER), CIRCLE_JUMP_RADIUS)

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        area = math.pi * CIRCLE_JUMP_RADIUS**2
        return area, area


def _layer_range() -> tuple[float, float]:
    return (max(LAYER_RADIUS - _LAYER_CUT * LAYER_WIDTH, 0.0),
            LAYER_RADIUS + _LAYER_CUT * LAYER_WIDTH)


def _box_edges(box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Distances from the centre to the box edges and their outward normal angles."""
    x0, x1, y0, y1 = box
    cx, cy = CIRCLE_CENTER
    return (np.array([x1 - cx, y1 - cy, cx - x0, cy - y0]),
            np.array([0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi]))


def _radial_breaks(box: tuple[float, float, float, float]) -> np.ndarray:
    lo, hi = _layer_range()
    d, _ = _box_edges(box)
    z = LAYER_WIDTH * np.array(_RADIAL_BREAKS)
    parts = [LAYER_RADIUS - z, LAYER_RADIUS + z, [lo, hi], d[(d > lo) & (d < hi)]]
    return np.unique(np.concatenate(parts))


def _radial_gauss(breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss nodes and weights on the panels ``breaks[..., k:k+2]`` (last axis), after
    the substitution ``rho = a + (b - a) (1 - cos(pi t)) / 2``, which makes square-root
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


def _layer_excess(rho: np.ndarray) -> np.ndarray:
    """``tanh(z) - sign(z)`` without cancellation, ``z = (rho - R) / eps``."""
    z = (rho - LAYER_RADIUS) / LAYER_WIDTH
    return -np.sign(z) * 2.0 / (np.exp(2.0 * np.abs(z)) + 1.0)


def _outside_arcs(rho: np.ndarray, box: tuple[float, float, float, float]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths (..., 4) and centres (4,) of the arcs of the circle of radius rho outside the
    box."""
    d, psi = _box_edges(box)
    beta = np.arccos(np.minimum(d / rho[..., None], 1.0))
    return beta, psi


def _layer_special_radii(nu: np.ndarray, s: np.ndarray, box: tuple[float, float, float, float],
                         center: np.ndarray) -> np.ndarray:
    """Per neuron, the radii where its arcs change form (clipped to the layer's range), (n, 5):
    the distance of its line and of the line's crossings with the edge lines of the box."""
    lo, hi = _layer_range()
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
    return np.clip(sp, lo, hi)


class _CircleLayer(Target):
    """``tanh((|x - (1/2, 1/2)| - 1/2) / 0.01)``: exact moments on a box that holds the layer."""

    def __init__(self) -> None:
        super().__init__("circle_layer", _circle_layer, 2, (),
                         "tanh((|x - (1/2, 1/2)| - 1/2) / 0.01)")

    def exact_on(self, verts: np.ndarray) -> bool:
        box = box_of(verts)
        if box is None:
            return False
        x0, x1, y0, y1 = box
        cx, cy = CIRCLE_CENTER
        d, _ = _box_edges(box)
        if not _disc_inside(verts, LAYER_RADIUS) or np.any(d <= 0):
            return False
        corners = np.hypot(np.array([x1, x0, x0, x1]) - cx, np.array([y1, y1, y0, y0]) - cy)
        return bool(_layer_range()[1] < corners.min())  # the outside arcs are disjoint

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        box = box_of(verts)
        assert box is not None  # exact_on
        center = np.array(CIRCLE_CENTER)
        # sign(r - R) = 1 - 2 * 1{disc}
        out = halfplane_moments(w, b, verts) - 2.0 * _disc_moments(w, b, center, LAYER_RADIUS)
        nu, s, theta = _unit_lines(w, b, center)
        sp = _layer_special_radii(nu, s, box, center)
        base = _radial_breaks(box)
        breaks = np.sort(np.concatenate([np.broadcast_to(base, (w.shape[0], base.size)), sp],
                                        axis=1), axis=1)
        rho, wts = _radial_gauss(breaks)  # (n, P)
        weight = wts * rho * _layer_excess(rho)  # (n, P)
        # arc of the half-plane: cos(phi - theta) > -s / rho
        alpha = np.arccos(np.clip(-s[:, None] / rho, -1.0, 1.0))
        th = np.broadcast_to(theta[:, None], rho.shape)
        inside = _arc_moments(th - alpha, th + alpha, rho, center).reshape(-1, 3)
        beta, psi = _outside_arcs(rho, box)
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
        box = box_of(verts)
        assert box is not None  # exact_on
        x0, x1, y0, y1 = box
        area = (x1 - x0) * (y1 - y0)
        rho, wts = _radial_gauss(_radial_breaks(box))
        beta, _ = _outside_arcs(rho, box)
        length = 2 * math.pi - 2 * beta.sum(axis=-1)  # of the circle inside the box
        e = _layer_excess(rho)
        sgn = np.sign(rho - LAYER_RADIUS)
        base = wts * rho * length
        int_u = area - 2 * math.pi * LAYER_RADIUS**2 + float(base @ e)
        int_u2 = area + float(base @ (2 * sgn * e + e * e))
        return int_u, int_u2


# ------------------------------------------------------------------------------------------------
# the built-in targets by name
# ------------------------------------------------------------------------------------------------

#: The built-in targets by name: 1D (domain (0, 1)) ``"jump"`` = ``1{x > 1/3}``, ``"layer"`` =
#: ``tanh((x - 1/2)/0.01)``, ``"cusp"`` = ``x^(2/3)``, ``"sine_jump"`` =
#: ``sin 2 pi x + 1/2 1{x > 0.7}``; 2D (unit square, exact moments) ``"line_jump"`` =
#: ``1{x + 2 y > 1.2}`` (:data:`LINE_JUMP`), ``"circle_jump"`` = ``1{|x - (1/2, 1/2)| < 0.3}``,
#: ``"circle_layer"`` = ``tanh((|x - (1/2, 1/2)| - 0.5) / 0.01)``.
TARGETS: dict[str, Target] = {
    "jump": Target("jump", _jump, 1, (1.0 / 3.0,), "1{x > 1/3}"),
    "layer": Target("layer", _layer, 1, (), "tanh((x - 1/2) / 0.01)"),
    "cusp": Target("cusp", _cusp, 1, (0.0,), "x^(2/3)"),
    "sine_jump": Target("sine_jump", _sine_jump, 1, (0.7,), "sin(2 pi x) + 1/2 1{x > 0.7}"),
    "line_jump": _LineJump(),
    "circle_jump": _CircleJump(),
    "circle_layer": _CircleLayer(),
}

#: The singular curves of the built-in 2D targets: ``("line", (a, b, c))`` for
#: ``a x + b y + c = 0`` or ``("circle", (cx, cy, radius))`` (for ``circle_layer`` the centre line
#: of the layer).
SINGULAR_CURVES_2D: dict[str, tuple[str, tuple[float, ...]]] = {
    "line_jump": ("line", LINE_JUMP),
    "circle_jump": ("circle", (*CIRCLE_CENTER, CIRCLE_JUMP_RADIUS)),
    "circle_layer": ("circle", (*CIRCLE_CENTER, LAYER_RADIUS)),
}


def target_function(name: str) -> Target:
    """The built-in target called ``name`` (a callable :class:`Target`).

    Parameters
    ----------
    name : str
        A key of :data:`TARGETS`.

    Returns
    -------
    Target

    Raises
    ------
    ValueError
        If ``name`` is not a built-in target.

    Examples
    --------
    >>> from nnla.sggn import target_function
    >>> u = target_function("sine_jump")
    >>> u.description, u.singularities
    ('sin(2 pi x) + 1/2 1{x > 0.7}', (0.7,))
    """
    if not isinstance(name, str) or name not in TARGETS:
        raise ValueError(f"target must be one of {sorted(TARGETS)} or a callable, got {name!r}")
    return TARGETS[name]


# ------------------------------------------------------------------------------------------------
# resolving the target argument of the fits
# ------------------------------------------------------------------------------------------------


def check_singularities(sing: object) -> tuple[float, ...]:
    """``sing`` as a tuple of finite floats (ValueError naming ``singularities`` otherwise)."""
    return tuple(float(v) for v in as_real(sing, "singularities").ravel())


def resolve_target(target: object, dim: int, singularities: ArrayLike | None
                   ) -> tuple[Callable[..., np.ndarray], str | None, tuple[float, ...]]:
    """The fits' ``target`` argument as (callable, name or None, 1D singularities).

    A name becomes its built-in :class:`Target`; a built-in's own singularities come first, then
    ``singularities``; a callable's ``singularities`` attribute is used when ``singularities`` is
    None. ``singularities`` must be None in 2D (the 2D engine does not use them).
    """
    if dim == 2 and singularities is not None:
        raise ValueError("singularities apply in 1D only (the 2D quadrature does not use them); "
                         "leave it None with dim=2")
    if isinstance(target, str):
        t = target_function(target)
        if t.dim != dim:
            raise ValueError(f"target {target!r} is a {t.dim}D target, but dim={dim}")
        sing = t.singularities
        if singularities is not None:
            sing = sing + check_singularities(singularities)
        return t, t.name, sing
    if not callable(target):
        raise ValueError(
            f"target must be a callable or one of {sorted(TARGETS)}, got {type(target).__name__}"
        )
    if isinstance(target, Target) and target.dim != dim:
        raise ValueError(f"target {target.name!r} is a {target.dim}D target, but dim={dim}")
    name = target.name if isinstance(target, Target) else None
    if dim == 2:
        return target, name, ()
    sing = getattr(target, "singularities", ()) if singularities is None else singularities
    return target, name, check_singularities(sing)
