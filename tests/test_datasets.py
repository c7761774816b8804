"""``nnla.datasets``: matrix-function data sets and the scorer.

Members are checked against mpmath at 50 digits on a subsample of every family (mpmath.expm; for
logm/sqrtm/signm an mpmath eigendecomposition, where the branch is explicit), with the relative
Frobenius error bounded by ``10 d max(kappa, 1) u``; ``kappa`` is the exact relative Frobenius
condition number: ``scipy.linalg.expm_cond`` for expm, the Kronecker form of the Frechet
derivative built from an mpmath eigendecomposition for the others.  Failed samples come from the
kernels' per-matrix statuses (``nnla._native.run``) and are checked on matrices built to fail.
"""

from __future__ import annotations

import functools

import mpmath
import nnla
import nnla.datasets as ds
import nnla.datasets.pairs as dp
import numpy as np
import pytest
import scipy.linalg

U64 = 2.0**-53
U32 = 2.0**-24


# ------------------------------------------------------------------------------------------------
# References
# ------------------------------------------------------------------------------------------------


def _mp_matrix(x: np.ndarray) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpmathify(complex(v)) for v in row] for row in x])


def _to_np(m: mpmath.matrix) -> np.ndarray:
    return np.array([[complex(m[i, j]) for j in range(m.cols)] for i in range(m.rows)])


def _principal(f: str, z: mpmath.mpc) -> mpmath.mpc:
    """The scalar function, principal branch; a real negative argument gets Im log = +pi and
    sqrt = +i sqrt|z| (numpy's log(-2+0j), sqrt(-2+0j))."""
    if f == "signm":
        return mpmath.mpf(1) if mpmath.re(z) > 0 else mpmath.mpf(-1)
    if abs(mpmath.im(z)) <= mpmath.mpf(10) ** -40 * abs(z) and mpmath.re(z) < 0:
        z = mpmath.mpc(mpmath.re(z), 0)  # +0 imaginary part: the upper side of the cut
    return mpmath.log(z) if f == "logm" else mpmath.sqrt(z)


def mp_function(f: str, x: np.ndarray) -> np.ndarray:
    """f(x) at 50 digits from the exact binary entries of x: ``mpmath.expm`` for expm; for the
    others ``V f(Lambda) V^{-1}`` from an mpmath eigendecomposition (the random test matrices are
    diagonalisable; this fixes the branch on the negative real axis, which mpmath.logm/sqrtm
    leave to rounding)."""
    with mpmath.workdps(50):
        m = _mp_matrix(x)
        if f == "expm":
            return _to_np(mpmath.expm(m))
        lam, v = mpmath.eig(m)
        fl = mpmath.diag([_principal(f, z) for z in lam])
        return _to_np(v * fl * mpmath.inverse(v))


def _matches(fx: np.ndarray, ref: np.ndarray, x: np.ndarray) -> float:
    """Relative error against ref; for real x also against conj(ref), the other side of the
    branch cut (the value where x has a negative real eigenvalue and f is log or sqrt)."""
    err = rel_err(fx, ref)
    if x.dtype.kind != "c":
        err = min(err, rel_err(fx, np.conj(ref)))
    return err


_SCALAR = {
    "expm": mpmath.exp,
    "logm": functools.partial(_principal, "logm"),
    "sqrtm": functools.partial(_principal, "sqrtm"),
    "signm": functools.partial(_principal, "signm"),
}


def mp_cond(f: str, x: np.ndarray, fx: np.ndarray) -> float:
    """Exact relative Frobenius condition number of f at a diagonalisable x: ``||K||_2 ||x||_F /
    ||f(x)||_F`` with ``K = (V^-T kron V) diag(vec D) (V^T kron V^-1)``, ``D_ij = f[l_i, l_j]``,
    from an mpmath eigendecomposition at 50 digits."""
    d = x.shape[0]
    with mpmath.workdps(50):
        lam, v = mpmath.eig(_mp_matrix(x))
        vi = mpmath.inverse(v)
        g = _SCALAR[f]
        dd = np.empty((d, d), dtype=complex)
        for i in range(d):
            for j in range(d):
                a, b = lam[i], lam[j]
                if abs(a - b) < mpmath.mpf(10) ** -30:
                    dd[i, j] = 0.0 if f == "signm" else complex(mpmath.diff(g, a))
                else:
                    dd[i, j] = complex((g(a) - g(b)) / (a - b))
        V, Vi = _to_np(v), _to_np(vi)
    K = np.kron(Vi.T, V) @ np.diag(dd.ravel(order="F")) @ np.kron(V.T, Vi)
    return float(np.linalg.norm(K, 2) * np.linalg.norm(x) / np.linalg.norm(fx))


def rel_err(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


# ------------------------------------------------------------------------------------------------
# Members satisfy their function (mpmath)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ds.FAMILIES)
def test_expm_members_against_mpmath(family: str) -> None:
    d = 4
    X, FX, info = ds.matrix_function_pairs("expm", 40, d, family=family, seed=11)
    assert info.valid.all()
    for i in (0, 17, 39):
        ref = mp_function("expm", X[i])
        kappa = scipy.linalg.expm_cond(X[i])
        assert rel_err(FX[i], ref) <= 10 * d * kappa * U64, (family, i)


@pytest.mark.parametrize("family", ["uniform", "nonnormal"])
def test_expm_members_float32(family: str) -> None:
    d = 3
    X, FX, info = ds.matrix_function_pairs(
        "expm", 10, d, family=family, scale=2.0, dtype=np.float32, seed=5
    )
    assert X.dtype == np.float32
    assert FX.dtype == np.float32
    for i in range(3):
        ref = mp_function("expm", X[i].astype(np.float64))  # the stored (rounded) X
        kappa = scipy.linalg.expm_cond(X[i].astype(np.float64))
        assert rel_err(FX[i].astype(np.float64), ref) <= 10 * d * kappa * U32


def test_expm_members_complex() -> None:
    d = 3
    X, FX, _ = ds.matrix_function_pairs(
        "expm", 5, d, family="gaussian", scale=3.0, dtype=np.complex128, seed=8
    )
    assert FX.dtype == np.complex128
    for i in range(3):
        ref = mp_function("expm", X[i])
        assert rel_err(FX[i], ref) <= 10 * d * mp_cond("expm", X[i], ref) * U64


@pytest.mark.parametrize("f", ["logm", "sqrtm", "signm"])
@pytest.mark.parametrize("family", ["uniform", "symmetric", "orthogonal", "toeplitz", "nonnormal"])
def test_members_against_mpmath(f: str, family: str) -> None:
    d = 4
    X, FX, info = ds.matrix_function_pairs(f, 30, d, family=family, scale=3.0, seed=21)
    idx = np.flatnonzero(info.valid)[:3]
    assert idx.size == 3
    for i in idx:
        ref = mp_function(f, X[i])
        kappa = mp_cond(f, X[i], ref)
        assert _matches(FX[i], ref, X[i]) <= 10 * d * max(kappa, 1.0) * U64, (f, family, i)
        assert info.cond[i] <= kappa * (1 + 1e-8)  # the estimate is a lower bound


# ------------------------------------------------------------------------------------------------
# Condition estimates
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["symmetric", "wigner", "orthogonal", "circulant"])
def test_expm_cond_estimate_exact_for_normal_families(family: str) -> None:
    X, _, info = ds.matrix_function_pairs("expm", 6, 4, family=family, seed=2, cond="eig")
    assert info.cond_method == "eig-lower-bound"
    ref = np.array([scipy.linalg.expm_cond(x) for x in X])
    np.testing.assert_allclose(info.cond, ref, rtol=1e-8)


@pytest.mark.parametrize("family", ["uniform", "gaussian", "toeplitz", "nonnormal"])
def test_expm_cond_estimate_is_lower_bound(family: str) -> None:
    X, _, info = ds.matrix_function_pairs("expm", 20, 4, family=family, seed=2, cond="eig")
    ref = np.array([scipy.linalg.expm_cond(x) for x in X])
    assert (info.cond <= ref * (1 + 1e-8)).all()
    assert (info.cond > 0).all()


@pytest.mark.parametrize("f", ["logm", "sqrtm", "signm"])
@pytest.mark.parametrize(("family", "exact"), [("symmetric", True), ("nonnormal", False)])
def test_eig_estimate_other_functions(f: str, family: str, exact: bool) -> None:
    X, FX, info = ds.matrix_function_pairs(f, 8, 3, family=family, scale=2.0, seed=4)
    assert info.cond_method == "eig-lower-bound"
    for i in np.flatnonzero(info.valid)[:4]:
        kappa = mp_cond(f, X[i], FX[i])
        if exact:
            assert info.cond[i] == pytest.approx(kappa, rel=1e-7, abs=1e-12)
        else:
            assert info.cond[i] <= kappa * (1 + 1e-8)


def test_expm_cond_used_when_present() -> None:
    X, _, info = ds.matrix_function_pairs("expm", 5, 3, seed=1)
    assert info.cond_method == "expm_cond"
    np.testing.assert_array_equal(info.cond, nnla.expm_cond(X))
    ref = np.array([scipy.linalg.expm_cond(x) for x in X])  # Frobenius, exact: a different norm
    assert np.all(info.cond > ref / 30)
    assert np.all(info.cond < ref * 30)
    _, _, eig = ds.matrix_function_pairs("expm", 5, 3, seed=1, cond="eig")
    assert eig.cond_method == "eig-lower-bound"
    _, _, none = ds.matrix_function_pairs("expm", 5, 3, seed=1, cond="none")
    assert none.cond_method == "none"
    assert np.isnan(none.cond).all()


# ------------------------------------------------------------------------------------------------
# Validity flags and robust evaluation
# ------------------------------------------------------------------------------------------------


def test_failed_samples_marked_invalid_others_exact() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3, 3))
    x[2] = np.diag([1.0, 0.0, 2.0])  # singular: no logarithm
    x[4, :, 0] = 0.0  # singular
    valid = np.ones(6, dtype=bool)
    out = dp._evaluate("logm", x, valid, None)
    assert valid.tolist() == [True, True, False, True, False, True]
    assert np.isnan(out[[2, 4]]).all()
    for i in (0, 1, 3, 5):
        np.testing.assert_allclose(out[i], scipy.linalg.logm(x[i]), rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(out[i], nnla.logm(x[i]))  # same bits one at a time


def test_prescreened_samples_skipped() -> None:
    x = np.stack([np.eye(2), 2 * np.eye(2), 3 * np.eye(2)])
    valid = np.array([True, False, True])
    out = dp._evaluate("sqrtm", x, valid, None)
    assert valid.tolist() == [True, False, True]
    np.testing.assert_allclose(out[[0, 2]], [np.eye(2), np.sqrt(3) * np.eye(2)], rtol=1e-15)
    assert np.isnan(out[1]).all()
    none = np.zeros(3, dtype=bool)
    assert np.isnan(dp._evaluate("expm_cond", x, none, None)).all()
    assert dp._evaluate("expm_cond", x, none, None).shape == (3,)


def test_prescreen_flags_imaginary_axis_and_singular() -> None:
    lam = np.array([[1.0, 1j], [2.0, -3.0], [1e-20, 1.0], [1e-20 + 1j, 1.0]])
    norms = np.ones(4)
    assert dp._prescreen("signm", lam, norms, U64, 2).tolist() == [False, True, False, False]
    assert dp._prescreen("logm", lam, norms, U64, 2).tolist() == [True, True, False, True]
    assert dp._prescreen("sqrtm", lam, norms, U64, 2).tolist() == [True, True, False, True]
    assert dp._prescreen("expm", lam, norms, U64, 2).tolist() == [True] * 4


def test_logm_of_orthogonal_family_is_complex_where_det_is_negative() -> None:
    X, FX, info = ds.matrix_function_pairs("logm", 40, 3, family="orthogonal", scale=1.0, seed=9)
    assert info.valid.all()
    assert FX.dtype.kind == "c"
    for i in range(6):
        np.testing.assert_allclose(scipy.linalg.expm(FX[i]), X[i], rtol=0, atol=1e-13)
        # principal logarithm of a rotation: eigenvalues of log X on the imaginary axis in (-pi, pi]
        w = np.linalg.eigvals(FX[i])
        assert np.abs(w.real).max() < 1e-12
        assert np.abs(w.imag).max() <= np.pi + 1e-12


def test_overflow_is_invalid() -> None:
    X, FX, info = ds.matrix_function_pairs("expm", 200, 3, family="gaussian", scale=400.0, seed=0)
    big = np.linalg.eigvals(X).real.max(axis=-1) > 720  # e^720 overflows float64
    assert big.any()
    assert not info.valid[big].any()
    assert np.isnan(FX[~info.valid]).all()
    assert np.isfinite(FX[info.valid]).all()


# ------------------------------------------------------------------------------------------------
# Families
# ------------------------------------------------------------------------------------------------


def _x(family: str, dtype: object = np.float64, scale: float = 3.0, n: int = 200, d: int = 5):
    return ds.matrix_function_pairs(
        "expm", n, d, family=family, scale=scale, dtype=dtype, seed=7, cond="none"
    ).X


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_symmetric_families_are_hermitian(dtype: object) -> None:
    for fam in ("symmetric", "wigner"):
        x = _x(fam, dtype)
        np.testing.assert_array_equal(x, np.conj(np.swapaxes(x, -1, -2)))
    assert np.abs(_x("symmetric", scale=3.0)).max() <= 3.0


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_orthogonal_family(dtype: object) -> None:
    s = 3.0
    x = _x("orthogonal", dtype, scale=s)
    xhx = np.conj(np.swapaxes(x, -1, -2)) @ x
    np.testing.assert_allclose(
        xhx, np.broadcast_to(s * s * np.eye(5), xhx.shape), atol=1e-13 * s * s
    )
    # Haar: the first entry of Q/s has mean 0 and variance 1/d (loose statistical check)
    q00 = x[:, 0, 0] / s
    assert abs(np.mean(np.abs(q00) ** 2) - 1 / 5) < 0.05


def test_toeplitz_and_circulant_structure() -> None:
    t = _x("toeplitz")
    np.testing.assert_array_equal(t[:, 1:, 1:], t[:, :-1, :-1])  # constant diagonals
    c = _x("circulant")
    np.testing.assert_array_equal(c, np.roll(np.roll(c, 1, axis=1), 1, axis=2))
    assert not np.array_equal(c, np.swapaxes(c, 1, 2))


def test_scale_of_uniform_and_gaussian() -> None:
    s = 7.0
    u = _x("uniform", scale=s, n=4000)
    assert np.abs(u).max() <= s
    assert np.abs(u).max() > 0.99 * s
    assert np.mean(u**2) == pytest.approx(s * s / 3, rel=0.03)
    g = _x("gaussian", scale=s, n=4000)
    assert np.std(g) == pytest.approx(s, rel=0.02)
    w = _x("wigner", scale=1.0, n=2000, d=8)
    lam = np.linalg.eigvalsh(w)
    # semicircle on [-2, 2]; at d = 8 the largest of 16000 eigenvalues fluctuates past 3
    assert np.quantile(np.abs(lam), 0.999) < 3.0
    assert np.abs(lam).max() < 3.5
    assert np.mean(lam**2) == pytest.approx(1.0 + 1.0 / 8, rel=0.05)  # E tr W^2 / d = 1 + 1/d


def test_nonnormal_family() -> None:
    s = 2.0
    x = _x("nonnormal", scale=s)
    lam = np.linalg.eigvals(x)
    assert np.abs(lam.imag).max() < 1e-5 * s  # real eigenvalues (similar to a real triangular T)
    assert np.abs(lam.real).max() <= s * (1 + 1e-6)
    # departure from normality: ||X||_F^2 - sum |lambda|^2 is a large share of ||X||_F^2
    fro2 = np.sum(np.abs(x) ** 2, axis=(-2, -1))
    dep = (fro2 - np.sum(np.abs(lam) ** 2, axis=-1)) / fro2
    assert np.median(dep) > 0.5


# ------------------------------------------------------------------------------------------------
# Determinism, dtypes, save/load
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ds.FAMILIES)
def test_deterministic_per_seed_and_thread_count(family: str) -> None:
    a = ds.matrix_function_pairs("expm", 300, 4, family=family, seed=3, n_threads=1)
    b = ds.matrix_function_pairs("expm", 300, 4, family=family, seed=3, n_threads=2)
    c = ds.matrix_function_pairs("expm", 300, 4, family=family, seed=4, n_threads=2)
    for u, v in ((a.X, b.X), (a.FX, b.FX), (a.info.cond, b.info.cond)):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.X, c.X)


def test_deterministic_other_functions() -> None:
    for f in ("logm", "sqrtm", "signm"):
        a = ds.matrix_function_pairs(f, 20, 3, seed=3, n_threads=1)
        b = ds.matrix_function_pairs(f, 20, 3, seed=3, n_threads=2)
        np.testing.assert_array_equal(a.FX, b.FX)
        np.testing.assert_array_equal(a.info.valid, b.info.valid)


def test_dtypes_and_empty() -> None:
    for dt in (np.float32, np.float64, np.complex64, np.complex128):
        X, FX, _ = ds.matrix_function_pairs("expm", 3, 2, dtype=dt, seed=0)
        assert X.dtype == dt
        assert FX.dtype == dt
    X, FX, info = ds.matrix_function_pairs("expm", 0, 4)
    assert X.shape == FX.shape == (0, 4, 4)
    assert info.valid.shape == info.cond.shape == (0,)


def test_save_load_round_trip(tmp_path) -> None:
    data = ds.matrix_function_pairs("expm", 50, 3, family="toeplitz", scale=2.5, seed=6)
    p = data.save(tmp_path / "pairs")
    assert p.name == "pairs.npz"
    back = ds.load(p)
    for u, v in ((data.X, back.X), (data.FX, back.FX)):
        np.testing.assert_array_equal(u, v)
        assert u.dtype == v.dtype
    np.testing.assert_array_equal(data.info.valid, back.info.valid)
    np.testing.assert_array_equal(data.info.cond, back.info.cond)
    assert back.info.metadata() == data.info.metadata()
    assert "50 pairs" in back.info.summary()
    assert "family='toeplitz'" in repr(back.info)


def test_load_rejects_other_files(tmp_path) -> None:
    p = tmp_path / "other.npz"
    np.savez(p, X=np.zeros(3))
    with pytest.raises(ValueError, match=r"not an nnla data set"):
        ds.load(p)


# ------------------------------------------------------------------------------------------------
# score
# ------------------------------------------------------------------------------------------------


def test_score_closed_form() -> None:
    X, FX, info = ds.matrix_function_pairs("expm", 100, 3, scale=1.0, seed=1)
    delta = np.linspace(0.0, 0.1, 100)
    pred = FX * (1 + delta)[:, None, None]
    rep = ds.score(pred, FX)
    np.testing.assert_allclose(rep.errors, delta, rtol=1e-12, atol=1e-15)
    assert rep.within[0.05] == np.mean(delta <= 0.05 * (1 + 1e-12))
    assert rep.quantiles[0.5] == pytest.approx(np.median(delta), rel=1e-12)
    assert rep.quantiles["max"] == pytest.approx(0.1, rel=1e-12)
    flat = ds.score(pred.reshape(100, 9), FX)  # flattened predictions
    np.testing.assert_array_equal(flat.errors, rep.errors)
    assert "within tolerance" in rep.summary()


def test_score_with_info_masks_invalid_and_reports_kernel_error() -> None:
    X, FX, info = ds.matrix_function_pairs("expm", 10, 3, scale=1.0, seed=1)
    info.valid[3] = False
    FX2 = FX.copy()
    FX2[3] = np.nan
    pred = FX2 * 1.01
    rep = ds.score(pred, FX2, info=info)
    assert rep.n_scored == 9
    assert rep.kernel_error is not None
    assert rep.kernel_error["max"] == pytest.approx(np.nanmax(np.delete(info.cond, 3)) * U64)
    pred[0] = np.nan  # a NaN prediction is infinitely wrong, not skipped
    rep = ds.score(pred, FX2, info=info)
    assert rep.errors[0] == np.inf
    assert rep.within[0.05] == pytest.approx(8 / 9)


@pytest.mark.parametrize(
    ("pred", "exact", "kw", "match"),
    [
        pytest.param(np.ones((3, 2, 2)), np.ones((4, 2, 2)), {}, r"pred has shape", id="shape"),
        pytest.param(np.ones((3, 2, 2)), np.ones(3), {}, r"true must have shape", id="1d"),
        pytest.param(np.ones((2, 2, 2)), np.zeros((2, 2, 2)), {}, r"true has a zero", id="zero"),
        pytest.param(
            np.ones((1, 1, 1)), np.ones((1, 1, 1)), {"tolerances": (0.0,)}, r"tolerances", id="tol0"
        ),
        pytest.param(
            np.ones((1, 1, 1)), np.ones((1, 1, 1)), {"tolerances": ()}, r"tolerances", id="no-tol"
        ),
        pytest.param(np.array([["a"]]), np.ones((1, 1)), {}, r"pred must be a numeric", id="str"),
    ],
)
def test_score_bad_input(pred, exact, kw, match) -> None:
    with pytest.raises(ValueError, match=match):
        ds.score(pred, exact, **kw)


# ------------------------------------------------------------------------------------------------
# Bad input and docstrings
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        pytest.param(("cosm", 3, 2), {}, r"\bf must be one of", id="f"),
        pytest.param(("expm", -1, 2), {}, r"\bn must be an integer >= 0", id="n-negative"),
        pytest.param(("expm", 2.5, 2), {}, r"\bn must be an integer", id="n-float"),
        pytest.param(("expm", True, 2), {}, r"\bn must be an integer", id="n-bool"),
        pytest.param(("expm", 3, 0), {}, r"\bd must be an integer >= 1", id="d-zero"),
        pytest.param(("expm", 3, 2), {"family": "hankel"}, r"family must be one of", id="family"),
        pytest.param(("expm", 3, 2), {"scale": 0.0}, r"scale must be a finite n", id="scale-0"),
        pytest.param(
            ("expm", 3, 2), {"scale": np.inf}, r"scale must be a finite n", id="scale-inf"
        ),
        pytest.param(("expm", 3, 2), {"scale": "big"}, r"scale must be a finite n", id="scale-str"),
        pytest.param(("expm", 3, 2), {"dtype": np.int64}, r"dtype must be float32", id="dtype-int"),
        pytest.param(("expm", 3, 2), {"dtype": "banana"}, r"dtype must be float32", id="dtype-bad"),
        pytest.param(("expm", 3, 2), {"seed": -1}, r"seed must be an integer >= 0", id="seed"),
        pytest.param(("expm", 3, 2), {"cond": "exact"}, r"cond must be one of", id="cond"),
        pytest.param(
            ("expm", 3, 2), {"n_threads": 0}, r"n_threads must be an integer >= 1", id="threads"
        ),
    ],
)
def test_bad_input(args: tuple, kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ds.matrix_function_pairs(*args, **kw)


def test_chunked_threads_give_identical_bits() -> None:
    """More matrices than one chunk of the threaded eigenvalue post-processing."""
    n = 2 * dp._CHUNK + 123
    a = ds.matrix_function_pairs("expm", n, 2, seed=5, cond="eig", n_threads=1)
    b = ds.matrix_function_pairs("expm", n, 2, seed=5, cond="eig", n_threads=3)
    np.testing.assert_array_equal(a.FX, b.FX)
    np.testing.assert_array_equal(a.info.cond, b.info.cond)
    # each estimate depends on its own matrix only: the last ones computed alone agree
    x, fx = a.X[-100:], a.FX[-100:]
    direct = dp._eig_estimate("expm", dp._eigvals(x, 1), x, fx)
    np.testing.assert_array_equal(a.info.cond[-100:], direct)


def test_expm_cond_failures_give_inf() -> None:
    # expm overflows for the scaled samples (entries ~ 1e3 x ||X||): expm_cond reports a failure
    # status there, which the data set records as an infinite condition number.
    X, FX, info = ds.matrix_function_pairs("expm", 20, 3, seed=1)
    big = np.zeros(20, dtype=bool)
    big[::3] = True
    Xb = X.copy()
    Xb[big] *= 1e3
    valid = np.ones(20, dtype=bool)
    est = dp._evaluate("expm_cond", np.ascontiguousarray(Xb), valid, None)
    assert not valid[big].any()
    assert valid[~big].all()
    np.testing.assert_array_equal(est[~big], info.cond[~big])
    assert np.isnan(est[big]).all()
