"""Tests of ``HSSCholesky.solve(b, operator=A)`` and ``HSSMatrix.from_dense(a, keep_a=True)``:
iterative refinement against the user's matrix.

References are independent: dense LAPACK Cholesky (scipy ``cho_factor``/``cho_solve``) on the same
matrices, residuals evaluated in extended precision (``np.longdouble``) so that the test's own
product adds no rounding to the figure it checks. The matrices: the 1D ReLU mass matrix
(``nnla.relu``, uniform and random breakpoints; kappa up to ~1e15), Gaussian kernels, a sparse
banded SPD matrix.
"""

from __future__ import annotations

import warnings

import nnla
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse
from nnla.hss import HSSAccuracyWarning, HSSMatrix
from scipy.sparse.linalg import LinearOperator, aslinearoperator

EPS = np.finfo(np.float64).eps
TARGET = 6e-16  # issue 16: the residual against the user's A after refinement against it


def relu_mass(n: int, seed: int | None = None) -> np.ndarray:
    """1D ReLU mass matrix on [0, 1]: uniform breakpoints (i / n, w = 1), or (seed) breakpoints
    jittered by up to 0.3 / n and weights uniform in [0.5, 2] (kappa ~1e13-1e15 at n ~ 2000:
    closer breakpoints, as uniform random ones, make it numerically semidefinite)."""
    s = np.arange(n) / n
    w = np.ones(n)
    if seed is not None:
        rng = np.random.default_rng(seed)
        s = s + rng.uniform(0.0, 0.3 / n, n)
        w = rng.uniform(0.5, 2.0, n)
    return nnla.relu.mass_matrix(w, -w * s, (0.0, 1.0))


def gaussian(n: int, seed: int, nugget: float) -> np.ndarray:
    x = np.sort(np.random.default_rng(seed).uniform(-1.0, 1.0, n))
    return x, np.exp(-np.subtract.outer(x, x) ** 2) + nugget * np.eye(n)


def residual(a: np.ndarray, x: np.ndarray, b: np.ndarray, shift: float = 0.0) -> np.ndarray:
    """Columnwise ``||(a + shift I) x - b|| / ||b||`` in extended precision (always 1D)."""
    x, b = x.reshape(x.shape[0], -1), b.reshape(b.shape[0], -1)
    xl = x.astype(np.longdouble)
    r = a.astype(np.longdouble) @ xl + shift * xl - b
    return np.linalg.norm(r.astype(np.float64), axis=0) / np.linalg.norm(b, axis=0)


def norm2(a: np.ndarray) -> float:
    """``||a||_2`` of a symmetric positive semidefinite matrix (its largest eigenvalue)."""
    n = a.shape[0]
    return float(scipy.linalg.eigh(a, eigvals_only=True, subset_by_index=[n - 1, n - 1])[0])


def backward_error(a: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columnwise normwise backward error ``||A x - b|| / (||A||_2 ||x||)`` (Rigal-Gaches, with
    b exact): what a backward-stable solve makes ~eps whatever kappa and b."""
    n = a.shape[0]
    lam = norm2(a)
    x2 = x.reshape(n, -1)
    bn = np.linalg.norm(b.reshape(n, -1), axis=0)
    return residual(a, x, b) * bn / (lam * np.linalg.norm(x2, axis=0))


def dense_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b)


# ---- the residual target on the ReLU mass matrix ---------------------------------------------
@pytest.mark.parametrize(("n", "seed"), [(2400, None), (2000, 7), (1600, 21)])
def test_relu_residual_against_a(n, seed):
    a = relu_mass(n, seed)
    b = a @ np.ones(n)
    f = HSSMatrix.from_dense(a, tol=1e-12).cholesky()
    plain = residual(a, f.solve(b, refine=0), b)[0]
    against_h = residual(a, f.solve(b), b)[0]
    x = f.solve(b, operator=a)
    res = residual(a, x, b)[0]
    assert res <= TARGET
    # as accurate as dense Cholesky (whose backward error is 0.5-2 eps on these matrices; its
    # residual varies by 2x with the number of columns solved: the BLAS blocking)
    assert backward_error(a, x, b)[0] <= 2 * EPS
    assert res <= against_h <= plain


def test_keep_a_refines_like_operator():
    n = 2000
    a = relu_mass(n, 3)
    b = np.column_stack([a @ np.ones(n), a @ np.linspace(-1.0, 2.0, n)])
    h = HSSMatrix.from_dense(a, keep_a=True)
    f = h.cholesky()
    x = f.solve(b)
    np.testing.assert_array_equal(x, HSSMatrix.from_dense(a).cholesky().solve(b, operator=a))
    # b = A 1 reaches the target; b = A v with a sign change in v has ||A|| ||x|| / ||b|| larger,
    # and its floor too (dense Cholesky: 4-8e-16 here): backward error at dense Cholesky's level
    assert residual(a, x, b)[0] <= TARGET
    assert np.all(backward_error(a, x, b) <= 2 * EPS)
    # the reference is kept, not copied
    assert h._exact.__self__ is a
    # refine=0 still gives the plain ULV solve
    np.testing.assert_array_equal(f.solve(b, refine=0), HSSMatrix.from_dense(a).cholesky().solve(
        b, refine=0))


def test_refinement_order_and_vector():
    # the operator is in the original order, whatever tree order the compression used
    n = 1500
    a = relu_mass(n, 11)
    rng = np.random.default_rng(12)
    order = rng.permutation(n)
    ap = a[np.ix_(order, order)]  # the user's matrix, in an order without low-rank structure
    b = ap @ rng.uniform(0.5, 1.5, n)
    inv = np.argsort(order)  # ap under inv is a: the low-rank order
    f = HSSMatrix.from_dense(ap, order=inv).cholesky()
    x = f.solve(b, operator=ap)
    assert residual(ap, x, b)[0] <= TARGET
    # a vector and a one-column block: solved alike (to rounding; refinement is per column)
    xk = f.solve(b[:, None], operator=ap)[:, 0]
    assert residual(ap, xk, b)[0] <= TARGET


# ---- loose compressions and kernels ------------------------------------------------------------
def test_loose_compression_converges_to_dense_accuracy():
    # a tol-1e-6 compression (ranks small) refined against the exact A: the residual contracts by
    # ~||A - H|| / lambda_min per step (here ~1e-5) down to dense Cholesky's
    n = 1200
    x, a = gaussian(n, 5, 1e-1)
    b = np.random.default_rng(6).standard_normal((n, 3))
    f = HSSMatrix.from_kernel(x, "gaussian", nugget=1e-1, tol=1e-6).cholesky()
    plain = residual(a, f.solve(b, refine=0), b)
    res = residual(a, f.solve(b, operator=a), b)
    dense = residual(a, dense_solve(a, b), b)
    assert np.all(plain > 1e-8)
    xd = dense_solve(a, b)
    floor = EPS * norm2(a) * np.linalg.norm(xd, axis=0) / np.linalg.norm(b, axis=0)
    assert np.all(res <= np.maximum(3 * dense, floor))
    np.testing.assert_allclose(f.solve(b, operator=a, refine=8), xd, rtol=1e-9)


def test_kernel_residual_is_the_compression_error_on_x():
    # from_kernel: the residual against the exact matrix is ||(A - H) x|| / ||b|| (the ULV solve
    # and refinement against H are backward stable for H), which the tolerance bounds only
    # relative to ||A||: for random b, ||x|| ~ ||b|| / lambda_min, so the residual is the relative
    # compression error times up to ||A|| / lambda_min (grows like n here). Refinement against
    # the exact A removes it.
    n = 2000
    x, a = gaussian(n, 8, 10.0)
    b = np.random.default_rng(9).standard_normal(n)
    h = HSSMatrix.from_kernel(x, "gaussian", nugget=10.0, tol=1e-12)
    f = h.cholesky()
    y = f.solve(b)
    res = residual(a, y, b)[0]
    dev = np.linalg.norm((h.to_dense() - a) @ y) / np.linalg.norm(b)
    floor = EPS * norm2(a) * np.linalg.norm(y) / np.linalg.norm(b)  # rounding, worst case
    yo = f.solve(b, operator=a)
    res_op = residual(a, yo, b)[0]
    dense = residual(a, dense_solve(a, b), b)[0]
    assert res_op <= max(3 * dense, floor)
    # at tol 1e-12 the compression error dominates the residual (5x the rounding level reached
    # by refinement against A) and is all of it: ||H y - b|| is at rounding
    assert dev > 5 * res_op
    assert abs(res - dev) <= 0.05 * dev + 2 * res_op


def test_shift_is_added_to_operator():
    n = 900
    x, a = gaussian(n, 13, 0.0)
    s = 1e-3
    f = HSSMatrix.from_kernel(x, "gaussian", nugget=0.0, tol=1e-8).cholesky(shift=s)
    b = np.random.default_rng(14).standard_normal(n)
    xo = f.solve(b, operator=a)
    ref = dense_solve(a + s * np.eye(n), b)
    dense = residual(a, ref, b, s)[0]
    assert residual(a, xo, b, s)[0] <= 3 * dense + 10 * EPS
    # the forward error of a backward-stable solve: kappa(A + s I) times a few eps
    lam = np.linalg.eigvalsh(a) + s
    kappa = lam[-1] / lam[0]
    assert np.linalg.norm(xo - ref) <= 100 * kappa * EPS * np.linalg.norm(ref)


# ---- operator types ------------------------------------------------------------------------------
def _banded(n: int) -> np.ndarray:
    # SPD pentadiagonal matrix with kappa ~ 1e6: low-rank off-diagonal blocks (rank <= 2)
    main = 2.0 + 1e-5 + np.zeros(n)
    return scipy.sparse.diags([main, -np.ones(n - 1), 0.01 * np.ones(n - 2)], [0, 1, 2]) + (
        scipy.sparse.diags([-np.ones(n - 1), 0.01 * np.ones(n - 2)], [-1, -2])
    )


@pytest.mark.parametrize(
    "kind", ["csr", "csr_array", "linear_operator", "matvec_only", "hss", "float32", "int"]
)
def test_operator_types(kind):
    n = 700
    sp = _banded(n).tocsr()
    a = sp.toarray()
    f = HSSMatrix.from_dense(a, tol=1e-9, leaf_size=16).cholesky()
    b = np.random.default_rng(15).standard_normal((n, 2))
    ref = f.solve(b, operator=a)
    if kind == "csr":
        op = sp
    elif kind == "csr_array":
        op = scipy.sparse.csr_array(sp)
    elif kind == "linear_operator":
        op = aslinearoperator(sp)
    elif kind == "matvec_only":
        op = LinearOperator((n, n), matvec=lambda v: sp @ v, dtype=np.float64)
    elif kind == "hss":
        op = HSSMatrix.from_dense(a, tol=1e-14, leaf_size=16)
    elif kind == "float32":
        # an operator of another width: its values (here exact in float32 after rounding a)
        a = a.astype(np.float32).astype(np.float64)
        op = a.astype(np.float32)
        ref = f.solve(b, operator=a)
    else:
        a = np.round(a * 4)
        op = a.astype(np.int64)
        f = HSSMatrix.from_dense(a, tol=1e-9, leaf_size=16).cholesky()
        ref = f.solve(b, operator=a)
    x = f.solve(b, operator=op)
    xd = dense_solve(a, b)
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    assert np.all(residual(a, x, b) <= 3 * residual(a, xd, b) + 4 * EPS)


def test_operator_results_independent_of_threads():
    n = 1200
    a = relu_mass(n, 17)
    b = a @ np.ones(n)
    h = HSSMatrix.from_dense(a)
    xs = [h.cholesky(n_threads=t).solve(b, operator=a, n_threads=t) for t in (1, 2, 3)]
    np.testing.assert_array_equal(xs[0], xs[1])
    np.testing.assert_array_equal(xs[0], xs[2])


def test_refine_zero_ignores_operator_but_validates_it():
    a = relu_mass(300, 2)
    f = HSSMatrix.from_dense(a, leaf_size=16).cholesky()
    b = np.ones(300)
    np.testing.assert_array_equal(f.solve(b, refine=0, operator=a), f.solve(b, refine=0))
    with pytest.raises(ValueError, match="shape"):
        f.solve(b, refine=0, operator=a[:-1, :-1])


# ---- a wrong operator is reported ----------------------------------------------------------------
@pytest.mark.parametrize("wrong", ["tree_order", "scaled", "other_matrix"])
def test_mismatched_operator_warns(wrong):
    n = 800
    a = relu_mass(n, 19)
    rng = np.random.default_rng(20)
    order = rng.permutation(n)
    ap = a[np.ix_(order, order)]
    inv = np.argsort(order)
    h = HSSMatrix.from_dense(ap, order=inv)
    shift = 0.0
    if wrong == "tree_order":
        op = a  # the matrix in the tree order, not the user's
    elif wrong == "scaled":
        op = 3.0 * ap
    else:
        op = relu_mass(n, 29)[np.ix_(order, order)]
    f = h.cholesky(shift=shift)
    b = ap @ np.ones(n)
    with pytest.warns(HSSAccuracyWarning, match="not the matrix that was factored"):
        x = f.solve(b, operator=op)
    # no step that raised the residual was kept
    np.testing.assert_array_equal(x, f.solve(b, refine=0))


def test_divergent_refinement_warns():
    # tol 1e-3 on kappa ~ 1e14 (SPD-preserving compression): ||A - H|| ||H^-1|| >> 1, the
    # refinement against A cannot converge; it is reported, and the iterate is not made worse
    n = 1024
    a = relu_mass(n, 31)
    h = HSSMatrix.from_dense(a, tol=1e-3)
    f = h.cholesky()
    b = a @ np.ones(n)
    with pytest.warns(HSSAccuracyWarning, match="too far from it"):
        x = f.solve(b, operator=a)
    assert residual(a, x, b)[0] <= residual(a, f.solve(b, refine=0), b)[0]


def test_right_operator_does_not_warn():
    n = 800
    a = relu_mass(n, 23)
    b = np.random.default_rng(24).standard_normal(n)  # x ~ kappa ||b||: residual ~ eps kappa
    f = HSSMatrix.from_dense(a).cholesky()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.solve(b, operator=a)
        f.solve(b)


# ---- bad input -----------------------------------------------------------------------------------
_N = 60
_A = relu_mass(_N, 1)
_F = HSSMatrix.from_dense(_A, leaf_size=8).cholesky()


@pytest.mark.parametrize(
    ("operator", "match"),
    [
        (_A[:-1, :-1], r"operator must have shape \(60, 60\)"),
        (np.ones((_N, _N + 1)), r"shape \(60, 60\), got \(60, 61\)"),
        (np.ones(_N), "shape"),
        (_A + 0j, "dtype complex128"),
        (_A > 0, "dtype bool"),
        (np.array([["a"] * _N] * _N), "dtype"),
        (scipy.sparse.csr_matrix(_A + 0j), "dtype complex"),
        (aslinearoperator(_A + 0j), "dtype complex"),
        (aslinearoperator(np.ones((_N, 2 * _N))), "shape"),
        (scipy.sparse.eye(_N + 1).tocsr(), "shape"),
        (np.where(np.eye(_N) > 0, np.nan, _A), "operator contains NaN or Inf"),
        (np.where(np.eye(_N) > 0, np.inf, _A), "operator contains NaN or Inf"),
        (
            LinearOperator((_N, _N), matvec=lambda v: np.full(_N, np.nan), dtype=np.float64),
            "returned NaN or Inf",
        ),
        (
            LinearOperator((_N, _N), matvec=lambda v: np.ones(_N - 1), dtype=np.float64),
            "shape",
        ),
        (lambda x: _A @ x, "LinearOperator"),
        ("A", "dtype"),
        (object(), "real"),
    ],
)
def test_operator_bad_input(operator, match):
    with pytest.raises(ValueError, match=match):
        _F.solve(np.ones(_N), operator=operator)


@pytest.mark.parametrize("keep", [1, "yes", None, np.array([True])])
def test_keep_a_must_be_bool(keep):
    with pytest.raises(ValueError, match="keep_a must be True or False"):
        HSSMatrix.from_dense(_A, keep_a=keep)


def test_keep_a_with_converted_input():
    # float32 / integer input: the float64 copy made by from_dense is kept (and is what H
    # approximates), so refinement is against the matrix the user passed, converted exactly
    a32 = _A.astype(np.float32)
    h = HSSMatrix.from_dense(a32, leaf_size=8, keep_a=True)
    b = np.ones(_N)
    x = h.cholesky().solve(b)
    a = a32.astype(np.float64)
    assert residual(a, x, b)[0] <= max(3 * residual(a, dense_solve(a, b), b)[0], 4 * EPS)
