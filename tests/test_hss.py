"""Tests of nnla.hss: HSS construction, matvec, ULV Cholesky (solve, logdet), robustness.

References are independent: dense numpy/scipy LAPACK (cho_factor/cho_solve, slogdet, eigvalsh)
on matrices assembled here from closed forms (kernels, Toeplitz 1/(1+|i-j|), the 1D ReLU mass
matrix of the spec).
"""

from __future__ import annotations

import nnla
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse.linalg
from nnla.errors import NotPositiveDefiniteError
from nnla.hss import HSSCholesky, HSSMatrix

EPS = np.finfo(np.float64).eps


# ---- test matrices (closed forms) ---------------------------------------------------------------
def relu_mass(n: int) -> np.ndarray:
    """1D ReLU mass matrix on [0, 1], breakpoints s_i = (i-1)/n, w = 1, b = -s (nnla.relu)."""
    return nnla.relu.mass_matrix(np.ones(n), -np.arange(n) / n, (0.0, 1.0))


def gaussian(x: np.ndarray, nugget: float = 10.0, ls: float = 1.0) -> np.ndarray:
    return np.exp(-((np.subtract.outer(x, x) / ls) ** 2)) + nugget * np.eye(x.shape[0])


def toeplitz(n: int) -> np.ndarray:
    i = np.arange(n)
    return 1.0 / (1.0 + np.abs(np.subtract.outer(i, i)))


def sorted_points(n: int, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).uniform(-1.0, 1.0, n))


def chain(h: HSSMatrix, leaf_size: int = 32) -> int:
    """Longest chain of accumulations d of the HSS product / ULV solve (for gamma_d ~ d u).

    A product entry sums leaf_size terms in the leaf's U^T x, at most 2 r per level up
    (U_p^T [xh_c1; xh_c2]) and 2 r per level down (translation U_p yh_p and coupling B xh), then
    leaf_size + r at the leaf (D x + U yh); the ULV solve has chains of the same lengths (leaf
    Cholesky, Q^T y, merged ranks). So d <= 2 leaf_size + 4 sum_l r_l.
    """
    return 2 * leaf_size + 4 * sum(h.ranks)


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def relu1024() -> np.ndarray:
    return relu_mass(1024)


# ---- construction ---------------------------------------------------------------------------
def test_construction_paths_agree():
    n = 700
    x = sorted_points(n, 1)
    a = gaussian(x, nugget=1.0)

    def entries(rows, cols):
        return a[np.ix_(rows, cols)]

    hd = HSSMatrix.from_dense(a, tol=1e-12)
    he = HSSMatrix.from_entries(entries, n, tol=1e-12, points=x)
    hk = HSSMatrix.from_kernel(x, "gaussian", length_scale=1.0, nugget=1.0, tol=1e-12)
    for h in (hd, he, hk):
        assert h.shape == (n, n)
        assert rel(h.to_dense(), a) <= 1e-11
    assert rel(he.to_dense(), hk.to_dense()) <= 2e-11
    assert rel(hd.to_dense(), hk.to_dense()) <= 2e-11
    # sorted points: the bisection ordering is the identity
    assert np.array_equal(hk.perm, np.arange(n))


@pytest.mark.parametrize(
    ("kernel", "fn"),
    [
        ("gaussian", lambda r: np.exp(-(r**2))),
        ("exponential", lambda r: np.exp(-r)),
        ("matern32", lambda r: (1 + np.sqrt(3) * r) * np.exp(-np.sqrt(3) * r)),
    ],
)
def test_kernel_entries_1d(kernel, fn):
    x = np.random.default_rng(2).uniform(-1, 1, 900)  # unsorted: the tree sorts them
    ls = 0.7
    a = fn(np.abs(np.subtract.outer(x, x)) / ls) + 0.5 * np.eye(900)
    h = HSSMatrix.from_kernel(x, kernel, length_scale=ls, nugget=0.5, tol=1e-12)
    assert rel(h.to_dense(), a) <= 1e-11
    assert np.array_equal(np.sort(h.perm), np.arange(900))
    assert np.all(np.diff(x[h.perm]) >= 0)


def test_kernel_entries_2d_gaussian():
    p = np.random.default_rng(3).uniform(0, 1, (800, 2))
    d2 = ((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)
    a = np.exp(-d2 / 0.5**2) + 1.0 * np.eye(800)
    h = HSSMatrix.from_kernel(p, "gaussian", length_scale=0.5, nugget=1.0, tol=1e-10)
    assert rel(h.to_dense(), a) <= 1e-10


@pytest.mark.parametrize("tol", [1e-4, 1e-8, 1e-12])
def test_matvec_to_tolerance(tol):
    n = 1000
    a = toeplitz(n)
    h = HSSMatrix.from_dense(a, tol=tol)
    x = np.random.default_rng(4).standard_normal((n, 3))
    y = h @ x
    assert y.shape == (n, 3)
    anorm = np.linalg.eigvalsh(a)[-1]
    err = np.linalg.norm(y - a @ x, axis=0) / (anorm * np.linalg.norm(x, axis=0))
    assert err.max() <= 10 * tol
    # a vector and the same column of a block: two roundings of one nested product, not
    # necessarily the same bits (a BLAS may sum one column -- OpenBLAS: gemm forwarded to gemv --
    # in another order than a block). Each is within gamma_d |H| |x| ~ d u ||H|| ||x|| of H x
    # (Higham, ASNA, Sec. 3.5; orthonormal nested bases, u = eps / 2), so they differ by at most
    # d eps ||H|| ||x||.
    yv = h.matvec(x[:, 1])
    assert np.linalg.norm(yv - y[:, 1]) <= chain(h) * EPS * anorm * np.linalg.norm(x[:, 1])


def test_relu_ranks_within_spec_bound(relu1024):
    # the 1D ReLU mass matrix has off-diagonal blocks of exact rank <= 6 (spec)
    h = HSSMatrix.from_dense(relu1024, tol=1e-12)
    assert max(h.ranks) <= 6
    assert rel(h.to_dense(), relu1024) <= 1e-13
    # O(n r) memory: far below the dense n^2 doubles
    assert h.nbytes < relu1024.nbytes / 10


# ---- solves against dense LAPACK ----------------------------------------------------------------
def _dense_solve(a, b):
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b)


@pytest.mark.parametrize("case", ["kernel", "toeplitz"])
def test_solve_vs_dense(case):
    n = 1000
    if case == "kernel":
        x = sorted_points(n, 5)
        a = gaussian(x)
        h = HSSMatrix.from_kernel(x, "gaussian", nugget=10.0, tol=1e-12)
    else:
        a = toeplitz(n)
        h = HSSMatrix.from_dense(a, tol=1e-12)
    b = np.random.default_rng(6).standard_normal((n, 2))
    f = h.cholesky()
    xs = f.solve(b)
    ref = _dense_solve(a, b)
    lam = np.linalg.eigvalsh(a)
    kappa = lam[-1] / lam[0]
    assert rel(xs, ref) <= max(1e-12, 1e-12 * kappa) * 10
    # a vector is solved like a column of a block, to rounding (not necessarily the same bits:
    # see test_matvec_to_tolerance): the same accuracy, and the two differ by at most twice the
    # forward error of a solve with backward error gamma_d ||H|| (d u each, u = eps / 2)
    xv = f.solve(b[:, 0])
    assert rel(xv, ref[:, 0]) <= max(1e-12, 1e-12 * kappa) * 10
    assert np.linalg.norm(xv - xs[:, 0]) <= kappa * chain(h) * EPS * np.linalg.norm(xs[:, 0])


def test_solve_relu_residual_vs_dense(relu1024):
    a = relu1024
    b = a @ np.ones(a.shape[0])
    x = HSSMatrix.from_dense(a, tol=1e-12).cholesky().solve(b)
    res = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
    res_dense = np.linalg.norm(a @ _dense_solve(a, b) - b) / np.linalg.norm(b)
    assert res <= max(50 * EPS, 10 * res_dense)


def test_shift_solves_shifted_matrix():
    n = 900
    x = sorted_points(n, 7)
    a = gaussian(x, nugget=0.0) + 1e-3 * np.eye(n)
    h = HSSMatrix.from_kernel(x, "gaussian", nugget=1e-3, tol=1e-13)
    b = np.random.default_rng(8).standard_normal(n)
    sigma = 0.25
    xs = h.cholesky(shift=sigma).solve(b)
    ref = _dense_solve(a + sigma * np.eye(n), b)
    assert rel(xs, ref) <= 1e-10


# ---- robustness: SPD-preserving compression -----------------------------------------------------
TOLS = [1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14]


def test_relu_tolerance_sweep_factorization_always_exists(relu1024, capsys):
    a = relu1024
    n = a.shape[0]
    b = a @ np.ones(n)
    anorm = np.linalg.norm(a)
    rows = []
    for tol in TOLS:
        h = HSSMatrix.from_dense(a, tol=tol)
        f = h.cholesky()  # must not raise at any tolerance
        x = f.solve(b)
        assert np.isfinite(x).all()
        err = np.linalg.norm(h.to_dense() - a) / anorm
        res = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
        rows.append((tol, h.compensated, err, res, max(h.ranks)))
        assert err <= 10 * tol
        assert res <= max(100 * tol, 1e-13)
    with capsys.disabled():
        print("\nReLU mass matrix n=1024: tol, compensated, ||A-H||_F/||A||_F, residual, rank")
        for r in rows:
            print(f"  {r[0]:.0e}  {r[1]!s:5}  {r[2]:.2e}  {r[3]:.2e}  {r[4]}")


def test_loose_tolerance_compression_is_spd(relu1024):
    h = HSSMatrix.from_dense(relu1024, tol=1e-2)
    assert h.compensated  # the plain compression is indefinite here
    hd = h.to_dense()
    assert np.linalg.eigvalsh(0.5 * (hd + hd.T))[0] > 0


# ---- logdet -----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["kernel", "toeplitz"])
def test_logdet_vs_dense(case):
    n = 1200
    if case == "kernel":
        x = sorted_points(n, 9)
        a = gaussian(x, nugget=0.1)
        h = HSSMatrix.from_kernel(x, "gaussian", nugget=0.1, tol=1e-13)
    else:
        a = toeplitz(n)
        h = HSSMatrix.from_dense(a, tol=1e-13)
    sign, ref = np.linalg.slogdet(a)
    assert sign == 1.0
    assert abs(h.cholesky().logdet() - ref) <= 1e-10 * abs(ref)


def test_logdet_relu_within_conditioning(relu1024):
    a = relu1024
    n = a.shape[0]
    ref = 2 * np.log(np.diag(scipy.linalg.cholesky(a))).sum()
    ld = HSSMatrix.from_dense(a, tol=1e-12).cholesky().logdet()
    # perturbation bound of log det for a backward error eps ||A||: n kappa eps
    lam = np.linalg.eigvalsh(a)
    kappa = lam[-1] / lam[0]
    assert np.isfinite(ld)
    assert abs(ld - ref) <= 10 * n * kappa * EPS


def test_logdet_large_n_is_a_sum_of_logs():
    # the product of pivots underflows here; the sum of logs does not
    n = 4096
    x = sorted_points(n, 10)
    h = HSSMatrix.from_kernel(x, "gaussian", nugget=1e-3, tol=1e-10)
    ld = h.cholesky().logdet()
    assert np.isfinite(ld)
    assert ld < -1000


# ---- non-SPD detection ------------------------------------------------------------------------
def test_indefinite_dense_raises():
    a = toeplitz(400)
    lam = np.linalg.eigvalsh(a)
    with pytest.raises(NotPositiveDefiniteError, match="not positive definite"):
        HSSMatrix.from_dense(a - 0.5 * (lam[0] + lam[1]) * np.eye(400), tol=1e-10)


def test_nonsymmetric_raises():
    a = toeplitz(200)
    a[3, 150] += 1e-6
    with pytest.raises(NotPositiveDefiniteError, match="not symmetric"):
        HSSMatrix.from_dense(a)


def test_negative_shift_raises():
    a = toeplitz(300)
    h = HSSMatrix.from_dense(a, tol=1e-12)
    lam0 = np.linalg.eigvalsh(a)[0]
    with pytest.raises(NotPositiveDefiniteError, match="Hint"):
        h.cholesky(shift=-2 * lam0)


def test_indefinite_entries_raise():
    x = sorted_points(500, 11)
    a = gaussian(x, nugget=-0.5)

    def entries(rows, cols):
        return a[np.ix_(rows, cols)]

    # detected through the dense fallback (SPD-preserving compression of the assembled matrix)
    with pytest.raises(NotPositiveDefiniteError, match="not positive definite"):
        HSSMatrix.from_entries(entries, 500, tol=1e-12, points=x)
    # without it, by the factorization
    h = HSSMatrix.from_entries(entries, 500, tol=1e-12, points=x, dense_fallback=0)
    with pytest.raises(NotPositiveDefiniteError, match="Hint"):
        h.cholesky()


def relu_entries(n: int):
    """Block evaluator of relu_mass(n): nnla.relu's native entries, called from Python."""
    w, b = np.ones(n), -np.arange(n) / n

    def entries(r, c):
        return nnla.relu.mass_entries(w, b, (0.0, 1.0), r, c)

    return entries


def test_relu_from_entries_is_spd(relu1024):
    # the sampled compression of this kappa ~ 4e12 matrix is indefinite; the dense fallback
    # gives the SPD-preserving one
    ent = relu_entries(1024)
    np.testing.assert_array_equal(ent(np.arange(1024), np.arange(1024)), relu1024)
    b = relu1024 @ np.ones(1024)
    for tol in (1e-2, 1e-12):
        x = HSSMatrix.from_entries(ent, 1024, tol=tol).cholesky().solve(b)
        res = np.linalg.norm(relu1024 @ x - b) / np.linalg.norm(b)
        assert res <= max(10 * tol, 1e-13)


def test_nonsymmetric_entries_raise():
    a = toeplitz(300) + np.triu(np.ones((300, 300)), 1) * 1e-3
    with pytest.raises(NotPositiveDefiniteError, match="not symmetric"):
        HSSMatrix.from_entries(lambda r, c: a[np.ix_(r, c)], 300)


# ---- threads, operators, small cases ------------------------------------------------------------
def test_thread_count_determinism():
    n = 2000
    x = sorted_points(n, 12)
    a = relu_mass(1024)
    b = np.random.default_rng(13).standard_normal((n, 2))
    out = []
    for nt in (1, 2, 3):
        hk = HSSMatrix.from_kernel(x, "gaussian", nugget=1.0, n_threads=nt)
        hd = HSSMatrix.from_dense(a, tol=1e-2, n_threads=nt)  # compensated path
        fk = hk.cholesky(n_threads=nt)
        out.append(
            (
                hk.matvec(b, n_threads=nt),
                fk.solve(b, n_threads=nt),
                fk.logdet(),
                hd.matvec(b[:1024], n_threads=nt),
                hd.cholesky(n_threads=nt).solve(b[:1024], n_threads=nt),
            )
        )
    for o in out[1:]:
        for u, v in zip(o, out[0]):
            np.testing.assert_array_equal(u, v)


def test_preconditioner_for_cg():
    n = 1000
    x = sorted_points(n, 14)
    a = gaussian(x, nugget=1e-2)
    h = HSSMatrix.from_kernel(x, "gaussian", nugget=1e-2, tol=1e-6)
    m = h.cholesky().aslinearoperator()
    b = np.ones(n)
    iters = []
    sol, info = scipy.sparse.linalg.cg(a, b, M=m, rtol=1e-12, callback=lambda _: iters.append(1))
    assert info == 0
    assert len(iters) <= 10
    assert rel(a @ sol, b) <= 1e-11
    op = h.aslinearoperator()
    np.testing.assert_array_equal(op.matvec(b), h @ b)


def test_single_leaf_and_tiny():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    f = HSSMatrix.from_dense(a, leaf_size=2).cholesky()
    np.testing.assert_allclose(
        f.solve(np.array([1.0, 2.0])), np.linalg.solve(a, [1.0, 2.0]), rtol=1e-15
    )
    assert abs(f.logdet() - np.log(11.0)) <= 4 * EPS * np.log(11.0)
    h1 = HSSMatrix.from_dense(np.array([[2.0]]))
    np.testing.assert_allclose(h1.cholesky().solve(np.array([4.0])), [2.0], rtol=2 * EPS)
    assert isinstance(h1.cholesky(), HSSCholesky)


def test_order_is_used():
    n = 600
    x = sorted_points(n, 15)
    perm = np.random.default_rng(16).permutation(n)
    a = gaussian(x[perm], nugget=1.0)  # scrambled: order undoes it
    order = np.argsort(x[perm])
    h = HSSMatrix.from_dense(a, tol=1e-12, order=order)
    assert np.array_equal(h.perm, order)
    assert rel(h.to_dense(), a) <= 1e-12
    assert max(h.ranks) <= 12


def test_exported():
    assert nnla.hss.HSSMatrix is HSSMatrix


# ---- bad input ----------------------------------------------------------------------------------
_A = toeplitz(50)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"a": np.ones((3, 4))}, "square"),
        ({"a": np.ones(5)}, "square"),
        ({"a": np.zeros((0, 0))}, "square"),
        ({"a": _A.astype(np.complex128)}, "dtype"),
        ({"a": np.array([["a"]])}, "dtype"),
        ({"a": np.where(np.eye(50) > 0, np.nan, _A)}, "NaN"),
        ({"a": np.where(np.eye(50) > 0, np.inf, _A)}, "NaN"),
        ({"a": _A, "tol": 0.0}, "tol"),
        ({"a": _A, "tol": 1.5}, "tol"),
        ({"a": _A, "tol": "x"}, "tol"),
        ({"a": _A, "leaf_size": 1}, "leaf_size"),
        ({"a": _A, "leaf_size": 2.5}, "leaf_size"),
        ({"a": _A, "order": np.arange(49)}, "permutation"),
        ({"a": _A, "order": np.zeros(50, dtype=int)}, "permutation"),
        ({"a": _A, "order": np.arange(50) + 1}, "permutation"),
        ({"a": _A, "n_threads": 0}, "n_threads"),
    ],
)
def test_from_dense_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HSSMatrix.from_dense(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"points": np.ones((10, 4))}, "points"),
        ({"points": np.array([0.0, np.nan, 1.0])}, "NaN"),
        ({"points": np.linspace(0, 1, 10), "kernel": "cauchy"}, "kernel"),
        ({"points": np.linspace(0, 1, 10), "length_scale": 0.0}, "length_scale"),
        ({"points": np.linspace(0, 1, 10), "nugget": -1.0}, "nugget"),
        ({"points": np.linspace(0, 1, 10), "nugget": np.inf}, "nugget"),
        ({"points": np.linspace(0, 1, 10) + 0j}, "dtype"),
    ],
)
def test_from_kernel_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HSSMatrix.from_kernel(**kwargs)


@pytest.mark.parametrize(
    ("entries", "kwargs", "match"),
    [
        ("not callable", {}, "callable"),
        (lambda r, c: _A[np.ix_(r, c)], {"n": 0}, "n must"),
        (lambda r, c: _A[np.ix_(r, c)][:, :-1], {}, "shape"),
        (lambda r, c: _A[np.ix_(r, c)] * np.nan, {}, "NaN"),
        (lambda r, c: _A[np.ix_(r, c)] + 0j, {}, "dtype"),
        (lambda r, c: _A[np.ix_(r, c)], {"points": np.ones(10)}, "points"),
        (lambda r, c: _A[np.ix_(r, c)], {"points": np.ones(50), "order": np.arange(50)}, "either"),
        (lambda r, c: _A[np.ix_(r, c)], {"dense_fallback": -1}, "dense_fallback"),
        (lambda r, c: _A[np.ix_(r, c)], {"dense_fallback": 1.5}, "dense_fallback"),
    ],
)
def test_from_entries_bad_input(entries, kwargs, match):
    kw = {"n": 50, **kwargs}
    with pytest.raises(ValueError, match=match):
        HSSMatrix.from_entries(entries, **kw)


def test_entries_exception_propagates():
    def entries(rows, cols):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        HSSMatrix.from_entries(entries, 100)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.ones(49), "shape"),
        (np.ones((50, 2, 1)), "shape"),
        (np.full(50, np.nan), "NaN"),
        (np.ones(50) + 1j, "dtype"),
    ],
)
def test_matvec_and_solve_bad_input(x, match):
    h = HSSMatrix.from_dense(_A, leaf_size=8)
    f = h.cholesky()
    with pytest.raises(ValueError, match=match):
        h.matvec(x)
    with pytest.raises(ValueError, match=match):
        f.solve(x)
    with pytest.raises(ValueError, match="shift"):
        h.cholesky(shift=np.nan)

