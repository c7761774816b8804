"""The checked semidefinite solves of the 2D engine (nnla.sggn.solves2d): pivoted Cholesky
against the truncated eigendecomposition and dense least squares, the residual check and its
fallback, and the solver option of fit."""

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


@pytest.mark.parametrize(("n", "seed"), [(24, 3), (40, 8)])
def test_pivoted_solves_singular_systems_like_least_squares(n: int, seed: int) -> None:
    g = _clustered_gauss_newton(n, seed)
    rhs = g @ np.random.default_rng(seed + 1).standard_normal(g.shape[0])  # in the range
    x, res, used = psd_solve_checked(g, rhs, "pivoted")
    ref = np.linalg.lstsq(g, rhs, rcond=None)[0]
    assert used == "pivoted"
    assert res < 1e-10
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
    r = fit("circle_jump", 12, dim=2, max_iter=3, seed=2)
    assert r.info["solver"] == "pivoted"
    res = r.history["solve_residual"]
    assert res.shape == r.history["loss"].shape
    assert np.all(np.isfinite(res))
    e = fit("circle_jump", 12, dim=2, max_iter=3, seed=2, solver="eigh")
    assert e.info["solver"] == "eigh"
    # the same first step to the accuracy of the solves
    assert r.history["loss"][1] == pytest.approx(e.history["loss"][1], rel=1e-6)
    with pytest.raises(ValueError, match="solver"):
        fit("circle_jump", 12, dim=2, solver="cholesky")
