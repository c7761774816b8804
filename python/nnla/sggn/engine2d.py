"""The 2D engine of :func:`nnla.sggn.fit`: SgGN on a convex polygon (spec: ``sggn.md``,
``relu-matrices.md``).

The network is ``u_n(x) = c0 + sum_i c_i sigma(w_i . x + b_i)`` on the convex polygon ``Omega``
(the unit square by default). With ``y = (1, x)``, ``r_i = (b_i, w_i)`` and the constant written
as an extra neuron ``r = (1, 0, 0)``, the loss is

    J = 1/2 int (u_n - u)^2 = 1/2 c^T A c - c^T f + 1/2 int u^2,
    f_i = int u sigma_i = r_i . T_i,   T_i = int_{Omega and r_i . y > 0} u y dx,

with the exact mass matrix ``A`` and layer Gauss-Newton matrix ``G`` of :mod:`nnla.relu.polygon`
(each pair's active polygon is clipped and integrated exactly, so every kink of the network is
treated exactly). The only target-dependent quantities are the half-plane moments ``T_i`` and
``int u``, ``int u^2``:

Quadrature (no fixed grid, so the loss seen by the line search is the true loss)
    * the built-in targets have exact or semi-analytic moments (:mod:`nnla.sggn.targets`);
    * a target that is itself a :class:`~nnla.relu.ShallowNetwork` is integrated exactly
      (pairs of neurons);
    * any other callable: an adaptive triangulation of the domain that finds the target's jumps
      and layers from samples (per-triangle error estimates, bulk refinement, 2:1 balance), with
      every triangle a neuron's line cuts clipped exactly (:mod:`nnla.sggn.adaptive2d`). Every
      iteration records the estimate of the loss's quadrature error (``history["quad_error"]``);
      while it is above :data:`QUAD_SAFETY_2D` of the loss the triangulation is refined (up to
      12 times, 2**17 triangles) before the next step, and ``"converged"`` is only reported on a
      loss whose estimate is below it (``"stalled"`` if the budget is spent first).

The relative L2 error ``sqrt(2 J / int u^2)`` is computed from the same exact quantities.

Linear step (``c = argmin J`` for fixed lines)
    ``A c = f`` is solved by a semidefinite solve of the Jacobi-scaled ``A`` that never breaks
    down when lines cluster or coincide (plain dense Cholesky fails there: kappa(A) exceeds
    1/u, relu-matrices.md), :mod:`nnla.sggn.solves2d`: by default (``solver="cholesky"``)
    Cholesky of ``A + delta I`` (``delta`` a few ulps of the unit diagonal) as the
    preconditioner of conjugate gradients on the exact ``A``, its residual checked, the
    truncated eigendecomposition as fallback; ``solver="pivoted"`` (pivoted Cholesky) and
    ``solver="eigh"`` (the truncated eigendecomposition alone) are the slower dense paths kept
    for comparison. The error of the computed minimiser enters the loss only
    quadratically (``J(c + dc) - J(c) = 1/2 dc^T A dc``). A QR solve on a design matrix at
    quadrature points would need a rule that resolves every kink and discontinuity (the
    pitfall of the spec); with the exact matrices no such rule is needed.

Nonlinear step
    ``grad_{r_i} J = c_i g_i`` with ``g_i = int (u_n - u) h(r_i . y) y = (G (c r))_i - T_i``;
    direction ``p_i = -(H^+ g)_i / c_i`` with ``H`` the hidden-neuron part of ``G`` (SPD,
    independent of ``c``), solved like ``A`` in place (the 3n x 3n matrix holds the scaled
    matrix and its factor: one array of ``72 n^2`` bytes, 1.2 GB at n = 4096), no
    Levenberg-Marquardt shift; the relative residual of the solve, recomputed with the
    matrix-free exact product of ``H``, is recorded in ``history["solve_residual"]``.
    Why dense and not hierarchical: the model decrease ``1/2 g^T H^+ g`` is spread over eleven
    decades of the spectrum of the scaled ``H`` (measured at n = 1024: 6 % from eigenvalues
    above 1e-4 of the largest, 52 % above 1e-6, 97 % above 1e-10), so the direction needs a
    factorization accurate to ~1e-11 relative; at that accuracy the off-diagonal blocks are of
    nearly full rank in every ordering tried (relu-matrices.md; in the foot-point ordering at
    n = 1024, HSS ranks reach 1212 of 1536 at 1e-8), and a hierarchical factorization at a
    moderate tolerance leaves thousands of eigencomponents to the Krylov iteration (CG with
    an HSS preconditioner at 1e-4: 200 steps to 2e-9). Neurons with a negligible
    contribution
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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Union

import numpy as np

from nnla._blas import serial_other_blas
from nnla.errors import ConvergenceError, NonFiniteResultError
from nnla.relu import ShallowNetwork
from nnla.relu.polygon import (
    assemble_2d,
    assemble_2d_kinds,
    entries_2d,
    matvec_2d,
)
from nnla.sggn.adaptive2d import AdaptiveMoments
from nnla.sggn.result import FitResult, Recorder
from nnla.sggn.solves2d import psd_solve_checked
from nnla.sggn.targets import Target, box_of

__all__ = [
    "NetworkMoments",
    "Problem2D",
    "active_count",
    "fit_2d",
    "initial_lines",
    "mass_and_gauss_newton",
    "network_of",
    "moment_source",
    "psd_solve",
    "quadrature_info",
    "result_domain",
]

_NEGLIGIBLE = 1e-10  # relative contribution below which a neuron is left out and re-initialised
_CLAMP = 1e-6  # lines are kept this fraction of their offset range inside Omega
_FIT_LEAVES = 1 << 17  # triangle budget of the adaptive quadrature during a fit
_ARMIJO = 1e-4
_MAX_HALVINGS = 30
_MAX_EXPANSIONS = 3  # doublings tried after an accepted full step
_MAX_REFINEMENTS = 12  # refinements of the adaptive quadrature during a fit
#: From this many neurons on, numpy's own BLAS is kept on one thread during a 2D fit.
SERIAL_NUMPY_BLAS = 128
#: The loss counts as converged only while its quadrature error estimate is at most this fraction
#: of it (2D: the error of a jump along a curve falls only like the triangle size there).
QUAD_SAFETY_2D = 1e-2


# ------------------------------------------------------------------------------------------------
# Target moments: exact (built-in targets, networks) or on the adaptive triangulation
# ------------------------------------------------------------------------------------------------


class NetworkMoments:
    """The moments of a target that is itself a 2D network: exact, from pairs of neurons."""

    def __init__(self, net: ShallowNetwork) -> None:
        self.net = net
        self.w = np.vstack([net.w, np.zeros((1, 2))])
        self.b = np.concatenate([net.b, [1.0]])
        self.c = np.concatenate([np.asarray(net.c), [net.c0]])

    def moments(self, w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
        """``T_i`` (n, 3), as :meth:`nnla.sggn.Target.moments`."""
        n, m = w.shape[0], self.b.size
        wx, bx = np.vstack([w, self.w]), np.concatenate([b, self.b])
        cols = 3 * n + np.arange(3 * m)
        blk = entries_2d("gauss_newton", wx, bx, verts, np.arange(3 * n), cols,
                                 n_threads=1)
        x = (self.c[:, None] * np.column_stack([self.b, self.w])).reshape(-1)
        return (blk @ x).reshape(n, 3)

    def stats(self, verts: np.ndarray) -> tuple[float, float]:
        """``(int u, int u^2)``."""
        a = assemble_2d("mass", self.w, self.b, verts, n_threads=1)
        return float(a[-1] @ self.c), float(self.c @ a @ self.c)


MomentSource = Union[Target, NetworkMoments, AdaptiveMoments]


def moment_source(u: Callable[..., Any], verts: np.ndarray) -> MomentSource:
    """Where the moments of the target ``u`` come from on the polygon ``verts``: the target itself
    (a built-in :class:`~nnla.sggn.Target` whose moments are exact there), the network's pairs (a
    2D :class:`~nnla.relu.ShallowNetwork`) or the adaptive triangulation (anything else,
    :class:`~nnla.sggn.adaptive2d.AdaptiveMoments`)."""
    if isinstance(u, ShallowNetwork):
        if u.dim != 2 or u.c is None:
            raise ValueError("target: a network target must be 2D with its output layer c set")
        return NetworkMoments(u)
    if isinstance(u, Target) and u.exact_on(verts):
        return u
    return AdaptiveMoments(u, verts)


def quadrature_info(source: MomentSource) -> str:
    """The ``info["quadrature"]`` entry of a 2D result."""
    if isinstance(source, AdaptiveMoments):
        return f"adaptive triangulation ({source.size} triangles)"
    return "exact"


# ------------------------------------------------------------------------------------------------
# The problem: exact loss, linear step, gradient and Gauss-Newton matrix
# ------------------------------------------------------------------------------------------------


def psd_solve(m: np.ndarray, rhs: np.ndarray, method: str = "eigh") -> np.ndarray:
    """Rank-revealing solve of a symmetric positive semidefinite system (Jacobi scaled), by
    :func:`nnla.sggn.solves2d.psd_solve_checked` (``"eigh"``: truncated eigendecomposition;
    ``"cholesky"``: shifted Cholesky refined by CG on the exact matrix, ``"pivoted"``: pivoted
    Cholesky, both with a residual check and the eigendecomposition as fallback)."""
    return psd_solve_checked(m, rhs, method)[0]


#: The phases of :attr:`Problem2D.clock` (seconds, summed over the fit; ``info["time"]``):
#: the exact mass matrix, the target's moments and the linear solves (every linear step, line
#: search trials included), the Gauss-Newton matrix and its solve, the matrix-free residual
#: check of that solve, the whole line search (of which the first three make up most) and the
#: quadrature error estimate.
CLOCK_PHASES = ("mass_assembly", "target_moments", "linear_solve", "gn_assembly", "gn_solve",
                "gn_check", "line_search", "quad_error")


def mass_and_gauss_newton(we: np.ndarray, be: np.ndarray, verts: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Exact mass and Gauss-Newton matrices in one pass."""
    a, g = assemble_2d_kinds(("mass", "gauss_newton"), we, be, verts, n_threads=1)
    return a, g


class Problem2D:
    """Target moments and polygon of a 2D fit: exact loss, linear step, gradient."""

    def __init__(self, target: MomentSource, verts: np.ndarray, solver: str = "cholesky") -> None:
        self.target = target
        self.verts = verts
        self.solver = solver
        self.clock = dict.fromkeys(CLOCK_PHASES, 0.0)
        self._buffers: dict[str, np.ndarray] = {}  # workspaces reused from call to call
        self.int_u, self.int_u2 = target.stats(self.verts)
        if not (math.isfinite(self.int_u) and math.isfinite(self.int_u2)):
            raise NonFiniteResultError("sggn 2d: the integral of u or u^2 overflows",
                                       hint="rescale the target")
        if not self.int_u2 > 0:
            raise ValueError("u must not vanish on the domain (int u^2 = 0)")

    def buffer(self, name: str, size: int) -> np.ndarray:
        """The ``size x size`` workspace ``name``, reused while the size stays (a fresh array of
        1.2 GB, the Gauss-Newton matrix at n = 4096, costs a page fault per 4 kB each time)."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape[0] != size:
            self._buffers.pop(name, None)
            buf = self._buffers[name] = np.empty((size, size))
        return buf

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the time of the block to ``clock[phase]``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.clock[phase] += time.perf_counter() - t0

    @staticmethod
    def ext(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The neurons with the constant neuron ``(w, b) = (0, 1)`` appended."""
        return np.vstack([w, np.zeros((1, 2))]), np.concatenate([b, [1.0]])

    def load(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(T (n, 3), f (n + 1,)) with the constant last."""
        with self.timed("target_moments"):
            t = self.target.moments(w, b, self.verts)
        f = np.concatenate([b * t[:, 0] + np.sum(w * t[:, 1:], axis=1), [self.int_u]])
        return t, f

    def loss(self, c: np.ndarray, ac: np.ndarray, f: np.ndarray) -> float:
        """``1/2 c^T A c - c^T f + 1/2 int u^2`` from ``ac = A c``."""
        return float(0.5 * (c @ ac) - c @ f + 0.5 * self.int_u2)

    def rounding_bound(self, st: dict[str, Any]) -> float:
        """Worst-case rounding error of the loss ``1/2 c^T A c - c^T f + 1/2 int u^2`` (the three
        terms cancel when the coefficients are large): ``eps (|c|^T |A| |c| + 2 |c|^T |f| +
        int u^2)`` (``|A| = A``: the mass matrix is entrywise non-negative)."""
        c = np.abs(st["c"])
        return float(np.finfo(np.float64).eps
                     * (st["cac_abs"] + 2.0 * c @ np.abs(st["f"]) + self.int_u2))

    def quad_error(self, st: dict[str, Any]) -> float:
        """A-posteriori estimate of the quadrature error of ``st["loss"]``: 0 for exact
        moments; for the adaptive triangulation the loss of the same ``c`` with the moments on
        every triangle split once, minus the loss."""
        src = self.target
        if not isinstance(src, AdaptiveMoments):
            return 0.0
        t = src.moments(st["w"], st["b"], self.verts, fine=True)
        f = np.concatenate([st["b"] * t[:, 0] + np.sum(st["w"] * t[:, 1:], axis=1),
                            [src.stats(self.verts, fine=True)[0]]])
        u2 = src.stats(self.verts, fine=True)[1]
        c = st["c"]
        fine = float(0.5 * (c @ st["ac"]) - c @ f + 0.5 * u2)
        return abs(fine - st["loss"])

    def resolved(self, loss: float, est: float) -> bool:
        """Whether the quadrature error estimate is well below the loss
        (:data:`QUAD_SAFETY_2D`, or at the rounding level of ``int u^2``)."""
        return est <= QUAD_SAFETY_2D * loss + 64.0 * np.finfo(float).eps * self.int_u2

    def refine(self) -> bool:
        """Refine the adaptive triangulation (its estimate quartered); False if it cannot."""
        src = self.target
        if not isinstance(src, AdaptiveMoments) or not src.refine(0.25 * src.estimate,
                                                                   _FIT_LEAVES):
            return False
        self.int_u, self.int_u2 = src.stats(self.verts)
        return True

    def rel_error(self, loss: float) -> float:
        """``sqrt(2 J / int u^2)``."""
        return math.sqrt(max(2.0 * loss, 0.0) / self.int_u2)

    def linear(self, w: np.ndarray, b: np.ndarray) -> dict[str, Any]:
        """Linear step at fixed lines: c (constant last), loss and the pieces (``ac = A c``, the
        diagonal of ``A``, ``|c|^T A |c|``; ``A`` itself lives in a workspace the next call
        overwrites)."""
        we, be = self.ext(w, b)
        size = we.shape[0]
        with self.timed("mass_assembly"):
            a = assemble_2d("mass", we, be, self.verts, n_threads=None,
                            out=self.buffer("mass", size))
        t, f = self.load(w, b)
        with self.timed("linear_solve"):
            work = self.buffer("mass_work", size)
            np.copyto(work, a)
            c = psd_solve_checked(work, f, self.solver, overwrite=True)[0]
            ac = a @ c
            cac_abs = float(np.abs(c) @ (a @ np.abs(c)))
        st = {"w": w, "b": b, "c": c, "t": t, "f": f, "ac": ac, "diag_a": np.diag(a).copy(),
              "cac_abs": cac_abs, "loss": self.loss(c, ac, f)}
        if not math.isfinite(st["loss"]):
            raise NonFiniteResultError("sggn 2d: the loss is not finite",
                                       hint="rescale the target")
        if st["loss"] < -2.0 * self.rounding_bound(st) - 1e-12 * self.int_u2:
            raise ConvergenceError(
                f"the loss came out negative ({st['loss']:.3e}): the quadrature of the target "
                "is not accurate enough for it",
                hint="the adaptive triangulation did not resolve the target (a feature narrower "
                "than its start triangles' samples?); pass a built-in target name or a "
                "ShallowNetwork (exact moments), or smooth the target",
            )
        return st

    def gradient(self, st: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(g (n, 3), Gauss-Newton matrix H (3n, 3n) of the hidden neurons) at a linear-step
        state; the constant neuron enters ``g`` through its column of the full matrix only.
        ``H`` is the problem's workspace: the next call overwrites it."""
        w, b, c = st["w"], st["b"], st["c"]
        n = w.shape[0]
        we, be = self.ext(w, b)
        with self.timed("gn_assembly"):
            h = assemble_2d("gauss_newton", w, b, self.verts, n_threads=None,
                            out=self.buffer("gauss_newton", 3 * n))
            col = entries_2d("gauss_newton", we, be, self.verts, np.arange(3 * n),
                             np.array([3 * n]), n_threads=None)[:, 0]
            x = (c[:n, None] * np.column_stack([b, w])).reshape(-1)
            g = (h @ x + c[n] * col).reshape(n, 3) - st["t"]
        return g, h

    def gn_residual(self, st: dict[str, Any], q: np.ndarray, g: np.ndarray, act: np.ndarray
                    ) -> float:
        """``||(H q)_act - g_act|| / ||g_act||`` with the matrix-free exact product
        (:func:`nnla.relu.polygon.matvec_2d`): the check of the Gauss-Newton solve, independent
        of the matrix the solver used."""
        n = st["w"].shape[0]
        with self.timed("gn_check"):
            x = np.zeros(3 * n)
            x[(3 * act[:, None] + np.arange(3)).reshape(-1)] = q.reshape(-1)
            y = matvec_2d("gauss_newton", st["w"], st["b"], self.verts, x, n_threads=None)
            r = y.reshape(n, 3)[act] - g[act]
            ng = float(np.linalg.norm(g[act]))
        return float(np.linalg.norm(r)) / ng if ng > 0 else 0.0


# ------------------------------------------------------------------------------------------------
# Lines: normalisation, initialisation
# ------------------------------------------------------------------------------------------------


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


def initial_lines(init: object, n_neurons: int, rng: np.random.Generator, verts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The starting lines ``(w, b)``: seeded random lines cutting the polygon (``init`` None) or
    those of a 2D network, normalised and clamped (ValueError naming ``init`` otherwise)."""
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


def active_count(w: np.ndarray, b: np.ndarray, verts: np.ndarray) -> int:
    """Neurons whose line cuts the polygon."""
    vals = w @ verts.T + b[:, None]
    return int(np.sum((vals.max(axis=1) > 0) & (vals.min(axis=1) < 0)))


def result_domain(verts: np.ndarray) -> tuple[Any, ...]:
    """:attr:`FitResult.domain` of a 2D fit: the box ``((x0, x1), (y0, y1))`` or the vertices."""
    box = box_of(verts)
    if box is not None:
        return (box[0], box[1]), (box[2], box[3])
    return tuple((float(x), float(y)) for x, y in verts)


# ------------------------------------------------------------------------------------------------
# SgGN
# ------------------------------------------------------------------------------------------------


def _negligible(st: dict[str, Any], n: int, floor: float) -> np.ndarray:
    """Neurons whose contribution ``|c_i| ||sigma_i||`` is negligible against the largest."""
    size = np.abs(st["c"][:n]) * np.sqrt(np.maximum(st["diag_a"][:n], 0.0))
    return size <= _NEGLIGIBLE * max(float(size.max()), floor)


def _reinitialise(prob: Problem2D, st: dict[str, Any], n: int, rng: np.random.Generator
                  ) -> tuple[dict[str, Any], np.ndarray, int]:
    """Put the negligible neurons on random lines if that does not raise the loss; returns the
    state, the neurons still negligible and the count re-initialised."""
    small = _negligible(st, n, np.finfo(float).tiny)
    if not np.any(small):
        return st, small, 0
    w, b = st["w"].copy(), st["b"].copy()
    w[small], b[small] = _random_lines(rng, int(small.sum()), prob.verts)
    trial = prob.linear(w, b)
    if not trial["loss"] <= st["loss"]:
        return st, small, 0
    return trial, _negligible(trial, n, 0.0), int(small.sum())


def _direction(prob: Problem2D, st: dict[str, Any], act: np.ndarray, n: int
               ) -> tuple[np.ndarray, float, float]:
    """The Gauss-Newton direction ``p`` (n, 3) of the active neurons, the slope of J along it and
    the relative residual of its solve against the exact matrix (matrix-free)."""
    c = st["c"][:n]
    g, h = prob.gradient(st)
    rhs = g.copy()
    if act.size < n:  # left-out neurons: zero rows and columns (their unknowns come out 0)
        out = np.setdiff1d(np.arange(n), act)
        idx = (3 * out[:, None] + np.arange(3)).reshape(-1)
        h[idx, :] = 0.0
        h[:, idx] = 0.0
        rhs[out] = 0.0
    with prob.timed("gn_solve"):
        q, _, _ = psd_solve_checked(h, rhs.reshape(-1), prob.solver, overwrite=True)
    del h  # overwritten by the factorization
    q = q.reshape(n, 3)[act]
    res = prob.gn_residual(st, q, g, act)
    p = np.zeros((n, 3))
    p[act] = -q / c[act, None]
    return p, -float(np.sum(g[act] * q)), res  # slope of J along p (<= 0), solve residual


def _line_search(prob: Problem2D, st: dict[str, Any], p: np.ndarray, slope: float
                 ) -> tuple[dict[str, Any] | None, float]:
    """Backtracking (Armijo) from ``gamma = 1``, then doublings after a full step; (state or
    None, gamma)."""
    verts = prob.verts
    r0 = np.column_stack([st["b"], st["w"]])
    gamma, accepted = 1.0, None
    for _ in range(_MAX_HALVINGS):
        r = r0 + gamma * p
        wt, bt = _normalise(r[:, 1:], r[:, 0], verts, st["w"])
        trial = prob.linear(wt, bt)
        if trial["loss"] <= st["loss"] + _ARMIJO * gamma * slope and trial["loss"] < st["loss"]:
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
    return accepted, gamma


def fit_2d(u: Callable[..., Any], n: int, verts: np.ndarray, init: ShallowNetwork | None,
           max_iter: int, tol: float, callback: Callable[[dict[str, Any]], Any] | None,
           progress: bool, seed: int, name: str | None, solver: str = "cholesky") -> FitResult:
    """SgGN in 2D on validated arguments (those of :func:`nnla.sggn.fit`; ``u`` a callable,
    ``verts`` the counter-clockwise polygon, ``name`` the target's name or None).

    From :data:`SERIAL_NUMPY_BLAS` neurons on, numpy's own BLAS runs on one thread during the
    fit (:func:`nnla._blas.serial_other_blas`: its products here are small, and its idle threads
    would spin against nnla's OpenMP loops and scipy's LAPACK); scipy's BLAS keeps its threads
    for the factorizations. (Below, the ~1.6 ms that threadpoolctl takes to find the libraries
    would be a large part of a short fit.)"""
    if n < SERIAL_NUMPY_BLAS:
        return _fit_2d(u, n, verts, init, max_iter, tol, callback, progress, seed, name, solver)
    with serial_other_blas():
        return _fit_2d(u, n, verts, init, max_iter, tol, callback, progress, seed, name, solver)


def _fit_2d(u: Callable[..., Any], n: int, verts: np.ndarray, init: ShallowNetwork | None,
            max_iter: int, tol: float, callback: Callable[[dict[str, Any]], Any] | None,
            progress: bool, seed: int, name: str | None, solver: str) -> FitResult:
    source = moment_source(u, verts)
    prob = Problem2D(source, verts, solver)
    rng = np.random.default_rng(seed)
    w, b = initial_lines(init, n, rng, verts)
    rec = Recorder(callback, progress, max_iter, "sggn 2d")
    reinit, refinements = 0, 0
    st = prob.linear(w, b)
    reason = "max_iter"
    est = prob.quad_error(st)
    stop = rec.record(st["loss"], prob.rel_error(st["loss"]), 0.0, active_count(w, b, verts),
                      est, 0.0)
    it = 0
    while not stop and it < max_iter:
        st, small, count = _reinitialise(prob, st, n, rng)  # J cannot increase
        reinit += count
        act = np.flatnonzero(~small)
        if act.size == 0 or st["loss"] <= 0:  # nothing to improve (e.g. u is a constant)
            reason = "converged"
            break
        p, slope, solve_res = _direction(prob, st, act, n)
        with prob.timed("line_search"):
            accepted, gamma = _line_search(prob, st, p, slope)
        end = None
        if accepted is None:
            end = "stalled"
        else:
            it += 1
            old = st["loss"]
            st = accepted
            with prob.timed("quad_error"):
                est = prob.quad_error(st)
            stop = rec.record(st["loss"], prob.rel_error(st["loss"]), gamma,
                              active_count(st["w"], st["b"], verts), est, solve_res)
            if stop:
                reason = "callback"
                break
            if old - st["loss"] <= tol * old:
                end = "converged"
        if prob.resolved(st["loss"], est):
            if end is not None:
                reason = end
                break
            continue
        # the loss is not resolved (the line search and the stopping test would judge the
        # quadrature's error): refine and go on from the same lines
        if refinements >= _MAX_REFINEMENTS or not prob.refine():
            if end is not None:
                reason = "stalled"
                break
            continue
        refinements += 1
        st = prob.linear(st["w"], st["b"])
        est = prob.quad_error(st)
    if stop and reason != "callback":
        reason = "callback"
    hist = rec.close()
    info = {"n_neurons": n, "reinitialised": reinit, "quadrature": quadrature_info(source),
            "loss_rounding_bound": prob.rounding_bound(st), "quad_error": est,
            "quadrature_refinements": refinements, "solver": solver,
            "time": dict(prob.clock)}
    return FitResult(network_of(st), hist, reason, "sggn", name, 2, result_domain(verts), info)


def network_of(st: dict[str, Any]) -> ShallowNetwork:
    """The network of a linear-step state (the constant neuron last in ``c``)."""
    c = st["c"]
    return ShallowNetwork(st["w"], st["b"], c[:-1], float(c[-1]))
