"""The baselines SgGN is measured against: least squares on fixed uniform breakpoints (1D) and
Adam with exact gradients (1D and 2D)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla._validate import check_float, check_int
from nnla.errors import NonFiniteResultError
from nnla.relu import ShallowNetwork
from nnla.sggn.api import FitArgs, check_fit_args
from nnla.sggn.engine1d import Problem1D, uniform_breakpoints
from nnla.sggn.engine2d import (
    Problem2D,
    active_count,
    initial_lines,
    mass_and_gauss_newton,
    moment_source,
    quadrature_info,
    result_domain,
)
from nnla.sggn.result import HISTORY_KEYS, FitResult, Recorder, progress_bar, record

__all__ = ["adam_1d", "adam_2d", "fit_adam", "fit_least_squares", "loss_grad_1d"]

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8  # Adam's constants


def fit_least_squares(target: str | Callable[..., Any], n_neurons: int, *,
                      domain: ArrayLike | None = None, quadrature: int | None = None,
                      singularities: ArrayLike | None = None) -> FitResult:
    """The 1D baseline: least squares on fixed uniform breakpoints.

    The network of :func:`~nnla.sggn.fit`'s initialisation (neuron 0 at ``a``, breakpoints
    ``a + (b - a) i / n``), with the L2-best output weights from the exact O(n) hat-basis solve.

    Parameters
    ----------
    target, n_neurons, domain, quadrature, singularities
        As in :func:`~nnla.sggn.fit` (1D).

    Returns
    -------
    FitResult
        ``method="least_squares"``, ``reason="solved"``, zero iterations.

    Raises
    ------
    ValueError
        Bad arguments, as in :func:`~nnla.sggn.fit` (a 2D target: least squares is 1D only).

    Examples
    --------
    >>> from nnla.sggn import fit_least_squares
    >>> r = fit_least_squares("jump", 16)
    >>> r.reason, round(r.rel_error, 4)
    ('solved', 0.0919)
    """
    args = check_fit_args(target, n_neurons, domain, 1, quadrature, singularities, None, 0)
    t0 = time.perf_counter()
    prob = Problem1D(args.u, args.domain, args.singularities, args.quadrature)
    st = prob.evaluate(uniform_breakpoints(args.n, prob.a, prob.b))
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    record(hist, st.loss, prob.rel_error(st.loss), 0.0, st.t.size, t0)
    return FitResult(st.network(prob.a), {k: np.asarray(v) for k, v in hist.items()}, "solved",
                     "least_squares", args.name, 1, args.domain,
                     {"n_neurons": args.n, "quadrature": args.quadrature})


def fit_adam(target: str | Callable[..., Any], n_neurons: int, *,
             domain: ArrayLike | None = None, dim: int = 1, steps: int = 20000,
             lr: float = 1e-3, time_limit: float | None = None, seed: int = 0,
             quadrature: int | None = None, singularities: ArrayLike | None = None,
             callback: Callable[[dict[str, Any]], Any] | None = None,
             progress: bool = False) -> FitResult:
    """The baseline: Adam on all parameters ``(c0, c, w, b)`` with exact gradients (NumPy).

    1D: starts from :func:`fit_least_squares`'s network (uniform breakpoints, ``w = 1``, L2-best
    output weights). Every step integrates the loss and its gradient with the quadrature of
    :func:`~nnla.sggn.fit` on the current breakpoints (exact for piecewise polynomials), then
    takes an Adam step (``beta1 = 0.9``, ``beta2 = 0.999``, ``eps = 1e-8``). 2D: the same start
    as :func:`~nnla.sggn.fit`'s iteration 0 (the seeded random lines with ``c`` from the linear
    least-squares solve); every step assembles the exact mass and Gauss-Newton matrices (the
    gradient is ``A c - f`` for ``c`` and ``c_i g_i`` for ``r_i``); ``w`` is not normalised.

    Parameters
    ----------
    target, n_neurons, domain, dim, quadrature, singularities
        As in :func:`~nnla.sggn.fit` (``quadrature`` and ``singularities`` are 1D only).
    steps : int, default 20000
        Maximum Adam steps.
    lr : float, default 1e-3
        Learning rate, > 0.
    time_limit : float, optional
        Stop (``"time_limit"``) once this many seconds have passed: for comparisons at equal
        wall time.
    seed : int, default 0
        Seeds the 2D start (the 1D start is deterministic).
    callback, progress
        As in :func:`~nnla.sggn.fit` (one record per step).

    Returns
    -------
    FitResult
        ``method="adam"``; one history entry per step.

    Raises
    ------
    ValueError
        Bad arguments, as in :func:`~nnla.sggn.fit`, or ``lr`` not positive.

    Examples
    --------
    >>> from nnla.sggn import fit_adam, fit_least_squares
    >>> r = fit_adam("jump", 16, steps=200)
    >>> r.method, r.iterations, r.rel_error < fit_least_squares("jump", 16).rel_error
    ('adam', 200, True)
    >>> r = fit_adam("circle_jump", 8, dim=2, steps=20, lr=1e-2)
    >>> r.iterations, bool(r.loss < r.history["loss"][0])
    (20, True)
    """
    args = check_fit_args(target, n_neurons, domain, dim, quadrature, singularities, callback,
                          seed)
    steps = check_int(steps, "steps", 0)
    lr_val = check_float(lr, "lr", low=0.0, low_open=True)
    if time_limit is not None:
        time_limit = check_float(time_limit, "time_limit", low=0.0)
    if args.dim == 2:
        return adam_2d(args, steps, lr_val, time_limit, bool(progress))
    return adam_1d(args, steps, lr_val, time_limit, bool(progress))


# ------------------------------------------------------------------------------------------------
# Adam in 1D
# ------------------------------------------------------------------------------------------------


def loss_grad_1d(prob: Problem1D, theta: np.ndarray, n: int) -> tuple[float, np.ndarray, int]:
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


def _adam_update(theta: np.ndarray, m1: np.ndarray, m2: np.ndarray, grad: np.ndarray, k: int,
                 lr: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam step ``k`` (1-based): the new ``(theta, m1, m2)``."""
    m1 = _BETA1 * m1 + (1 - _BETA1) * grad
    m2 = _BETA2 * m2 + (1 - _BETA2) * grad * grad
    mhat = m1 / (1 - _BETA1**k)
    vhat = m2 / (1 - _BETA2**k)
    return theta - lr * mhat / (np.sqrt(vhat) + _EPS), m1, m2


def adam_1d(args: FitArgs, steps: int, lr: float, time_limit: float | None,
            progress: bool) -> FitResult:
    """Adam in 1D on validated arguments (see :func:`fit_adam`)."""
    t0 = time.perf_counter()
    n, callback = args.n, args.callback
    prob = Problem1D(args.u, args.domain, args.singularities, args.quadrature)
    net = prob.evaluate(uniform_breakpoints(n, prob.a, prob.b)).network(prob.a)
    theta = np.concatenate(([net.c0], net.c, net.w, net.b))  # (c0, c, w, b)
    m1 = np.zeros_like(theta)
    m2 = np.zeros_like(theta)
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    reason = "max_iter"
    bar = progress_bar(progress, steps, "adam")
    try:
        for k in range(steps + 1):
            loss, grad, active = loss_grad_1d(prob, theta, n)
            if not (np.isfinite(loss) and np.isfinite(grad).all()):
                raise NonFiniteResultError(
                    f"fit_adam: the loss or its gradient is not finite at step {k}",
                    hint="lower lr or rescale the target")
            rec = record(hist, loss, prob.rel_error(loss), lr if k else 0.0, active, t0)
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
            theta, m1, m2 = _adam_update(theta, m1, m2, grad, k + 1, lr)
    finally:
        bar.close()
    final = ShallowNetwork(theta[n + 1:2 * n + 1], theta[2 * n + 1:], theta[1:n + 1],
                           float(theta[0]))
    return FitResult(final, {k: np.asarray(v) for k, v in hist.items()}, reason, "adam",
                     args.name, 1, args.domain,
                     {"n_neurons": n, "lr": lr, "quadrature": args.quadrature})


# ------------------------------------------------------------------------------------------------
# Adam in 2D
# ------------------------------------------------------------------------------------------------


def _loss_grad_2d(prob: Problem2D, theta: np.ndarray, n: int, k: int
                  ) -> tuple[float, np.ndarray, int]:
    """Loss, exact gradient in ``theta = (c (n + 1), b (n), w (2n))`` and the active count."""
    c, b, w = theta[: n + 1], theta[n + 1 : 2 * n + 1], theta[2 * n + 1 :].reshape(n, 2)
    we, be = prob.ext(w, b)
    a, gm = mass_and_gauss_newton(we, be, prob.verts)
    t, f = prob.load(w, b)
    with np.errstate(over="ignore", invalid="ignore"):  # a non-finite loss raises below
        ac = a @ c
        loss = float(0.5 * (c @ ac) - c @ f + 0.5 * prob.int_u2)
    if not math.isfinite(loss):
        raise NonFiniteResultError(f"adam 2d: the loss is not finite at step {k}",
                                   hint="lower lr or rescale the target")
    x = (c[:, None] * np.column_stack([be, we])).reshape(-1)
    gr = ((gm[: 3 * n] @ x).reshape(n, 3) - t) * c[:n, None]
    grad = np.concatenate([ac - f, gr[:, 0], gr[:, 1:].reshape(-1)])
    return loss, grad, active_count(w, b, prob.verts)


def adam_2d(args: FitArgs, steps: int, lr: float, time_limit: float | None,
            progress: bool) -> FitResult:
    """Adam in 2D on validated arguments (see :func:`fit_adam`)."""
    n, verts = args.n, args.domain
    source = moment_source(args.u, verts)
    prob = Problem2D(source, verts)
    rng = np.random.default_rng(args.seed)
    w, b = initial_lines(None, n, rng, verts)
    c = prob.linear(w, b)["c"]
    theta = np.concatenate([c, b, w.reshape(-1)])  # (c (n + 1), b (n), w (2n))
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    rec = Recorder(args.callback, progress, steps, "adam 2d")
    reason = "max_iter"
    k = 0
    while True:
        loss, grad, active = _loss_grad_2d(prob, theta, n, k)
        if rec.record(loss, prob.rel_error(loss), lr if k else 0.0, active):
            reason = "callback"
            break
        if k >= steps:
            break
        if time_limit is not None and rec.elapsed() >= time_limit:
            reason = "time_limit"
            break
        k += 1
        theta, m1, m2 = _adam_update(theta, m1, m2, grad, k, lr)
    hist = rec.close()
    c, b, w = theta[: n + 1], theta[n + 1 : 2 * n + 1], theta[2 * n + 1 :].reshape(n, 2)
    net = ShallowNetwork(w, b, c[:n], float(c[n]))
    info = {"n_neurons": n, "lr": lr, "quadrature": quadrature_info(source)}
    return FitResult(net, hist, reason, "adam", args.name, 2, result_domain(verts), info)
