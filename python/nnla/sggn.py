"""Structure-guided Gauss-Newton (SgGN) training of shallow ReLU networks (spec: ``sggn.md``).

Public API: :func:`fit` (SgGN; 1D here, 2D in ``nnla._sggn2d``), the baselines :func:`fit_adam`
(Adam with exact gradients) and :func:`fit_least_squares` (1D, fixed uniform breakpoints), the
built-in targets :data:`TARGETS` and :func:`target_function`, and :class:`FitResult`, the result
shared by every fitting method in 1D and 2D.

The 1D method
-------------
*Parametrisation* (robust where the unnormalised ``(b, w)`` reconstruction stalls with ``w -> 0``):
every neuron faces right with ``w_i = +1`` fixed and ``b_i = -s_i``; the breakpoints ``s_i`` are the
only nonlinear parameters and each neuron's scale lives in its output weight ``c_i``. Neuron 0 is
pinned at the left end ``a`` (active on the whole domain: the network's linear part); the other
``n - 1`` breakpoints move inside ``(a, b)``. With ``c0`` the network spans exactly the continuous
piecewise-linear functions on the mesh of breakpoints.

*Linear step*: ``c = argmin J`` for fixed breakpoints by the exact O(n) hat-basis route
(``relu-matrices.md``): ``z = M^{-1} F`` with ``M`` the tridiagonal hat mass matrix and
``F_l = int u psi_l``; ``c`` are the slope jumps of the piecewise-linear ``z``. No dense Cholesky.

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

*Quadrature*: 8-point Gauss-Legendre on every cell of the union of the breakpoints, the target's
singularities (:attr:`Target.singularities`, or ``singularities=`` for a user callable), a
geometric grading towards each singularity (30 levels) and a uniform background grid of
``quadrature`` cells. It is exact for a target that is a polynomial of degree <= 13 between its
singularities (so the loss seen by the line search is exact), and resolves the smooth tanh layer and
``x^(2/3)`` to ~1e-14 relative.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._validate import check_int
from nnla.errors import NonFiniteResultError
from nnla.relu import ShallowNetwork

__all__ = [
    "HISTORY_KEYS",
    "TARGETS",
    "FitResult",
    "Target",
    "fit",
    "fit_adam",
    "fit_least_squares",
    "target_function",
]

#: Per-iteration records of :attr:`FitResult.history` (one entry per iteration, iteration 0 is
#: the initial network after its first linear solve): ``loss`` = ``1/2 int (u_n - u)^2``,
#: ``rel_error`` = ``||u_n - u|| / ||u||`` (L2 over the domain), ``step`` = the accepted step
#: length (0 at iteration 0), ``active`` = neurons whose breakpoint/line cuts the domain, ``time``
#: = seconds since the start of the fit (cumulative).
HISTORY_KEYS: tuple[str, ...] = ("loss", "rel_error", "step", "active", "time")


@dataclass(frozen=True)
class FitResult:
    """The outcome of a fit.

    Attributes
    ----------
    network : ShallowNetwork
        The fitted network (``c`` and ``c0`` set), callable on points.
    history : dict of str to ndarray
        One float64 array per key of :data:`HISTORY_KEYS`, all of length ``iterations + 1``.
    reason : str
        Why the fit stopped: ``"converged"`` (the loss decrease fell below ``tol``),
        ``"max_iter"``, ``"stalled"`` (no step length decreased the loss), ``"callback"`` (the
        callback returned True), ``"time_limit"`` or ``"solved"`` (a direct, non-iterative fit).
    method : str
        ``"sggn"``, ``"adam"`` or ``"least_squares"``.
    target : str or None
        The built-in target's name, or None for a user callable.
    dim : int
        1 or 2.
    domain : tuple
        The domain: ``(a, b)`` in 1D, ``(x0, x1, y0, y1)`` in 2D.
    info : dict
        Method-specific extras (JSON-serialisable: numbers, strings, lists).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import ShallowNetwork
    >>> from nnla.sggn import FitResult
    >>> net = ShallowNetwork(w=[1.0], b=[-0.5], c=[1.0])
    >>> h = {k: np.zeros(1) for k in ("loss", "rel_error", "step", "active", "time")}
    >>> r = FitResult(net, h, "solved", "least_squares", None, 1, (0.0, 1.0))
    >>> r.iterations, r.rel_error
    (0, 0.0)
    """

    network: ShallowNetwork
    history: dict[str, np.ndarray]
    reason: str
    method: str
    target: str | None
    dim: int
    domain: tuple[float, ...]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [k for k in HISTORY_KEYS if k not in self.history]
        if missing:
            raise ValueError(f"history is missing the keys {missing}")
        hist = {k: np.asarray(self.history[k], dtype=np.float64) for k in HISTORY_KEYS}
        lengths = {v.shape for v in hist.values()}
        if len(lengths) != 1 or len(next(iter(lengths))) != 1 or not next(iter(lengths))[0]:
            raise ValueError("history arrays must be 1-D, non-empty and of equal length")
        object.__setattr__(self, "history", hist)

    @property
    def iterations(self) -> int:
        """Iterations performed (``len(history["loss"]) - 1``)."""
        return int(self.history["loss"].shape[0] - 1)

    @property
    def rel_error(self) -> float:
        """Final relative L2 error ``||u_n - u|| / ||u||``."""
        return float(self.history["rel_error"][-1])

    @property
    def loss(self) -> float:
        """Final loss ``1/2 int (u_n - u)^2``."""
        return float(self.history["loss"][-1])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary: metadata, the history and the network's parameters."""
        net = self.network
        return {
            "method": self.method,
            "target": self.target,
            "dim": self.dim,
            "domain": [float(v) for v in self.domain],
            "reason": self.reason,
            "iterations": self.iterations,
            "rel_error": self.rel_error,
            "loss": self.loss,
            "history": {k: v.tolist() for k, v in self.history.items()},
            "network": {
                "w": net.w.tolist(),
                "b": net.b.tolist(),
                "c": None if net.c is None else net.c.tolist(),
                "c0": net.c0,
            },
            "info": self.info,
        }

    def save_json(self, path: str | PathLike[str]) -> None:
        """Write :meth:`to_dict` to a JSON file."""
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=1)


# ------------------------------------------------------------------------------------------------
# targets
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A named target function with the points where it is not smooth.

    Attributes
    ----------
    name : str
        The name in :data:`TARGETS`.
    func : callable
        Vectorised ``u(x)``: ``(m,)`` points in 1D, ``(m, 2)`` in 2D, returning ``(m,)``.
    dim : int
        1 or 2.
    singularities : tuple of float
        1D: the jumps and kinks of ``u`` and the points where a derivative is unbounded; the 1D
        quadrature puts a node on each (and grades towards it).
    description : str
        The formula.

    Examples
    --------
    >>> from nnla.sggn import target_function
    >>> u = target_function("jump")
    >>> u.singularities, u([0.0, 0.5]).tolist()
    ((0.3333333333333333,), [0.0, 1.0])
    """

    name: str
    func: Callable[[np.ndarray], np.ndarray]
    dim: int
    singularities: tuple[float, ...] = ()
    description: str = ""

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Evaluate the target at points ``x``."""
        return np.asarray(self.func(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _jump(x: np.ndarray) -> np.ndarray:
    return (x > 1.0 / 3.0).astype(np.float64)


def _layer(x: np.ndarray) -> np.ndarray:
    return np.tanh((x - 0.5) / 0.01)


def _cusp(x: np.ndarray) -> np.ndarray:
    return np.cbrt(x) ** 2


def _sine_jump(x: np.ndarray) -> np.ndarray:
    return np.sin(2.0 * np.pi * x) + 0.5 * (x > 0.7)


_TARGETS_1D: dict[str, Target] = {
    "jump": Target("jump", _jump, 1, (1.0 / 3.0,), "1{x > 1/3}"),
    "layer": Target("layer", _layer, 1, (), "tanh((x - 1/2) / 0.01)"),
    "cusp": Target("cusp", _cusp, 1, (0.0,), "x^(2/3)"),
    "sine_jump": Target("sine_jump", _sine_jump, 1, (0.7,), "sin(2 pi x) + 1/2 1{x > 0.7}"),
}


def _sggn2d() -> Any:
    """The 2D engine module (imported at call time: it imports this module for FitResult)."""
    from nnla import _sggn2d

    return _sggn2d


class _Targets(Mapping[str, Target]):
    """The built-in targets: the 1D ones, plus the 2D ones of ``nnla._sggn2d`` (looked up at
    first use, so importing this module does not import the 2D engine)."""

    def __init__(self) -> None:
        self._items: dict[str, Target] | None = None

    def _load(self) -> dict[str, Target]:
        if self._items is None:
            items = dict(_TARGETS_1D)
            for name, func in _sggn2d().TARGETS_2D.items():
                doc = (getattr(func, "__doc__", None) or name).strip().splitlines()[0]
                items[name] = Target(name, func, 2, (), doc)
            self._items = items
        return self._items

    def __getitem__(self, key: str) -> Target:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        return f"TARGETS({sorted(self._load())})"


#: The built-in targets by name: 1D ``"jump"`` = ``1{x > 1/3}``, ``"layer"`` =
#: ``tanh((x - 1/2)/0.01)``, ``"cusp"`` = ``x^(2/3)``, ``"sine_jump"`` =
#: ``sin 2 pi x + 1/2 1{x > 0.7}`` (domain (0, 1)); 2D (unit square) ``"line_jump"``,
#: ``"circle_jump"``, ``"circle_layer"``.
TARGETS: Mapping[str, Target] = _Targets()


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
# validation
# ------------------------------------------------------------------------------------------------


def _check_dim(dim: object) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or int(dim) not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim!r}")
    return int(dim)


def _check_domain(domain: object, dim: int) -> tuple[float, ...]:
    if domain is None:
        return (0.0, 1.0) if dim == 1 else (0.0, 1.0, 0.0, 1.0)
    size = 2 if dim == 1 else 4
    form = "(a, b)" if dim == 1 else "(x0, x1, y0, y1)"
    try:
        arr = np.asarray(domain, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"domain must be {form} of finite numbers, got {domain!r}") from None
    if arr.shape != (size,):
        raise ValueError(f"domain must be {form} in {dim}D, got {domain!r}")
    if not np.isfinite(arr).all():
        raise ValueError(f"domain contains NaN or Inf: {domain!r}")
    if not (arr[0] < arr[1] and (dim == 1 or arr[2] < arr[3])):
        raise ValueError(f"domain must be {form} with increasing bounds, got {domain!r}")
    v = [float(a) for a in arr]  # Python floats: an overflowing width is inf, without a warning
    if not (np.isfinite(v[1] - v[0]) and (dim == 1 or np.isfinite(v[3] - v[2]))):
        raise ValueError(f"domain is too wide (its width overflows), got {domain!r}")
    return tuple(float(v) for v in arr)


def _resolve_target(target: object, dim: int,
                    singularities: ArrayLike | None) -> tuple[Callable[..., Any], str | None,
                                                              tuple[float, ...]]:
    """(callable, name or None, singularities)."""
    if isinstance(target, str):
        t = target_function(target)
        if t.dim != dim:
            raise ValueError(f"target {target!r} is a {t.dim}D target, but dim={dim}")
        sing = t.singularities
        if singularities is not None:
            sing = sing + _check_singularities(singularities)
        return t, t.name, sing
    if not callable(target):
        raise ValueError(
            f"target must be a callable or one of {sorted(TARGETS)}, got {type(target).__name__}"
        )
    if isinstance(target, Target) and target.dim != dim:
        raise ValueError(f"target {target.name!r} is a {target.dim}D target, but dim={dim}")
    sing = getattr(target, "singularities", ()) if singularities is None else singularities
    return target, getattr(target, "name", None) if isinstance(target, Target) else None, (
        _check_singularities(sing))


def _check_singularities(sing: object) -> tuple[float, ...]:
    try:
        arr = np.asarray(sing, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"singularities must be a sequence of numbers, got {sing!r}") from None
    if not np.isfinite(arr).all():
        raise ValueError("singularities contains NaN or Inf")
    return tuple(float(v) for v in arr)


# ------------------------------------------------------------------------------------------------
# the 1D problem: quadrature, the exact linear step, the Gauss-Newton data
# ------------------------------------------------------------------------------------------------

_GAUSS_ORDER = 8
_GRADING_LEVELS = 30
_ANDERSON = 5  # memory of the Anderson acceleration of the full-step map
_EXTRAPOLATE = 64.0  # largest trial step length after a full step is accepted
_MIN_GAP = 1e-10  # relative to b - a: breakpoints closer than this have merged (below it the
# output weights ~ 1/gap make float64 evaluation of the network less accurate than the fit)


@dataclass
class _State:
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


class _Problem1D:
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
        self.fixed = np.unique(fixed[(fixed >= a) & (fixed <= b)])
        xi, wt = np.polynomial.legendre.leggauss(_GAUSS_ORDER)
        self.xi, self.wg = 0.5 * (xi + 1.0), 0.5 * wt
        x, wq = self.points(self.fixed)
        uu = self.eval_u(x)
        with np.errstate(over="ignore", invalid="ignore"):
            self.u_norm2 = float(np.sum(wq * uu * uu))
        if not np.isfinite(self.u_norm2):
            raise NonFiniteResultError("sggn: the integral of u^2 overflows",
                                       hint="rescale the target")

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

    def rel_error(self, loss: float) -> float:
        return float(np.sqrt(2.0 * loss / self.u_norm2)) if self.u_norm2 > 0 else float(
            np.sqrt(2.0 * loss))

    def clean(self, t: np.ndarray) -> np.ndarray:
        """Sorted breakpoints with merged ones and those at or beyond the ends removed."""
        t = np.sort(t)
        keep = (t > self.a + self.min_gap) & (t < self.b - self.min_gap)
        keep[1:] &= np.diff(t) >= self.min_gap
        return t[keep]

    def evaluate(self, t: np.ndarray) -> _State:
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
        z, status = _core.relu1d_hat_mass_solve(nodes, rhs)  # the native O(n) hat-basis solve
        if status != 0:
            raise NonFiniteResultError("sggn: the linear step overflowed",
                                       hint="rescale the target")
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
        return _State(t, nodes, z, loss, cell_error, jump, np.diff(pslope), np.diff(slopes),
                      predicted)

    def reinit(self, state: _State, count: int, rng: np.random.Generator) -> np.ndarray:
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


def _uniform_breakpoints(n: int, a: float, b: float) -> np.ndarray:
    """Interior breakpoints ``a + (b - a) i / n``, ``i = 1..n-1`` (neuron 0 sits at ``a``)."""
    return a + (b - a) * np.arange(1, n) / n


class _Anderson:
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


def _sggn_step(prob: _Problem1D, st: _State, rng: np.random.Generator,
               accel: _Anderson | None = None) -> tuple[_State, float, int] | str | None:
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

    best: _State | None = None
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


def _record(hist: dict[str, list[float]], loss: float, rel: float, step: float, active: int,
            t0: float) -> dict[str, Any]:
    vals = (loss, rel, step, float(active), time.perf_counter() - t0)
    for key, v in zip(HISTORY_KEYS, vals):
        hist[key].append(v)
    return dict(zip(HISTORY_KEYS, vals))


def _progress(enabled: bool, total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, file=sys.stderr, desc=desc, leave=True,
                dynamic_ncols=True)


def _fit_1d(u: Callable[..., Any], n: int, domain: tuple[float, ...], init: ArrayLike | None,
            max_iter: int, tol: float, quadrature: int, singularities: tuple[float, ...],
            callback: Callable[[dict[str, Any]], Any] | None, progress: bool, seed: int,
            name: str | None) -> FitResult:
    t0 = time.perf_counter()
    prob = _Problem1D(u, domain, singularities, quadrature)
    a, b = prob.a, prob.b
    if init is None:
        t = _uniform_breakpoints(n, a, b)
    else:
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
        t = np.sort(t)
    rng = np.random.default_rng(seed)
    st = prob.evaluate(t)
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    _record(hist, st.loss, prob.rel_error(st.loss), 0.0, st.t.size, t0)
    reason, reinit_total = "max_iter", 0
    bar = _progress(progress, max_iter, "sggn")
    accel = _Anderson(_ANDERSON)
    try:
        for it in range(1, max_iter + 1):
            if st.loss <= 1e-32 * max(prob.u_norm2, 1e-300):
                reason = "converged"
                break
            out = _sggn_step(prob, st, rng, accel)
            if out is None or isinstance(out, str):
                # a failed line search at a stationary point (to rounding) is convergence
                stationary = st.predicted <= 1e-8 * st.loss or prob.rel_error(st.loss) <= 1e-12
                reason = "stalled" if out is None and not stationary else "converged"
                break
            new, gamma, lost = out
            reinit_total += lost
            decrease = st.loss - new.loss
            st = new
            rec = _record(hist, st.loss, prob.rel_error(st.loss), gamma, st.t.size, t0)
            bar.update(1)
            bar.set_postfix(loss=f"{st.loss:.3e}", rel=f"{rec['rel_error']:.2e}")
            if callback is not None:
                rec["iteration"] = it
                if bool(callback(rec)):
                    reason = "callback"
                    break
            if decrease <= tol * (st.loss + decrease):
                reason = "converged"
                break
    finally:
        bar.close()
    info = {"n_neurons": n, "quadrature": quadrature, "singularities": list(singularities),
            "reinitialised": reinit_total, "seed": seed}
    return FitResult(st.network(a), {k: np.asarray(v) for k, v in hist.items()}, reason, "sggn",
                     name, 1, (a, b), info)


# ------------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------------


def fit(target: str | Callable[..., Any], n_neurons: int, *, domain: ArrayLike | None = None,
        dim: int = 1, init: ArrayLike | ShallowNetwork | None = None, max_iter: int = 200,
        tol: float = 1e-10, quadrature: int = 1024, singularities: ArrayLike | None = None,
        callback: Callable[[dict[str, Any]], Any] | None = None, progress: bool = False,
        seed: int = 0) -> FitResult:
    """Fit a shallow ReLU network to a target by structure-guided Gauss-Newton (SgGN).

    Block alternating iteration: an exact linear step for the output weights, then a layer
    Gauss-Newton step for the hidden layer divided by ``c`` (no Levenberg-Marquardt shift) with a
    backtracking line search. 1D: see the module docstring (parametrisation, safeguards,
    quadrature); 2D: ``nnla._sggn2d.fit_2d``.

    Parameters
    ----------
    target : str or callable
        A name in :data:`TARGETS` or a vectorised ``u(x)`` (``(m,)`` points in 1D, ``(m, 2)`` in
        2D, returning ``(m,)``).
    n_neurons : int
        Hidden neurons (>= 1). 1D: neuron 0 is the linear part (pinned at ``a``), the other
        ``n_neurons - 1`` breakpoints move.
    domain : optional
        1D ``(a, b)`` (default ``(0, 1)``); 2D ``(x0, x1, y0, y1)`` (default the unit square).
    dim : {1, 2}
        Input dimension.
    init : array_like or ShallowNetwork, optional
        1D: the ``n_neurons - 1`` initial interior breakpoints (default: uniform,
        ``a + (b - a) i / n``), or a 1D network (such as a previous fit's) whose breakpoints
        inside the domain are taken. 2D: passed on.
    max_iter : int, default 200
        Maximum iterations.
    tol : float, default 1e-10
        Stop (``"converged"``) when an iteration decreases the loss by less than ``tol`` times
        the loss.
    quadrature : int, default 1024
        1D: cells of the uniform background grid of the quadrature (raise it for a target with
        features narrower than ``(b - a) / quadrature``). Not used in 2D.
    singularities : array_like, optional
        1D: extra points where the target jumps or has a kink or an unbounded derivative (added to
        a built-in target's own; a callable's ``singularities`` attribute is used by default). The
        quadrature puts a node on each; without them the loss at a jump is only accurate to the
        background grid.
    callback : callable, optional
        ``callback(record)`` after every iteration ``>= 1``, with the :data:`HISTORY_KEYS`
        values and ``"iteration"``; a true return value stops the fit (reason ``"callback"``).
    progress : bool, default False
        Show a tqdm progress bar (the loss in its postfix) on stderr.
    seed : int, default 0
        Seeds the placement of re-initialised neurons (1D) and the 2D initialisation.

    Returns
    -------
    FitResult
        ``method="sggn"``.

    Raises
    ------
    ValueError
        Bad ``target``, ``n_neurons``, ``domain``, ``dim``, ``init``, ``max_iter``, ``tol``,
        ``quadrature`` or ``singularities``; a target returning the wrong shape or NaN.

    Examples
    --------
    >>> from nnla.sggn import fit
    >>> r = fit("jump", 16, max_iter=50)
    >>> r.method, r.iterations <= 50, r.rel_error < 1.1e-3
    ('sggn', True, True)
    >>> # a piecewise-linear target with its kinks at the initial breakpoints is fitted exactly
    >>> r = fit(lambda x: abs(x - 0.5), 2, singularities=[0.5])
    >>> r.reason, r.rel_error < 1e-14
    ('converged', True)
    """
    dim = _check_dim(dim)
    n = check_int(n_neurons, "n_neurons", 1)
    dom = _check_domain(domain, dim)
    u, name, sing = _resolve_target(target, dim, singularities)
    max_iter = check_int(max_iter, "max_iter", 0)
    tol = _check_nonneg(tol, "tol")
    quadrature = check_int(quadrature, "quadrature", 1)
    if callback is not None and not callable(callback):
        raise ValueError("callback must be callable or None")
    seed = check_int(seed, "seed", 0)
    if dim == 2:
        mod = _sggn2d()
        return mod.fit_2d(u, n, domain=dom, init=init, max_iter=max_iter, tol=tol,
                          callback=callback, progress=bool(progress), seed=seed,
                          target_name=name)
    return _fit_1d(u, n, dom, init, max_iter, tol, quadrature, sing, callback, bool(progress),
                   seed, name)


def _check_nonneg(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_positive(value: object, name: str) -> float:
    out = _check_nonneg(value, name)
    if out == 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return out


def fit_least_squares(target: str | Callable[..., Any], n_neurons: int, *,
                      domain: ArrayLike | None = None, quadrature: int = 1024,
                      singularities: ArrayLike | None = None) -> FitResult:
    """The 1D baseline: least squares on fixed uniform breakpoints.

    The network of :func:`fit`'s initialisation (neuron 0 at ``a``, breakpoints
    ``a + (b - a) i / n``), with the L2-best output weights from the exact O(n) hat-basis solve.

    Parameters
    ----------
    target, n_neurons, domain, quadrature, singularities
        As in :func:`fit` (1D).

    Returns
    -------
    FitResult
        ``method="least_squares"``, ``reason="solved"``, zero iterations.

    Examples
    --------
    >>> from nnla.sggn import fit_least_squares
    >>> r = fit_least_squares("jump", 16)
    >>> r.reason, round(r.rel_error, 4)
    ('solved', 0.0919)
    """
    n = check_int(n_neurons, "n_neurons", 1)
    dom = _check_domain(domain, 1)
    u, name, sing = _resolve_target(target, 1, singularities)
    quadrature = check_int(quadrature, "quadrature", 1)
    t0 = time.perf_counter()
    prob = _Problem1D(u, dom, sing, quadrature)
    st = prob.evaluate(_uniform_breakpoints(n, prob.a, prob.b))
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    _record(hist, st.loss, prob.rel_error(st.loss), 0.0, st.t.size, t0)
    return FitResult(st.network(prob.a), {k: np.asarray(v) for k, v in hist.items()}, "solved",
                     "least_squares", name, 1, dom, {"n_neurons": n, "quadrature": quadrature})


def fit_adam(target: str | Callable[..., Any], n_neurons: int, *,
             domain: ArrayLike | None = None, dim: int = 1, steps: int = 20000,
             lr: float = 1e-3, time_limit: float | None = None, seed: int = 0,
             quadrature: int = 1024, singularities: ArrayLike | None = None,
             callback: Callable[[dict[str, Any]], Any] | None = None,
             progress: bool = False) -> FitResult:
    """The baseline: Adam on all parameters ``(c0, c, w, b)`` with exact gradients (NumPy).

    1D: starts from :func:`fit_least_squares`'s network (uniform breakpoints, ``w = 1``, L2-best
    output weights). Every step integrates the loss and its gradient with the quadrature of
    :func:`fit` on the current breakpoints (exact for piecewise polynomials), then takes an Adam
    step (``beta1 = 0.9``, ``beta2 = 0.999``, ``eps = 1e-8``). 2D: ``nnla._sggn2d.adam_2d``.

    Parameters
    ----------
    target, n_neurons, domain, dim, quadrature, singularities
        As in :func:`fit` (``quadrature`` and ``singularities`` are 1D only).
    steps : int, default 20000
        Maximum Adam steps.
    lr : float, default 1e-3
        Learning rate.
    time_limit : float, optional
        Stop (``"time_limit"``) once this many seconds have passed: for comparisons at equal
        wall time.
    seed : int, default 0
        Passed to the 2D engine (the 1D start is deterministic).
    callback, progress
        As in :func:`fit` (one record per step).

    Returns
    -------
    FitResult
        ``method="adam"``; one history entry per step.

    Examples
    --------
    >>> from nnla.sggn import fit_adam, fit_least_squares
    >>> r = fit_adam("jump", 16, steps=200)
    >>> r.method, r.iterations, r.rel_error < fit_least_squares("jump", 16).rel_error
    ('adam', 200, True)
    """
    dim = _check_dim(dim)
    n = check_int(n_neurons, "n_neurons", 1)
    dom = _check_domain(domain, dim)
    u, name, sing = _resolve_target(target, dim, singularities)
    steps = check_int(steps, "steps", 0)
    lr_val = _check_positive(lr, "lr")
    if time_limit is not None:
        time_limit = _check_nonneg(time_limit, "time_limit")
    quadrature = check_int(quadrature, "quadrature", 1)
    if callback is not None and not callable(callback):
        raise ValueError("callback must be callable or None")
    seed = check_int(seed, "seed", 0)
    if dim == 2:
        mod = _sggn2d()
        return mod.adam_2d(u, n, domain=dom, steps=steps, lr=lr_val, time_limit=time_limit,
                           seed=seed, target_name=name, callback=callback,
                           progress=bool(progress))
    return _adam_1d(u, n, dom, steps, lr_val, time_limit, quadrature, sing, callback,
                    bool(progress), name)


def _loss_grad_1d(prob: _Problem1D, theta: np.ndarray, n: int) -> tuple[float, np.ndarray, int]:
    """Loss, exact gradient in ``theta = (c0, c, w, b)`` and the active count of a 1D network.

    The quadrature has a node at every breakpoint inside the domain, so it is exact for
    piecewise-polynomial targets (whose singularities it also has)."""
    a, b_end = prob.a, prob.b
    c0, c, w, b = theta[0], theta[1:n + 1], theta[n + 1:2 * n + 1], theta[2 * n + 1:]
    nz = w != 0
    s = np.divide(-b, w, out=np.full(n, np.nan), where=nz)
    inner = nz & (s > a) & (s < b_end)
    q = np.union1d(np.concatenate(([a, b_end], s[inner])), prob.fixed)
    x, wq = prob.points(q)
    uu = prob.eval_u(x)
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite: checked by caller
        pre = np.multiply.outer(x, w) + b
        act = np.maximum(pre, 0.0)
        res = c0 + act @ c - uu
        wr = wq * res
        loss = 0.5 * float(wr @ res)
        heav = (pre > 0).astype(np.float64)
        hw = heav.T @ wr
        hxw = heav.T @ (wr * x)
        grad = np.concatenate(([wr.sum()], act.T @ wr, c * hxw, c * hw))
    return loss, grad, int(inner.sum())


def _adam_1d(u: Callable[..., Any], n: int, domain: tuple[float, ...], steps: int, lr: float,
             time_limit: float | None, quadrature: int, singularities: tuple[float, ...],
             callback: Callable[[dict[str, Any]], Any] | None, progress: bool,
             name: str | None) -> FitResult:
    t0 = time.perf_counter()
    prob = _Problem1D(u, domain, singularities, quadrature)
    net = prob.evaluate(_uniform_breakpoints(n, prob.a, prob.b)).network(prob.a)
    theta = np.concatenate(([net.c0], net.c, net.w, net.b))  # (c0, c, w, b)
    m1 = np.zeros_like(theta)
    m2 = np.zeros_like(theta)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    reason = "max_iter"
    bar = _progress(progress, steps, "adam")
    try:
        for k in range(steps + 1):
            loss, grad, active = _loss_grad_1d(prob, theta, n)
            if not (np.isfinite(loss) and np.isfinite(grad).all()):
                raise NonFiniteResultError(
                    f"fit_adam: the loss or its gradient is not finite at step {k}",
                    hint="lower lr or rescale the target")
            rec = _record(hist, loss, prob.rel_error(loss), lr if k else 0.0, active, t0)
            if k:
                bar.update(1)
                if k % 50 == 0:
                    bar.set_postfix(loss=f"{loss:.3e}")
                if callback is not None:
                    rec["iteration"] = k
                    if bool(callback(rec)):
                        reason = "callback"
                        break
            if k == steps:
                break
            if time_limit is not None and rec["time"] >= time_limit:
                reason = "time_limit"
                break
            m1 = beta1 * m1 + (1 - beta1) * grad
            m2 = beta2 * m2 + (1 - beta2) * grad * grad
            mhat = m1 / (1 - beta1 ** (k + 1))
            vhat = m2 / (1 - beta2 ** (k + 1))
            theta = theta - lr * mhat / (np.sqrt(vhat) + eps)
    finally:
        bar.close()
    final = ShallowNetwork(theta[n + 1:2 * n + 1], theta[2 * n + 1:], theta[1:n + 1],
                           float(theta[0]))
    return FitResult(final, {k: np.asarray(v) for k, v in hist.items()}, reason, "adam", name, 1,
                     domain, {"n_neurons": n, "lr": lr, "quadrature": quadrature})
