"""``nnla.expm_frechet`` and ``nnla.expm_cond``: accuracy against mpmath references and the API.

References (tests/references.py): the block identity ``expm([[A, E], [0, A]])`` in mpmath at 60
digits, a central difference in mpmath at 100 digits, and the exact Kronecker-form condition number
built from ``scipy.linalg.expm_frechet`` (an independent implementation). Errors are relative
Frobenius errors; tolerances are ``c * kappa * u`` with kappa the exact 1-norm condition number of
expm (floored at a few u).
"""

from __future__ import annotations

import warnings

import nnla
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse.linalg
from references import (
    U64,
    kron_cond_exact,
    mp_expm_frechet,
    mp_expm_frechet_fd,
    nonnormal_triangular,
    randn,
    rel_err,
    unit_roundoff,
)

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _scipy_frechet(a: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return scipy.linalg.expm_frechet(a, e)


def _case(kind: str, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((d, d))
    if kind == "random":
        a = rng.standard_normal((d, d)) / np.sqrt(d)
    elif kind == "small":  # ||A||_1 below l_3 .. l_9: no scaling, low degrees
        a = rng.standard_normal((d, d))
        a *= {0: 5e-3, 1: 0.1, 2: 0.5, 3: 1.5}[seed % 4] / np.abs(a).sum(axis=0).max()
    elif kind == "large-norm":  # s > 0 squarings
        a = rng.standard_normal((d, d))
        a *= 12.0 / np.abs(a).sum(axis=0).max()
    elif kind == "nonnormal":
        q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        a = q @ nonnormal_triangular(rng, d, 4.0) @ q.T
    elif kind == "triangular":
        a = nonnormal_triangular(rng, d, 2.0)
    elif kind == "complex":
        a = (rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))) / np.sqrt(2 * d)
        e = e + 1j * rng.standard_normal((d, d))
    else:  # pragma: no cover
        raise ValueError(kind)
    return a, e


KINDS = ["random", "small", "large-norm", "nonnormal", "triangular", "complex"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("d", [2, 4, 5])
def test_block_identity(kind: str, d: int) -> None:
    a, e = _case(kind, d, seed=7 * d + len(kind))
    x, lder = nnla.expm_frechet(a, e)
    xr, lr = mp_expm_frechet(a, e)
    kappa = kron_cond_exact(a)
    tol = max(8 * U64, 10 * kappa * U64)
    assert rel_err(lder, lr) <= tol, (rel_err(lder, lr), kappa)
    assert rel_err(x, xr) <= tol
    # no worse than scipy's expm_frechet (the same algorithm): equal up to rounding noise; the
    # two differ by a few kappa u either way (different LU and summation order)
    _, ls = _scipy_frechet(a, e)
    assert rel_err(lder, lr) <= rel_err(ls, lr) + 5 * max(kappa, 1.0) * U64


@pytest.mark.parametrize("seed", [0, 1])
def test_central_difference(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    a = rng.standard_normal((3, 3)) * (1.0 + 4 * seed)
    e = rng.standard_normal((3, 3))
    _, lder = nnla.expm_frechet(a, e)
    ref = mp_expm_frechet_fd(a, e)
    kappa = kron_cond_exact(a)
    assert rel_err(lder, ref) <= max(8 * U64, 10 * kappa * U64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_dtypes(dtype: type) -> None:
    rng = np.random.default_rng(3)
    a = (randn(rng, (4, 4), dtype) / 2).astype(dtype)
    e = randn(rng, (4, 4), dtype)
    x, lder = nnla.expm_frechet(a, e)
    assert x.dtype == dtype
    assert lder.dtype == dtype
    xr, lr = mp_expm_frechet(a, e)
    u = unit_roundoff(dtype)
    kappa = kron_cond_exact(a)
    tol = max(8 * u, 10 * kappa * u)
    assert rel_err(lder, lr) <= tol
    assert rel_err(x, xr) <= tol


@pytest.mark.parametrize("kind", ["random", "large-norm", "complex", "triangular"])
def test_expm_part_matches_nnla_expm(kind: str) -> None:
    """The expm part agrees with nnla.expm to rounding level (not bitwise: the degree and scaling
    choice of Algorithm 6.4 differs from expm's)."""
    a, e = _case(kind, 6, seed=11)
    x, _ = nnla.expm_frechet(a, e)
    kappa = kron_cond_exact(a)
    assert rel_err(x, nnla.expm(a)) <= max(8 * U64, 10 * kappa * U64)


def test_linear_in_e() -> None:
    rng = np.random.default_rng(21)
    a = rng.standard_normal((5, 5))
    e1, e2 = rng.standard_normal((2, 5, 5))
    _, l1 = nnla.expm_frechet(a, e1)
    _, l2 = nnla.expm_frechet(a, e2)
    _, l12 = nnla.expm_frechet(a, 2.0 * e1 - 3.0 * e2)
    assert rel_err(l12, 2.0 * l1 - 3.0 * l2) <= 1e-14
    _, lz = nnla.expm_frechet(a, np.zeros((5, 5)))
    assert np.all(lz == 0)


def test_commuting_direction_closed_form() -> None:
    """L(A, A) = A expm(A) (E commutes with A)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 6)) * 0.7
    x, lder = nnla.expm_frechet(a, a)
    xr, _ = mp_expm_frechet(a, a)
    assert rel_err(lder, a @ xr) <= 100 * U64


@pytest.mark.parametrize("d", [1, 2, 3, 8, 16, 20])
def test_larger_sizes_against_scipy_reference(d: int) -> None:
    """Every kernel size (fused d = 2..8, 16; BLAS otherwise) against the block identity computed
    by scipy.linalg.expm on the 2d x 2d block matrix at moderate norm (kappa small)."""
    rng = np.random.default_rng(d)
    a = rng.standard_normal((d, d)) / np.sqrt(d)
    e = rng.standard_normal((d, d))
    big = np.block([[a, e], [np.zeros((d, d)), a]])
    ref = scipy.sparse.linalg.expm(big)  # scipy.linalg.expm has a known real m = 13 defect
    x, lder = nnla.expm_frechet(a, e)
    assert rel_err(lder, ref[:d, d:]) <= 1e-14
    assert rel_err(x, ref[:d, :d]) <= 1e-14


# ------------------------------------------------------------------------------------------------
# expm_cond
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("d", [2, 3, 4, 7])
def test_cond_against_exact_kronecker(kind: str, d: int) -> None:
    a, _ = _case(kind, d, seed=3 * d + len(kind))
    exact = kron_cond_exact(a)
    est = float(nnla.expm_cond(a))
    assert exact / 3 <= est <= exact * (1 + 1e-12)
    if d <= 3:  # formed exactly
        assert est == pytest.approx(exact, rel=1e-12)


def test_cond_trivial_values() -> None:
    assert nnla.expm_cond(np.zeros((3, 3))) == 0.0
    assert nnla.expm_cond(np.eye(2, dtype=int) * 2) == pytest.approx(2.0, rel=1e-15)


def test_cond_errors() -> None:
    with pytest.raises(ValueError, match="a contains NaN or Inf"):
        nnla.expm_cond(np.array([[np.nan, 0.0], [0.0, 1.0]]))
    with pytest.raises(nnla.errors.NonFiniteResultError, match="expm_cond"):
        nnla.expm_cond(np.array([[1000.0, 1.0], [0.0, 1.0]]))


# ------------------------------------------------------------------------------------------------
# API: dtypes, bad input (batched == one at a time, threads, empty batches and memory layouts:
# tests/test_batched.py)
# ------------------------------------------------------------------------------------------------


def test_promotion_and_integer_input() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 6, 6))
    e = rng.standard_normal((4, 6, 6))
    xp, lp = nnla.expm_frechet(a.astype(np.float32), e.astype(np.complex128))
    assert xp.dtype == np.complex128
    assert lp.dtype == np.complex128
    xi, li = nnla.expm_frechet(np.eye(3, dtype=np.int64), np.ones((3, 3), dtype=np.int32))
    assert xi.dtype == np.float64
    assert rel_err(li, np.e * np.ones((3, 3))) <= 4 * U64


def test_1x1_closed_form() -> None:
    x, lder = nnla.expm_frechet(np.full((3, 1, 1), 0.5), np.ones((3, 1, 1)))
    assert x.shape == lder.shape == (3, 1, 1)
    assert np.allclose(x, np.exp(0.5), rtol=1e-15)
    assert np.allclose(lder, np.exp(0.5), rtol=1e-15)


@pytest.mark.parametrize(
    ("a", "e", "match"),
    [
        pytest.param(np.eye(2), np.eye(3), r"e must have the shape of a", id="shape"),
        pytest.param(np.eye(2), np.ones((2, 2, 2)), r"e must have the shape of a", id="batch"),
        pytest.param(np.eye(2), np.ones(2), r"e must be a \(\.\.\., d, d\) stack", id="e-1d"),
        pytest.param(np.ones(2), np.eye(2), r"a must be a \(\.\.\., d, d\) stack", id="a-1d"),
        pytest.param(np.ones((2, 3)), np.ones((2, 3)), r"a must be square", id="a-2x3"),
        pytest.param(np.eye(2), np.eye(2, dtype=bool), r"e has dtype bool", id="e-bool"),
        pytest.param(np.eye(2).astype(object), np.eye(2), r"a has dtype object", id="a-object"),
        pytest.param(np.diag([np.inf, 1.0]), np.eye(2), r"a or e contains NaN", id="a-inf"),
        pytest.param(np.eye(2), np.diag([np.nan, 1.0]), r"a or e contains NaN", id="e-nan"),
    ],
)
def test_bad_input(a: np.ndarray, e: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        nnla.expm_frechet(a, e)


def test_check_finite_false() -> None:
    a = np.stack([np.eye(2), np.full((2, 2), np.nan)])
    x, lder = nnla.expm_frechet(a, np.ones((2, 2, 2)), check_finite=False)
    assert np.all(np.isnan(x[1]))
    assert np.all(np.isnan(lder[1]))
    assert rel_err(x[0], np.e * np.eye(2)) <= 2 * U64


def test_overflow_is_inf_not_nan() -> None:
    x, lder = nnla.expm_frechet(np.array([[800.0]]), np.array([[1.0]]))
    assert np.isinf(x).all()
    assert np.isinf(lder).all()
