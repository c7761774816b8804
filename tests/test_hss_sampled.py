"""Tests of nnla.hss: randomized compression from a matvec, a posteriori checks of the sampled
constructions (2D/3D kernels), iterative refinement in ``HSSCholesky.solve``, and the logdet of
the 1D ReLU mass matrix against a closed form.

References are independent: dense matrices assembled here with numpy from closed forms, dense
LAPACK (numpy/scipy), and for the ReLU logdet the exact change of basis to hat functions
(``logdet M = 2 n log h + logdet G``, G the tridiagonal P1 mass matrix; see ``relu_logdet``).
"""

from __future__ import annotations

import warnings

import nnla
import numpy as np
import pytest
import scipy.linalg
from nnla.hss import HSSAccuracyWarning, HSSMatrix

EPS = np.finfo(np.float64).eps


def chain(h: HSSMatrix, leaf_size: int = 32) -> int:
    """Longest chain of accumulations d of the HSS product / ULV solve (gamma_d ~ d u).

    leaf_size terms at the leaf (U^T x), 2 r per level up and 2 r per level down (translation
    and coupling), leaf_size + r at the leaf (D x + U yh): d <= 2 leaf_size + 4 sum_l r_l.
    """
    return 2 * leaf_size + 4 * sum(h.ranks)


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def gaussian_1d(n: int, nugget: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(np.random.default_rng(seed).uniform(-1.0, 1.0, n))
    return x, np.exp(-np.subtract.outer(x, x) ** 2) + nugget * np.eye(n)


def toeplitz(n: int) -> np.ndarray:
    i = np.arange(n)
    return 1.0 / (1.0 + np.abs(np.subtract.outer(i, i)))


def exponential_1d(n: int) -> np.ndarray:
    x = np.sort(np.random.default_rng(1).uniform(-1.0, 1.0, n))
    return np.exp(-np.abs(np.subtract.outer(x, x)) / 0.3) + 1e-3 * np.eye(n)


def points_kernel(n: int, d: int, kernel: str, ls: float, nugget: float, seed: int):
    p = np.random.default_rng(seed).uniform(0.0, 1.0, (n, d))
    r = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)) / ls
    if kernel == "gaussian":
        k = np.exp(-(r**2))
    elif kernel == "exponential":
        k = np.exp(-r)
    else:
        k = (1 + np.sqrt(3) * r) * np.exp(-np.sqrt(3) * r)
    return p, k + nugget * np.eye(n)


def relu_logdet(n: int) -> float:
    """log det of the 1D ReLU mass matrix (w = 1, b = -(i-1)/n on [0, 1]), exactly conditioned.

    The ReLUs (x - s_i)_+ are C phi in the hat basis phi_j (nodes jh, j = 1..n, h = 1/n; the last
    a half hat), with C upper triangular, C_ij = h max(0, j - i + 1), det C = h^n; so
    M = C G C^T and log det M = 2 n log h + log det G, G = tridiag(h/6, 2h/3, h/6) with last
    diagonal h/3, whose condition number is below 6 (its LDL^T pivots are accurate).
    """
    h = 1.0 / n
    d = np.full(n, 2.0 * h / 3.0)
    d[-1] = h / 3.0
    e = h / 6.0
    piv = np.empty(n)
    piv[0] = d[0]
    for i in range(1, n):
        piv[i] = d[i] - e * e / piv[i - 1]
    return 2.0 * n * np.log(h) + float(np.log(piv).sum())


# ---- randomized compression from a matvec -------------------------------------------------------
@pytest.mark.parametrize("case", ["gaussian", "toeplitz", "exponential"])
@pytest.mark.parametrize("tol", [1e-4, 1e-8, 1e-12])
def test_matvec_path_vs_dense(case, tol):
    n = 1000
    if case == "gaussian":
        a = gaussian_1d(n, 0.1)[1]
    elif case == "toeplitz":
        a = toeplitz(n)
    else:
        a = exponential_1d(n)
    calls = []

    def matvec(x):
        calls.append(x.shape[1])
        return a @ x

    h = HSSMatrix.from_entries(lambda r, c: a[np.ix_(r, c)], n, tol=tol, matvec=matvec)
    err = rel(h.to_dense(), a)
    assert err <= max(3 * tol, 5e-14)
    # the a posteriori estimate is of the right size, and accepted only up to 2 tol
    assert h.error_estimate is not None
    assert h.error_estimate <= max(2 * tol, 2e-14)
    assert max(err, 1e-15) <= 10 * max(h.error_estimate, 1e-15)
    assert sum(calls) < n  # never the whole matrix by products
    if case == "toeplitz":  # smooth Toeplitz: ranks grow like log(1/tol)
        assert max(h.ranks) <= 48


def test_matvec_path_2d_points_and_solve():
    n = 900
    p, a = points_kernel(n, 2, "gaussian", 0.5, 1.0, 2)
    h = HSSMatrix.from_entries(
        lambda r, c: a[np.ix_(r, c)], n, tol=1e-10, points=p, matvec=lambda x: a @ x
    )
    assert rel(h.to_dense(), a) <= 1e-9
    b = np.random.default_rng(3).standard_normal((n, 2))
    ref = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b)
    assert rel(h.cholesky().solve(b), ref) <= 1e-9


def test_matvec_path_refines_against_exact_operator():
    # a loose compression (tol 1e-7; kappa ~ 5e3) with iterative refinement against the exact A:
    # the residual contracts by ~ tol kappa per step
    n = 800
    a = gaussian_1d(n, 0.1, 4)[1]
    h = HSSMatrix.from_entries(lambda r, c: a[np.ix_(r, c)], n, tol=1e-7, matvec=lambda x: a @ x)
    f = h.cholesky()
    b = np.random.default_rng(5).standard_normal(n)
    r0 = rel(a @ f.solve(b, refine=0), b)
    r4 = rel(a @ f.solve(b, refine=4), b)
    assert r0 > 1e-8
    assert r4 <= 1e-12


def test_matvec_path_thread_determinism():
    n = 700
    a = toeplitz(n)
    out = []
    for nt in (1, 2, 3):
        h = HSSMatrix.from_entries(
            lambda r, c: a[np.ix_(r, c)], n, tol=1e-10, matvec=lambda x: a @ x, n_threads=nt
        )
        out.append(h.to_dense())
    for o in out[1:]:
        np.testing.assert_array_equal(o, out[0])


def test_matvec_inconsistent_with_entries_warns():
    # a matvec that is not the product with the entries' matrix: the check cannot succeed
    n = 200
    a = toeplitz(n)
    noise = np.random.default_rng(6).standard_normal((n, n))
    a2 = a + 1e-6 * (noise + noise.T)
    with pytest.warns(HSSAccuracyWarning, match="above tol"):
        h = HSSMatrix.from_entries(
            lambda r, c: a[np.ix_(r, c)], n, tol=1e-10, matvec=lambda x: a2 @ x
        )
    assert h.error_estimate > 1e-9


_T = toeplitz(60)


@pytest.mark.parametrize(
    ("matvec", "match"),
    [
        ("x", "matvec must be a callable"),
        (lambda x: _T @ x[:, :1], "shape"),
        (lambda x: (_T @ x) * np.nan, "NaN"),
        (lambda x: (_T @ x) + 0j, "dtype"),
    ],
)
def test_matvec_bad_input(matvec, match):
    with pytest.raises(ValueError, match=match):
        HSSMatrix.from_entries(lambda r, c: _T[np.ix_(r, c)], 60, leaf_size=8, matvec=matvec)


# ---- sampled constructions in 2D/3D: accuracy checked a posteriori ------------------------------
@pytest.mark.parametrize(
    ("d", "kernel", "ls", "tol"),
    [
        (2, "exponential", 0.5, 1e-10),
        (2, "matern32", 0.3, 1e-8),
        (3, "gaussian", 0.5, 1e-8),
        # errors concentrated in single rows: 2800 tol and 19 tol off, unnoticed by a check on
        # 32 sampled rows, before the whole-product check and the 4x sample ladder in 2D/3D
        (3, "gaussian", 0.2, 1e-10),
        (2, "exponential", 0.2, 1e-10),
    ],
)
def test_kernel_2d_3d_meets_tolerance(d, kernel, ls, tol):
    n, seed = (1500, 1 if d == 3 else 2) if ls == 0.2 else (1200, 7)
    p, a = points_kernel(n, d, kernel, ls, 1e-2, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", HSSAccuracyWarning)
        h = HSSMatrix.from_kernel(p, kernel, length_scale=ls, nugget=1e-2, tol=tol)
    err = rel(h.to_dense(), a)
    assert h.error_estimate <= 2 * tol
    # the estimate (every row, 8 Gaussian columns) is within a small factor of the true error
    assert err <= 3 * tol
    assert max(err, 1e-15) <= 2 * max(h.error_estimate, 1e-15)


def test_from_entries_2d_meets_tolerance():
    n = 1000
    p, a = points_kernel(n, 2, "exponential", 0.5, 1e-2, 8)
    h = HSSMatrix.from_entries(lambda r, c: a[np.ix_(r, c)], n, tol=1e-9, points=p)
    assert h.error_estimate <= 1e-8
    assert rel(h.to_dense(), a) <= 3e-8


def test_kernel_check_thread_determinism():
    p = np.random.default_rng(9).uniform(0, 1, (800, 2))
    hs = [
        HSSMatrix.from_kernel(p, "exponential", 0.5, 1e-2, tol=1e-10, n_threads=nt)
        for nt in (1, 2)
    ]
    assert hs[0].error_estimate == hs[1].error_estimate
    np.testing.assert_array_equal(hs[0].to_dense(), hs[1].to_dense())


# ---- iterative refinement -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def relu2048():
    n = 2048
    w, b = np.ones(n), -np.arange(n) / n
    return w, b, nnla.relu.mass_matrix(w, b)


def test_refinement_relu_residual(relu2048):
    w, bias, a = relu2048
    n = a.shape[0]
    b = a @ np.ones(n)
    h = HSSMatrix.from_relu("mass", w, bias)
    f = h.cholesky()
    x0 = f.solve(b, refine=0)
    x = f.solve(b)
    res0, res = rel(a @ x0, b), rel(a @ x, b)
    assert res <= res0
    # refinement against H stops once the residual computed against H is <= 4 eps ||b|| (and
    # keeps a step only if it lowers it); the residual computed in floating point is within
    # gamma_d |H| |x| ~ d u ||A|| ||x|| of the true one (u = eps / 2, d: see chain). Against A:
    # ||b - A x|| <= ||b - H x|| + ||A - H||_2 ||x||, ||A - H|| the representation error of the
    # exact-to-rounding generators (<= 50 eps ||A||_F, test_hss_relu). Measured here, not
    # assumed: a bound that depends on neither the BLAS kernel nor the CPU.
    na = np.linalg.norm(a)
    rep = np.linalg.norm(h.to_dense() - a)
    assert rep <= 50 * EPS * na
    xn, bn = np.linalg.norm(x), np.linalg.norm(b)
    assert np.linalg.norm(b - h @ x) <= 4 * EPS * bn + chain(h) * EPS / 2 * na * xn
    # the residual against A in extended precision (the test's own product adds no rounding)
    ax = a.astype(np.longdouble) @ x.astype(np.longdouble)
    res_a = float(np.linalg.norm((ax - b).astype(np.float64)))
    assert res_a <= 4 * EPS * bn + chain(h) * EPS / 2 * na * xn + rep * xn
    np.testing.assert_array_equal(f.solve(b, refine=0), x0)


def test_refinement_never_worse_and_multiple_rhs():
    n = 600
    a = toeplitz(n)
    h = HSSMatrix.from_dense(a, tol=1e-6)
    f = h.cholesky()
    b = np.random.default_rng(10).standard_normal((n, 3))
    lam = np.linalg.eigvalsh(h.to_dense())
    kappa = lam[-1] / lam[0]
    for steps in (0, 1, 3):
        x = f.solve(b, refine=steps)
        # a vector and the same column of a block: equal to rounding, not necessarily bitwise (a
        # BLAS may sum one column in another order than a block; OpenBLAS forwards a one-column
        # gemm to gemv). Each is the solution of H up to a backward error gamma_d ||H|| (a step of
        # refinement, kept per column only if it lowers that column's residual, does not make it
        # worse), so they differ by at most 2 kappa(H) gamma_d ||x|| ~ kappa d eps ||x||.
        xv = f.solve(b[:, 1], refine=steps)
        assert np.linalg.norm(xv - x[:, 1]) <= kappa * chain(h) * EPS * np.linalg.norm(x[:, 1])
    # against H (the matrix factored): refinement cannot fix the compression error, only rounding
    h_res = [rel(a @ f.solve(b, refine=s), b) for s in (0, 1, 3)]
    assert h_res[1] <= 1.01 * h_res[0]
    assert h_res[2] <= 1.01 * h_res[0]


def test_refinement_with_shift():
    n = 500
    x, a = gaussian_1d(n, 0.0, 11)
    h = HSSMatrix.from_kernel(x, "gaussian", nugget=0.0, tol=1e-12)
    f = h.cholesky(shift=0.5)
    b = np.ones(n)
    ref = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a + 0.5 * np.eye(n)), b)
    assert rel(f.solve(b), ref) <= 1e-11


def test_preconditioner_is_linear():
    n = 400
    a = toeplitz(n)
    op = HSSMatrix.from_dense(a, tol=1e-4).cholesky().aslinearoperator()
    u, v = np.random.default_rng(12).standard_normal((2, n))
    np.testing.assert_allclose(op.matvec(u + v), op.matvec(u) + op.matvec(v), rtol=0, atol=1e-10)


@pytest.mark.parametrize("refine", [-1, 1.5, True, "1"])
def test_refine_bad_input(refine):
    f = HSSMatrix.from_dense(toeplitz(40), leaf_size=8).cholesky()
    with pytest.raises(ValueError, match="refine"):
        f.solve(np.ones(40), refine=refine)


# ---- logdet of the ReLU mass matrix against the exact value -------------------------------------
@pytest.mark.parametrize("n", [128, 256])
def test_relu_logdet_vs_closed_form(n):
    w, b = np.ones(n), -np.arange(n) / n
    a = nnla.relu.mass_matrix(w, b)
    ref = relu_logdet(n)
    dense = 2.0 * np.log(np.diag(scipy.linalg.cholesky(a))).sum()
    lam = np.linalg.eigvalsh(a)
    bound = EPS * lam[-1] * np.sum(1.0 / lam)  # first-order effect of a backward error eps ||A||
    for ld in (
        HSSMatrix.from_relu("mass", w, b).cholesky().logdet(),
        HSSMatrix.from_dense(a, tol=1e-12).cholesky().logdet(),
    ):
        assert abs(ld - ref) <= 1e-10 * abs(ref)
        assert abs(ld - ref) <= 10 * bound
    assert abs(dense - ref) <= 1e-10 * abs(ref)


@pytest.mark.parametrize("shift", [None, 1j, "1", True])
def test_cholesky_shift_must_be_a_real_number(shift: object) -> None:
    h = HSSMatrix.from_dense(np.eye(8) + 0.1, leaf_size=2)
    with pytest.raises(ValueError, match="shift must be a finite real number"):
        h.cholesky(shift=shift)
