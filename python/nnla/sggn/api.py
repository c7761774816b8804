"""The entry point :func:`fit` (SgGN in 1D and 2D) and the argument checks it shares with the
baselines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from numpy.typing import ArrayLike

from nnla._validate import as_interval, as_polygon, check_float, check_int
from nnla.relu import ShallowNetwork
from nnla.sggn.engine1d import fit_1d
from nnla.sggn.engine2d import fit_2d
from nnla.sggn.result import FitResult
from nnla.sggn.solves2d import SOLVERS
from nnla.sggn.targets import resolve_target

__all__ = ["DEFAULT_QUADRATURE", "FitArgs", "check_fit_args", "fit"]

#: Cells of the uniform background grid of the 1D quadrature when ``quadrature`` is None.
DEFAULT_QUADRATURE = 1024


@dataclass(frozen=True)
class FitArgs:
    """The validated arguments every fitting method shares.

    ``domain`` is ``(a, b)`` in 1D and the counter-clockwise polygon (an ``(k, 2)`` array) in 2D;
    ``quadrature`` is None in 2D.
    """

    u: Callable[..., Any]
    name: str | None
    n: int
    dim: int
    domain: Any
    singularities: tuple[float, ...]
    quadrature: int | None
    callback: Callable[[dict[str, Any]], Any] | None
    seed: int


def check_fit_args(target: object, n_neurons: object, domain: object, dim: object,
                   quadrature: object, singularities: ArrayLike | None, callback: object,
                   seed: object) -> FitArgs:
    """Validate the shared arguments (ValueError naming the bad one).

    In 2D, ``quadrature`` and ``singularities`` do not apply (the 2D moments are exact or come
    from the adaptive triangulation of :mod:`nnla.sggn.adaptive2d`) and must be None.

    Examples
    --------
    >>> from nnla.sggn.api import check_fit_args
    >>> args = check_fit_args("jump", 8, None, 1, None, None, None, 0)
    >>> args.domain, args.quadrature, args.singularities
    ((0.0, 1.0), 1024, (0.3333333333333333,))
    """
    dim = check_int(dim, "dim", 1, 2)
    n = check_int(n_neurons, "n_neurons", 1)
    dom = as_interval(domain) if dim == 1 else as_polygon(domain)
    u, name, sing = resolve_target(target, dim, singularities)
    if dim == 2:
        if quadrature is not None:
            raise ValueError("quadrature applies in 1D only (2D integrates the target exactly or "
                             "on its own adaptive triangulation); leave it None with dim=2")
        quad = None
    else:
        quad = DEFAULT_QUADRATURE if quadrature is None else check_int(quadrature, "quadrature", 1)
    if callback is not None and not callable(callback):
        raise ValueError("callback must be callable or None")
    return FitArgs(u, name, n, dim, dom, sing, quad, callback, check_int(seed, "seed", 0))


def fit(target: str | Callable[..., Any], n_neurons: int, *, domain: ArrayLike | None = None,
        dim: int = 1, init: ArrayLike | ShallowNetwork | None = None, max_iter: int = 200,
        tol: float = 1e-10, quadrature: int | None = None,
        singularities: ArrayLike | None = None,
        callback: Callable[[dict[str, Any]], Any] | None = None, progress: bool = False,
        seed: int = 0, solver: str = "cholesky") -> FitResult:
    """Fit a shallow ReLU network to a target by structure-guided Gauss-Newton (SgGN).

    Block alternating iteration: an exact linear step for the output weights, then a layer
    Gauss-Newton step for the hidden layer divided by ``c`` (no Levenberg-Marquardt shift) with a
    backtracking line search. 1D: see :mod:`nnla.sggn.engine1d` (parametrisation, safeguards,
    quadrature); 2D: :mod:`nnla.sggn.engine2d`.

    Parameters
    ----------
    target : str or callable
        A name in :data:`~nnla.sggn.TARGETS`, a :class:`~nnla.sggn.Target` or a vectorised
        ``u(x)`` (``(m,)`` points in 1D, ``(m, 2)`` in 2D, returning ``(m,)``); in 2D also a
        :class:`~nnla.relu.ShallowNetwork` with ``c`` set (integrated exactly).
    n_neurons : int
        Hidden neurons (>= 1). 1D: neuron 0 is the linear part (pinned at ``a``), the other
        ``n_neurons - 1`` breakpoints move.
    domain : optional
        1D ``(a, b)`` (default ``(0, 1)``); 2D a box ``((x0, x1), (y0, y1))`` or the ``(k, 2)``
        vertices of a convex polygon (default the unit square), as
        :func:`nnla._validate.as_polygon` reads it. The flat form ``(x0, x1, y0, y1)`` raises
        ValueError.
    dim : {1, 2}
        Input dimension.
    init : array_like or ShallowNetwork, optional
        1D: the ``n_neurons - 1`` initial interior breakpoints (default: uniform,
        ``a + (b - a) i / n``), or a 1D network (such as a previous fit's) whose breakpoints
        inside the domain are taken. 2D: a 2D network with ``n_neurons`` neurons whose lines are
        the start (default: seeded random lines cutting the domain).
    max_iter : int, default 200
        Maximum iterations.
    tol : float, default 1e-10
        Stop (``"converged"``) when an iteration decreases the loss by less than ``tol`` times
        the loss.
    quadrature : int, optional
        1D only: cells of the uniform background grid of the quadrature (default 1024; raise it
        for a target with features narrower than ``(b - a) / quadrature``). ValueError in 2D.
    singularities : array_like, optional
        1D only: extra points where the target jumps or has a kink or an unbounded derivative
        (added to a built-in target's own; a callable's ``singularities`` attribute is used by
        default). The quadrature puts a node on each; undeclared ones are found by the adaptive
        mesh (:mod:`nnla.sggn.adaptive1d`), at the cost of ~32 target evaluations per cell it
        examines. ValueError in 2D.
    callback : callable, optional
        ``callback(record)`` after every iteration ``>= 1``, with the
        :data:`~nnla.sggn.HISTORY_KEYS` values and ``"iteration"``; a true return value stops the
        fit (reason ``"callback"``).
    progress : bool, default False
        Show a tqdm progress bar (the loss in its postfix) on stderr.
    seed : int, default 0
        Seeds the placement of re-initialised neurons (1D) and the 2D initialisation.
    solver : {"cholesky", "pivoted", "eigh"}, default "cholesky"
        2D: the semidefinite solves of the linear step and the Gauss-Newton direction
        (:mod:`nnla.sggn.solves2d`): Cholesky of the Jacobi-scaled matrix plus a shift of a few
        ulps as the preconditioner of conjugate gradients on the exact matrix (BLAS speed:
        measured on 2 cores, 0.2 s for the Gauss-Newton solve at 1024 neurons, 8.5 s at 4096);
        pivoted Cholesky (the previous default) or the truncated eigendecomposition: the dense
        paths kept for comparison (an iteration at 1024 neurons ~3x and ~16x slower). Each
        is checked against the exact matrix and falls back to the eigendecomposition when it
        misses its tolerance. Unused in 1D (its solves are the exact O(n) ones).

    Returns
    -------
    FitResult
        ``method="sggn"``. 2D: ``info`` holds ``reinitialised`` (neurons re-initialised),
        ``quadrature``, ``n_neurons`` and ``loss_rounding_bound`` (a worst-case bound on the
        rounding error of the final loss, whose terms cancel when clustered lines carry large
        opposite coefficients), ``solver`` and ``time`` (seconds per phase summed over the fit:
        :data:`nnla.sggn.engine2d.CLOCK_PHASES`). SgGN records ``history["quad_error"]``, the
        estimated quadrature error of each loss (0 where it is exact), and in 2D
        ``history["solve_residual"]``, the relative residual of each Gauss-Newton solve
        against the exact matrix.

    Raises
    ------
    ValueError
        Bad ``target``, ``n_neurons``, ``domain``, ``dim``, ``init``, ``max_iter``, ``tol``,
        ``quadrature``, ``singularities`` (or either of the last two with ``dim=2``) or
        ``solver``; a target returning the wrong shape or NaN.

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
    >>> r = fit("line_jump", 8, dim=2, max_iter=5, seed=1)
    >>> r.dim, r.domain, bool(r.rel_error < r.history["rel_error"][0])
    (2, ((0.0, 1.0), (0.0, 1.0)), True)
    """
    args = check_fit_args(target, n_neurons, domain, dim, quadrature, singularities, callback,
                          seed)
    max_iter = check_int(max_iter, "max_iter", 0)
    tol = check_float(tol, "tol", low=0.0)
    if not isinstance(solver, str) or solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if args.dim == 2:
        return fit_2d(args.u, args.n, args.domain, init, max_iter, tol, args.callback,
                      bool(progress), args.seed, args.name, solver)
    return fit_1d(args.u, args.n, args.domain, init, max_iter, tol, args.quadrature,
                  args.singularities, args.callback, bool(progress), args.seed, args.name)
