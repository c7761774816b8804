"""The 1D engine of :func:`nnla.sggn.fit`: SgGN on an interval (spec: ``sggn.md``).

*Parametrisation* (robust where the unnormalised ``(b, w)`` reconstruction stalls with ``w -> 0``):
every neuron faces right with ``w_i = +1`` fixed and ``b_i = -s_i``; the breakpoints ``s_i`` are the
only nonlinear parameters and each neuron's scale lives in its output weight ``c_i``. Neuron 0 is
pinned at the left end ``a`` (active on the whole domain: the network's linear part); the other
``n - 1`` breakpoints move inside ``(a, b)``. With ``c0`` the network spans exactly the continuous
piecewise-linear functions on the mesh of breakpoints.

*Linear step*: ``c = argmin J`` for fixed breakpoints by the exact O(n) hat-basis route
(``relu-matrices.md``): ``z = M^{-1} F`` with ``M`` the tridiagonal hat mass matrix and
``F_l = int u psi_l``, solved by the native O(n) hat mass solver at every trial of the line search;
``c`` are the slope jumps of the piecewise-linear ``z``. No dense Cholesky.

*Nonlinear step*: the Gauss-Newton direction of the layer in ``(b_i, w_i)``, ``p = -(D(c)^{-1} (x)
I) G^{-1} g``, solved in O(n): the layer Gauss-Newton matrix ``G`` is the Gram matrix of ``{h_i, x
h_i}``, which spans the discontinuous piecewise-linear functions on the mesh, so ``G^{-1} g`` is
the cell-local L2 projection ``P r`` of the residual followed by differences at the breakpoints
(the block-triangular factor of ``G``): with ``J_i`` the value jump of ``P u`` at ``s_i``, ``c_i +
K_i`` its slope jump, the direction moves the breakpoint (``ds = -(db + s dw) / w``) by ``-J_i /
c_i`` to first order (the tangent; it is also the variable-projection Gauss-Newton step of the
reduced loss) and the full ``(b, w)`` step takes it to ``s_i - J_i / (c_i + K_i)``, the
intersection of the best linear fits on the two cells beside ``s_i``. Step length: the tangent step
``gamma = 1`` is tried first and, while the loss keeps falling, doubled up to 64; otherwise halved
(backtracking on the exact reduced loss ``J(s) = min_c J(c, s)``); if that fails, the same search
runs on the curved ``(b, w)`` path ``s_i - gamma J_i / (c_i + gamma K_i)`` before the fit stops as
``"stalled"``. Acceleration: Anderson acceleration (memory 5) of the full tangent step map ``s -> s
- J / c`` proposes one more candidate per iteration, taken when its loss is lower than the line
search's (it does not change the fixed points; on ``x^(2/3)``, n = 16, it reaches after 20
iterations the error the plain iteration has after 50). Safeguards: singular components (``|c_i| <=
1e-8 max |c|``: no kink to move) stay; on the curved path the denominator keeps the sign of ``c_i``
and at least ``|c_i| / 10`` (this excludes the ``w -> 0`` collapse that stalls the ``(b, w)``
reconstruction); no breakpoint passes a neighbour or leaves ``(a, b)``; breakpoints that merge
(closer than ``1e-10 (b - a)``) or reach an end are re-initialised inside the cell with the largest
local error; a pair at the minimum gap (a jump resolved to float64 resolution) stays. One iteration
costs O(n + quadrature).

*Quadrature*: 8-point Gauss-Legendre on every cell of the union of the breakpoints and a fixed
mesh: the target's declared singularities (:attr:`~nnla.sggn.Target.singularities`, or
``singularities=`` for a user callable) with a geometric grading towards each (30 levels), a
uniform background grid of ``quadrature`` cells, then refined by
:func:`nnla.sggn.adaptive1d.adapt_mesh` until every cell resolves the target (per-cell error
estimates from the rule on the halves): undeclared jumps are localised to ~1e-14 of the domain,
kinks, cusps and layers resolved to ~1e-13 of ``int u^2``. It is exact for a target that is a
polynomial of degree <= 13 between its singularities (so the loss seen by the line search is
exact). Every iteration records in ``history["quad_error"]`` the estimate of the loss's quadrature
error (the loss by the rule on every cell's halves and by the Gauss-Lobatto rule, minus the
loss); the fit reports ``"converged"`` only
when the stopping test holds and that estimate is at most ``1e-3`` of the loss
(:data:`~nnla.sggn.adaptive1d.QUAD_SAFETY`), else it refines the cells the estimate blames and
goes on (at most 30 times, then ``"stalled"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla.errors import NonFiniteResultError
from nnla.relu import ShallowNetwork
from nnla.relu.interval import hat_mass_solve
from nnla.sggn.adaptive1d import (
    QUAD_SAFETY,
    adapt_cells,
    adapt_mesh,
    bisected,
    gauss_rule,
    lobatto_rule,
)
from nnla.sggn.result import HISTORY_KEYS, FitResult, progress_bar, record

__all__ = ["Anderson", "Problem1D", "State", "fit_1d", "initial_breakpoints", "sggn_step",
           "uniform_breakpoints"]

_GAUSS_ORDER = 8  # the rule of nnla.sggn.adaptive1d
_MAX_REFINEMENTS = 30  # quadrature refinements during a fit before it stops as "stalled"
_GRADING_LEVELS = 30
_ANDERSON = 5  # memory of the Anderson acceleration of the full-step map
_EXTRAPOLATE = 64.0  # largest trial step length after a full step is accepted
_MIN_GAP = 1e-10  # relative to b - a: breakpoints closer than this have merged (below it the
# output weights ~ 1/gap make float64 evaluation of the network less accurate than the fit)


@dataclass
class State:
    """The network with interior breakpoints ``t`` after its linear step, and its residual data."""

    t: np.ndarray  # interior breakpoints, sorted, distinct
    nodes: np.ndarray  # (a, t, b)
    z: np.ndarray  # nodal values of the fitted piecewise-linear network
    loss: float
    cell_error: np.ndarray  # int (u_n - u)^2 over each cell of nodes
    jump: np.ndarray  # value jumps J of P u at t (P: cell-local linear L2 projection)
    slope_jump: np.ndarray  # slope jumps of P u at t (= c + K)
    c_int: np.ndarray  # current slope jumps of the network at t (its output weights)
    predicted: float  # the Gauss-Newton model's decrease of the loss, 1/2 ||P (u - u_n)||^2

    def network(self, a: float) -> ShallowNetwork:
        """The state as a :class:`ShallowNetwork` (neuron 0 at ``a``, then ``t`` ascending)."""
        h = np.diff(self.nodes)
        slopes = np.diff(self.z) / h
        c = np.concatenate(([slopes[0]], np.diff(slopes)))
        s = np.concatenate(([a], self.t))
        return ShallowNetwork(np.ones(s.size), -s, c, float(self.z[0]))


class Problem1D:
    """Target, domain and fixed quadrature nodes of a 1D fit."""

    def __init__(self, u: Callable[..., Any], domain: tuple[float, ...],
                 singularities: Sequence[float], n_background: int) -> None:
        self.u = u
        self.a, self.b = float(domain[0]), float(domain[1])
        a, b = self.a, self.b
        self.min_gap = _MIN_GAP * (b - a)
        grid = np.linspace(a, b, n_background + 1)
        hbg = (b - a) / n_background
        sing = np.array([p for p in singularities if a <= p <= b], dtype=np.float64)
        extra = [grid, sing]
        if sing.size:
            offs = hbg * 0.5 ** np.arange(1, _GRADING_LEVELS + 1)
            extra += [sing[:, None] - offs, sing[:, None] + offs]
        fixed = np.concatenate([e.ravel() for e in extra])
        fixed = np.unique(fixed[(fixed >= a) & (fixed <= b)])
        self.fixed, self.adapt_rounds = adapt_mesh(self.eval_u, fixed, a, b)
        self.n_background = fixed.size - 1
        self.xi, self.wg = gauss_rule()
        self.u_norm2 = self._norm2()

    def _norm2(self) -> float:
        """``int u^2`` on the fixed mesh (NonFiniteResultError if it overflows)."""
        x, wq = self.points(self.fixed)
        uu = self.eval_u(x)
        with np.errstate(over="ignore", invalid="ignore"):
            u_norm2 = float(np.sum(wq * uu * uu))
        if not np.isfinite(u_norm2):
            raise NonFiniteResultError("sggn: the integral of u^2 overflows",
                                       hint="rescale the target")
        return u_norm2

    def points(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gauss points and weights on the cells of the sorted nodes ``q`` (flattened)."""
        hq = np.diff(q)
        x = (q[:-1, None] + hq[:, None] * self.xi[None, :]).ravel()
        return x, (hq[:, None] * self.wg[None, :]).ravel()

    def eval_u(self, x: np.ndarray) -> np.ndarray:
        vals = np.asarray(self.u(x))
        if vals.shape != x.shape:
            raise ValueError(f"target must return an array of shape {x.shape} for {x.size} "
                             f"points, got {vals.shape}")
        if vals.dtype.kind not in "biuf":
            raise ValueError(f"target returned dtype {vals.dtype}, expected real values")
        vals = vals.astype(np.float64, copy=False)
        if not np.isfinite(vals).all():
            raise ValueError("target returned NaN or Inf on the domain")
        return vals

    def quad_error(self, st: State) -> tuple[float, np.ndarray, np.ndarray]:
        """A-posteriori estimate of the quadrature error of ``st.loss``: per quadrature cell, the
        loss of the same network by the rule on the cell's halves and by the Gauss-Lobatto rule
        (which samples the cell's ends: a jump in a sliver next to an end, missed by both Gauss
        rules, shows there) against the loss; (estimate, the quadrature nodes, the per-cell
        estimates)."""
        q = np.union1d(st.nodes, self.fixed)
        xl, wl = lobatto_rule()
        per = []
        for mesh, xi, wg in ((q, self.xi, self.wg), (bisected(q), self.xi, self.wg),
                             (q, xl, wl)):
            hq = np.diff(mesh)
            x = (mesh[:-1, None] + hq[:, None] * xi[None, :]).ravel()
            wq = (hq[:, None] * wg[None, :]).ravel()
            k = np.clip(np.searchsorted(st.nodes, x, side="right") - 1, 0, st.nodes.size - 2)
            lam = (x - st.nodes[k]) / np.diff(st.nodes)[k]
            res = st.z[k] * (1.0 - lam) + st.z[k + 1] * lam - self.eval_u(x)
            per.append(np.sum((wq * res * res).reshape(hq.size, -1), axis=1))
        diff = 0.5 * (np.abs(per[1][0::2] + per[1][1::2] - per[0]) + np.abs(per[2] - per[0]))
        return float(diff.sum()), q, diff

    def refine(self, q: np.ndarray, diff: np.ndarray, target: float) -> int:
        """Split and adapt (:func:`~nnla.sggn.adaptive1d.adapt_cells`) the cells of ``q`` that
        carry the estimated quadrature error above ``target``; returns the nodes added."""
        order = np.argsort(-diff, kind="stable")
        left = diff.sum() - np.cumsum(diff[order])
        count = int(np.searchsorted(-left, -target, side="left")) + 1
        pick = order[:count]
        wide = (q[pick + 1] - q[pick]) > 2.0 * np.finfo(float).eps * max(abs(self.a),
                                                                            abs(self.b), 1.0)
        pick = pick[wide]
        new, _ = adapt_cells(self.eval_u, q[pick], q[pick + 1], self.a, self.b, self.u_norm2)
        added = np.union1d(0.5 * (q[pick] + q[pick + 1]), new)
        before = self.fixed.size
        self.fixed = np.union1d(self.fixed, added)
        self.u_norm2 = self._norm2()
        return int(self.fixed.size - before)

    def loss_resolved(self, loss: float, est: float) -> bool:
        """Whether the quadrature error estimate ``est`` is well below ``loss``
        (:data:`~nnla.sggn.adaptive1d.QUAD_SAFETY`, or at the rounding level of int u^2)."""
        return est <= QUAD_SAFETY * loss + 64.0 * np.finfo(float).eps * self.u_norm2

    def rel_error(self, loss: float) -> float:
        return float(np.sqrt(2.0 * loss / self.u_norm2)) if self.u_norm2 > 0 else float(
            np.sqrt(2.0 * loss))

    def clean(self, t: np.ndarray) -> np.ndarray:
        """Sorted breakpoints with merged ones and those at or beyond the ends removed."""
        t = np.sort(t)
        keep = (t > self.a + self.min_gap) & (t < self.b - self.min_gap)
        keep[1:] &= np.diff(t) >= self.min_gap
        return t[keep]

    def evaluate(self, t: np.ndarray) -> State:
        """Linear step (exact hat-basis L2 projection) and the Gauss-Newton data at ``t``."""
        nodes = np.concatenate(([self.a], t, [self.b]))
        h = np.diff(nodes)
        q = np.union1d(nodes, self.fixed)
        x, wq = self.points(q)
        cell = np.searchsorted(nodes, q[:-1], side="right") - 1
        k = np.repeat(np.minimum(cell, h.size - 1), _GAUSS_ORDER)
        lam = (x - nodes[k]) / h[k]
        uu = self.eval_u(x)
        uw = uu * wq
        nn = nodes.size
        rhs = np.bincount(k, uw * (1.0 - lam), minlength=nn) + np.bincount(
            k + 1, uw * lam, minlength=nn)
        z = hat_mass_solve(nodes, rhs, func="sggn: the linear step")  # native, O(n)
        res = z[k] * (1.0 - lam) + z[k + 1] * lam - uu
        cell_error = np.bincount(k, wq * res * res, minlength=h.size)
        loss = 0.5 * float(cell_error.sum())
        if not np.isfinite(loss):
            raise NonFiniteResultError("sggn: the loss overflowed", hint="rescale the target")
        # cell-local linear projection P u = mean + l * (2 lam - 1) on each cell
        mean = np.bincount(k, uw, minlength=h.size) / h
        lin = 3.0 * np.bincount(k, uw * (2.0 * lam - 1.0), minlength=h.size) / h
        jump = (mean[1:] - lin[1:]) - (mean[:-1] + lin[:-1])
        pslope = 2.0 * lin / h
        slopes = np.diff(z) / h
        dmean = mean - 0.5 * (z[:-1] + z[1:])
        dlin = lin - 0.5 * np.diff(z)
        predicted = 0.5 * float(np.sum(h * (dmean * dmean + dlin * dlin / 3.0)))
        return State(t, nodes, z, loss, cell_error, jump, np.diff(pslope), np.diff(slopes),
                      predicted)

    def reinit(self, state: State, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` new breakpoints inside the cells with the largest local error."""
        t = state.t
        err = state.cell_error.copy()
        nodes = state.nodes
        new: list[float] = []
        while len(new) < count:
            order = np.argsort(-err, kind="stable")[: count - len(new)]
            for i in order:
                lo, hi = nodes[i], nodes[i + 1]
                if hi - lo > 4.0 * self.min_gap:
                    new.append(lo + (hi - lo) * rng.uniform(0.3, 0.7))
            t = self.clean(np.concatenate((state.t, new)))
            new = list(t[~np.isin(t, state.t)])
            if len(new) < count:  # split the new cells further on the next pass
                nodes = np.concatenate(([self.a], t, [self.b]))
                err = np.diff(nodes)
        return t


def uniform_breakpoints(n: int, a: float, b: float) -> np.ndarray:
    """Interior breakpoints ``a + (b - a) i / n``, ``i = 1..n-1`` (neuron 0 sits at ``a``)."""
    return a + (b - a) * np.arange(1, n) / n


class Anderson:
    """Anderson acceleration (type II, memory ``m``) of the full-step map ``s -> s + d(s)``."""

    def __init__(self, m: int) -> None:
        self.m = m
        self.s: list[np.ndarray] = []
        self.f: list[np.ndarray] = []

    def candidate(self, t: np.ndarray, f: np.ndarray) -> np.ndarray | None:
        if self.s and self.s[-1].shape != t.shape:
            self.s, self.f = [], []
        self.s.append(t.copy())
        self.f.append(f.copy())
        del self.s[:-(self.m + 1)], self.f[:-(self.m + 1)]
        if len(self.s) < 2:
            return None
        ds = np.diff(np.array(self.s), axis=0).T
        df = np.diff(np.array(self.f), axis=0).T
        gam = np.linalg.lstsq(df, f, rcond=1e-10)[0]
        out = t + f - (ds + df) @ gam
        return out if np.isfinite(out).all() else None


def sggn_step(prob: Problem1D, st: State, rng: np.random.Generator,
               accel: Anderson | None = None) -> tuple[State, float, int] | str | None:
    """One SgGN iteration: (new state, step length, neurons re-initialised), ``"done"`` (nothing
    left to move) or None (no step length decreased the loss). With ``accel``, the Anderson
    candidate replaces the line-search result where its loss is lower."""
    t, c = st.t, st.c_int
    if t.size == 0:
        return "done"
    scale = np.max(np.abs(c)) if c.size else 0.0
    lower = st.nodes[:-2] - t
    upper = st.nodes[2:] - t
    # breakpoints with a neighbour at the resolution limit (a jump resolved to the minimum gap)
    # stay; so do singular components (no kink to move)
    pinned = (np.minimum(-lower, upper) <= 2.0 * prob.min_gap)
    live = (np.abs(c) > 1e-8 * scale) & ~pinned
    if not np.any(live & (st.jump != 0)):
        return "done"
    safe_c = np.where(live, c, 1.0)
    kdiff = st.slope_jump - c

    def moves(gamma: float, curved: bool) -> np.ndarray:
        if curved:  # the (b, w) path, denominator kept on the side of c
            ratio = np.maximum(1.0 + gamma * kdiff / safe_c, 0.1)
            mv = -gamma * st.jump / (safe_c * ratio)
        else:  # the tangent: the breakpoint motion of the Gauss-Newton direction
            mv = -gamma * st.jump / safe_c
        return np.clip(np.where(live & np.isfinite(mv), mv, 0.0), lower, upper)

    best: State | None = None
    if accel is not None:
        cand_aa = accel.candidate(t, moves(1.0, False))
        if cand_aa is not None:
            cand_aa = prob.clean(cand_aa)
            if cand_aa.size == t.size:
                best = prob.evaluate(cand_aa)
    for curved in (False, True):
        gamma = 1.0
        for _ in range(40):
            move = moves(gamma, curved)
            if not np.any(move):
                break
            cand = prob.clean(t + move)
            trial = prob.evaluate(cand)
            if trial.loss < st.loss:
                while gamma >= 1.0 and gamma < _EXTRAPOLATE:  # extrapolate while it pays
                    cand2 = prob.clean(t + moves(2.0 * gamma, curved))
                    trial2 = prob.evaluate(cand2)
                    if trial2.loss >= trial.loss:
                        break
                    trial, cand, gamma = trial2, cand2, 2.0 * gamma
                if best is not None and best.loss < trial.loss:
                    return best, 1.0, 0
                lost = t.size - cand.size
                if lost:
                    trial = prob.evaluate(prob.reinit(trial, lost, rng))
                return trial, gamma, lost
            gamma *= 0.5
    if best is not None and best.loss < st.loss:
        return best, 1.0, 0
    return None


def initial_breakpoints(init: ArrayLike | ShallowNetwork | None, n: int,
                        prob: Problem1D) -> np.ndarray:
    """The ``n - 1`` sorted interior breakpoints to start from: uniform (``init`` None), the
    given ones, or those of a 1D network inside the domain (ValueError naming ``init``)."""
    a, b = prob.a, prob.b
    if init is None:
        return uniform_breakpoints(n, a, b)
    if isinstance(init, ShallowNetwork):
        if init.dim != 1:
            raise ValueError("init must be a 1D network for dim=1")
        s_init = init.breakpoints()
        init = np.sort(s_init[(s_init > a) & (s_init < b)])
    try:
        t = np.asarray(init, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("init must be an array of n_neurons - 1 breakpoints") from None
    if t.shape != (n - 1,) or not np.isfinite(t).all():
        raise ValueError(f"init must hold n_neurons - 1 = {n - 1} finite interior breakpoints "
                         f"(neuron 0 is pinned at a), got shape {t.shape}")
    if prob.clean(t).size != n - 1:
        raise ValueError("init breakpoints must be distinct and strictly inside the domain")
    return np.sort(t)


def fit_1d(u: Callable[..., Any], n: int, domain: tuple[float, float],
           init: ArrayLike | ShallowNetwork | None, max_iter: int, tol: float, quadrature: int,
           singularities: tuple[float, ...], callback: Callable[[dict[str, Any]], Any] | None,
           progress: bool, seed: int, name: str | None) -> FitResult:
    """SgGN in 1D on validated arguments (those of :func:`nnla.sggn.fit`; ``u`` a callable,
    ``domain`` ``(a, b)``, ``name`` the target's name or None)."""
    t0 = time.perf_counter()
    prob = Problem1D(u, domain, singularities, quadrature)
    st = prob.evaluate(initial_breakpoints(init, n, prob))
    rng = np.random.default_rng(seed)
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    est, q, diff = prob.quad_error(st)
    record(hist, st.loss, prob.rel_error(st.loss), 0.0, st.t.size, t0, est)
    reason, reinit_total, refinements = "max_iter", 0, 0
    bar = progress_bar(progress, max_iter, "sggn")
    accel = Anderson(_ANDERSON)
    try:
        it = 0
        while it < max_iter:
            if st.loss <= 1e-32 * max(prob.u_norm2, 1e-300):
                reason = "converged"
                break
            out = sggn_step(prob, st, rng, accel)
            stop = None
            if out is None or isinstance(out, str):
                # a failed line search at a stationary point (to rounding) is convergence
                stationary = st.predicted <= 1e-8 * st.loss or prob.rel_error(st.loss) <= 1e-12
                stop = "stalled" if out is None and not stationary else "converged"
            else:
                it += 1
                new, gamma, lost = out
                reinit_total += lost
                decrease = st.loss - new.loss
                st = new
                est, q, diff = prob.quad_error(st)
                rec = record(hist, st.loss, prob.rel_error(st.loss), gamma, st.t.size, t0, est)
                bar.update(1)
                bar.set_postfix(loss=f"{st.loss:.3e}", rel=f"{rec['rel_error']:.2e}")
                if callback is not None:
                    rec["iteration"] = it
                    if bool(callback(rec)):
                        reason = "callback"
                        break
                if decrease <= tol * (st.loss + decrease):
                    stop = "converged"
            if stop is None:
                continue
            if prob.loss_resolved(st.loss, est):
                reason = stop
                break
            # the stopping test held on a loss the quadrature does not resolve: refine where
            # the estimate blames the rule, and go on from the same breakpoints
            if refinements >= _MAX_REFINEMENTS or not prob.refine(
                    q, diff, 0.1 * QUAD_SAFETY * st.loss):
                reason = "stalled"
                break
            refinements += 1
            accel = Anderson(_ANDERSON)
            st = prob.evaluate(st.t)
            est, q, diff = prob.quad_error(st)
    finally:
        bar.close()
    info = {"n_neurons": n, "quadrature": quadrature, "singularities": list(singularities),
            "reinitialised": reinit_total, "seed": seed,
            "quadrature_cells": int(prob.fixed.size - 1), "quadrature_refinements": refinements,
            "quad_error": float(est)}
    return FitResult(st.network(prob.a), {k: np.asarray(v) for k, v in hist.items()}, reason,
                     "sggn", name, 1, (prob.a, prob.b), info)
