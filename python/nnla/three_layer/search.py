"""The search for ``mu``: per instance, the best verified candidate of a cascade of stages.

:class:`MuSearch` holds the state of the search over a flat batch (the best residual, ``mu``,
weights and diagnostics of every instance) and runs its stages: one default ``mu`` for every
instance, the ranked candidates and defaults, the other branch of the logarithm, a dense grid as
the last resort, and the refinement off the analytic family. Each stage is batched over the
instances still trying, and an instance keeps its best candidate, so no stage increases its
residual. :func:`search_mu` runs the cascade for a mode of ``solve``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnla.three_layer.candidates import (
    FIRST_COMPLEX,
    FIRST_REAL,
    N_GRID_FALLBACK,
    candidate_lists,
)
from nnla.three_layer.common import U, eigvals, forward_flat, norm1, rel_residual
from nnla.three_layer.construction import Problem, construct
from nnla.three_layer.logarithm import LOG_TOL, rotated_logarithm
from nnla.three_layer.refinement import REFINE_LEVEL, refine

__all__ = ["MuSearch", "search_mu"]

_ACCEPT = 2.0**-44  # a candidate's residual at which an instance stops trying others
_ACCEPT_TAIL = 2.0**-40  # the same, before each of the last N_GRID_FALLBACK ranked candidates
_ALT_TAIL = 2.0**-34  # the other branch's last ranked candidates only above this residual


class MuSearch:
    """The state of the mu search over a flat batch of ``n`` prepared problems.

    Parameters
    ----------
    problem : Problem
        The prepared problems (:func:`nnla.three_layer.construction.prepare`).
    tol : float
        The largest accepted residual of ``solve``.
    nt : int
        Threads of the native kernels.

    Attributes
    ----------
    best, best_res, best_mu : ndarray, shapes (n,), (n, 2), (n,)
        Per instance: the best verified residual (max over the two pairs), both residuals, and
        the ``mu`` that reached it (infinite residuals and ``mu = 0`` before any candidate
        verified).
    w : list of three ndarray, shape (n, d, d)
        The weights of the best candidate (complex128).
    kappa, tried, real_sol : ndarray, shape (n,)
        ``kappa(B1)`` of the best candidate, how many candidates were verified, whether the
        best candidate is a real solution.
    phi_used, norm_l, log_res : ndarray, shape (n,)
        The branch rotation, ``||L||_1`` and the check residual of the logarithm of the best
        candidate.
    branch_gain, refine_gain : ndarray, shape (n,)
        The residual before / after the other-branch stage and the refinement (1: not taken).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.construction import prepare
    >>> from nnla.three_layer.search import MuSearch
    >>> x1, x2, y1, y2 = np.random.default_rng(0).standard_normal((4, 1, 3, 3))
    >>> search = MuSearch(prepare(x1, x2, y1, y2, (), 1), 1e-8, 1)
    >>> search.run_stages([np.full(1, np.log(2.0), dtype=complex)], np.ones(1, bool), False)
    >>> bool(search.best[0] < 1e-12), search.tried.tolist()
    (True, [1])
    """

    def __init__(self, problem: Problem, tol: float, nt: int) -> None:
        n, d = problem.x1.shape[0], problem.x1.shape[-1]
        self.problem = problem
        self.tol = tol
        self.nt = nt
        self.best = np.full(n, np.inf)
        self.best_res = np.full((n, 2), np.inf)
        self.best_mu = np.zeros(n, dtype=np.complex128)
        self.w = [np.zeros((n, d, d), dtype=np.complex128) for _ in range(3)]
        self.kappa = np.full(n, np.inf)
        self.tried = np.zeros(n, dtype=np.int64)
        self.real_sol = np.zeros(n, dtype=bool)
        self.accept = np.minimum(
            tol, np.maximum(_ACCEPT, U * np.maximum(problem.cond_y1, problem.cond_dx))
        )
        # The last ranked grid candidates only for instances still above a looser level
        # (2^-40): they rarely improve an instance already near round-off and cost 4 expm each.
        self.accept_tail = np.minimum(tol, np.maximum(_ACCEPT_TAIL, self.accept))
        self.log_ok = problem.log_res <= LOG_TOL
        # Eigenvalues of G and of L (for the ranking of mu), computed only for the instances
        # that reach a ranked stage; each matrix is one LAPACK call, so an instance's values do
        # not depend on which others are computed with it.
        self.lam_g = np.zeros((n, d), dtype=np.complex128)
        self.ell = np.zeros((n, d), dtype=np.complex128)
        self.have_eig = np.zeros(n, dtype=bool)
        # Instances whose best candidate uses the other branch of the logarithm.
        self.other_branch = np.zeros(n, dtype=bool)
        self.phi_used = problem.phi.copy()
        self.norm_l = norm1(problem.log)
        self.log_res = problem.log_res
        self.branch_gain = np.ones(n)
        self.refine_gain = np.ones(n)

    @property
    def n(self) -> int:
        """The number of instances."""
        return self.best.shape[0]

    def trying(self, active: np.ndarray, level: np.ndarray | None = None) -> np.ndarray:
        """The instances of ``active`` still above ``level`` (default: their acceptance level)
        whose logarithm passed its check."""
        level = self.accept if level is None else level
        return active & (self.best > level) & self.log_ok

    def _eigenvalues(self, idx: np.ndarray) -> None:
        """Eigenvalues of ``G`` and of ``L`` for the instances ``idx`` that lack them."""
        need = idx[~self.have_eig[idx]]
        if need.size:
            p = self.problem
            eig = eigvals(np.concatenate([p.g[need], p.m[need]]), self.nt)
            rot = np.exp(-1j * p.phi[need])[:, None]
            self.lam_g[need] = eig[: need.size]
            self.ell[need] = np.log(eig[need.size :] * rot) + 1j * p.phi[need][:, None]
            self.have_eig[need] = True

    def ranked(self, mode: str, active: np.ndarray, real: bool, **kw: object) -> list[np.ndarray]:
        """The candidate cascade of :func:`candidate_lists` for the instances still trying, as
        (n,) arrays (zero elsewhere)."""
        idx = np.flatnonzero(self.trying(active))
        if idx.size == 0:
            return []
        self._eigenvalues(idx)
        sub = candidate_lists(
            mode, self.lam_g[idx], self.ell[idx], self.problem.n_dx[idx], real=real, nt=self.nt,
            **kw,
        )
        return [self._scatter(idx, mus) for mus in sub]

    def _scatter(self, idx: np.ndarray, mus: np.ndarray) -> np.ndarray:
        full = np.zeros(self.n, dtype=mus.dtype)
        full[idx] = mus
        return full

    def run_stages(
        self,
        stages: list[np.ndarray],
        active: np.ndarray,
        real: bool,
        n_tail: int = 0,
        branch: bool = False,
    ) -> None:
        """Verify each stage's ``mu`` (an (n,) array) for the active instances still trying.

        ``real``: real ``mu`` and real arithmetic; the last ``n_tail`` stages only for instances
        above ``accept_tail``; ``branch``: the candidates use the other branch of the logarithm.
        """
        for i, mus in enumerate(stages):
            tail = i >= len(stages) - n_tail
            idx = np.flatnonzero(self.trying(active, self.accept_tail if tail else None))
            if idx.size == 0:
                return
            mu_s = mus[idx].real.astype(np.float64) if real else mus[idx].astype(np.complex128)
            w1, w2, w3, res, kap = construct(self.problem, idx, mu_s, self.nt)
            r = res.max(axis=1)
            self.tried[idx] += 1
            imp = r < self.best[idx]
            if not imp.any():
                continue
            j = idx[imp]
            self.best[j] = r[imp]
            self.best_res[j] = res[imp]
            self.best_mu[j] = mu_s[imp]
            self.real_sol[j] = real
            self.kappa[j] = kap[imp]
            self.other_branch[j] = branch
            for k, wk in enumerate((w1, w2, w3)):
                self.w[k][j] = wk[imp]

    def auto(self, active: np.ndarray) -> None:
        """``mu="auto"``: one default for every active instance (no eigenvalues needed), then
        the ranked candidates and the other defaults for those it leaves above their level."""
        first = FIRST_REAL if self.problem.x1.dtype.kind == "f" else FIRST_COMPLEX
        self.run_stages([np.full(self.n, first, dtype=np.complex128)], active, real=False)
        stages = self.ranked("auto", active, real=False, skip=first)
        self.run_stages(stages, active, False, N_GRID_FALLBACK)

    def other_branch_stage(self, active: np.ndarray) -> None:
        """The rotated branch of the logarithm, for instances still above ``accept_tail``.

        Eigenvalues of ``M`` near the cut of the principal logarithm (conjugate pairs straddling
        the negative axis) give it a large norm; where the rotated branch passes its check and
        has a smaller norm, its ranked candidates and defaults are tried (the last ranked ones
        only above ``_ALT_TAIL``). Each instance goes on with the branch of its best candidate.
        """
        p, nt = self.problem, self.nt
        alt = np.flatnonzero(self.trying(active, self.accept_tail) & (p.phi == 0))
        if alt.size:
            lr, ph, rr, ell_alt = rotated_logarithm(p.m[alt], nt)
            use = (rr <= LOG_TOL) & (norm1(lr) < self.norm_l[alt])
            alt, lr, ph, rr, ell_alt = alt[use], lr[use], ph[use], rr[use], ell_alt[use]
        if not alt.size:
            return
        log = p.log
        log_alt = log.astype(np.complex128)  # a copy
        log_alt[alt] = lr
        self.problem = replace(p, log=log_alt)
        sub = candidate_lists("auto", self.lam_g[alt], ell_alt, p.n_dx[alt], real=False, nt=nt)
        alt_stages = [self._scatter(alt, mus) for mus in sub]
        on_alt = np.zeros(self.n, dtype=bool)
        on_alt[alt] = True
        before = self.best[alt].copy()
        head = len(alt_stages) - N_GRID_FALLBACK
        self.run_stages(alt_stages[:head], on_alt, False, branch=True)
        # The last ranked candidates only for instances still above _ALT_TAIL.
        on_alt &= self.best > _ALT_TAIL
        self.run_stages(alt_stages[head:], on_alt, False, branch=True)
        taken = self.other_branch[alt]
        back = alt[~taken]
        log_alt[back] = log[back]
        keep = alt[taken]
        self.ell[keep] = ell_alt[taken]
        self.phi_used[keep] = ph[taken]
        self.norm_l[keep] = norm1(log_alt[keep])
        self.log_res[keep] = rr[taken]
        self.branch_gain[keep] = before[taken] / self.best[keep]

    def dense_stage(self, active: np.ndarray) -> None:
        """The last resort, a denser grid, for the instances still above ``tol``."""
        miss = active & (self.best > self.tol)
        if miss.any():
            self.run_stages(self.ranked("auto", miss, real=False, dense=True), miss, real=False)

    def refine_stage(self, active: np.ndarray) -> None:
        """Off the analytic family, one instance at a time, for the instances still above
        ``REFINE_LEVEL``; kept only where it lowers the verified residual."""
        todo = self.trying(active, np.full(self.n, REFINE_LEVEL))
        for i in np.flatnonzero(todo):
            if not np.isfinite(self.best[i]):
                continue
            out = refine(self.problem, int(i), complex(self.best_mu[i]), self.problem.log[i],
                         self.nt)
            if out is not None and out[3].max() < self.best[i]:
                self.refine_gain[i] = self.best[i] / out[3].max()
                for k in range(3):
                    self.w[k][i] = out[k]
                self.best_res[i] = out[3]
                self.best[i] = out[3].max()
                self.kappa[i] = out[4]
                self.real_sol[i] = False

    def finish(self, all_real: bool) -> None:
        """Forward passes for instances without a finite candidate residual, and for real
        solutions returned as complex (``all_real`` false): ``forward`` evaluates them in complex
        arithmetic."""
        p = self.problem
        left = np.flatnonzero(~np.isfinite(self.best) | (self.real_sol & (not all_real)))
        if left.size:
            ws_ = [self.w[k][left] for k in range(3)]
            for k, (xk, yk) in enumerate(((p.x1, p.y1), (p.x2, p.y2))):
                xl, yl = xk[left].astype(np.complex128), yk[left].astype(np.complex128)
                fk, okk = forward_flat(*ws_, xl, self.nt)
                self.best_res[left, k] = rel_residual(fk, yl, okk)
        self.best = self.best_res.max(axis=1)


def _real_ok(problem: Problem, real_if_possible: bool) -> np.ndarray:
    """Instances with real data whose principal logarithm is real: real mu gives real weights."""
    real_ok = np.zeros(problem.x1.shape[0], dtype=bool)
    if real_if_possible and problem.x1.dtype.kind == "f":
        real_ok = problem.phi == 0
        if not np.isrealobj(problem.log):
            real_ok &= (problem.log.imag == 0).all(axis=(-2, -1))
    return real_ok


def search_mu(
    problem: Problem,
    mode: str,
    mu_given: np.ndarray | None,
    tol: float,
    real_if_possible: bool,
    refine: bool,
    nt: int,
) -> MuSearch:
    """Run the mu search of ``solve`` for ``mode`` (``"auto"``, ``"real"``, ``"given"``).

    Returns the :class:`MuSearch` after its stages and :meth:`MuSearch.finish`: its ``best_res``
    are the verified residuals of the weights it holds.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.construction import prepare
    >>> from nnla.three_layer.search import search_mu
    >>> x1, x2, y1, y2 = np.random.default_rng(0).standard_normal((4, 2, 3, 3))
    >>> p = prepare(x1, x2, y1, y2, (2,), 1)
    >>> search = search_mu(p, "auto", None, 1e-8, False, False, 1)
    >>> bool(search.best.max() < 1e-12)
    True
    """
    search = MuSearch(problem, tol, nt)
    real_ok = _real_ok(problem, real_if_possible)
    if mode == "given":
        assert mu_given is not None
        real_mu = real_ok & (mu_given.imag == 0)
        search.run_stages([mu_given], real_mu, real=True)
        search.run_stages([mu_given], ~real_mu, real=False)
    else:
        if real_ok.any():
            stages = search.ranked(mode, real_ok, real=True)
            search.run_stages(stages, real_ok, True, N_GRID_FALLBACK)
            # Real candidates that did not verify fall back to complex ones below.
        if mode == "real":
            stages = search.ranked("real", ~real_ok, real=True)
            search.run_stages(stages, ~real_ok, False, N_GRID_FALLBACK)
        else:
            # Instances with a verified real solution keep it (real_if_possible).
            active = ~(search.real_sol & (search.best <= tol))
            search.auto(active)
            search.other_branch_stage(active)
            search.dense_stage(active)
            if refine:
                search.refine_stage(active)
    search.finish(bool(real_if_possible and search.real_sol.all()))
    return search
