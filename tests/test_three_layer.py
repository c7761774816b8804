"""``nnla.three_layer``: the analytic three-layer matrix-exponential network.

References are independent of the code under test: the closed forms of the construction
(mu = ln 2, mu = i pi, Y1 = Y2), numpy/scipy LAPACK inverses and square roots, an mpmath forward
pass at 50 digits, central finite differences for the gradient.
"""

from __future__ import annotations

from pathlib import Path

import mpmath
import nnla
import numpy as np
import pytest
import scipy.linalg
from nnla import three_layer as tl
from nnla._native import Status
from nnla.cli import main
from nnla.errors import SingularMatrixError, VerificationError
from nnla.three_layer import baselines, common, logarithm, search
from nnla.three_layer.refinement import REFINE_LEVEL

U = np.finfo(np.float64).eps / 2


def _gauss(rng: np.random.Generator, shape: tuple[int, ...], cplx: bool) -> np.ndarray:
    a = rng.standard_normal(shape)
    if cplx:
        a = (a + 1j * rng.standard_normal(shape)) / np.sqrt(2)
    return a


def _pairs(rng: np.random.Generator, n: int | None, d: int, cplx: bool) -> list[np.ndarray]:
    shape = (d, d) if n is None else (n, d, d)
    return [_gauss(rng, shape, cplx) for _ in range(4)]


def _well_conditioned(rng: np.random.Generator, d: int, cplx: bool = False) -> list[np.ndarray]:
    """Pairs with X2 - X1, Y1, Y2 close to the identity (condition numbers O(1))."""
    eye = np.eye(d)
    x1 = _gauss(rng, (d, d), cplx)
    x2 = x1 + eye + 0.2 * _gauss(rng, (d, d), cplx)
    y1 = eye + 0.2 * _gauss(rng, (d, d), cplx)
    y2 = eye + 0.2 * _gauss(rng, (d, d), cplx)
    return [x1, x2, y1, y2]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# ------------------------------------------------------------------------------------------------
# Closed forms and invariances
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cplx", [False, True])
def test_mu_ln2_gives_w3_y1_y2inv_y1(cplx: bool) -> None:
    x1, x2, y1, y2 = _well_conditioned(np.random.default_rng(1), 4, cplx)
    sol = tl.solve(x1, x2, y1, y2, mu=np.log(2.0))
    assert _rel(sol.W3, y1 @ np.linalg.solve(y2, y1)) < 1e-13
    assert _rel(sol.W1, np.log(2.0) * np.linalg.inv(x2 - x1)) < 1e-14
    assert sol.residual < 1e-14


@pytest.mark.parametrize("cplx", [False, True])
def test_mu_i_pi_gives_w3_y1_sqrt_m(cplx: bool) -> None:
    x1, x2, y1, y2 = _well_conditioned(np.random.default_rng(2), 4, cplx)
    sol = tl.solve(x1, x2, y1, y2, mu=1j * np.pi)
    m = np.linalg.solve(y1, y2)
    # |mu| = pi: kappa(expm(W1 X1)) amplifies rounding more than the automatic choice does.
    assert _rel(sol.W3, y1 @ scipy.linalg.sqrtm(m.astype(complex))) < 1e-12
    assert sol.residual < 1e-12


def test_equal_outputs_give_w2_zero() -> None:
    rng = np.random.default_rng(3)
    x1, x2, y1, _ = _pairs(rng, None, 3, cplx=False)
    sol = tl.solve(x1, x2, y1, y1.copy(), mu=np.log(2.0))
    # L = logm(Y1^-1 Y1) is zero up to rounding, so W2 = L expm(-W1 X1) is too.
    bound = 10 * U * float(sol.diagnostics["cond_y1"]) * np.linalg.norm(
        scipy.linalg.expm(-(sol.W1 @ x1))
    )
    assert np.linalg.norm(sol.W2) <= bound
    assert sol.residual < 1e-14


@pytest.mark.parametrize(("s", "t"), [(3.0, 1.0), (1.0, 0.25), (-0.5, 2.0 - 1j)])
def test_invariances_under_scaling(s: complex, t: complex) -> None:
    x1, x2, y1, y2 = _well_conditioned(np.random.default_rng(4), 3, cplx=True)
    mu = 0.3 + 1.2j
    a = tl.solve(x1, x2, y1, y2, mu=mu)
    b = tl.solve(s * x1, s * x2, t * y1, t * y2, mu=mu)
    assert _rel(b.W1, a.W1 / s) < 1e-14
    assert _rel(b.W2, a.W2) < 1e-13
    assert _rel(b.W3, t * a.W3) < 1e-13


def test_real_solution_for_data_with_real_logarithm() -> None:
    rng = np.random.default_rng(5)
    d = 4
    x1, x2 = _gauss(rng, (2, d, d), cplx=False)
    y1 = np.eye(d) + 0.3 * rng.standard_normal((d, d))
    y2 = y1 @ scipy.linalg.expm(0.4 * rng.standard_normal((d, d)))  # M = expm(S): real log
    sol = tl.solve(x1, x2, y1, y2, real_if_possible=True)
    assert sol.W1.dtype == sol.W2.dtype == sol.W3.dtype == np.float64
    assert np.isrealobj(sol.mu)
    assert sol.residual < 1e-13
    # Without the request the weights are complex (and also exact).
    c = tl.solve(x1, x2, y1, y2)
    assert c.W1.dtype == np.complex128
    assert c.residual < 1e-13
    # A real given mu gives the same real weights as the closed form W1 = mu (X2 - X1)^-1.
    r = tl.solve(x1, x2, y1, y2, mu=0.7, real_if_possible=True)
    assert r.W3.dtype == np.float64
    assert _rel(r.W1, 0.7 * np.linalg.inv(x2 - x1)) < 1e-14


def test_mu_real_searches_positive_alpha() -> None:
    rng = np.random.default_rng(6)
    x1, x2, y1, y2 = _pairs(rng, 10, 3, cplx=False)
    sol = tl.solve(x1, x2, y1, y2, mu="real")
    assert np.all(sol.mu.imag == 0)
    assert np.all(sol.mu.real > 0)
    assert sol.residual.max() < 1e-10


def test_real_if_possible_falls_back_to_complex_for_negative_eigenvalues() -> None:
    rng = np.random.default_rng(7)
    x1, x2 = _gauss(rng, (2, 3, 3), cplx=False)
    y1 = np.eye(3)
    y2 = np.diag([-1.0, 2.0, 3.0])  # M has a negative eigenvalue: no real principal logarithm
    sol = tl.solve(x1, x2, y1, y2, real_if_possible=True)
    assert sol.W1.dtype == np.complex128
    assert sol.residual < 1e-14


# ------------------------------------------------------------------------------------------------
# Branch cut
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "m",
    [
        np.diag([-1.0, -2.0, 3.0]),
        np.array([[-2.0, 1.0], [0.0, -2.0]]),  # Jordan block at -2 (scipy's logm gives NaN)
        np.array([[-2.0, 1.0, 0.0], [0.0, -2.0, 1.0], [0.0, 0.0, -2.0]]),
        np.array([[-1.0, 1e-8], [0.0, -1.0 - 1e-12]]),
    ],
)
def test_branch_cut_cases(m: np.ndarray) -> None:
    rng = np.random.default_rng(8)
    d = m.shape[0]
    q = scipy.linalg.qr(rng.standard_normal((d, d)))[0]
    y1 = np.eye(d) + 0.2 * rng.standard_normal((d, d))
    y2 = y1 @ q @ m @ q.T
    x1, x2 = _gauss(rng, (2, d, d), cplx=False)
    sol = tl.solve(x1, x2, y1, y2)
    assert sol.residual < 1e-12
    assert sol.diagnostics["log_residual"] < 1e-12


def test_rotated_branch_is_a_logarithm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the principal logm fails, L = logm(e^{-i phi} M) + i phi I is used and checked."""
    real_run = logarithm.run
    calls = []

    def principal_fails(func: str, *arrays: np.ndarray, **kw: object) -> tuple[np.ndarray, ...]:
        if func == "logm":
            calls.append(arrays[0].shape)
            if len(calls) == 1:  # the principal logarithm "does not converge"
                a = arrays[0]
                return np.full(a.shape, np.nan), np.full(a.shape[0], Status.NOT_CONVERGED, np.int8)
        return real_run(func, *arrays, **kw)

    monkeypatch.setattr(logarithm, "run", principal_fails)
    rng = np.random.default_rng(9)
    d = 3
    y1 = np.eye(d)
    y2 = np.array([[-2.0, 1.0, 0.0], [0.0, -2.0, 0.0], [0.0, 0.0, 0.5]])
    x1, x2 = _gauss(rng, (2, d, d), cplx=False)
    sol = tl.solve(x1, x2, y1, y2)
    assert len(calls) == 2
    phi = float(sol.diagnostics["log_branch"])
    assert phi != 0
    rotated = np.angle(np.array([-2.0, 0.5]) * np.exp(-1j * phi))
    assert np.all(np.abs(rotated) < np.pi - 0.5)  # turned away from the negative axis
    assert sol.diagnostics["log_residual"] < 1e-14
    assert sol.residual < 1e-13


# ------------------------------------------------------------------------------------------------
# Residuals on random instances and mpmath
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cplx", [False, True])
@pytest.mark.parametrize("d", [1, 2, 3, 5, 8])
def test_random_instances_are_exact(d: int, cplx: bool) -> None:
    rng = np.random.default_rng(100 + d + 50 * cplx)
    x1, x2, y1, y2 = _pairs(rng, 40, d, cplx)
    sol = tl.solve(x1, x2, y1, y2)
    assert sol.residual.max() <= 1e-10
    assert np.median(sol.residual) <= 1e-13
    # The reported residuals are those of the public forward pass.
    for x, y, k in ((x1, y1, 0), (x2, y2, 1)):
        f = tl.forward(sol, x)
        r = np.linalg.norm(f - y, axis=(-2, -1)) / np.linalg.norm(y, axis=(-2, -1))
        np.testing.assert_allclose(r, sol.residuals[..., k], rtol=1e-12, atol=0)


@pytest.mark.parametrize("cplx", [False, True])
def test_nearly_singular_difference(cplx: bool) -> None:
    """sigma_min(X2 - X1) = 1e-4 (one small singular value), d = 5: median residual <= 1e-9."""
    rng = np.random.default_rng(11)
    d, n = 5, 40
    x1, _, y1, y2 = _pairs(rng, n, d, cplx)
    u_, _, vh = np.linalg.svd(_gauss(rng, (n, d, d), cplx))
    sig = np.ones(d)
    sig[-1] = 1e-4
    x2 = x1 + (u_ * sig[None, None, :]) @ vh
    try:
        sol = tl.solve(x1, x2, y1, y2)
    except VerificationError as err:  # a few instances may exceed tol; they count as failures
        sol = err.result
    assert np.median(sol.residual) <= 1e-9
    assert np.all(sol.diagnostics["cond_dx"] > 1e4)


def _mp_forward_residual(w: tuple[np.ndarray, ...], x: np.ndarray, y: np.ndarray) -> float:
    m = [mpmath.matrix(a.tolist()) for a in (*w, x, y)]
    f = m[2] * mpmath.expm(m[1] * mpmath.expm(m[0] * m[3]))
    return float(mpmath.mnorm(f - m[4], "f") / mpmath.mnorm(m[4], "f"))


@pytest.mark.parametrize(("d", "cplx", "seed"), [(1, False, 0), (2, True, 1), (3, False, 2)])
def test_mpmath_forward_pass(d: int, cplx: bool, seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    x1, x2, y1, y2 = _pairs(rng, None, d, cplx)
    sol = tl.solve(x1, x2, y1, y2)
    with mpmath.workdps(50):
        r1 = _mp_forward_residual(sol.weights, x1, y1)
        r2 = _mp_forward_residual(sol.weights, x2, y2)
    bound = 1e-13 * max(1.0, float(sol.diagnostics["cond_y1"]) / 100)
    assert max(r1, r2) < bound


def _negative_axis_instance(seed: int, d: int = 6, cond_v: float = 300.0) -> tuple:
    """Real pairs with ``M = Y1^{-1} Y2 = V D V^{-1}``, ``D`` block diagonal with two pairs
    ``r e^{+-i(pi - delta)}`` straddling the negative real axis and the eigenvalues -1 and -2
    (d = 6), ``cond(V) = cond_v``. Returns the pairs, ``V`` and ``D``.

    The principal logarithm ``V log(D) V^{-1}`` has eigenvalues with imaginary parts near both
    ``+pi`` and ``-pi``, and grows with ``2 pi cond(V)``. Rotated by ``phi = -pi``, every
    eigenvalue of ``e^{-i phi} M`` lies within ``delta`` of the positive axis, and
    ``L = V log(-D) V^{-1} - i pi I`` has eigenvalues within ``log 2`` of ``-i pi``.
    """
    rng = np.random.default_rng(seed)
    blocks = []
    for r, delta in ((1.2, 0.1), (0.8, 0.2)):
        t = np.pi - delta
        blocks.append(r * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]))
    dm = scipy.linalg.block_diag(*blocks, np.diag([-1.0, -2.0][: d - 4]))
    u_, _, vt = np.linalg.svd(rng.standard_normal((d, d)))
    v = (u_ * np.geomspace(1.0, 1.0 / cond_v, d)) @ vt
    y1 = np.eye(d) + 0.2 * rng.standard_normal((d, d))
    x1, x2 = rng.standard_normal((2, d, d))
    return (x1, x2, y1, y1 @ v @ dm @ np.linalg.inv(v)), v, dm


def _without_other_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every rotated branch fail its check in the mu search's other-branch stage."""
    rotated = search.rotated_logarithm

    def no_other_branch(m: np.ndarray, nt: int) -> tuple[np.ndarray, ...]:
        lr, ph, rr, ell = rotated(m, nt)
        return lr, ph, np.full_like(rr, np.inf), ell

    monkeypatch.setattr(search, "rotated_logarithm", no_other_branch)


def test_other_branch_for_a_large_principal_logarithm(monkeypatch: pytest.MonkeyPatch) -> None:
    """M with eigenvalue pairs straddling the negative axis next to negative eigenvalues: the
    principal logarithm has a large norm and leaves every mu above 2^-40, where the other-branch
    stage starts; the rotated branch (a norm several times smaller) is taken, lowers the verified
    residual and the residual in exact arithmetic (mpmath, 40 digits)."""
    (x1, x2, y1, y2), v, dm = _negative_axis_instance(0)
    vinv = np.linalg.inv(v)
    principal = v @ scipy.linalg.logm(dm.astype(complex)) @ vinv
    sol = tl.solve(x1, x2, y1, y2)
    phi = float(sol.diagnostics["log_branch"])
    assert phi != 0
    rotated = v @ scipy.linalg.logm(np.exp(-1j * phi) * dm) @ vinv + 1j * phi * np.eye(6)
    norm_p, norm_r = (float(common.norm1(a[None])[0]) for a in (principal, rotated))
    # The precondition the construction is made for: principal - rotated = 2 pi i V P V^{-1}, P
    # the spectral projector onto the eigenvalues above the axis and -1, -2, so the principal
    # logarithm grows with 2 pi cond(V) while the rotated one stays near -i pi I.
    assert norm_p > 5 * norm_r
    # The logarithms agree with the references up to rounding amplified by cond(V)^2.
    tol_l = 100 * U * 300.0**2
    assert float(sol.diagnostics["norm_l"]) == pytest.approx(norm_r, rel=tol_l)
    assert sol.diagnostics["log_residual"] <= logarithm.LOG_TOL  # the check the solver makes
    _without_other_branch(monkeypatch)
    plain = tl.solve(x1, x2, y1, y2)
    assert plain.diagnostics["log_branch"] == 0
    assert float(plain.diagnostics["norm_l"]) == pytest.approx(norm_p, rel=tol_l)
    assert plain.residual > 2.0**-40  # the instance reaches the other-branch stage
    gain = float(sol.diagnostics["branch_gain"])
    assert gain == pytest.approx(float(plain.residual / sol.residual), rel=1e-14)
    assert gain > 1
    with mpmath.workdps(40):
        exact = max(_mp_forward_residual(sol.weights, x, y) for x, y in ((x1, y1), (x2, y2)))
        exact_plain = max(
            _mp_forward_residual(plain.weights, x, y) for x, y in ((x1, y1), (x2, y2))
        )
    assert exact < exact_plain


def test_other_branch_never_increases_residual_and_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The branch stage keeps a candidate only where it lowers the residual; instances that take
    it get, alone, bitwise the result they get in the batch."""
    rng = np.random.default_rng(25)
    x1, x2, y1, y2 = _pairs(rng, 150, 8, False)
    sol = tl.solve(x1, x2, y1, y2, tol=1.0)
    switched = np.flatnonzero(sol.diagnostics["log_branch"] != 0)
    assert switched.size >= 1  # 1 of these 150 since logm puts eigenvalues on the cut on one branch
    for i in switched[:2]:
        one = tl.solve(x1[i], x2[i], y1[i], y2[i], tol=1.0)
        for a, b in zip(one.weights, sol.weights):
            np.testing.assert_array_equal(a, b[i])
        np.testing.assert_array_equal(one.residuals, sol.residuals[i])
        for key, val in one.diagnostics.items():
            np.testing.assert_array_equal(val, sol.diagnostics[key][i], err_msg=key)
    _without_other_branch(monkeypatch)
    without = tl.solve(x1, x2, y1, y2, tol=1.0)
    assert np.all(without.diagnostics["log_branch"] == 0)
    gain = sol.diagnostics["branch_gain"]
    np.testing.assert_allclose(gain[switched], without.residual[switched] / sol.residual[switched],
                               rtol=1e-14)
    assert np.all(gain[switched] > 1)
    assert np.all(sol.residual <= without.residual)
    assert np.all(sol.residual[switched] < without.residual[switched])
    same = np.setdiff1d(np.arange(150), switched)
    np.testing.assert_array_equal(sol.residual[same], without.residual[same])


def _one_small_singular_value(seed: int, d: int = 3, s_min: float = 1e-6) -> list[np.ndarray]:
    """Gaussian pairs, except that ``X2 - X1 = U diag(1, ..., 1, s_min) V^H`` (random U, V): the
    construction's ``G = (X2 - X1)^{-1} X1`` has a large rank-one part, the case the refinement
    is made for."""
    rng = np.random.default_rng(seed)
    x1, y1, y2 = rng.standard_normal((3, d, d))
    u_, _, vh = np.linalg.svd(rng.standard_normal((d, d)))
    sig = np.ones(d)
    sig[-1] = s_min
    return [x1, x1 + (u_ * sig) @ vh, y1, y2]


def test_refinement_off_the_analytic_family() -> None:
    """An instance the closed form leaves above the refinement level: the refined weights reach
    that level in the forward pass, have the damped first layer of the refinement, and are a
    solution in exact arithmetic (mpmath) to the accuracy the conditioning allows."""
    x1, x2, y1, y2 = _one_small_singular_value(1)
    plain = tl.solve(x1, x2, y1, y2)
    assert plain.residual > REFINE_LEVEL  # the instance is refined
    assert plain.diagnostics["refine_gain"] == 1
    sol = tl.solve(x1, x2, y1, y2, refine=True)
    assert sol.residual <= REFINE_LEVEL  # the level the refinement works to
    assert sol.diagnostics["refine_gain"] == pytest.approx(plain.residual / sol.residual,
                                                           rel=1e-14)
    # Off the analytic family: W1 (X2 - X1) = mu (I - (1 - rho) v v^H), v the right singular
    # vector of the smallest singular value of X2 - X1, rho = 0.1 or 0.3.
    cond_dx = float(sol.diagnostics["cond_dx"])
    q = np.eye(3) - sol.W1 @ (x2 - x1) / complex(sol.mu)
    v = np.conj(np.linalg.svd(x2 - x1)[2][-1])
    rho = 1 - np.trace(q).real
    assert min(abs(rho - 0.1), abs(rho - 0.3)) <= 10 * U * cond_dx
    assert np.linalg.norm(q - (1 - rho) * np.outer(v, np.conj(v))) <= 10 * U * cond_dx
    for x, y, k in ((x1, y1, 0), (x2, y2, 1)):
        assert _rel(tl.forward(sol, x), y) == pytest.approx(sol.residuals[k], rel=1e-12)
    with mpmath.workdps(40):
        exact = max(_mp_forward_residual(sol.weights, x, y) for x, y in ((x1, y1), (x2, y2)))
    # The floor u cond(X2 - X1) cond(Y1) of the solver's error message, with a factor 10.
    assert exact <= 10 * U * cond_dx * float(sol.diagnostics["cond_y1"])


def test_refinement_never_increases_residual_and_batches() -> None:
    """Refinement touches only instances above its level and keeps its weights only where they
    lower the residual; a refined instance gets, alone, bitwise the result it gets in the
    batch."""
    rng = np.random.default_rng(20)
    cases = [_one_small_singular_value(5), _one_small_singular_value(1)]
    cases += [list(rng.standard_normal((4, 3, 3))) for _ in range(3)]
    x1, x2, y1, y2 = (np.stack(a) for a in zip(*cases))
    plain = tl.solve(x1, x2, y1, y2)
    assert np.count_nonzero(plain.residual > REFINE_LEVEL) >= 2
    sol = tl.solve(x1, x2, y1, y2, refine=True)
    assert np.all(sol.residual <= plain.residual)
    refined = sol.diagnostics["refine_gain"] > 1
    np.testing.assert_array_equal(refined, plain.residual > REFINE_LEVEL)
    for a, b in zip(plain.weights, sol.weights):
        np.testing.assert_array_equal(a[~refined], b[~refined])
    one = tl.solve(x1[1], x2[1], y1[1], y2[1], refine=True)
    for a, b in zip(one.weights, sol.weights):
        np.testing.assert_array_equal(a, b[1])
    np.testing.assert_array_equal(one.residuals, sol.residuals[1])
    for key, val in one.diagnostics.items():
        np.testing.assert_array_equal(val, sol.diagnostics[key][1], err_msg=key)


def test_forward_matches_scipy_on_complex_data() -> None:
    rng = np.random.default_rng(12)
    w = [_gauss(rng, (3, 3), True) * 0.5 for _ in range(3)]
    x = _gauss(rng, (3, 3), True)
    ref = w[2] @ scipy.linalg.expm(w[1] @ scipy.linalg.expm(w[0] @ x))
    assert _rel(tl.forward(tuple(w), x), ref) < 1e-13


# ------------------------------------------------------------------------------------------------
# Batches
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cplx", [False, True])
def test_batched_equals_one_at_a_time(cplx: bool) -> None:
    rng = np.random.default_rng(13)
    x1, x2, y1, y2 = (a.reshape(2, 3, 4, 4) for a in _pairs(rng, 6, 4, cplx))
    y2[1, 2] = -y1[1, 2]  # M = -I: at the branch cut
    sol = tl.solve(x1, x2, y1, y2)
    assert sol.W1.shape == (2, 3, 4, 4)
    assert sol.residuals.shape == (2, 3, 2)
    assert sol.mu.shape == (2, 3)
    for i in np.ndindex(2, 3):
        one = tl.solve(x1[i], x2[i], y1[i], y2[i])
        for a, b in zip(one.weights, sol.weights):
            np.testing.assert_array_equal(a, b[i])
        np.testing.assert_array_equal(one.residuals, sol.residuals[i])
        assert one.mu == sol.mu[i]
        for key, val in one.diagnostics.items():
            np.testing.assert_array_equal(val, sol.diagnostics[key][i], err_msg=key)


def test_batch_with_ranked_and_default_instances_equals_one_at_a_time() -> None:
    """Instances solved by the first default mu and instances that reach the ranked candidates
    (eigenvalues computed for them only) and the tail of the cascade give the results they get
    alone."""
    rng = np.random.default_rng(16)
    x1, x2, y1, y2 = _pairs(rng, 120, 8, False)
    sol = tl.solve(x1, x2, y1, y2, tol=1.0)
    cand = sol.diagnostics["candidates"]
    picks = [int(np.argmax(cand == 1)), int(np.argmax(cand > 1)), int(np.argmax(cand))]
    assert cand[picks[0]] == 1
    assert cand[picks[1]] > 1
    assert cand[picks[2]] > 5
    for i in picks:
        one = tl.solve(x1[i], x2[i], y1[i], y2[i], tol=1.0)
        for a, b in zip(one.weights, sol.weights):
            np.testing.assert_array_equal(a, b[i])
        np.testing.assert_array_equal(one.residuals, sol.residuals[i])
        assert one.mu == sol.mu[i]
    assert sol.residual.max() <= 1e-10


def test_inverse_of_a_stack_with_a_singular_matrix() -> None:
    """The batched inverse isolates exactly singular matrices; the others are numpy's inverse."""
    rng = np.random.default_rng(17)
    a = _gauss(rng, (9, 4, 4), True)
    a[3] = 0.0
    a[7, 2, :] = 0.0  # a zero row: an exactly zero pivot
    inv, ok = common.inv_each(a)
    np.testing.assert_array_equal(ok, [i not in (3, 7) for i in range(9)])
    for i in np.flatnonzero(ok):
        np.testing.assert_array_equal(inv[i], np.linalg.inv(a[i]))
        assert _rel(inv[i] @ a[i], np.eye(4)) < 1e-13


def test_thread_count_does_not_change_results() -> None:
    rng = np.random.default_rng(14)
    x1, x2, y1, y2 = _pairs(rng, 8, 5, True)
    a = tl.solve(x1, x2, y1, y2, n_threads=1)
    b = tl.solve(x1, x2, y1, y2, n_threads=2)
    for p, q in zip(a.weights, b.weights):
        np.testing.assert_array_equal(p, q)


def test_empty_batch() -> None:
    z = np.zeros((0, 3, 3))
    sol = tl.solve(z, z, z, z)
    assert sol.W1.shape == (0, 3, 3)
    assert sol.residuals.shape == (0, 2)


def test_batch_failure_names_indices_and_keeps_result() -> None:
    rng = np.random.default_rng(15)
    x1, x2, y1, y2 = _pairs(rng, 4, 3, False)
    with pytest.raises(VerificationError, match=r"exceeds tol = 1e-30 at batch indices") as exc:
        tl.solve(x1, x2, y1, y2, tol=1e-30)
    err = exc.value
    assert err.indices == [(0,), (1,), (2,), (3,)]
    assert isinstance(err.result, tl.ThreeLayerSolution)
    assert err.result.residual.max() < 1e-10
    assert "cond_dx" in err.diagnostics
    assert isinstance(err, np.linalg.LinAlgError)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------

_E = np.eye(3)
_A = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 0.5], [1.0, 0.0, 3.0]])


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.eye(3), np.eye(2), _E, _E), {}, "same shape"),
        ((np.ones((3, 2)), np.ones((3, 2)), _E, _E), {}, "square"),
        ((np.ones(3), np.ones(3), _E, _E), {}, "stack of square"),
        ((np.zeros((0, 0)),) * 4, {}, "at least 1 x 1"),
        ((np.full((3, 3), np.nan), _A, _E, _E), {}, "X1 contains NaN"),
        ((_E, np.full((3, 3), np.inf), _E, _E), {}, "X2 contains NaN or Inf"),
        ((_E, _A, np.full((3, 3), np.nan), _E), {}, "Y1 contains NaN"),
        ((_E, _A, _E, np.full((3, 3), np.nan)), {}, "Y2 contains NaN"),
        ((_E, _A, _E, _E), {"mu": 0.0}, r"e\^mu = 1"),
        ((_E, _A, _E, _E), {"mu": 2j * np.pi}, r"e\^mu = 1"),
        ((_E, _A, _E, _E), {"mu": -4j * np.pi}, r"e\^mu = 1"),
        ((_E, _A, _E, _E), {"mu": "best"}, "mu must be 'auto', 'real' or a number"),
        ((_E, _A, _E, _E), {"mu": np.nan}, "mu must be finite"),
        ((_E, _A, _E, _E), {"mu": [1.0, 2.0]}, "mu must be"),
        ((_E, _A, _E, _E), {"tol": 0.0}, "tol must be a finite number > 0"),
        ((_E, _A, _E, _E), {"tol": "x"}, "tol must be a finite number > 0"),
        ((_E, _A, _E, _E), {"refine": "yes"}, "refine must be True or False"),
        ((_E, _A, _E, _E), {"refine": True, "mu": "real"}, "refine=True needs mu='auto'"),
        ((_E, _A, _E, _E), {"refine": True, "mu": 0.7}, "refine=True needs mu='auto'"),
        ((np.eye(17), 2 * np.eye(17), np.eye(17), np.eye(17)), {"refine": True},
         r"refine=True is available for d <= 16"),
        ((_E.astype(bool), _A, _E, _E), {}, "X1 has dtype bool"),
    ],
)
def test_bad_input(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tl.solve(*args, **kwargs)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((_A, _A.copy(), _E, _E), r"X2 - X1 is singular .*condition number"),
        ((_A, _A + np.diag([1.0, 1.0, 1e-17]), _E, _E), r"X2 - X1 is singular .*\|\|\(X2 - X1\)"),
        ((_E, _A, np.diag([1.0, 1.0, 0.0]), _E), "Y1 is singular or numerically singular"),
        ((_E, _A, _E, np.diag([1.0, 1e-300, 1.0])), "Y2 is singular or numerically singular"),
    ],
)
def test_singular_matrices(args: tuple, match: str) -> None:
    with pytest.raises(SingularMatrixError, match=match):
        tl.solve(*args)


def test_singular_in_batch_names_indices() -> None:
    x1 = np.stack([_A, _A, _E])
    x2 = np.stack([_A + _E, _A, 2 * _E])
    y = np.stack([_E] * 3)
    with pytest.raises(SingularMatrixError, match=r"at batch indices \[\(1,\)\]") as exc:
        tl.solve(x1, x2, y, y)
    assert exc.value.indices == [(1,)]


def test_ill_conditioned_problem_raises_verification_error() -> None:
    rng = np.random.default_rng(16)
    d = 5
    x1, _, y1, y2 = _pairs(rng, None, d, cplx=False)
    u_, _, vt = np.linalg.svd(rng.standard_normal((d, d)))
    x2 = x1 + (u_ * np.geomspace(1.0, 1e-12, d)) @ vt
    with pytest.raises(VerificationError, match="cond\\(X2 - X1\\)"):
        tl.solve(x1, x2, y1, y2, tol=1e-12)


@pytest.mark.parametrize(
    ("w", "x", "match"),
    [
        ((_E, _E), _E, "three weight matrices"),
        ((_E, _E, np.eye(2)), _E, "W3 must be 3 x 3"),
        ((_E, _E, _E), np.full((3, 3), np.nan), "X contains NaN"),
        ((np.stack([_E, _E]), _E, _E), np.stack([_E] * 3), "do not broadcast"),
    ],
)
def test_forward_bad_input(w: tuple, x: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tl.forward(w, x)


def test_forward_overflow_raises() -> None:
    with pytest.raises(nnla.errors.NonFiniteResultError, match="overflowed"):
        tl.forward((1e3 * _E, 1e3 * _E, _E), _E)


# ------------------------------------------------------------------------------------------------
# Gradient training and the one-layer fit
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("layers", "cplx"), [(3, False), (3, True), (2, True), (1, False)])
def test_gradient_matches_finite_differences(layers: int, cplx: bool) -> None:
    rng = np.random.default_rng(17 + layers)
    d = 3
    xs = [_gauss(rng, (d, d), cplx) for _ in range(2)]
    ys = [_gauss(rng, (d, d), cplx) for _ in range(2)]
    ws = [0.5 * _gauss(rng, (d, d), cplx) for _ in range(layers)]
    loss, _, grads = baselines.loss_and_grad(ws, xs, ys)
    dirs = [_gauss(rng, (d, d), cplx) for _ in range(layers)]
    h = 1e-5

    def at(t: float) -> float:
        return baselines.loss_and_grad([w + t * e for w, e in zip(ws, dirs)], xs, ys)[0]

    fd = (at(h) - at(-h)) / (2 * h)
    analytic = sum(float(np.vdot(g, e).real) for g, e in zip(grads, dirs))
    assert abs(fd - analytic) <= 1e-7 * max(1.0, abs(analytic))
    assert loss == pytest.approx(at(0.0), rel=1e-15)


def test_fit_gradient_decreases_residual() -> None:
    rng = np.random.default_rng(18)
    x1, x2, y1, y2 = _pairs(rng, None, 2, cplx=False)
    fit = tl.fit_gradient(x1, x2, y1, y2, steps=200, lr=2e-2)
    assert fit.residuals.shape == (201,)
    assert fit.loss.shape == (201,)
    assert fit.residual < 0.5 * fit.residuals[0]
    assert fit.seconds > 0
    assert len(fit.weights) == 3
    again = tl.fit_gradient(x1, x2, y1, y2, steps=200, lr=2e-2)
    np.testing.assert_array_equal(fit.residuals, again.residuals)  # seeded


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layers": 0}, "layers must be"),
        ({"steps": -1}, "steps must be"),
        ({"lr": 0.0}, "lr must be"),
        ({"lr": np.inf}, "lr must be"),
    ],
)
def test_fit_gradient_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tl.fit_gradient(_E, _A, _E, _A, **kwargs)


def test_fit_gradient_rejects_batches() -> None:
    z = np.stack([_E, _A])
    with pytest.raises(ValueError, match="single d x d"):
        tl.fit_gradient(z, z, z, z)


@pytest.mark.parametrize("cplx", [False, True])
def test_one_layer_least_squares(cplx: bool) -> None:
    rng = np.random.default_rng(19)
    x1, x2, y1, y2 = _pairs(rng, None, 3, cplx)
    fit = tl.fit_one_layer(x1, x2, y1, y2)
    # Reference: numpy's lstsq on the transposed system [X1 X2]^T W^T = [Y1 Y2]^T.
    xc, yc = np.hstack([x1, x2]), np.hstack([y1, y2])
    ref = np.linalg.lstsq(xc.T, yc.T, rcond=None)[0].T
    assert _rel(fit.W, ref) < 1e-13
    assert fit.residual > 0.1  # one layer cannot fit two generic pairs
    exact = tl.solve(x1, x2, y1, y2)
    assert exact.residual < 1e-13


# ------------------------------------------------------------------------------------------------
# CLI and docstrings
# ------------------------------------------------------------------------------------------------


def test_cli_three_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tl.png"
    assert main(["three-layer", "--d", "2", "--steps", "30", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "analytic solution" in text
    assert "gradient (Adam)" in text
    assert "one layer" in text
    assert out.exists()
    assert out.stat().st_size > 1000


def test_cli_three_layer_no_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none.png"
    assert main(["three-layer", "--d", "3", "--steps", "5", "--no-plot", "--out", str(out)]) == 0
    assert not out.exists()
    assert "plot written" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--d", "0"], "--d must be >= 1"),
        (["--steps", "-3"], "--steps must be >= 0"),
        (["--lr", "-1"], "--lr must be > 0"),
        (["--d", "two"], "invalid int value"),
    ],
)
def test_cli_three_layer_bad_options(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        rc = main(["three-layer", *argv])
    except SystemExit as exc:
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert match in err
    assert len(err.strip().splitlines()) == 1


def test_divergent_training_and_zero_targets() -> None:
    from nnla.errors import NonFiniteResultError

    x1, x2, y1, y2 = np.random.default_rng(0).standard_normal((4, 4, 4))
    with pytest.raises(NonFiniteResultError, match="reduce lr|overflow"):
        tl.fit_gradient(x1, x2, y1, y2, steps=50, lr=1e3)
    z = np.zeros((4, 4))
    with pytest.raises(ValueError, match="Y1 must be nonzero"):
        tl.fit_gradient(x1, x2, z, y2, steps=2)
    with pytest.raises(ValueError, match="Y2 must be nonzero"):
        tl.fit_one_layer(x1, x2, y1, z)
    with pytest.raises(ValueError, match="seed"):
        tl.fit_gradient(x1, x2, y1, y2, steps=2, seed=-1)
    sol = tl.solve(x1, x2, y1, y2, tol=np.float32(1e-8))  # numpy scalars are numbers
    assert float(sol.residual) < 1e-12


def test_mixed_real_batch_residuals_match_forward() -> None:
    x1, x2, y1, y2 = np.random.default_rng(5).standard_normal((4, 12, 4, 4))
    sol = tl.solve(x1, x2, y1, y2, real_if_possible=True)
    for k, (x, y) in enumerate(((x1, y1), (x2, y2))):
        f = tl.forward(sol, x)
        r = np.linalg.norm(f - y, axis=(-2, -1)) / np.linalg.norm(y, axis=(-2, -1))
        np.testing.assert_allclose(r, sol.residuals[:, k], rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("argv", "match"),
    [(["--seed", "-1"], "--seed must be >= 0"), (["--out", "/nonexistent/dir/x.png"], "--out")],
)
def test_cli_three_layer_bad_values(argv: list[str], match: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["three-layer", "--steps", "2", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err
    assert err.count("\n") == 1


def test_cli_three_layer_divergence_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["three-layer", "--lr", "1e6", "--steps", "50", "--no-plot"]) == 1
    assert "NonFiniteResultError" in capsys.readouterr().err
