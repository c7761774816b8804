"""The public contract of ``nnla.expm`` apart from accuracy (that is tests/test_expm_accuracy.py).

Bad input, ``check_finite``, dtype and shape rules, structured batch members, overflow handling,
concurrent calls from Python threads, and the exception hierarchy. Batched versus one matrix at
a time, thread counts, empty batches and memory layouts: tests/test_batched.py, for every
batched function.
"""

from __future__ import annotations

import concurrent.futures

import nnla
import numpy as np
import pytest
from references import randn

FLOAT_DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
DOUBLE_DTYPES = [np.float64, np.complex128]


def _scale_to_norms(a: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Scale each matrix of the stack ``a`` (in float64/complex128) to the given 1-norm."""
    cur = np.abs(a).sum(axis=-2).max(axis=-1)
    return a * (np.asarray(norms) / cur)[..., None, None]


def _spread_batch(rng: np.random.Generator, n: int, d: int, dtype: object) -> np.ndarray:
    """A batch of ``n`` random ``d x d`` matrices whose 1-norms span 1e-6..1e3 (1e-6..30 in single
    precision, where exp overflows near 88)."""
    top = 3.0 if np.finfo(dtype).bits == 64 else 1.5
    a = randn(rng, (n, d, d), np.complex128 if np.dtype(dtype).kind == "c" else np.float64)
    return _scale_to_norms(a, np.logspace(-6, top, n)).astype(dtype)


# ------------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------------

_STACK = r"must be a \(\.\.\., d, d\) stack of square matrices"
_SQUARE = r"must be square in its last two axes"
_DTYPE = r"\ba has dtype .*expected float32, float64, complex64 or complex128"


@pytest.mark.parametrize(
    ("a", "match"),
    [
        pytest.param(np.float64(1.0), _STACK, id="numpy-scalar"),
        pytest.param(np.array(2.0), _STACK, id="0d-array"),
        pytest.param(3.0, _STACK, id="python-float"),
        pytest.param(np.ones(3), _STACK, id="1d"),
        pytest.param([1.0, 2.0], _STACK, id="1d-list"),
        pytest.param(np.ones(0), _STACK, id="1d-empty"),
        pytest.param(np.ones((2, 3)), _SQUARE, id="2x3"),
        pytest.param(np.ones((4, 2, 3)), _SQUARE, id="4x2x3"),
        pytest.param(np.ones((3, 0)), _SQUARE, id="3x0"),
        pytest.param(np.ones((0, 2, 3)), _SQUARE, id="empty-batch-2x3"),
        pytest.param(np.eye(2, dtype=bool), _DTYPE, id="bool"),
        pytest.param(np.empty((0, 2, 2), dtype=bool), _DTYPE, id="bool-empty"),
        pytest.param(np.eye(2).astype(object), _DTYPE, id="object-numbers"),
        pytest.param(np.array([[1.0, None], [0.0, 1.0]], dtype=object), _DTYPE, id="object-none"),
        pytest.param(np.array([["1", "0"], ["0", "1"]]), _DTYPE, id="unicode"),
        pytest.param(np.array([[b"1", b"0"], [b"0", b"1"]]), _DTYPE, id="bytes"),
        pytest.param(np.zeros((2, 2), dtype="datetime64[s]"), _DTYPE, id="datetime64"),
        pytest.param(np.zeros((2, 2), dtype="timedelta64[ns]"), _DTYPE, id="timedelta64"),
    ],
)
def test_bad_shape_or_dtype(a: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        nnla.expm(a)


def _with_value(shape: tuple[int, ...], index: tuple[int, ...], value: complex, dtype: object):
    a = randn(np.random.default_rng(7), shape, dtype)
    a[index] = value
    return a


@pytest.mark.parametrize(
    "a",
    [
        pytest.param(np.array([[np.nan]]), id="1x1-nan"),
        pytest.param(np.array([[np.inf]]), id="1x1-inf"),
        pytest.param(np.array([[-np.inf]]), id="1x1-neg-inf"),
        pytest.param(_with_value((3, 3), (0, 0), np.nan, np.float64), id="first-entry-nan"),
        pytest.param(_with_value((3, 3), (2, 2), np.inf, np.float64), id="last-entry-inf"),
        pytest.param(_with_value((3, 3), (0, 2), -np.inf, np.float64), id="corner-neg-inf"),
        pytest.param(_with_value((5, 4, 4), (4, 3, 1), np.nan, np.float64), id="batch-last-nan"),
        pytest.param(_with_value((2, 3, 2, 2), (1, 0, 1, 0), np.inf, np.float64), id="4d-inf"),
        pytest.param(_with_value((2, 3, 3), (1, 1, 2), np.nan, np.float32), id="float32-nan"),
        pytest.param(_with_value((2, 3, 3), (0, 1, 1), np.inf, np.float32), id="float32-inf"),
        pytest.param(
            _with_value((2, 3, 3), (1, 0, 0), complex(0.0, np.nan), np.complex128),
            id="complex128-imag-nan",
        ),
        pytest.param(
            _with_value((2, 3, 3), (0, 2, 1), complex(np.inf, 1.0), np.complex128),
            id="complex128-real-inf",
        ),
        pytest.param(
            _with_value((3, 3), (1, 2), complex(1.0, -np.inf), np.complex64),
            id="complex64-imag-neg-inf",
        ),
        pytest.param(np.array([[1, 2], [3, np.nan]], dtype=np.float16), id="float16-nan"),
        pytest.param(np.array([[np.nan, 0.0], [0.0, 1.0]], dtype=">f8"), id="big-endian-nan"),
        pytest.param(np.triu(np.full((4, 4), np.inf)), id="triangular-inf"),
        pytest.param(np.diag([1.0, np.nan, 2.0]), id="diagonal-nan"),
    ],
)
def test_nan_or_inf_rejected_by_default(a: np.ndarray) -> None:
    before = a.copy()
    with pytest.raises(ValueError, match=r"\ba contains NaN or Inf"):
        nnla.expm(a)
    with pytest.raises(ValueError, match="NaN or Inf"):
        nnla.expm(a, check_finite=True)
    np.testing.assert_array_equal(a, before)  # input untouched


def test_nan_error_names_the_batch_index() -> None:
    a = _with_value((2, 3, 2, 2), (1, 2, 0, 1), np.nan, np.float64)
    with pytest.raises(ValueError, match=r"batch indices \[\(1, 2\)\]"):
        nnla.expm(a)


@pytest.mark.parametrize(
    "n_threads",
    [0, -1, -8, 1.5, 2.0, True, False, np.bool_(True), "2", b"2", [2], complex(2, 0)],
    ids=repr,
)
def test_bad_n_threads(n_threads: object) -> None:
    with pytest.raises(ValueError, match=r"n_threads must be an integer >= 1"):
        nnla.expm(np.eye(3), n_threads=n_threads)


@pytest.mark.parametrize("shape", [(0, 3, 3), (3, 0, 0), (0, 0)])
def test_bad_n_threads_rejected_for_empty_input(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"n_threads must be an integer >= 1"):
        nnla.expm(np.zeros(shape), n_threads=0)


@pytest.mark.parametrize("n_threads", [np.int64(2), np.int32(3), np.uint8(1)], ids=repr)
def test_numpy_integer_n_threads_accepted(n_threads: object) -> None:
    a = randn(np.random.default_rng(3), (4, 5, 5), np.float64)
    assert np.array_equal(nnla.expm(a, n_threads=n_threads), nnla.expm(a, n_threads=1))


@pytest.mark.parametrize("n_threads", [2**31, np.int64(2**63 - 1), 10**30], ids=repr)
def test_huge_n_threads_is_capped(n_threads: object) -> None:
    """A thread count beyond what the native layer takes (C int) is capped (at 1024, more is never
    useful), not rejected and not leaked as a pybind11 TypeError: the call works and gives the
    results of every other thread count."""
    a = randn(np.random.default_rng(4), (3, 4, 4), np.float64)
    assert np.array_equal(nnla.expm(a, n_threads=n_threads), nnla.expm(a, n_threads=1))


# ------------------------------------------------------------------------------------------------
# check_finite=False
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("d", [1, 3, 8, 20])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_check_finite_false_isolates_bad_matrix(dtype: type, d: int, bad: float) -> None:
    rng = np.random.default_rng(100 + d)
    a = randn(rng, (5, d, d), dtype)
    a[2, d - 1, 0] = bad
    before = a.copy()
    r = nnla.expm(a, check_finite=False)
    assert r.dtype == np.dtype(dtype)
    assert r.shape == a.shape
    assert np.isnan(r[2]).all(), "the matrix with NaN/Inf must give an all-NaN result"
    for i in (0, 1, 3, 4):
        alone = nnla.expm(a[i].copy())
        assert np.array_equal(r[i], alone), f"batch member {i} differs from computing it alone"
    np.testing.assert_array_equal(a, before)


def test_check_finite_false_multi_dim_batch_complex_imag_nan() -> None:
    rng = np.random.default_rng(11)
    a = randn(rng, (2, 3, 4, 4), np.complex128)
    a[1, 0, 2, 3] = complex(1.0, np.nan)
    r = nnla.expm(a, check_finite=False)
    assert np.isnan(r[1, 0]).all()
    ok = np.ones((2, 3), dtype=bool)
    ok[1, 0] = False
    for idx in zip(*np.nonzero(ok)):
        assert np.array_equal(r[idx], nnla.expm(a[idx].copy()))
        assert np.isfinite(r[idx]).all()


def test_check_finite_false_all_bad() -> None:
    a = np.full((3, 2, 2), np.nan)
    r = nnla.expm(a, check_finite=False)
    assert np.isnan(r).all()


# ------------------------------------------------------------------------------------------------
# dtype rules
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_dtype_preserved(dtype: type) -> None:
    rng = np.random.default_rng(21)
    a = randn(rng, (3, 4, 4), dtype) / 4
    r = nnla.expm(a)
    assert r.dtype == np.dtype(dtype)
    assert r.shape == a.shape
    # Really computed in that precision's format, not mislabelled: close to the double result.
    ref = nnla.expm(a.astype(np.complex128 if np.dtype(dtype).kind == "c" else np.float64))
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(r, ref, rtol=50 * eps, atol=50 * eps * np.abs(ref).max())


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64])
def test_integer_input_becomes_float64(dtype: type) -> None:
    rng = np.random.default_rng(22)
    lo = 0 if np.dtype(dtype).kind == "u" else -3
    a = rng.integers(lo, 4, size=(3, 4, 4)).astype(dtype)
    r = nnla.expm(a)
    assert r.dtype == np.float64
    assert np.array_equal(r, nnla.expm(a.astype(np.float64)))


def test_nested_list_becomes_float64() -> None:
    a = [[0.0, 1.0], [-1.0, 0.0]]
    r = nnla.expm(a)
    assert r.dtype == np.float64
    assert np.array_equal(r, nnla.expm(np.array(a)))
    ri = nnla.expm([[0, 1], [-1, 0]])
    assert ri.dtype == np.float64
    assert np.array_equal(ri, r)


def test_float16_becomes_float32() -> None:
    rng = np.random.default_rng(23)
    a = (rng.standard_normal((3, 4, 4)) / 4).astype(np.float16)
    r = nnla.expm(a)
    assert r.dtype == np.float32
    assert np.array_equal(r, nnla.expm(a.astype(np.float32)))


@pytest.mark.parametrize(
    ("big", "native"),
    [
        (">f8", np.float64),
        (">f4", np.float32),
        (">c16", np.complex128),
        (">c8", np.complex64),
        (">i4", np.float64),
        (">f2", np.float32),
    ],
)
def test_big_endian_accepted(big: str, native: type) -> None:
    rng = np.random.default_rng(24)
    a = randn(rng, (3, 5, 5), np.complex128 if big[1] == "c" else np.float64)
    if big[1] == "i":
        a = np.round(3 * a.real)
    a_native = a.astype(np.dtype(big).newbyteorder("="))
    a_big = a_native.astype(big)
    assert not a_big.dtype.isnative
    r = nnla.expm(a_big)
    assert r.dtype == np.dtype(native)
    assert r.dtype.isnative
    assert np.array_equal(r, nnla.expm(a_native))


# ------------------------------------------------------------------------------------------------
# Shapes
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(0, 0), (3, 0, 0), (0, 4, 4), (2, 3, 0, 0), (0, 1, 1), (2, 0, 5, 5)]
)
@pytest.mark.parametrize(
    ("dtype", "out_dtype"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.complex64, np.complex64),
        (np.complex128, np.complex128),
        (np.int32, np.float64),
        (np.float16, np.float32),
    ],
)
def test_empty(shape: tuple[int, ...], dtype: type, out_dtype: type) -> None:
    a = np.zeros(shape, dtype=dtype)
    r = nnla.expm(a)
    assert r.shape == shape
    assert r.dtype == np.dtype(out_dtype)
    assert not np.shares_memory(r, a)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_1x1_equals_np_exp(dtype: type) -> None:
    rng = np.random.default_rng(31)
    a = (4 * randn(rng, (20, 1, 1), dtype)).astype(dtype)
    r = nnla.expm(a)
    assert r.shape == (20, 1, 1)
    assert r.dtype == np.dtype(dtype)
    np.testing.assert_allclose(r, np.exp(a), rtol=4 * np.finfo(dtype).eps, atol=0)
    r2 = nnla.expm(a[3])
    assert r2.shape == (1, 1)
    np.testing.assert_allclose(r2, np.exp(a[3]), rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("shape", [(5, 3, 4, 4), (2, 1, 3, 2, 2), (1, 6, 6), (4, 1, 1)])
def test_batch_shape_preserved(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(32)
    a = randn(rng, shape, np.float64)
    r = nnla.expm(a)
    assert r.shape == shape
    for idx in np.ndindex(*shape[:-2]):
        assert np.array_equal(r[idx], nnla.expm(a[idx].copy()))


# ------------------------------------------------------------------------------------------------
# ------------------------------------------------------------------------------------------------
# Memory: the input is never modified (layouts and read-only input: tests/test_batched.py)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_contiguous_input_not_modified(dtype: type) -> None:
    rng = np.random.default_rng(44)
    for d in (1, 2, 7, 20):
        a = _spread_batch(rng, 6, d, dtype)
        a[1] = np.triu(a[1])
        a[2] = np.diag(np.diag(a[2]))
        before = a.copy()
        r = nnla.expm(a)
        assert np.array_equal(a, before), f"d={d}: expm modified its input"
        assert not np.shares_memory(r, a)


# ------------------------------------------------------------------------------------------------
# Structured members of a batch (batched == one at a time, threads: tests/test_batched.py)
# ------------------------------------------------------------------------------------------------


def _mixed_batch(rng: np.random.Generator, d: int, dtype: type) -> np.ndarray:
    """Norms spread over 1e-6..1e3, with lower, upper triangular and diagonal members inside."""
    a = _spread_batch(rng, 14, d, dtype)
    a[2] = np.tril(a[2])
    a[5] = np.triu(a[5])
    a[8] = np.diag(np.diagonal(a[8]))
    a[11] = np.triu(a[11])
    a[12] = np.tril(a[12])
    a[13] = np.diag(np.diagonal(a[13]))
    return a


@pytest.mark.parametrize("d", [2, 5, 8, 13, 40])
@pytest.mark.parametrize("dtype", DOUBLE_DTYPES)
def test_triangular_and_diagonal_members_keep_structure(dtype: type, d: int) -> None:
    a = _mixed_batch(np.random.default_rng(700 + d), d, dtype)
    r = nnla.expm(a, n_threads=2)
    for i in (2, 12):  # lower triangular
        assert np.array_equal(np.triu(r[i], 1), np.zeros((d, d), dtype)), f"member {i}"
    for i in (5, 11):  # upper triangular
        assert np.array_equal(np.tril(r[i], -1), np.zeros((d, d), dtype)), f"member {i}"
    for i in (8, 13):  # diagonal
        off = r[i] - np.diag(np.diagonal(r[i]))
        assert np.array_equal(off, np.zeros((d, d), dtype)), f"member {i}"


# ------------------------------------------------------------------------------------------------
# Overflow: inf where the exponential overflows, never a silent NaN
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "x"), [(np.float64, 1000.0), (np.float32, 200.0)])
def test_overflow_1x1_is_inf(dtype: type, x: float) -> None:
    r = nnla.expm(np.array([[x]], dtype=dtype))
    assert r.dtype == np.dtype(dtype)
    assert np.array_equal(r, np.array([[np.inf]], dtype=dtype))


@pytest.mark.parametrize(("dtype", "x"), [(np.complex128, 1000.0), (np.complex64, 200.0)])
def test_overflow_1x1_complex(dtype: type, x: float) -> None:
    r = nnla.expm(np.array([[x]], dtype=dtype))
    assert not np.isnan(r).any()
    assert r[0, 0].real == np.inf


@pytest.mark.parametrize(("dtype", "x"), [(np.float64, 1000.0), (np.float32, 200.0)])
def test_overflow_diagonal(dtype: type, x: float) -> None:
    r = nnla.expm(np.diag([x, -x]).astype(dtype))
    assert np.array_equal(r, np.array([[np.inf, 0.0], [0.0, 0.0]], dtype=dtype))


def _random_norm(seed: int, d: int, norm: float, dtype: type) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = randn(rng, (d, d), np.complex128 if np.dtype(dtype).kind == "c" else np.float64)
    return _scale_to_norms(a, norm).astype(dtype)


def _inf_or_raise(a: np.ndarray) -> np.ndarray | None:
    """expm(a) if it returns (then without NaN), None if it raises NonFiniteResultError."""
    try:
        r = nnla.expm(a)
    except nnla.errors.NonFiniteResultError as exc:
        error = exc
    else:
        error = None
    if error is not None:
        assert error.indices, "NonFiniteResultError must name the failing batch indices"
        assert error.hint
        return None
    assert r.dtype == a.dtype
    assert not np.isnan(r).any(), "finite input gave a NaN result without an exception"
    return r


@pytest.mark.parametrize(
    ("dtype", "norm"),
    [
        (np.float64, 1e3),
        (np.float64, 1e4),
        (np.complex128, 1e3),
        (np.complex128, 1e4),
        (np.float32, 200.0),
        (np.float32, 1e3),
        (np.complex64, 200.0),
        (np.complex64, 1e3),
    ],
)
def test_overflow_random_never_silent_nan(dtype: type, norm: float) -> None:
    mats = [_random_norm(seed, 3, norm, dtype) for seed in range(12)]
    mats += [_random_norm(100 + seed, 6, norm, dtype) for seed in range(4)]
    for a in mats:
        _inf_or_raise(a)


@pytest.mark.parametrize(("dtype", "norm"), [(np.float64, 1e4), (np.float32, 1e3)])
def test_overflow_in_batch_matches_one_at_a_time(dtype: type, norm: float) -> None:
    """Batches with overflowing members. Members that raise alone make the batch raise, naming
    exactly their indices; a batch of members that return alone (some with inf entries, some
    small) returns the same bits as computing them one at a time."""
    rng = np.random.default_rng(800)
    a = randn(rng, (24, 3, 3), np.float64)
    a = _scale_to_norms(a, np.where(np.arange(24) % 3 == 0, 0.5, norm)).astype(dtype)
    alone = [_inf_or_raise(a[i].copy()) for i in range(24)]
    failing = [i for i, r in enumerate(alone) if r is None]
    returning = [i for i, r in enumerate(alone) if r is not None]
    with_inf = [i for i in returning if np.isinf(alone[i]).any()]
    # The draw must cover all three outcomes, or this test checks less than it claims.
    assert failing
    assert with_inf
    assert any(np.isfinite(alone[i]).all() for i in returning)

    with pytest.raises(nnla.errors.NonFiniteResultError) as info:
        nnla.expm(a, n_threads=3)
    assert sorted(info.value.indices) == [(i,) for i in failing]
    assert str((failing[0],)) in str(info.value)

    r = nnla.expm(a[returning], n_threads=3)
    for k, i in enumerate(returning):
        assert np.array_equal(r[k], alone[i]), f"member {i}"


# ------------------------------------------------------------------------------------------------
# Concurrent calls from Python threads
# ------------------------------------------------------------------------------------------------


def test_concurrent_python_threads() -> None:
    rng = np.random.default_rng(900)
    batches = [
        _spread_batch(rng, 64, 5, np.float64),
        _spread_batch(rng, 16, 24, np.complex128),
        _spread_batch(rng, 200, 2, np.float64),
        _spread_batch(rng, 8, 40, np.float64),
        randn(rng, (32, 8, 8), np.float32) / 4,
        randn(rng, (32, 3, 3), np.complex64) / 4,
    ]
    calls = [(b, nt) for b in batches for nt in (None, 1, 2)] * 3
    expected = [nnla.expm(b, n_threads=nt) for b, nt in calls]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: nnla.expm(c[0], n_threads=c[1]), calls))
    for k, (r, e) in enumerate(zip(results, expected)):
        assert np.array_equal(r, e), f"call {k} differs when run concurrently"


def test_concurrent_errors_stay_in_their_thread() -> None:
    """A call that raises (NaN input) does not disturb calls running at the same time."""
    rng = np.random.default_rng(901)
    good = randn(rng, (50, 6, 6), np.float64)
    bad = good.copy()
    bad[7, 0, 0] = np.nan
    expected = nnla.expm(good)

    def work(k: int) -> np.ndarray | None:
        if k % 2:
            with pytest.raises(ValueError, match="NaN or Inf"):
                nnla.expm(bad)
            return None
        return nnla.expm(good)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(16)))
    for r in results[::2]:
        assert np.array_equal(r, expected)


# ------------------------------------------------------------------------------------------------
# Exceptions
# ------------------------------------------------------------------------------------------------


_WARNINGS = [n for n in nnla.errors.__all__ if issubclass(getattr(nnla.errors, n), Warning)]


@pytest.mark.parametrize("name", [n for n in nnla.errors.__all__ if n not in _WARNINGS])
def test_error_classes_are_linalgerror(name: str) -> None:
    cls = getattr(nnla.errors, name)
    assert issubclass(cls, np.linalg.LinAlgError)
    assert issubclass(cls, nnla.errors.LinAlgError)


@pytest.mark.parametrize("name", _WARNINGS)
def test_warning_classes_are_runtime_warnings(name: str) -> None:
    assert issubclass(getattr(nnla.errors, name), RuntimeWarning)


def test_error_hint_and_indices() -> None:
    err = nnla.errors.NonFiniteResultError("it overflowed", hint="scale it", indices=[(1,), (3,)])
    assert str(err) == "it overflowed. Hint: scale it"
    assert err.hint == "scale it"
    assert err.indices == [(1,), (3,)]
    plain = nnla.errors.SingularMatrixError("singular")
    assert str(plain) == "singular"
    assert plain.hint is None
    assert plain.indices == []
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        raise plain
