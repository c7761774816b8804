"""``nnla.analysis``: linear surrogates, linearity reports, spectral comparison, plots.

References are closed forms: exactly linear models with known ``A``; matrices built as
``U diag(s) V^T`` with Haar ``U, V`` and perturbed in known ways (singular values scaled, one
leading singular vector rotated by a known angle, symmetric with known eigenvalues); ridge
solutions from the normal equations on well-conditioned data.
"""

from __future__ import annotations

import math

import nnla
import nnla.analysis as an
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse.linalg

U = 2.0**-53


def haar(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def svd_matrix(rng: np.random.Generator, s: np.ndarray) -> tuple[np.ndarray, ...]:
    n = s.size
    u, v = haar(rng, n), haar(rng, n)
    return u @ np.diag(s) @ v.T, u, v


class CholeskySolver:
    """An object with ``.solve(B)`` applying ``A^{-1}`` for SPD ``A`` (like an nnla.hss factor)."""

    def __init__(self, a: np.ndarray) -> None:
        self.factor = scipy.linalg.cho_factor(a)

    def solve(self, b: np.ndarray) -> np.ndarray:
        return scipy.linalg.cho_solve(self.factor, b)


# ------------------------------------------------------------------------------------------------
# linear_surrogate
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "n", "cond_y"), [(6, 8, 1.0), (8, 8, 1e3), (3, 12, 1e6)])
def test_exact_linear_model_recovered(m: int, n: int, cond_y: float) -> None:
    rng = np.random.default_rng(1)
    A = rng.standard_normal((m, n))
    N = 300
    # Y = W diag(s) Z with singular values from 1 to 1/cond_y
    W = haar(rng, n)
    Z = np.linalg.qr(rng.standard_normal((N, n)))[0].T
    Y = W @ np.diag(np.logspace(0, -math.log10(cond_y), n)) @ Z * math.sqrt(N)
    rep = an.linear_surrogate(Y, A @ Y, holdout=0.25, seed=3)
    assert rep.n_fit + rep.n_holdout == N
    assert rep.n_holdout == 75
    assert rep.rank == n
    tol = 50 * n * U
    assert np.linalg.norm(rep.C - A) / np.linalg.norm(A) <= tol * cond_y
    assert 1 - rep.r2 <= tol
    assert 1 - rep.holdout_r2 <= tol
    assert rep.residual <= tol
    assert rep.holdout_residual <= tol * cond_y
    assert rep.residuals.max() <= 10 * tol


def test_nonlinear_model_flagged() -> None:
    rng = np.random.default_rng(2)
    A = rng.standard_normal((4, 4))
    Y = rng.standard_normal((4, 400))
    quad = an.linear_surrogate(Y, (A @ Y) ** 2)  # no linear part at all
    assert quad.r2 < 0.1
    assert quad.holdout_r2 < 0.1
    assert quad.residual > 0.9
    sat = an.linear_surrogate(3 * Y, np.tanh(A @ (3 * Y)))  # saturated
    assert sat.r2 < 0.9
    lin = an.linear_surrogate(0.001 * Y, np.tanh(A @ (0.001 * Y)))  # linear regime
    assert 1 - lin.r2 < 1e-5


def test_ridge_matches_normal_equations() -> None:
    rng = np.random.default_rng(4)
    Y = rng.standard_normal((5, 60))
    X = rng.standard_normal((3, 60))
    lam = 2.5
    rep = an.linear_surrogate(Y, X, ridge=lam, holdout=0.0)
    ref = np.linalg.solve(Y @ Y.T + lam * np.eye(5), Y @ X.T).T
    np.testing.assert_allclose(rep.C, ref, rtol=1e-13, atol=1e-15)
    assert rep.n_holdout == 0
    assert math.isnan(rep.holdout_r2)
    assert rep.holdout_residuals.size == 0


def test_rank_deficient_data_gives_minimum_norm_solution() -> None:
    rng = np.random.default_rng(5)
    B = rng.standard_normal((6, 2))
    Y = B @ rng.standard_normal((2, 50))  # rank 2
    A = rng.standard_normal((3, 6))
    rep = an.linear_surrogate(Y, A @ Y, holdout=0.0)
    assert rep.rank == 2
    np.testing.assert_allclose(rep.C @ Y, A @ Y, rtol=0, atol=1e-13 * np.abs(A @ Y).max())
    P = B @ np.linalg.solve(B.T @ B, B.T)  # projector onto range(Y): min-norm C = C P
    np.testing.assert_allclose(rep.C, rep.C @ P, atol=1e-13)


def test_split_is_seeded() -> None:
    rng = np.random.default_rng(6)
    Y = rng.standard_normal((3, 50))
    X = np.sin(Y)
    a = an.linear_surrogate(Y, X, seed=1)
    b = an.linear_surrogate(Y, X, seed=1)
    c = an.linear_surrogate(Y, X, seed=2)
    np.testing.assert_array_equal(a.C, b.C)
    assert not np.array_equal(a.C, c.C)
    assert "held-out" in a.summary()
    assert "SurrogateReport(C.shape=(3, 3)" in repr(a)
    np.testing.assert_array_equal(a.predict(Y), a.C @ Y)


# ------------------------------------------------------------------------------------------------
# compare_spectra
# ------------------------------------------------------------------------------------------------


def test_matrix_against_itself_gives_zero_distances() -> None:
    rng = np.random.default_rng(7)
    R = rng.standard_normal((12, 12))
    rep = an.compare_spectra(R, R, k=4)
    assert rep.relative_distance == 0.0
    assert rep.sv_rel_diff.max() == 0.0
    assert rep.eig_rel_diff is not None
    assert rep.eig_rel_diff.max() == 0.0
    assert rep.angles_left.max() <= 1e-12
    assert rep.angles_right.max() <= 1e-12
    assert rep.distance_method == "exact"


def test_perturbed_singular_values_closed_form() -> None:
    rng = np.random.default_rng(8)
    s = np.array([10.0, 6.0, 3.0, 1.0, 0.5, 0.1])
    delta = np.array([1e-3, -2e-3, 0.0, 5e-3, -1e-2, 2e-2])
    R, u, v = svd_matrix(rng, s)
    C = u @ np.diag(s * (1 + delta)) @ v.T
    rep = an.compare_spectra(C, R, k=3)
    np.testing.assert_allclose(rep.sv_rel_diff, np.abs(delta), rtol=1e-10, atol=1e-14)
    exact = np.abs(s * delta).max() / s[0]
    assert rep.relative_distance == pytest.approx(exact, rel=1e-10)
    # same singular vectors: zero angles
    assert rep.angles_left.max() < 1e-10
    assert rep.angles_right.max() < 1e-10


def test_rotated_singular_vector_gives_known_angle() -> None:
    rng = np.random.default_rng(9)
    s = np.array([8.0, 4.0, 2.0, 1.0, 0.5])
    R, u, v = svd_matrix(rng, s)
    k, theta = 2, 0.3
    G = np.eye(5)
    c, sn = math.cos(theta), math.sin(theta)
    G[np.ix_([k - 1, k], [k - 1, k])] = [[c, -sn], [sn, c]]  # mixes u_2 (inside) with u_3
    C = u @ G @ np.diag(s) @ v.T
    rep = an.compare_spectra(C, R, k=k)
    np.testing.assert_allclose(np.sort(rep.angles_left), [0.0, theta], atol=1e-12)
    assert rep.angles_right.max() < 1e-12
    assert rep.sv_rel_diff.max() < 1e-13  # rotation keeps the singular values
    block = (G[np.ix_([1, 2], [1, 2])] - np.eye(2)) @ np.diag(s[1:3])
    assert rep.relative_distance == pytest.approx(np.linalg.norm(block, 2) / s[0], rel=1e-12)


def test_perturbed_eigenvalues_matched() -> None:
    rng = np.random.default_rng(10)
    lam = np.array([5.0, -3.0, 2.0, 1.0, -0.5, 0.25])
    lam2 = lam * np.array([1.01, 1.0, 0.98, 1.0, 1.1, 1.0])
    Q = haar(rng, 6)
    R = Q @ np.diag(lam) @ Q.T
    C = Q @ np.diag(lam2) @ Q.T
    rep = an.compare_spectra(C, R)
    assert rep.eig_ref is not None
    assert rep.eig_C is not None
    assert rep.eig_rel_diff is not None
    order = np.argsort(rep.eig_ref.real)
    np.testing.assert_allclose(rep.eig_ref.real[order], np.sort(lam), rtol=1e-13)
    expected = {float(a): abs(b - a) / abs(a) for a, b in zip(lam, lam2)}
    for r, c, e in zip(rep.eig_ref.real, rep.eig_C.real, rep.eig_rel_diff):
        key = min(expected, key=lambda a: abs(a - r))
        assert e == pytest.approx(expected[key], rel=1e-9, abs=1e-13)
        assert abs(c - r) <= 0.1 * abs(r) * (1 + 1e-9)
    assert rep.relative_distance == pytest.approx(np.abs(lam2 - lam).max() / 5.0, rel=1e-12)


def test_complex_eigenvalues_matched_by_assignment() -> None:
    # rotation-scaling blocks: eigenvalues a +- ib, perturbed
    def blocks(pairs: list[tuple[float, float]]) -> np.ndarray:
        return scipy.linalg.block_diag(*[np.array([[a, -b], [b, a]]) for a, b in pairs])

    R = blocks([(1.0, 2.0), (3.0, 0.5)])
    C = blocks([(1.0, 2.1), (3.0, 0.5)])
    rep = an.compare_spectra(C, R)
    assert rep.eig_rel_diff is not None
    assert np.sort(rep.eig_rel_diff)[-2:] == pytest.approx([0.1 / math.sqrt(5)] * 2, rel=1e-12)
    assert np.sort(rep.eig_rel_diff)[:2] == pytest.approx([0.0, 0.0], abs=1e-15)


def _spd_inverse_problem(n: int = 40):
    rng = np.random.default_rng(11)
    s = np.logspace(0, -3, n)  # A SPD, kappa 1e3; A^{-1} has eigenvalues 1..1e3
    Q = haar(rng, n)
    A = Q @ np.diag(s) @ Q.T
    A = 0.5 * (A + A.T)
    Ainv = Q @ np.diag(1 / s) @ Q.T
    C = Ainv + 1e-2 * rng.standard_normal((n, n))
    return A, Ainv, C


class CholeskyWithOperator(CholeskySolver):
    """Like an nnla.hss factorization: ``.solve`` and ``.aslinearoperator()`` (symmetric)."""

    def aslinearoperator(self) -> scipy.sparse.linalg.LinearOperator:
        n = self.factor[0].shape[0]
        return scipy.sparse.linalg.LinearOperator(
            (n, n), matvec=self.solve, rmatvec=self.solve, matmat=self.solve, dtype=np.float64
        )


@pytest.mark.parametrize(
    "kind", ["callable+adjoint", "solve+hermitian", "linear-operator", "aslinearoperator"]
)
def test_operator_reference_agrees_with_matrix(kind: str) -> None:
    A, Ainv, C = _spd_inverse_problem()
    n = A.shape[0]
    k = 4
    dense = an.compare_spectra(C, Ainv, k=k)
    if kind == "callable+adjoint":
        rep = an.compare_spectra(
            C, lambda B: np.linalg.solve(A, B), adjoint=lambda B: np.linalg.solve(A.T, B), k=k
        )
    elif kind == "solve+hermitian":
        rep = an.compare_spectra(C, CholeskySolver(A), hermitian=True, k=k)
    elif kind == "aslinearoperator":
        rep = an.compare_spectra(C, CholeskyWithOperator(A), k=k)
    else:
        op = scipy.sparse.linalg.LinearOperator(
            (n, n), matvec=lambda v: Ainv @ v, rmatvec=lambda v: Ainv.T @ v, dtype=np.float64
        )
        rep = an.compare_spectra(C, op, k=k)
    assert not rep.reference_formed
    assert rep.sv_ref.size == k
    np.testing.assert_allclose(rep.sv_ref, dense.sv_ref[:k], rtol=1e-10)
    np.testing.assert_allclose(rep.sv_C, dense.sv_C[:k], rtol=1e-14)
    np.testing.assert_allclose(rep.angles_left, dense.angles_left, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(rep.angles_right, dense.angles_right, rtol=1e-6, atol=1e-9)
    assert rep.eig_ref is not None
    assert dense.eig_ref is not None
    top = np.sort(np.abs(dense.eig_ref))[-k:]
    np.testing.assert_allclose(np.sort(np.abs(rep.eig_ref)), top, rtol=1e-10)
    assert rep.distance_method.startswith("power iteration")
    assert rep.relative_distance <= dense.relative_distance * (1 + 1e-12)  # a lower bound
    assert rep.relative_distance == pytest.approx(dense.relative_distance, rel=1e-3)


def test_operator_without_adjoint_is_formed() -> None:
    A, Ainv, C = _spd_inverse_problem(12)
    rep = an.compare_spectra(C, lambda B: np.linalg.solve(A, B), k=3)
    dense = an.compare_spectra(C, Ainv, k=3)
    assert rep.reference_formed
    assert any("formed" in note for note in rep.notes)
    np.testing.assert_allclose(rep.sv_ref, dense.sv_ref, rtol=1e-10)
    assert rep.relative_distance == pytest.approx(dense.relative_distance, rel=1e-10)


def test_data_subspace_distance() -> None:
    rng = np.random.default_rng(12)
    n = 8
    R = rng.standard_normal((n, n))
    z = rng.standard_normal(n)
    z /= np.linalg.norm(z)
    Y = rng.standard_normal((n, 30))
    Y -= np.outer(z, z @ Y)  # data orthogonal to z
    C = R + np.outer(rng.standard_normal(n), z)  # differs from R only on z
    rep = an.compare_spectra(C, R, Y=Y)
    assert rep.relative_distance > 0.05
    assert rep.data_relative_distance is not None
    assert rep.data_relative_distance < 1e-14
    assert "on the data" in rep.summary()


def test_rectangular_has_no_eigenvalues() -> None:
    rng = np.random.default_rng(13)
    R = rng.standard_normal((5, 3))
    rep = an.compare_spectra(R * 1.1, R)
    assert rep.eig_C is None
    np.testing.assert_allclose(rep.sv_rel_diff, 0.1, rtol=1e-12)
    assert rep.relative_distance == pytest.approx(0.1, rel=1e-12)
    assert "SpectraReport(" in repr(rep)


# ------------------------------------------------------------------------------------------------
# linearity_report
# ------------------------------------------------------------------------------------------------


def test_linear_model_stays_linear_under_every_shift() -> None:
    rng = np.random.default_rng(14)
    A = rng.standard_normal((5, 5)) + 5 * np.eye(5)
    Ainv = np.linalg.inv(A)

    def sampler(N: int, g: np.random.Generator) -> np.ndarray:
        return A @ g.standard_normal((5, N))

    rep = an.linearity_report(
        lambda Y: np.linalg.solve(A, Y), sampler, n_samples=100, reference=Ainv
    )
    names = [r.name for r in rep.results]
    assert names == ["train", *an.DEFAULT_SHIFTS]
    for r in rep.results:
        assert 1 - r.r2_transfer < 1e-12, r
        assert r.residual_transfer < 1e-12
        assert r.reference_error is not None
        assert r.reference_error < 1e-13
        assert r.surrogate_reference_error is not None
        assert r.surrogate_reference_error < 1e-12
    assert "model vs ref" in rep.summary()


def test_saturating_model_degrades_off_distribution() -> None:
    A = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 0.5], [0.3, 0.0, 1.0]])

    def model(Y: np.ndarray) -> np.ndarray:
        return np.tanh(A @ Y)

    def sampler(N: int, g: np.random.Generator) -> np.ndarray:
        return 0.01 * g.standard_normal((3, N))

    rep = an.linearity_report(
        model,
        sampler,
        n_samples=300,
        shifts={"x300": lambda Y, g: 300 * Y, "rotate": lambda Y, g: Y[::-1]},
        reference=A,
    )
    assert rep["train"].r2_transfer > 0.9999
    assert rep["rotate"].r2_transfer > 0.9999  # still in the linear regime
    assert rep["x300"].r2_transfer < 0.8
    assert rep["x300"].reference_error is not None
    assert rep["x300"].reference_error > 0.3
    assert rep["train"].reference_error is not None
    assert rep["train"].reference_error < 1e-3
    with pytest.raises(KeyError):
        rep["nope"]
    assert "LinearityReport(" in repr(rep)


def test_shift_strings() -> None:
    rng = np.random.default_rng(15)
    Y = rng.standard_normal((4, 10))
    np.testing.assert_array_equal(an._parse_shift("scale:2.5")(Y, rng), 2.5 * Y)
    R = an._parse_shift("rotate")(Y, rng)
    np.testing.assert_allclose(np.linalg.norm(R, axis=0), np.linalg.norm(Y, axis=0), rtol=1e-14)
    Yo = an._parse_shift("offset:1")(Y, rng)
    d = Yo - Y
    np.testing.assert_allclose(d, d[:, :1] * np.ones((1, 10)), atol=1e-15)  # one constant vector
    rms = math.sqrt(np.mean(np.sum(Y**2, axis=0)))
    assert np.linalg.norm(d[:, 0]) == pytest.approx(rms, rel=1e-14)


# ------------------------------------------------------------------------------------------------
# plot_spectra
# ------------------------------------------------------------------------------------------------


def test_plot_writes_file(tmp_path) -> None:
    rng = np.random.default_rng(16)
    R = rng.standard_normal((6, 6))
    rep = an.compare_spectra(R + 0.01 * rng.standard_normal((6, 6)), R)
    p = an.plot_spectra(rep, tmp_path / "spectra.png")
    assert p.exists()
    assert p.stat().st_size > 1000


def test_plot_bad_report(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"report must be a SpectraReport"):
        an.plot_spectra("report", tmp_path / "x.png")


# ------------------------------------------------------------------------------------------------
# Bad input and docstrings
# ------------------------------------------------------------------------------------------------

_Y = np.ones((3, 10))
_X = np.ones((2, 10))


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        pytest.param((np.ones(10), _X), {}, r"\bY must be 2-D", id="Y-1d"),
        pytest.param((_Y, np.ones((2, 9))), {}, r"Xhat has 9 samples .*Y has 10", id="N"),
        pytest.param((_Y * np.nan, _X), {}, r"\bY contains NaN", id="Y-nan"),
        pytest.param((_Y, _X.astype(str)), {}, r"Xhat must be a numeric", id="Xhat-str"),
        pytest.param((_Y, _X), {"ridge": -1.0}, r"ridge must be a finite number >= 0", id="ridge"),
        pytest.param((_Y, _X), {"holdout": 1.0}, r"holdout must be a finite", id="holdout-1"),
        pytest.param((_Y, _X), {"holdout": -0.1}, r"holdout must be a finite", id="holdout-neg"),
        pytest.param((_Y, _X), {"holdout": 0.99}, r"leaves no sample", id="holdout-all"),
        pytest.param((_Y, _X), {"seed": -2}, r"seed must be an integer", id="seed"),
    ],
)
def test_linear_surrogate_bad_input(args: tuple, kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        an.linear_surrogate(*args, **kw)


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        pytest.param((np.ones(3), np.eye(3)), {}, r"\bC must be 2-D", id="C-1d"),
        pytest.param((np.eye(3), np.eye(4)), {}, r"reference has shape", id="shape"),
        pytest.param((np.eye(3), "abc"), {}, r"reference must be a numeric", id="ref-str"),
        pytest.param((np.eye(3), np.eye(3)), {"k": 0}, r"\bk must be an integer >= 1", id="k0"),
        pytest.param((np.eye(3), np.eye(3)), {"k": 4}, r"\bk must be <= ", id="k-big"),
        pytest.param(
            (np.eye(3), np.eye(3)), {"Y": np.ones((2, 5))}, r"\bY must have 3 rows", id="Y"
        ),
        pytest.param((np.eye(3), np.eye(3)), {"n_iter": 0}, r"n_iter must be", id="n_iter"),
        pytest.param((np.eye(3), lambda B: B[:2]), {}, r"reference has shape", id="op-shape"),
    ],
)
def test_compare_spectra_bad_input(args: tuple, kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        an.compare_spectra(*args, **kw)


def _sampler(N: int, g: np.random.Generator) -> np.ndarray:
    return g.standard_normal((2, N))


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        pytest.param(("model", _sampler), {"n_samples": 10}, r"model must be callable", id="model"),
        pytest.param((np.tanh, 3), {"n_samples": 10}, r"sampler must be callable", id="sampler"),
        pytest.param((np.tanh, _sampler), {"n_samples": 1}, r"n_samples must be", id="n"),
        pytest.param(
            (np.tanh, _sampler), {"n_samples": 10, "shifts": ["warp"]}, r"unknown shift", id="shift"
        ),
        pytest.param(
            (np.tanh, _sampler), {"n_samples": 10, "shifts": "rotate"}, r"not one string", id="str"
        ),
        pytest.param(
            (np.tanh, _sampler), {"n_samples": 10, "shifts": ["scale:x"]}, r"number", id="num"
        ),
        pytest.param(
            (lambda Y: Y[:, :1], _sampler), {"n_samples": 10}, r"model must map", id="model-out"
        ),
        pytest.param(
            (np.tanh, lambda N, g: np.ones((2, N + 1))), {"n_samples": 10}, r"sampler must", id="so"
        ),
    ],
)
def test_linearity_report_bad_input(args: tuple, kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        an.linearity_report(*args, **kw)


def test_public_names() -> None:
    assert "analysis" in nnla.__all__
    assert "datasets" in nnla.__all__
    assert nnla.analysis is an
    for name in an.__all__:
        assert hasattr(an, name)


def test_worked_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/inverse_operator.py, shortened (few Adam steps, narrow network)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "inverse_operator.py"
    if not path.exists():
        pytest.skip("examples/ is not next to the tests")
    spec = importlib.util.spec_from_file_location("inverse_operator", path)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    report, spectra = mod.main(steps=200, n=8, rho=0.9, width=32)
    out = capsys.readouterr().out
    assert "Linearity of the trained model" in out
    assert "model vs ref" in out
    assert [r.name for r in report.results][0] == "train"
    assert spectra.k == 4
    assert not spectra.reference_formed
    # the exact structured solve is exact: A^{-1} A x = x
    A = mod.kms(8, 0.9)
    x = np.random.default_rng(0).standard_normal((8, 3))
    np.testing.assert_allclose(mod.kms_inverse_apply(0.9)(A @ x), x, rtol=0, atol=1e-13)
