"""The analytic solver: :func:`solve`, from validated input to a verified solution."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._threads import resolve_threads
from nnla.errors import VerificationError
from nnla.three_layer.common import flat_indices, flat_where, fmt, norm1
from nnla.three_layer.construction import Problem, prepare
from nnla.three_layer.refinement import REFINE_MAX_D
from nnla.three_layer.search import MuSearch, search_mu
from nnla.three_layer.solution import ThreeLayerSolution
from nnla.three_layer.validation import MuSpec, mu_spec, pairs, solve_options

__all__ = ["solve"]


def solve(
    X1: ArrayLike,
    X2: ArrayLike,
    Y1: ArrayLike,
    Y2: ArrayLike,
    *,
    mu: MuSpec = "auto",
    tol: float = 1e-8,
    real_if_possible: bool = False,
    refine: bool = False,
    n_threads: int | None = None,
) -> ThreeLayerSolution:
    """Exact weights of ``f(X) = W3 expm(W2 expm(W1 X))`` with ``f(X1) = Y1`` and ``f(X2) = Y2``.

    The construction of :mod:`nnla.three_layer`, for one problem ``(d, d)`` or a batch
    ``(..., d, d)`` of independent problems, with ``expm(-W1 X1)`` taken as the (LU) inverse of
    ``expm(W1 X1)``. The top layer is fitted: ``f(Xk) = W3 Ek`` with
    ``Ek = expm(W2 expm(W1 Xk))`` is linear in ``W3``, and ``W3`` is the least-squares solution of
    ``W3 [E1 E2] = [Y1 Y2]`` (QR, each pair weighted by ``1/||Yk||_F``; equal to ``Y1 expm(-A)``
    in exact arithmetic, so the closed forms of the construction hold to rounding). The returned
    residuals are those of a forward pass of the returned weights: each candidate is checked by
    evaluating ``f(Xk) = W3 expm(W2 expm(W1 Xk))`` from its ``W1, W2, W3`` and ``Xk`` alone (the
    computation of :func:`forward`; ``W3`` is fitted to that pass's ``Ek``), and the candidate
    kept is returned with the residuals of that pass (max over the two pairs of
    ``||f(Xk) - Yk||_F / ||Yk||_F``). Because the least-squares ``W3`` absorbs part of the
    rounding of that double-precision pass, the same weights evaluated in exact arithmetic have
    a somewhat larger residual (2-10x for random d = 8 and 16 data, bench/README.md).
    ``mu`` is chosen per instance:

    - ``"auto"``: candidates ranked by an error model (the spread of ``Re(mu lambda_j)`` over the
      eigenvalues of ``G = (X2 - X1)^{-1} X1`` measures ``kappa(expm(W1 X1))``, the spread of
      ``Re(ell_j / (e^mu - 1))`` over the eigenvalues of ``L`` the cancellation in the top layer,
      plus the sizes of the exponents) on a grid ``|mu|`` in [1e-3, 20] x 12 angles and the
      directions making ``mu lambda`` purely imaginary for the two largest eigenvalues of ``G``.
      First ``mu = 1`` (complex data) or ``mu = i pi/2`` (real data) is verified for all
      instances at once, before any eigenvalues are computed; the instances whose residual is
      above ``max(2^-44, u cond(Y1), u cond(X2 - X1))`` then get the eigenvalues of ``G`` and
      ``M`` and try the best ranked candidate and the other defaults of ``ln 2, i pi/2,
      -i pi/2, 1``, those still above ``max(2^-40, ...)`` the next ten ranked candidates; those
      still above ``max(2^-40, ...)`` then try the other branch of the logarithm (below) with
      the best ranked candidate and the defaults (the ten further ranked ones only above
      ``2^-34``), and those still above ``tol`` a denser grid, with the branch of their best
      candidate (each stage batched over the instances still trying). Each instance keeps its
      best candidate, so no stage increases an instance's residual.
    - ``"real"``: the paper's real ``alpha > 0``, searched in the same way over ``[1e-3, 20]``.
    - a number (or an array of the batch shape): that ``mu``.

    The logarithm is the principal one, ``L = logm(Y1^{-1} Y2)``; where its check
    ``||expm(L) - M||_1 / ||M||_1 <= 1e-10`` fails (eigenvalues at the branch cut), the rotated
    branch ``L = logm(e^{-i phi} M) + i phi I`` is used, with ``phi`` turning the spectrum of
    ``M`` away from the negative real axis. With ``"auto"``, the instances that stay above
    ``max(2^-40, ...)`` after the ranked candidates also try that rotated branch where it passes
    the check and has a smaller 1-norm than the principal logarithm: eigenvalues of ``M`` on
    both sides of the negative real axis (a conjugate pair next to a negative eigenvalue of a
    real ``M``) give the principal logarithm a large norm, and the rounding of the forward pass
    grows with ``||L||`` for every ``mu`` (bench/README.md: ``||L||_1`` 335 -> 30 takes a real
    d = 16 instance from 2.5e-9 to 2.9e-11). ``diagnostics["log_branch"]`` is the ``phi`` of the
    branch kept. Computations are in double precision.

    With ``refine=True`` (and ``mu="auto"``), the instances still above 1e-10 after all of this
    are refined off the analytic family, one at a time (bench/README.md). The solution set of the
    two equations is a manifold of dimension at least ``d^2``; the construction's forced
    ``W1 = mu (X2 - X1)^{-1}`` gives ``G`` a large part along the smallest singular direction
    ``v`` of ``X2 - X1`` and makes ``kappa(expm(W1 X1))`` (and the forward pass's rounding) large.
    The refinement damps that direction, ``W1 = mu (I - (1 - rho) v v^H) (X2 - X1)^{-1}`` with
    ``rho = 0.1`` (then 0.3), solves ``expm(-W2 B1) expm(W2 B2) = M`` for ``W2`` by continuation
    in the target ``expm(s L)``, ``s`` from 0 (``W2 = 0``) to 1, with Newton steps on the
    ``d^2 x d^2`` Jacobian from :func:`nnla.expm_frechet` (``mu`` and ``L`` of the kept
    candidate), and fits ``W3`` as above; the result is verified by its own forward pass and
    kept only if its residual is lower (``diagnostics["refine_gain"]``). It costs
    ``O(d^6)`` per Newton step: 0.4-8 s per refined instance at d = 8, 7-25 s at d = 16
    (at most 1200 Newton steps), hence opt-in; the
    refined weights satisfy the two equations but are no longer those of the closed form.

    Parameters
    ----------
    X1, X2, Y1, Y2 : array_like, shape (..., d, d)
        The two input/output pairs, real or complex, all of the same shape. ``X2 - X1``, ``Y1``
        and ``Y2`` must be invertible (``X1`` and ``X2`` need not be).
    mu : {"auto", "real"} or complex or array_like, default "auto"
        The choice of the scalar parameter (see above). A given ``mu`` must satisfy
        ``e^mu != 1``.
    tol : float, default 1e-8
        Largest accepted residual; a solution above it is never returned (see Raises).
    real_if_possible : bool, default False
        For real data whose ``M = Y1^{-1} Y2`` has a real principal logarithm, search real
        ``mu`` (both signs with ``"auto"``) first; the weights are then real. The output arrays
        are float64 only if every instance of the batch got a real solution; otherwise they are
        complex128 (real solutions have zero imaginary parts).
    refine : bool, default False
        Refine the instances still above 1e-10 off the analytic family (see above). Needs
        ``mu="auto"`` and ``d <= 16`` (``ValueError`` otherwise).
    n_threads : int, optional
        OpenMP threads of the native kernels (default: :func:`nnla.get_num_threads`). Results do
        not depend on it, nor on whether the instances are solved together or one at a time.

    Returns
    -------
    ThreeLayerSolution
        The weights, the verified residuals, ``mu`` and the diagnostics, with batch shape ``...``.

    Raises
    ------
    ValueError
        If the four arrays are not stacks of square matrices of the same shape, contain NaN or
        Inf, ``mu`` is not ``"auto"``, ``"real"`` or a finite number, or ``e^mu = 1``.
    nnla.errors.SingularMatrixError
        If ``X2 - X1``, ``Y1`` or ``Y2`` is singular or numerically singular (1-norm condition
        number at least ``1/(d u)``); the message names the matrix, the condition numbers (and
        ``||G||`` for ``X2 - X1`` where it can be formed) and the batch indices.
    nnla.errors.VerificationError
        If some instance's best verified residual exceeds ``tol`` (or its logarithm fails its
        check on both branches). For a batch the error is raised once, naming every failing
        instance in ``indices``; ``err.result`` holds the complete solution (the failing
        instances included, with their residuals) and ``err.diagnostics`` the diagnostics.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> rng = np.random.default_rng(0)
    >>> X1, X2, Y1, Y2 = rng.standard_normal((4, 3, 3))
    >>> sol = three_layer.solve(X1, X2, Y1, Y2)
    >>> bool(sol.residuals.max() < 1e-12)
    True
    >>> f2 = three_layer.forward(sol, X2)
    >>> bool(np.allclose(f2, Y2, rtol=0, atol=1e-12))
    True
    """
    arrs, batch, d = pairs(X1, X2, Y1, Y2)
    mode, mu_given = mu_spec(mu, batch)
    tol, refine = solve_options(tol, refine, mode, d, REFINE_MAX_D)
    nt = resolve_threads(n_threads)
    n = int(np.prod(batch, dtype=np.int64))
    is_real = all(a.dtype.kind == "f" for a in arrs)
    wdt = np.float64 if is_real else np.complex128
    x1, x2, y1, y2 = (np.ascontiguousarray(a, dtype=wdt).reshape(n, d, d) for a in arrs)
    if n == 0:
        z = np.zeros((*batch, d, d), dtype=np.complex128)
        return ThreeLayerSolution(
            z, z.copy(), z.copy(), np.zeros((*batch, 2)), np.zeros(batch, dtype=np.complex128), {}
        )
    problem = prepare(x1, x2, y1, y2, batch, nt)
    search = search_mu(problem, mode, mu_given, tol, real_if_possible, refine, nt)
    sol = _solution(problem, search, batch, bool(real_if_possible))
    _raise_if_unverified(sol, problem, search, batch, tol)
    return sol


def _solution(
    problem: Problem, search: MuSearch, batch: tuple[int, ...], real_if_possible: bool
) -> ThreeLayerSolution:
    """The solution of the search's best candidates, reshaped to the batch: float64 weights only
    if every instance got a real solution."""
    d = problem.x1.shape[-1]
    all_real = bool(real_if_possible and search.real_sol.all())
    out_dt = np.float64 if all_real else np.complex128
    shp = (*batch, d, d)
    ws = [(wk.real if all_real else wk).astype(out_dt).reshape(shp) for wk in search.w]
    mu_out = (search.best_mu.real if all_real else search.best_mu).reshape(batch)
    diagnostics = {
        "cond_dx": problem.cond_dx,
        "norm_g": problem.norm_g,
        "cond_y1": problem.cond_y1,
        "cond_y2": problem.cond_y2,
        "cond_m": problem.cond_m,
        "log_branch": search.phi_used,
        "log_residual": search.log_res,
        "norm_l": search.norm_l,
        "kappa_b1": search.kappa,
        "norm_w1": norm1(search.w[0]),
        "norm_w2": norm1(search.w[1]),
        "norm_w3": norm1(search.w[2]),
        "candidates": search.tried,
        "branch_gain": search.branch_gain,
        "refine_gain": search.refine_gain,
    }
    diagnostics = {k: np.asarray(v).reshape(batch) for k, v in diagnostics.items()}
    return ThreeLayerSolution(
        ws[0], ws[1], ws[2], search.best_res.reshape(*batch, 2), mu_out, diagnostics
    )


def _raise_if_unverified(
    sol: ThreeLayerSolution, problem: Problem, search: MuSearch, batch: tuple[int, ...], tol: float
) -> None:
    """Raise :class:`nnla.errors.VerificationError` naming the instances above ``tol``."""
    best = search.best
    fail = ~(best <= tol)
    if not fail.any():
        return
    reason = (
        "the logarithm of Y1^{-1} Y2 failed its check on both branches"
        if (~search.log_ok & fail).any()
        else "no candidate mu reached the tolerance"
    )
    raise VerificationError(
        f"three_layer.solve: the verified residual exceeds tol = {tol:g}"
        f"{flat_where(fail, batch)}: residual {fmt(best[fail])} ({reason}); cond(X2 - X1) = "
        f"{fmt(problem.cond_dx[fail])}, cond(Y1) = {fmt(problem.cond_y1[fail])}, kappa(B1) = "
        f"{fmt(search.kappa[fail])}",
        hint=(
            "the residual is limited by cond(X2 - X1) and cond(Y1) (about u times them); "
            "try another mu, or a larger tol if the problem is this ill conditioned"
        ),
        indices=flat_indices(fail, batch),
        result=sol,
        diagnostics=sol.diagnostics,
    )
