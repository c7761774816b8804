"""The checked semidefinite solves of the 2D engine (nnla.sggn.solves2d): shifted Cholesky with
CG refinement and pivoted Cholesky against the truncated eigendecomposition and dense least
squares, the residual check and its fallback, the in-place workspace, and the solver option of
fit."""

from __future__ import annotations

import nnla.sggn.solves2d as solves2d
import numpy as np
import pytest
from nnla.relu.polygon import assemble_2d
from nnla.sggn import fit
from nnla.sggn.solves2d import psd_solve_checked

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def _clustered_gauss_newton(n: int, seed: int) -> np.ndarray:
    """The exact 2D layer Gauss-Newton matrix of lines in tight clusters (kappa beyond 1/u)."""
    rng = np.random.default_rng(seed)
    th = np.repeat(rng.uniform(0, 2 * np.pi, n // 4), 4) + 1e-7 * rng.standard_normal(n)
    w = np.column_stack([np.cos(th), np.sin(th)])
    b = -(w @ [0.5, 0.5]) + np.repeat(rng.uniform(-0.3, 0.3, n // 4), 4)
    return assemble_2d("gauss_newton", w, b, SQUARE, n_threads=1)


@pytest.mark.parametrize("method", ["cholesky", "pivoted"])
@pytest.mark.parametrize(("n", "seed"), [(24, 3), (40, 8), (44, 1)])
def test_solves_singular_systems_like_least_squares(n: int, seed: int, method: str) -> None:
    g = _clustered_gauss_newton(n, seed)
    assert np.linalg.cond(g) > 1e16  # singular to working precision
    rhs = g @ np.random.default_rng(seed + 1).standard_normal(g.shape[0])  # in the range
    x, res, used = psd_solve_checked(g, rhs, method)
    ref = np.linalg.lstsq(g, rhs, rcond=None)[0]
    assert used == method
    assert res < 1e-9
    # both minimise the model: the same value of 1/2 x^T G x - rhs^T x
    model = lambda v: 0.5 * v @ g @ v - rhs @ v  # noqa: E731
    assert model(x) == pytest.approx(model(ref), rel=1e-8)
    xe, rese, used_e = psd_solve_checked(g, rhs, "eigh")
    assert used_e == "eigh"
    assert model(x) == pytest.approx(model(xe), rel=1e-8)


def test_a_poor_pivoted_solve_falls_back(monkeypatch) -> None:
    g = _clustered_gauss_newton(24, 5)
    rhs = g @ np.random.default_rng(6).standard_normal(g.shape[0])
    monkeypatch.setattr(solves2d, "PIVOT_TOL", 0.5)  # stops far too early: a poor solve
    x, res, used = psd_solve_checked(g, rhs, "pivoted")
    assert used == "eigh"
    assert res < 1e-8
    assert np.linalg.norm(g @ x - rhs) <= 1e-8 * np.linalg.norm(rhs)


def test_fit_records_the_solve_residual_and_checks_the_solver() -> None:
    r = fit("circle_jump", 12, dim=2, max_iter=3, seed=2, solver="pivoted")
    assert r.info["solver"] == "pivoted"
    res = r.history["solve_residual"]
    assert res.shape == r.history["loss"].shape
    assert np.all(np.isfinite(res))
    e = fit("circle_jump", 12, dim=2, max_iter=3, seed=2, solver="eigh")
    assert e.info["solver"] == "eigh"
    # the same first step to the accuracy of the solves
    assert r.history["loss"][1] == pytest.approx(e.history["loss"][1], rel=1e-6)
    with pytest.raises(ValueError, match="solver"):
        fit("circle_jump", 12, dim=2, solver="lu")


def _indefinite(n: int, seed: int) -> np.ndarray:
    """A symmetric matrix with one clearly negative eigenvalue (no Cholesky factor at any of the
    shifts tried)."""
    q = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))[0]
    lam = np.geomspace(1.0, 1e-14, n)
    lam[n // 2] = -1e-3
    return (q * lam) @ q.T


def test_cholesky_in_place_gives_the_same_solution() -> None:
    g = _clustered_gauss_newton(40, 8)
    rhs = g @ np.random.default_rng(2).standard_normal(g.shape[0])
    x, res, used = psd_solve_checked(g, rhs, "cholesky")
    work = np.array(g)
    xi, resi, usedi = psd_solve_checked(work, rhs, "cholesky", overwrite=True)
    assert used == usedi == "cholesky"
    assert np.array_equal(x, xi)
    assert resi == pytest.approx(res, rel=1e-3, abs=1e-15)
    assert not np.array_equal(work, g)  # the workspace holds the factor now
    # a non-contiguous matrix is copied, never written
    gf = np.asfortranarray(g)
    xf, _, _ = psd_solve_checked(gf[:, :], rhs, "cholesky", overwrite=True)
    assert np.array_equal(gf, g)
    assert np.allclose(xf, x, rtol=1e-8, atol=1e-8 * np.abs(x).max())


@pytest.mark.parametrize("overwrite", [False, True])
def test_cholesky_falls_back_when_no_shift_factors(overwrite: bool) -> None:
    m = _indefinite(30, 4)
    rhs = m @ np.random.default_rng(5).standard_normal(30)
    x, res, used = psd_solve_checked(np.array(m), rhs, "cholesky", overwrite=overwrite)
    xe, rese, _ = psd_solve_checked(m, rhs, "eigh")
    assert used == "eigh"
    # the same truncated eigendecomposition (of a differently rounded scaled copy)
    model = lambda v: 0.5 * v @ m @ v - rhs @ v  # noqa: E731
    assert model(x) == pytest.approx(model(xe), rel=1e-8)
    assert res == pytest.approx(rese, rel=0.5, abs=1e-12)


def test_cholesky_falls_back_when_it_misses_the_tolerance(monkeypatch) -> None:
    g = _clustered_gauss_newton(40, 3)
    rhs = g @ np.random.default_rng(9).standard_normal(g.shape[0])
    calls = []
    orig = solves2d._eigh

    def eigh(ms, rs):  # noqa: ANN001, ANN202
        calls.append(ms.shape)
        return orig(ms, rs)

    monkeypatch.setattr(solves2d, "_eigh", eigh)
    x, res, used = psd_solve_checked(g, rhs, "cholesky")
    assert used == "cholesky"
    assert not calls
    # an unreachable tolerance: the eigendecomposition is tried, the smaller residual kept
    monkeypatch.setattr(solves2d, "RESIDUAL_TOL", 0.0)
    monkeypatch.setattr(solves2d, "BACKWARD_TOL", 0.0)
    x2, res2, used2 = psd_solve_checked(g, rhs, "cholesky")
    assert calls == [g.shape]
    xe = orig(solves2d._scaled(g)[0], rhs / solves2d._jacobi(g)) / solves2d._jacobi(g)
    rese = np.linalg.norm(g @ xe - rhs) / np.linalg.norm(rhs)
    assert res2 == pytest.approx(min(res, rese), rel=1e-12)
    assert used2 == ("cholesky" if res <= rese else "eigh")


def test_the_backward_error_check_accepts_large_near_null_solutions() -> None:
    # the residual floor of any solve is ~u ||M|| ||x||: with x large along the near-null
    # directions no solver reaches RESIDUAL_TOL, and the scaled backward error decides
    g = _clustered_gauss_newton(40, 8)
    rng = np.random.default_rng(0)
    lam, v = np.linalg.eigh(g)
    rhs = g @ rng.standard_normal(g.shape[0]) + 1e-6 * lam[-1] * v[:, 5]  # near-null part
    x, res, used = psd_solve_checked(g, rhs, "cholesky")
    assert used == "cholesky"
    d = np.sqrt(np.diag(g))
    ms = g / np.outer(d, d)
    eta = (np.linalg.norm((g @ x - rhs) / d)
           / (np.linalg.norm(ms) * np.linalg.norm(x * d) + np.linalg.norm(rhs / d)))
    assert res <= solves2d.RESIDUAL_TOL or eta <= solves2d.BACKWARD_TOL


def test_fit_defaults_to_cholesky_and_matches_the_dense_paths() -> None:
    r = fit("circle_jump", 24, dim=2, max_iter=4, seed=5)
    assert r.info["solver"] == "cholesky"
    e = fit("circle_jump", 24, dim=2, max_iter=4, seed=5, solver="eigh")
    # the same iterates to the accuracy of the solves (these few steps do not yet diverge)
    assert np.allclose(r.history["loss"][:3], e.history["loss"][:3], rtol=1e-7, atol=0)
    assert np.allclose(r.history["loss"], e.history["loss"], rtol=1e-4, atol=0)
    assert np.all(r.history["solve_residual"][1:] < 1e-6)
    t = r.info["time"]
    assert set(t) == {"mass_assembly", "target_moments", "linear_solve", "gn_assembly",
                      "gn_solve", "gn_check", "line_search", "quad_error"}
    assert all(v >= 0 for v in t.values())
    assert t["gn_solve"] > 0
    assert t["line_search"] > 0


def test_gn_residual_is_the_dense_residual() -> None:
    from nnla._validate import as_polygon
    from nnla.sggn.engine2d import Problem2D, initial_lines, moment_source
    from nnla.sggn.targets import resolve_target

    verts = as_polygon(None)
    u = resolve_target("circle_layer", 2, None)[0]
    prob = Problem2D(moment_source(u, verts), verts)
    w, b = initial_lines(None, 20, np.random.default_rng(1), verts)
    st = prob.linear(w, b)
    g, h = prob.gradient(st)
    act = np.array([0, 2, 3, 7, 8, 11, 19])
    q = np.random.default_rng(2).standard_normal((act.size, 3))
    idx = (3 * act[:, None] + np.arange(3)).reshape(-1)
    dense = h[np.ix_(idx, idx)] @ q.reshape(-1) - g[act].reshape(-1)
    ref = np.linalg.norm(dense) / np.linalg.norm(g[act])
    assert prob.gn_residual(st, q, g, act) == pytest.approx(ref, rel=1e-12)
    # the gradient's constant-neuron column: against the full (n+1)-neuron matrix
    we, be = prob.ext(st["w"], st["b"])
    full = assemble_2d("gauss_newton", we, be, verts, n_threads=1)
    x = (st["c"][:, None] * np.column_stack([be, we])).reshape(-1)
    assert np.allclose(g.reshape(-1), full[:60] @ x - st["t"].reshape(-1), rtol=0,
                       atol=1e-14 * np.abs(full[:60]) @ np.abs(x))
