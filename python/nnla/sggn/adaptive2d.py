"""Adaptive quadrature of the 2D engine for a target given as a plain callable: finds the jumps and
layers of ``u`` along curves nobody declared.

The 2D loss needs, besides the exact ReLU matrices, the half-plane moments ``T_i = int_{Omega,
w_i . x + b_i > 0} u (1, x, y)`` and ``int u``, ``int u^2``. :class:`AdaptiveMoments` computes
them on a fixed, target-adapted triangulation of ``Omega`` and clips its triangles by the
neurons' lines exactly, so the loss stays a smooth function of the lines (no staircase: the
pitfall of a fixed point set) and its error is the error of the triangulation in resolving ``u``:

* *Triangulation*: the fan triangles of the polygon, split uniformly (4 congruent children by
  the edge midpoints) to at least :data:`_START_LEAVES` triangles, then adaptively: each
  triangle's rule (collapsed Gauss, 4 x 4 points, exact for degree 6) is compared with the rule
  on its four children for ``int u^2`` and ``int u`` (scaled by the rms of ``u``); rounds of
  bulk marking (the triangles that carry half of the estimated error are split) go on until the
  estimate is below ``rtol int u^2`` or the triangle budget is spent. Along a jump the estimate
  falls like the triangle size there (the triangles cut by the curve), along a layer of width
  ``eps`` spectrally once the triangles are below ``eps``.
* *Moments*: a triangle on one side of a line adds its stored moments (one matrix product over
  all triangles, by blocks of neurons); a triangle that the line cuts is clipped (a triangle or
  a quadrilateral) and the target is integrated on the clipped part by the same rule.
* *Error estimate* (:meth:`AdaptiveMoments.children`): the same moments on the triangulation
  with every triangle split once. The 2D engine records the resulting change of the loss in
  ``history["quad_error"]`` and refines (:meth:`AdaptiveMoments.refine`) while the stopping
  test holds on a loss whose estimate is not well below it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

from nnla.relu.polygon import eval_target

__all__ = ["AdaptiveMoments", "duffy_rule"]

_RULE_Q = 4
_START_LEAVES = 512
_BUILD_RTOL = 1e-9  # of int u^2: the triangulation's build stops below this estimate
_MAX_LEAVES = 1 << 14  # triangle budget of the build (~ 250 bytes per triangle with children)
_BLOCK = 1 << 22  # neurons x triangles per block of the moment product


def duffy_rule(q: int = _RULE_Q) -> tuple[np.ndarray, np.ndarray]:
    """Collapsed Gauss-Legendre rule with ``q x q`` points on a triangle: barycentric
    coordinates (P, 3) and weights (P,) summing to 1 (multiply by the area).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.sggn.adaptive2d import duffy_rule
    >>> bary, wts = duffy_rule()
    >>> bary.shape, round(float(wts.sum()), 15)
    ((16, 3), 1.0)
    """
    g, gw = np.polynomial.legendre.leggauss(q)
    g, gw = (g + 1) / 2, gw / 2
    s, t = np.meshgrid(g, g, indexing="ij")
    ws = np.outer(gw, gw) * 2 * s
    bary = np.stack([1 - s, s * (1 - t), s * t], axis=-1).reshape(-1, 3)
    return bary, ws.reshape(-1)


def _split(tri: np.ndarray) -> np.ndarray:
    """The 4 children of each triangle (m, 3, 2) -> (4 m, 3, 2), children of triangle k at
    ``4 k .. 4 k + 3``."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    ab, bc, ca = (a + b) / 2, (b + c) / 2, (c + a) / 2
    kids = np.stack([np.stack(q, axis=1) for q in ((a, ab, ca), (ab, b, bc), (ca, bc, c),
                                                     (bc, ca, ab))], axis=1)
    return kids.reshape(-1, 3, 2)


def _area(tri: np.ndarray) -> np.ndarray:
    e1, e2 = tri[..., 1, :] - tri[..., 0, :], tri[..., 2, :] - tri[..., 0, :]
    return 0.5 * np.abs(e1[..., 0] * e2[..., 1] - e1[..., 1] * e2[..., 0])


class AdaptiveMoments:
    """Half-plane moments of a callable target on an adapted triangulation (module docstring).

    Parameters
    ----------
    u : callable
        Vectorised ``u(x)`` on ``(m, 2)`` points returning ``(m,)``.
    verts : ndarray, shape (k, 2)
        The convex polygon, counter-clockwise.
    rtol : float
        Build tolerance of the triangulation, relative to ``int u^2``.
    max_leaves : int
        Triangle budget.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.sggn.adaptive2d import AdaptiveMoments
    >>> sq = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> m = AdaptiveMoments(lambda p: (p[:, 0] + p[:, 1] > 0.7).astype(float), sq)
    >>> i1, i2 = m.stats(sq)
    >>> bool(abs(i1 - (1 - 0.245)) < 1e-5)
    True
    """

    def __init__(self, u: Callable[[np.ndarray], np.ndarray], verts: np.ndarray,
                 rtol: float = _BUILD_RTOL, max_leaves: int = _MAX_LEAVES) -> None:
        self.u = u
        self.verts = verts
        self.max_leaves = max_leaves
        self.bary, self.wts = duffy_rule()
        k = verts.shape[0]
        tri = np.stack([np.broadcast_to(verts[0], (k - 2, 2)), verts[1:-1], verts[2:]], axis=1)
        while tri.shape[0] < _START_LEAVES:
            tri = _split(tri)
        self.roots = np.ascontiguousarray(tri)  # the start triangles: the upper level
        self.tri = self.roots.copy()
        self.root = np.arange(tri.shape[0])  # each triangle's start triangle
        self.level = np.zeros(tri.shape[0], dtype=np.intp)  # splits below the start triangle
        self.mom = self._moments_of(self.tri)  # (m, 4): int u (1, x, y), int u^2
        kid = self._moments_of(_split(self.tri)).reshape(-1, 4, 4)
        self.kid = kid
        self.u2 = max(float(self.mom[:, 3].sum()), np.finfo(float).tiny)
        self.area = float(_area(self.tri).sum())
        self.rounds = 0
        if np.isfinite(self.mom).all() and np.isfinite(self.kid).all():
            self.refine(rtol * self.u2)  # (an overflow is reported by the engine)

    # --------------------------------------------------------------------------------------------
    def __call__(self, pts: np.ndarray) -> np.ndarray:
        return eval_target(self.u, np.asarray(pts, dtype=np.float64))

    def _moments_of(self, tri: np.ndarray) -> np.ndarray:
        """(int u, int u x, int u y, int u^2) on each triangle by the rule, (m, 4)."""
        out = np.empty((tri.shape[0], 4))
        step = max(1, (1 << 20) // self.bary.shape[0])
        for lo in range(0, tri.shape[0], step):
            t = tri[lo: lo + step]
            pts = np.einsum("pk,tkj->tpj", self.bary, t)
            val = self(pts.reshape(-1, 2)).reshape(pts.shape[:2])
            with np.errstate(over="ignore", invalid="ignore"):  # overflow: checked by the caller
                wv = val * self.wts * _area(t)[:, None]
                out[lo: lo + step, 0] = wv.sum(axis=1)
                out[lo: lo + step, 1] = np.sum(wv * pts[..., 0], axis=1)
                out[lo: lo + step, 2] = np.sum(wv * pts[..., 1], axis=1)
                out[lo: lo + step, 3] = np.sum(wv * val, axis=1)
        return out

    def errors(self) -> np.ndarray:
        """Per-triangle error estimates (rule against the rule on the 4 children)."""
        d = self.kid.sum(axis=1) - self.mom
        rms = np.sqrt(self.u2 / self.area)
        return np.abs(d[:, 3]) + rms * np.abs(d[:, 0])

    @property
    def estimate(self) -> float:
        """The triangulation's total error estimate for ``int u^2`` and ``int u``."""
        return float(self.errors().sum())

    @property
    def size(self) -> int:
        """The number of triangles."""
        return int(self.tri.shape[0])

    def refine(self, target: float, max_leaves: int | None = None) -> bool:
        """Bulk-marking rounds until the total estimate is at most ``target`` or the budget
        (``max_leaves``, which raises the one given at construction) is spent; True if anything
        was split."""
        if max_leaves is not None:
            self.max_leaves = max(self.max_leaves, max_leaves)
        split_any = False
        while self.tri.shape[0] + 3 <= self.max_leaves:
            err = self.errors()
            total = float(err.sum())
            if total <= target:
                break
            order = np.argsort(-err, kind="stable")
            count = int(np.searchsorted(np.cumsum(err[order]), 0.5 * total)) + 1
            count = min(count, (self.max_leaves - self.tri.shape[0]) // 3)
            if count <= 0:
                break
            self._split_leaves(order[:count])
            self._balance()
            self.rounds += 1
            split_any = True
        return split_any

    def _split_leaves(self, pick: np.ndarray) -> None:
        """Replace the triangles ``pick`` by their children (moments known, grandchildren's
        computed)."""
        keep = np.ones(self.tri.shape[0], dtype=bool)
        keep[pick] = False
        new_tri = _split(self.tri[pick])
        new_mom = self.kid[pick].reshape(-1, 4)
        new_kid = self._moments_of(_split(new_tri)).reshape(-1, 4, 4)
        root = np.concatenate([self.root[keep], np.repeat(self.root[pick], 4)])
        order = np.argsort(root, kind="stable")  # triangles grouped by start triangle
        self.root = root[order]
        self.level = np.concatenate([self.level[keep], np.repeat(self.level[pick] + 1, 4)])[order]
        self.tri = np.concatenate([self.tri[keep], new_tri])[order]
        self.mom = np.concatenate([self.mom[keep], new_mom])[order]
        self.kid = np.concatenate([self.kid[keep], new_kid])[order]

    def _balance(self) -> None:
        """Split every triangle that touches a triangle two or more levels finer (2:1 balance):
        a curve that crosses a coarse triangle without touching a sample point (a sliver the
        estimate cannot see) still crosses its neighbours along the curve, which are refined, so
        the balance bounds the triangle the sliver sits in."""
        for _ in range(64):
            cen = self.tri.mean(axis=1)
            rad = np.sqrt(np.max(np.sum((self.tri - cen[:, None, :]) ** 2, axis=-1), axis=1))
            pick = []
            for lev in range(int(self.level.max()) - 1):
                fine = self.level >= lev + 2
                here = np.flatnonzero(self.level == lev)
                if not here.size or not np.any(fine):
                    continue
                tree = cKDTree(cen[fine])
                near = tree.query_ball_point(cen[here], 1.01 * rad[here] + rad[fine].max(),
                                             return_length=True)
                pick.append(here[near > 0])
            pick_all = np.concatenate(pick) if pick else np.zeros(0, dtype=np.intp)
            if not pick_all.size or self.tri.shape[0] + 3 * pick_all.size > self.max_leaves:
                return
            self._split_leaves(pick_all)

    # --------------------------------------------------------------------------------------------
    def stats(self, verts: np.ndarray, fine: bool = False) -> tuple[float, float]:
        """``(int u, int u^2)`` (on the children with ``fine``)."""
        mom = self.kid.reshape(-1, 4) if fine else self.mom
        return float(mom[:, 0].sum()), float(mom[:, 3].sum())

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray, fine: bool = False
                ) -> np.ndarray:
        """``T_i`` (n, 3), as :meth:`nnla.sggn.Target.moments` (on the children with
        ``fine``).

        Two levels: a start triangle on one side of line ``i`` adds the sum of its triangles'
        moments; only the triangles of the start triangles the line cuts are looked at, and of
        those only the ones the line cuts are clipped."""
        if fine:
            tri, mom, root = _split(self.tri), self.kid.reshape(-1, 4), np.repeat(self.root, 4)
        else:
            tri, mom, root = self.tri, self.mom, self.root
        nroot = self.roots.shape[0]
        root_mom = np.stack([np.bincount(root, mom[:, j], minlength=nroot) for j in range(3)],
                            axis=1)
        start = np.searchsorted(root, np.arange(nroot + 1))
        n = w.shape[0]
        out = np.zeros((n, 3))
        step = max(1, _BLOCK // (8 * nroot))
        for lo in range(0, n, step):
            sl = slice(lo, lo + step)
            dv = np.einsum("nj,rvj->nrv", w[sl], self.roots) + b[sl, None, None]
            inside = dv.min(axis=2) >= 0
            out[sl] = inside.astype(np.float64) @ root_mom
            ii, rr = np.nonzero(~inside & (dv.max(axis=2) > 0))  # the line cuts the start
            if ii.size:
                self._cut_roots(ii + lo, rr, start, tri, mom, w, b, out)
        return out

    def _cut_roots(self, ii: np.ndarray, rr: np.ndarray, start: np.ndarray, tri: np.ndarray,
                   mom: np.ndarray, w: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        """Add to ``out[ii]`` the moments of the parts of the triangles of start triangles ``rr``
        on the active side of the lines ``ii``."""
        cnt = start[rr + 1] - start[rr]
        pair = np.repeat(np.arange(ii.size), cnt)
        first = np.repeat(start[rr] - np.cumsum(cnt) + cnt, cnt)
        kk = first + np.arange(pair.size)
        ii = ii[pair]
        cen = tri.mean(axis=1)
        rad = np.sqrt(np.max(np.sum((tri - cen[:, None, :]) ** 2, axis=-1), axis=1))
        wn = np.hypot(w[:, 0], w[:, 1])
        step = 1 << 21
        for lo in range(0, ii.size, step):
            i, k = ii[lo: lo + step], kk[lo: lo + step]
            # the centre's side decides unless the line passes within the triangle's radius
            dc = w[i, 0] * cen[k, 0] + w[i, 1] * cen[k, 1] + b[i]
            near = np.abs(dc) <= rad[k] * wn[i]
            keep = (dc > 0) & ~near
            part = mom[k[keep], :3]
            idx = i[keep]
            if np.any(near):
                i_n, k_n = i[near], k[near]
                t = tri[k_n]
                dv = np.einsum("kvj,kj->kv", t, w[i_n]) + b[i_n, None]
                full = dv.min(axis=1) >= 0
                cut = ~full & (dv.max(axis=1) > 0)
                parts = [part, mom[k_n[full], :3]]
                idx = np.concatenate([idx, i_n[full], i_n[cut]])
                if np.any(cut):
                    parts.append(self._clip_integrate(t[cut], dv[cut]))
                part = np.concatenate(parts)
            for j in range(3):  # (bincount: np.add.at is slow)
                out[:, j] += np.bincount(idx, part[:, j], minlength=out.shape[0])

    def _clip_integrate(self, t: np.ndarray, d: np.ndarray) -> np.ndarray:
        """``int u (1, x, y)`` over the part of each triangle ``t`` where the affine function with
        vertex values ``d`` is positive (a triangle or a quadrilateral), (K, 3)."""
        m = t.shape[0]
        poly = np.zeros((m, 4, 2))
        pos = np.zeros(m, dtype=np.intp)
        rows = np.arange(m)
        for i in range(3):
            j = (i + 1) % 3
            ins = d[:, i] >= 0
            poly[rows[ins], pos[ins]] = t[ins, i]
            pos += ins
            crs = (d[:, i] >= 0) != (d[:, j] >= 0)
            lam = d[crs, i] / (d[crs, i] - d[crs, j])
            poly[rows[crs], pos[crs]] = t[crs, i] + lam[:, None] * (t[crs, j] - t[crs, i])
            pos += crs
        res = self._integrate(poly[:, [0, 1, 2]])
        quad = pos == 4
        if np.any(quad):
            res[quad] += self._integrate(poly[quad][:, [0, 2, 3]])
        return res

    def _integrate(self, tri: np.ndarray) -> np.ndarray:
        pts = np.einsum("pk,tkj->tpj", self.bary, tri)
        val = self(pts.reshape(-1, 2)).reshape(pts.shape[:2])
        wv = val * self.wts * _area(tri)[:, None]
        return np.stack([wv.sum(axis=1), np.sum(wv * pts[..., 0], axis=1),
                         np.sum(wv * pts[..., 1], axis=1)], axis=1)
