"""Tests of HSSMatrix.from_relu: exact 1D generators, ranks, solves, 2D preconditioning.

References: the dense matrices of nnla.relu (closed forms in 1D, exact polygon moments in 2D; both
checked against quadrature in tests/test_relu_*.py), HSSMatrix.from_dense of them, and dense
LAPACK (scipy cho_factor/cho_solve, slogdet).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse.linalg
from nnla import relu
from nnla.errors import DegenerateNeuronsError, NotPositiveDefiniteError
from nnla.hss import HSSMatrix

DENSE = {
    "mass": relu.mass_matrix,
    "heaviside": relu.heaviside_gram,
    "gauss_newton": relu.layer_gauss_newton,
}
# block-row rank bounds of the spec (1D, sorted by breakpoint)
BOUND = {"mass": 6, "heaviside": 3, "gauss_newton": 6}


def network(case: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    rng = np.random.default_rng(seed)
    if case == "uniform":  # the spec's matrix: w = 1, s_i = (i - 1) / n on [0, 1]
        return np.ones(n), -np.arange(n) / n, (0.0, 1.0)
    # mixed orientations and scales, distinct interior breakpoints, one w = 0 neuron
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2.0, n)
    s = rng.permutation(np.linspace(-0.25, 1.0, n) + rng.uniform(0, 0.5 / n, n))
    b = -w * s
    w[3], b[3] = 0.0, 0.7
    return w, b, (-0.3, 1.1)


@pytest.mark.parametrize("kind", ["mass", "heaviside", "gauss_newton"])
@pytest.mark.parametrize("case", ["uniform", "mixed"])
def test_from_relu_1d_matches_dense(kind: str, case: str) -> None:
    n = 160 if kind == "gauss_newton" else 300
    w, b, dom = network(case, n)
    a = DENSE[kind](w, b, dom)
    h = HSSMatrix.from_relu(kind, w, b, domain=dom, leaf_size=16)
    hd = HSSMatrix.from_dense(a, tol=1e-12, leaf_size=16, order=h.perm)
    na = np.linalg.norm(a)
    # exact generators: agreement to rounding (the dense compression is within 1e-12 tol)
    assert np.linalg.norm(h.to_dense() - a) <= 50 * np.finfo(float).eps * na
    assert np.linalg.norm(h.to_dense() - hd.to_dense()) <= 1e-11 * na
    assert max(h.ranks) <= BOUND[kind]
    assert not h.compensated


def test_from_relu_ranks_one_sided() -> None:
    # all w > 0: every off-diagonal block has rank <= 2, a block row <= 4 (spec)
    w, b, _ = network("uniform", 1024)
    h = HSSMatrix.from_relu("mass", w, b, leaf_size=32)
    assert max(h.ranks) <= 4
    assert h.ranks[0] <= 2  # the root's children: one neighbour each


@pytest.mark.parametrize("case", ["uniform", "mixed"])
def test_from_relu_solve_vs_lapack(case: str) -> None:
    n = 600
    w, b, dom = network(case, n, seed=3)
    a = relu.mass_matrix(w, b, dom)
    rhs = a @ np.ones(n)
    x = HSSMatrix.from_relu("mass", w, b, domain=dom).cholesky().solve(rhs)
    xl = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), rhs)
    res = np.linalg.norm(a @ x - rhs) / np.linalg.norm(rhs)
    res_l = np.linalg.norm(a @ xl - rhs) / np.linalg.norm(rhs)
    # kappa(A) ~ 1e11-1e15 here: both are backward stable, compare residuals
    assert res <= max(20 * res_l, 1e-14)


def test_from_relu_heaviside_solution_and_logdet() -> None:
    # H is well conditioned (kappa ~ 1.6 n^2): the solution itself is accurate
    n = 500
    w, b, dom = network("mixed", n, seed=5)
    a = relu.heaviside_gram(w, b, dom)
    rng = np.random.default_rng(7)
    rhs = rng.standard_normal((n, 3))
    f = HSSMatrix.from_relu("heaviside", w, b, domain=dom, leaf_size=24).cholesky()
    x = f.solve(rhs)
    xl = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), rhs)
    cond = np.linalg.cond(a)
    assert np.linalg.norm(x - xl) <= 50 * np.finfo(float).eps * cond * np.linalg.norm(xl)
    sign, ld = np.linalg.slogdet(a)
    assert sign == 1.0
    assert abs(f.logdet() - ld) <= 1e-12 * abs(ld)


def test_from_relu_spd_at_large_n() -> None:
    # kappa ~ 3.9 n^4 = 2.6e14 at n = 2048; the exact representation factors without fallback
    n = 2048
    w, b, _ = network("uniform", n)
    a = relu.mass_matrix(w, b)
    rhs = a @ np.ones(n)
    h = HSSMatrix.from_relu("mass", w, b, tol=1e-2)  # tol does not change the exact 1D path
    assert not h.compensated
    x = h.cholesky().solve(rhs)
    assert np.linalg.norm(a @ x - rhs) <= 2e-14 * np.linalg.norm(rhs)


def test_from_relu_thread_determinism() -> None:
    w, b, dom = network("mixed", 700, seed=2)
    h1 = HSSMatrix.from_relu("mass", w, b, domain=dom, leaf_size=16, n_threads=1)
    h2 = HSSMatrix.from_relu("mass", w, b, domain=dom, leaf_size=16, n_threads=2)
    assert np.array_equal(h1.to_dense(), h2.to_dense())
    rhs = np.random.default_rng(0).standard_normal(700)
    assert np.array_equal(h1.cholesky().solve(rhs), h2.cholesky(n_threads=2).solve(rhs))


def _gn_singular(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A Gauss-Newton matrix singular to working precision (random breakpoints, n = 400)."""
    rng = np.random.default_rng(seed)
    n = 400
    s = rng.uniform(0, 1, n)
    w = rng.choice([-1.0, 1.0], n)
    b = -w * s
    return w, b, relu.layer_gauss_newton(w, b)


def _check_solve(h: HSSMatrix, a: np.ndarray) -> None:
    """The solve is backward stable with respect to H, so ``||A x - b|| <= ||A - H|| ||x|| + c eps
    ||A|| ||x||`` (whatever kappa); ``||A - H||`` is the representation error of the path taken:
    rounding for the exact generators, ~tol for the SPD-preserving compression."""
    eps = np.finfo(float).eps
    na = np.linalg.norm(a)
    rep = np.linalg.norm(h.to_dense() - a)
    assert rep <= (10 * 1e-12 if h.compensated else 50 * eps) * na
    rhs = a @ np.ones(a.shape[0])
    x = h.cholesky().solve(rhs)
    assert np.isfinite(x).all()
    # d: the longest chain of accumulations of the HSS product / ULV solve (u = eps / 2)
    d = 2 * 32 + 4 * sum(h.ranks)
    res = np.linalg.norm(a @ x - rhs)
    assert res <= 4 * eps * np.linalg.norm(rhs) + (rep + d * eps / 2 * na) * np.linalg.norm(x)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_from_relu_numerically_indefinite(seed: int) -> None:
    # random breakpoints: the Gauss-Newton matrix is singular to working precision (lambda_min /
    # lambda_max ~ 1e-18 in double, of either sign; dense LAPACK Cholesky fails for seeds 0 and
    # 1). Whether the ULV Cholesky of the exact representation then succeeds is decided by
    # rounding, so by the BLAS kernels and the CPU: it factors (compensated False), or it fails
    # and from_relu falls back to the SPD-preserving compression of the assembled matrix
    # (compensated True), or (scipy's OpenBLAS 0.3.30, seed 1) a leaf block of that matrix is
    # itself indefinite in rounding. Either a solve accurate to the representation error of the
    # path taken, or NotPositiveDefiniteError with a hint that says what to do; never garbage.
    w, b, a = _gn_singular(seed)
    if seed in (0, 1):
        with pytest.raises(np.linalg.LinAlgError):
            scipy.linalg.cho_factor(a)
    try:
        h = HSSMatrix.from_relu("gauss_newton", w, b)
    except NotPositiveDefiniteError as e:
        message = str(e)
    else:
        _check_solve(h, a)
        return
    assert "shift" in message


def test_from_relu_indefinite_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    # the fallback path on any hardware: the exact representation's factorization reported
    # indefinite (which rounding decides for the matrices above) -> SPD-preserving compression
    from nnla.hss import builders

    real = builders.indefinite
    calls = []

    def first_indefinite(fail: object) -> bool:
        calls.append(fail)
        return True if len(calls) == 1 else real(fail)

    monkeypatch.setattr(builders, "indefinite", first_indefinite)
    w, b, a = _gn_singular(2)
    h = HSSMatrix.from_relu("gauss_newton", w, b)
    assert h.compensated
    _check_solve(h, a)


def test_from_relu_not_spd_raises() -> None:
    # Gauss-Newton matrix on (100, 101): y = (1, x) with x ~ 100 makes it singular to working
    # precision; both the exact factorization and the SPD-preserving fallback fail -> an error
    rng = np.random.default_rng(0)
    n = 400
    s = np.sort(rng.uniform(100.0, 101.0, n))
    w = -3.0 * np.ones(n)
    with pytest.raises(NotPositiveDefiniteError, match="from_relu: the gauss_newton matrix"):
        HSSMatrix.from_relu("gauss_newton", w, -w * s, domain=(100.0, 101.0), leaf_size=16)


def random_lines(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    th = rng.uniform(0, 2 * np.pi, n)
    w = np.c_[np.cos(th), np.sin(th)]
    p = rng.uniform(0, 1, (n, 2))
    return w, -(w * p).sum(axis=1)


def test_from_relu_2d_preconditioner() -> None:
    n = 300
    w, b = random_lines(n, 11)
    a = relu.mass_matrix(w, b)
    h = HSSMatrix.from_relu("mass", w, b, tol=1e-6, leaf_size=32)
    assert np.linalg.norm(h.to_dense() - a) <= 1e-5 * np.linalg.norm(a)
    f = h.cholesky()
    rhs = a @ np.ones(n)
    its = [0]

    def count(_: np.ndarray) -> None:
        its[0] += 1

    x, info = scipy.sparse.linalg.cg(
        a, rhs, M=f.aslinearoperator(), rtol=1e-10, maxiter=200, callback=count
    )
    assert info == 0
    assert np.linalg.norm(a @ x - rhs) <= 1e-10 * np.linalg.norm(rhs) * 1.01
    assert its[0] <= 30  # unpreconditioned CG needs ~1000 here


def test_from_relu_2d_gauss_newton_order() -> None:
    n = 60
    w, b = random_lines(n, 4)
    g = relu.layer_gauss_newton(w, b)
    h = HSSMatrix.from_relu("gauss_newton", w, b, tol=1e-12, leaf_size=12)
    assert np.linalg.norm(h.to_dense() - g) <= 1e-10 * np.linalg.norm(g)
    assert np.array_equal(np.sort(h.perm), np.arange(3 * n))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"matrix": "stiffness"}, "matrix must be one of"),
        ({"w": np.ones((5, 3))}, "w must have shape"),
        ({"b": np.ones(4)}, "b must have shape"),
        ({"tol": 2.0}, "tol must be"),
        ({"leaf_size": 1}, "leaf_size must be"),
        ({"domain": (1.0, 0.0)}, "domain must satisfy"),
        ({"w": np.array([1.0, np.nan, 1.0, 1.0, 1.0])}, "NaN"),
    ],
)
def test_from_relu_bad_input(kwargs: dict, match: str) -> None:
    args = {"matrix": "mass", "w": np.ones(5), "b": -np.arange(5) / 5}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        HSSMatrix.from_relu(**args)


def test_from_relu_degenerate() -> None:
    w = np.ones(6)
    b = -np.array([0.1, 0.2, 0.2, 0.5, 0.7, 2.0])  # a duplicate and a dead neuron
    with pytest.raises(DegenerateNeuronsError, match="degenerate"):
        HSSMatrix.from_relu("mass", w, b)
