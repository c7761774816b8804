"""Independent reference integration over 2D regions cut out by half-planes (for relu.polygon).

The region {x in Omega : r_i . y > 0, r_j . y > 0} is sliced by horizontal lines: at height y it is
one interval [lo(y), hi(y)] (the intersection of the half-planes of Omega's edges and of the
neurons). Between consecutive breakpoints (the heights where any two of the boundary lines cross,
and Omega's vertices) lo and hi are affine in y, so for a polynomial integrand the x-integral is a
polynomial in y: Gauss-Legendre in x and in y on each piece is exact up to rounding. For smooth
integrands the same rule with many points converges exponentially. No clipping, no triangulation,
no moment formulas: it shares nothing with the code under test.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

HalfPlane = tuple[float, float, float]  # a x + c y + e > 0


def domain_halfplanes(vertices: np.ndarray) -> list[HalfPlane]:
    """The half-planes of a counter-clockwise convex polygon's edges."""
    out = []
    k = len(vertices)
    for t in range(k):
        px, py = vertices[t]
        qx, qy = vertices[(t + 1) % k]
        dx, dy = qx - px, qy - py
        out.append((-dy, dx, dy * px - dx * py))
    return out


def neuron_halfplane(w: np.ndarray, b: float) -> HalfPlane:
    return (float(w[0]), float(w[1]), float(b))


def _breakpoints(hps: list[HalfPlane], vertices: np.ndarray) -> np.ndarray:
    ys = list(vertices[:, 1])
    for s in range(len(hps)):
        a1, c1, e1 = hps[s]
        if a1 == 0 and c1 != 0:
            ys.append(-e1 / c1)
        for t in range(s + 1, len(hps)):
            a2, c2, e2 = hps[t]
            det = a1 * c2 - a2 * c1
            if det != 0:
                ys.append((a2 * e1 - a1 * e2) / det)  # y of the crossing of the two lines
    ylo, yhi = vertices[:, 1].min(), vertices[:, 1].max()
    ys = np.unique(np.clip(np.array(ys, dtype=float), ylo, yhi))
    return ys


def _interval(y: float, hps: list[HalfPlane]) -> tuple[float, float]:
    lo, hi = -np.inf, np.inf
    for a, c, e in hps:
        rest = c * y + e
        if a > 0:
            lo = max(lo, -rest / a)
        elif a < 0:
            hi = min(hi, -rest / a)
        elif rest <= 0:
            return 0.0, 0.0
    return lo, max(lo, hi)


def integrate(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    hps: list[HalfPlane],
    vertices: np.ndarray,
    order: int = 6,
) -> np.ndarray:
    """int over {all half-planes} of f(x, y) (f: arrays x, y -> (..., m) values) by slicing."""
    g, gw = np.polynomial.legendre.leggauss(order)
    ys = _breakpoints(hps, vertices)
    total = None
    for y0, y1 in zip(ys[:-1], ys[1:]):
        if y1 <= y0:
            continue
        yy = (y0 + y1) / 2 + (y1 - y0) / 2 * g
        for y, wy in zip(yy, gw * (y1 - y0) / 2):
            lo, hi = _interval(y, hps)
            if hi <= lo:
                continue
            xx = (lo + hi) / 2 + (hi - lo) / 2 * g
            vals = f(xx, np.full_like(xx, y))  # (order, m)
            contrib = wy * (hi - lo) / 2 * (gw @ vals)
            total = contrib if total is None else total + contrib
    return total


def pair_moments(
    wi: np.ndarray, bi: float, wj: np.ndarray, bj: float, vertices: np.ndarray
) -> np.ndarray:
    """(int 1, x, y, x^2, xy, y^2, sigma_i sigma_j) over R_ij."""
    hps = domain_halfplanes(vertices) + [neuron_halfplane(wi, bi), neuron_halfplane(wj, bj)]

    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        si = wi[0] * x + wi[1] * y + bi
        sj = wj[0] * x + wj[1] * y + bj
        one = np.ones_like(x)
        return np.stack([one, x, y, x * x, x * y, y * y, si * sj], axis=-1)

    out = integrate(f, hps, vertices)
    return np.zeros(7) if out is None else out


def load(
    u: Callable[[np.ndarray], np.ndarray],
    wi: np.ndarray,
    bi: float,
    vertices: np.ndarray,
    order: int,
) -> float:
    """int_Omega u sigma_i."""
    hps = domain_halfplanes(vertices) + [neuron_halfplane(wi, bi)]

    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        s = wi[0] * x + wi[1] * y + bi
        return (u(np.stack([x, y], axis=-1)) * s)[:, None]

    out = integrate(f, hps, vertices, order=order)
    return 0.0 if out is None else float(out[0])
