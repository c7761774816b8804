"""One harness for every batched function: a batch gives bitwise the results of its members.

The contract of DESIGN.md ("results are identical for every thread count and for batched vs
one-at-a-time calls"), checked the same way for each batched function (the pattern of scipy's
``tests/test_batch.py``):

* ``nnla.expm``, ``expm_frechet``, ``expm_cond``, ``logm``, ``sqrtm``, ``signm`` (with and without
  ``return_residual``), and ``logm``/``sqrtm`` on real batches with one member whose principal
  value is complex (the whole output turns complex): on a mixed batch of shape (2, 3) for every
  dtype and d in 1, 2, 3, 4, 8, 9, 13, 16, 17, 33 (every kernel size class), members of different
  structure (dense, upper and lower triangular, diagonal, nonnormal) and norms spread over
  decades, the batch equals, bit for bit, the (5,) batch of its first five members, the batch
  reversed, each member alone (batch shape ()), and itself on 2 threads; dtype and shape
  follow the documented rules; zero-size batches work; read-only, non-contiguous, unaligned,
  broadcast and structured-field inputs give the results of their contiguous copies and are
  left untouched;
* ``nnla.three_layer.solve`` (batched over problems), ``nnla.datasets.matrix_function_pairs``
  (batched over samples) and the ReLU assembly, entry and product functions (``n_threads``):
  the same on their own inputs.

Every instance is built here from a seeded generator, for a function at a point where it is
defined (eigenvalues off the closed negative real axis for logm/sqrtm, off the imaginary axis for
signm, no overflow for expm_cond).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import nnla
import numpy as np
import pytest
from nnla import datasets, relu, three_layer
from references import nonnormal_triangular, randn, with_eigenvalues

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
SIZES = [1, 2, 3, 4, 8, 9, 13, 16, 17, 33]
BATCH = (2, 3)


def _rng(*keys: object) -> np.random.Generator:
    """A generator seeded from the test's parameters (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(repr(keys).encode()))


def _wide(dtype: object) -> type:
    return np.complex128 if np.dtype(dtype).kind == "c" else np.float64


def _complex_of(dtype: object) -> np.dtype:
    return np.dtype(np.complex64 if np.dtype(dtype) == np.float32 else np.complex128)


def _real_of(dtype: object) -> np.dtype:
    return np.dtype(np.float32 if np.dtype(dtype) in (np.float32, np.complex64) else np.float64)


def _scale_1norm(a: np.ndarray, norms: np.ndarray) -> np.ndarray:
    cur = np.abs(a).sum(axis=-2).max(axis=-1)
    return a * (np.asarray(norms) / np.where(cur == 0, 1.0, cur))[..., None, None]


def _structure(a: np.ndarray) -> np.ndarray:
    """Members 1, 2, 3 (mod 6) upper triangular, lower triangular, diagonal; the rest dense."""
    for k in range(a.shape[0]):
        if k % 6 == 1:
            a[k] = np.triu(a[k])
        elif k % 6 == 2:
            a[k] = np.tril(a[k])
        elif k % 6 == 3:
            a[k] = np.diag(np.diagonal(a[k]))
    return a


# ------------------------------------------------------------------------------------------------
# Instances: a stack of n valid d x d matrices per function, in the wide dtype
# ------------------------------------------------------------------------------------------------


def _spread(rng: np.random.Generator, n: int, d: int, dtype: object, lo: float, hi: float):
    """Random matrices with 1-norms 10^lo .. 10^hi (shuffled), structured as :func:`_structure`."""
    norms = np.logspace(lo, hi, n)
    rng.shuffle(norms)
    return _structure(_scale_1norm(randn(rng, (n, d, d), _wide(dtype)), norms))


def _make_expm(rng: np.random.Generator, n: int, d: int, dtype: object) -> tuple[np.ndarray]:
    # up to 1e2.5 (double) / 1e1.5 (single): exponentials from tiny to huge, none overflowing
    hi = 2.5 if np.finfo(dtype).bits == 64 else 1.5
    return (_spread(rng, n, d, dtype, -6.0, hi),)


def _make_frechet(rng: np.random.Generator, n: int, d: int, dtype: object):
    # 1-norms 1e-4 .. 16: every Pade degree, 0 to 3 squarings
    return _spread(rng, n, d, dtype, -4.0, 1.2), randn(rng, (n, d, d), _wide(dtype))


def _make_cond(rng: np.random.Generator, n: int, d: int, dtype: object) -> tuple[np.ndarray]:
    return (_spread(rng, n, d, dtype, -4.0, 1.2),)


def _positive(rng: np.random.Generator, n: int, d: int, dtype: object) -> np.ndarray:
    """Eigenvalues in the open right half plane, scaled by 1e-3 .. 1e3: logm and sqrtm real for
    real input. Members: 2I + G/(2 sqrt d) dense and structured, one nonnormal (basis of condition
    1e4: the Schur route of sqrtm at every order)."""
    cplx = np.dtype(dtype).kind == "c"
    g = randn(rng, (n, d, d), _wide(dtype))
    if cplx:
        g = g / np.sqrt(2.0)
    a = _structure(2.0 * np.eye(d) + g / (2.0 * np.sqrt(d)))
    eigs = rng.uniform(0.5, 3.0, d) * (np.exp(1j * rng.uniform(-1.2, 1.2, d)) if cplx else 1.0)
    a[4 % n] = with_eigenvalues(rng, eigs, complex_basis=cplx, cond=1e4)
    return a * np.logspace(-3, 3, n)[:, None, None]


def _make_positive(rng: np.random.Generator, n: int, d: int, dtype: object):
    return (_positive(rng, n, d, dtype),)


def _make_negative(rng: np.random.Generator, n: int, d: int, dtype: object):
    """As :func:`_make_positive` with member 2 given a negative real eigenvalue: the principal
    logarithm / square root of that member is complex, and so is the output for the batch."""
    a = _positive(rng, n, d, dtype)
    eigs = rng.uniform(0.5, 3.0, d)
    eigs[0] = -eigs[0]
    a[2] = with_eigenvalues(rng, eigs, cond=10.0)
    return (a,)


def _make_sign(rng: np.random.Generator, n: int, d: int, dtype: object) -> tuple[np.ndarray]:
    """Eigenvalues with |Re| in [0.5, 2] in both half planes (complex ones for complex dtypes) in
    bases of condition 10, upper and lower triangular and diagonal members, scaled by
    1e-3 .. 1e3."""
    cplx = np.dtype(dtype).kind == "c"
    out = np.empty((n, d, d), dtype=_wide(dtype))
    for k in range(n):
        eigs = rng.uniform(0.5, 2.0, d) * np.where(rng.random(d) < 0.5, -1.0, 1.0)
        if cplx:
            eigs = eigs + 1j * rng.uniform(-3.0, 3.0, d)
        if k % 6 in (1, 2):
            # off-diagonal N(0, 1/d): nonnormal, yet well enough conditioned for single precision
            t = nonnormal_triangular(rng, d, 1.0 / np.sqrt(d))
            if cplx:
                t = t + 1j * np.triu(rng.standard_normal((d, d)), 1) / np.sqrt(d)
            out[k] = t if k % 6 == 1 else t.T
        elif k % 6 == 3:
            out[k] = np.diag(eigs)
        else:
            out[k] = with_eigenvalues(rng, eigs, complex_basis=cplx, cond=10.0)
    return (out * np.logspace(-3, 3, n)[:, None, None],)


@dataclass(frozen=True)
class Batched:
    """A batched function under test: how to build valid inputs, call it, and its output rules."""

    name: str
    make: Callable[..., tuple[np.ndarray, ...]]
    call: Callable[..., tuple[np.ndarray, ...]]
    out_dtypes: Callable[[np.dtype], tuple[np.dtype, ...]]
    batch_only: tuple[bool, ...] = (False,)  # outputs of shape batch (not batch + (d, d))
    real_only: bool = False  # only real dtypes (the complex-promotion variants)
    n_inputs: int = 1


def _same_dtype(dt: np.dtype) -> tuple[np.dtype, ...]:
    return (np.dtype(dt),)


FUNCS = [
    Batched(
        "expm", _make_expm, lambda a, n_threads: (nnla.expm(a, n_threads=n_threads),), _same_dtype
    ),
    Batched(
        "expm_frechet",
        _make_frechet,
        lambda a, e, n_threads: nnla.expm_frechet(a, e, n_threads=n_threads),
        lambda dt: (np.dtype(dt), np.dtype(dt)),
        (False, False),
        n_inputs=2,
    ),
    Batched(
        "expm_cond",
        _make_cond,
        lambda a, n_threads: (nnla.expm_cond(a, n_threads=n_threads),),
        lambda dt: (_real_of(dt),),
        (True,),
    ),
    Batched(
        "logm",
        _make_positive,
        lambda a, n_threads: (nnla.logm(a, n_threads=n_threads),),
        _same_dtype,
    ),
    Batched(
        "sqrtm",
        _make_positive,
        lambda a, n_threads: (nnla.sqrtm(a, n_threads=n_threads),),
        _same_dtype,
    ),
    Batched(
        "logm-complex-member",
        _make_negative,
        lambda a, n_threads: (nnla.logm(a, n_threads=n_threads),),
        lambda dt: (_complex_of(dt),),
        real_only=True,
    ),
    Batched(
        "sqrtm-complex-member",
        _make_negative,
        lambda a, n_threads: (nnla.sqrtm(a, n_threads=n_threads),),
        lambda dt: (_complex_of(dt),),
        real_only=True,
    ),
    Batched(
        "signm", _make_sign, lambda a, n_threads: (nnla.signm(a, n_threads=n_threads),), _same_dtype
    ),
    Batched(
        "signm-residual",
        _make_sign,
        lambda a, n_threads: nnla.signm(a, n_threads=n_threads, return_residual=True),
        lambda dt: (np.dtype(dt), np.dtype(np.float64)),
        (False, True),
    ),
]
FUNC_IDS = [f.name for f in FUNCS]
CASES = [
    pytest.param(f, dt, id=f"{f.name}-{np.dtype(dt).name}")
    for f in FUNCS
    for dt in DTYPES
    if not (f.real_only and np.dtype(dt).kind == "c")
]


def _inputs(fn: Batched, dtype: object, d: int, batch: tuple[int, ...] = BATCH):
    n = int(np.prod(batch))
    stacks = fn.make(_rng(fn.name, np.dtype(dtype).name, d, batch), n, d, dtype)
    return tuple(np.ascontiguousarray(s.astype(dtype).reshape(*batch, d, d)) for s in stacks)


def _bits(x: np.ndarray) -> bytes:
    return np.ascontiguousarray(x).tobytes()


def assert_member(batched: np.ndarray, single: np.ndarray, what: str) -> None:
    """``single`` (a one-at-a-time result) is bitwise the member ``batched`` of a batch result.
    Where the batch was promoted to complex and the single result is real, the real parts agree
    bitwise and the imaginary part is zero."""
    assert batched.shape == single.shape, what
    if batched.dtype == single.dtype:
        assert _bits(batched) == _bits(single), f"{what}: not bitwise identical"
    else:
        assert batched.dtype.kind == "c", what
        assert single.dtype.kind == "f", what
        assert _bits(batched.real) == _bits(single), f"{what}: real parts differ"
        assert not np.any(batched.imag), f"{what}: nonzero imaginary part of a real result"


def assert_bitwise(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...], what: str) -> None:
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype, f"{what}, output {k}: dtype {g.dtype} != {w.dtype}"
        assert g.shape == w.shape, f"{what}, output {k}: shape {g.shape} != {w.shape}"
        assert _bits(g) == _bits(w), f"{what}, output {k}: not bitwise identical"


# ------------------------------------------------------------------------------------------------
# The matrix functions
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("d", SIZES)
@pytest.mark.parametrize(("fn", "dtype"), CASES)
def test_batched_equals_one_at_a_time(fn: Batched, dtype: object, d: int) -> None:
    inputs = _inputs(fn, dtype, d)
    ref = fn.call(*inputs, n_threads=1)
    n = int(np.prod(BATCH))
    for k, (out, dt, batch_only) in enumerate(
        zip(ref, fn.out_dtypes(inputs[0].dtype), fn.batch_only)
    ):
        assert out.dtype == dt, f"output {k}: dtype {out.dtype}, expected {dt}"
        assert out.shape == (BATCH if batch_only else (*BATCH, d, d)), f"output {k}"
        assert out.flags.c_contiguous
        assert out.flags.writeable
        assert not np.isnan(out).any(), f"output {k}: NaN for a valid input"
    assert_bitwise(fn.call(*inputs, n_threads=2), ref, "n_threads=2")
    flat_ref = [r.reshape(n, *r.shape[len(BATCH) :]) for r in ref]
    # the (5,) batch of the first five members, and the batch reversed
    first5 = fn.call(*(np.ascontiguousarray(x.reshape(n, d, d)[:5]) for x in inputs), n_threads=2)
    rev = fn.call(*(np.ascontiguousarray(x.reshape(n, d, d)[::-1]) for x in inputs), n_threads=1)
    for k, (f5, rv, r) in enumerate(zip(first5, rev, flat_ref)):
        for i in range(5):
            assert_member(f5[i], r[i], f"output {k}, member {i} of the (5,) batch")
        for i in range(n):
            assert_member(rv[n - 1 - i], r[i], f"output {k}, member {i} of the reversed batch")
    # one at a time: batch shape ()
    for idx in np.ndindex(*BATCH):
        single = fn.call(*(np.ascontiguousarray(x[idx]) for x in inputs), n_threads=1)
        for k, (s, r) in enumerate(zip(single, ref)):
            assert_member(r[idx], s, f"output {k}, member {idx} alone")


@pytest.mark.parametrize(
    "shape", [(0, 3, 3), (2, 0, 4, 4), (3, 0, 0), (0, 0), (2, 3, 0, 0)], ids=str
)
@pytest.mark.parametrize(("fn", "dtype"), [c for c in CASES if not c.values[0].real_only])
def test_zero_size(fn: Batched, dtype: object, shape: tuple[int, ...]) -> None:
    inputs = (np.zeros(shape, dtype=dtype),) * fn.n_inputs
    for nt in (1, 2):
        out = fn.call(*inputs, n_threads=nt)
        for k, (o, dt, batch_only) in enumerate(
            zip(out, fn.out_dtypes(np.dtype(dtype)), fn.batch_only)
        ):
            assert o.dtype == dt, f"output {k}"
            assert o.shape == (shape[:-2] if batch_only else shape), f"output {k}"
            assert not any(np.shares_memory(o, x) for x in inputs)


# Views of a valid contiguous (3, 5, 5) stack with the same values and another memory layout.
def _negative_strides(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a[::-1, ::-1, ::-1])[::-1, ::-1, ::-1]


def _embedded(a: np.ndarray, index: tuple, shape: tuple[int, ...]) -> np.ndarray:
    big = np.zeros(shape, dtype=a.dtype)
    big[index] = a
    return big[index]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.flags.writeable = False
    return a


def _readonly_strided(a: np.ndarray) -> np.ndarray:
    big = np.zeros((3, 10, 10), dtype=a.dtype)
    big[:, 1::2, ::2] = a
    big.flags.writeable = False
    return big[:, 1::2, ::2]


def _struct_field(a: np.ndarray) -> np.ndarray:
    """A field of a packed structured array: non-contiguous and unaligned."""
    rec = np.zeros(a.shape[0], dtype=[("tag", "u1"), ("m", a.dtype, a.shape[1:])])
    rec["m"] = a
    return rec["m"]


def _unaligned(a: np.ndarray) -> np.ndarray:
    """C-contiguous but unaligned (np.frombuffer at an odd offset)."""
    buf = bytearray(a.nbytes + 1)
    u = np.frombuffer(buf, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    u[...] = a
    return u


def _interleaved(a: np.ndarray) -> np.ndarray:
    """Element stride of two (the real part of a complex array for real dtypes)."""
    if a.dtype.kind == "f":
        z = np.zeros(a.shape, dtype=_complex_of(a.dtype))
        z.real = a
        z.imag = -1.0
        return z.real
    w = np.zeros((*a.shape, 2), dtype=a.dtype)
    w[..., 0] = a
    return w[..., 0]


LAYOUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "fortran": np.asfortranarray,
    "fortran-2d": lambda a: np.asfortranarray(a[0]),
    "matrix-fortran": lambda a: np.asfortranarray(a.transpose(0, 2, 1)).transpose(0, 2, 1),
    "swapaxes": lambda a: np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2),
    "strided": lambda a: _embedded(
        a, (slice(None), slice(None, None, 2), slice(None, None, 2)), (3, 10, 10)
    ),
    "negative-strides": _negative_strides,
    "batch-step": lambda a: _embedded(a, (slice(None, None, 2),), (6, 5, 5)),
    "batch-axis-last": lambda a: np.moveaxis(np.ascontiguousarray(np.moveaxis(a, 0, -1)), -1, 0),
    "broadcast": lambda a: np.broadcast_to(a[0], a.shape),
    "readonly": _readonly,
    "readonly-strided": _readonly_strided,
    "struct-field": _struct_field,
    "unaligned": _unaligned,
    "interleaved": _interleaved,
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize(("fn", "dtype"), CASES)
def test_layout_independent(fn: Batched, dtype: object, layout: str) -> None:
    """Any memory layout gives the results of the contiguous copy; the input is not modified and
    the output is a new, writeable array."""
    views = tuple(LAYOUTS[layout](x) for x in _inputs(fn, dtype, 5, (3,)))
    before = [v.copy() for v in views]
    got = fn.call(*views, n_threads=1)
    assert_bitwise(got, fn.call(*(np.ascontiguousarray(v) for v in views), n_threads=1), layout)
    for v, b in zip(views, before):
        assert _bits(v) == _bits(b), "the input was modified"
    for out in got:
        assert out.flags.writeable
        assert not any(np.shares_memory(out, v) for v in views)


# ------------------------------------------------------------------------------------------------
# three_layer.solve: batched over independent problems
# ------------------------------------------------------------------------------------------------


def _solution_fields(sol: three_layer.ThreeLayerSolution) -> dict[str, np.ndarray]:
    fields = {"W1": sol.W1, "W2": sol.W2, "W3": sol.W3, "residuals": sol.residuals, "mu": sol.mu}
    fields.update({f"diagnostics[{k}]": v for k, v in sol.diagnostics.items()})
    return fields


@pytest.mark.parametrize("d", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_three_layer_solve_batched(dtype: object, d: int) -> None:
    pairs = randn(_rng("three_layer", np.dtype(dtype).name, d), (4, *BATCH, d, d), dtype)
    ref = _solution_fields(three_layer.solve(*pairs, n_threads=1))
    assert ref["W1"].shape == (*BATCH, d, d)
    assert ref["residuals"].shape == (*BATCH, 2)
    for name, got in _solution_fields(three_layer.solve(*pairs, n_threads=2)).items():
        assert_bitwise((got,), (ref[name],), f"n_threads=2, {name}")
    views = tuple(_readonly(np.asfortranarray(p)) for p in pairs)
    for name, got in _solution_fields(three_layer.solve(*views, n_threads=2)).items():
        assert_bitwise((got,), (ref[name],), f"read-only Fortran-ordered input, {name}")
    for idx in np.ndindex(*BATCH):
        single = _solution_fields(three_layer.solve(*(p[idx] for p in pairs), n_threads=1))
        assert set(single) == set(ref)
        for name, s in single.items():
            assert_member(ref[name][idx], s, f"{name}, problem {idx} alone")


def test_three_layer_solve_zero_size() -> None:
    z = np.zeros((0, 3, 3))
    sol = three_layer.solve(z, z, z, z, n_threads=2)
    assert sol.W1.shape == (0, 3, 3)
    assert sol.residuals.shape == (0, 2)
    assert sol.mu.shape == (0,)


# ------------------------------------------------------------------------------------------------
# datasets.matrix_function_pairs: batched over samples
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("f", datasets.FUNCTIONS)
def test_matrix_function_pairs_batched(f: str, dtype: object) -> None:
    """The data set does not depend on the thread count, and each valid FX[i] is bitwise
    ``nnla.<f>(X[i])`` computed alone."""
    x, fx, info = datasets.matrix_function_pairs(f, 12, 4, dtype=dtype, seed=5, n_threads=1)
    assert x.dtype == np.dtype(dtype)
    assert fx.dtype in (np.dtype(dtype), _complex_of(dtype))
    if f in ("expm", "signm") or np.dtype(dtype).kind == "c":
        assert fx.dtype == np.dtype(dtype)
    assert info.valid.any()
    x2, fx2, info2 = datasets.matrix_function_pairs(f, 12, 4, dtype=dtype, seed=5, n_threads=2)
    assert_bitwise((x2, fx2, info2.valid, info2.cond), (x, fx, info.valid, info.cond), "threads")
    func = getattr(nnla, f)
    for i in np.flatnonzero(info.valid):
        assert_member(fx[i], func(x[i], n_threads=1), f"sample {i} alone")
    x0, fx0, info0 = datasets.matrix_function_pairs(f, 0, 4, dtype=dtype, n_threads=2)
    assert x0.shape == fx0.shape == (0, 4, 4)
    assert x0.dtype == np.dtype(dtype)
    assert info0.valid.shape == info0.cond.shape == (0,)


# ------------------------------------------------------------------------------------------------
# ReLU-network matrices: n_threads, entries versus the assembled matrix, batched products
# ------------------------------------------------------------------------------------------------

_ASSEMBLY = {
    "mass": (relu.mass_matrix, relu.mass_entries),
    "heaviside": (relu.heaviside_gram, relu.heaviside_entries),
    "gauss_newton": (relu.layer_gauss_newton, relu.gauss_newton_entries),
}


def _network(dim: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = _rng("relu", dim, n)
    if dim == 1:
        w = rng.uniform(0.5, 2.0, n) * np.where(rng.random(n) < 0.5, -1.0, 1.0)
        return w, -w * rng.uniform(0.05, 0.95, n)
    ang = rng.uniform(0.0, 2 * np.pi, n)
    w = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    return w, -(w @ np.array([0.5, 0.5])) + rng.uniform(-0.4, 0.4, n)


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("kind", list(_ASSEMBLY))
def test_relu_matrices_threads_and_batched(kind: str, dim: int) -> None:
    assemble, entries = _ASSEMBLY[kind]
    w, b = _network(dim, 37)
    m = assemble(w, b, n_threads=1)
    assert m.dtype == np.float64
    for nt in (2, 3):
        assert_bitwise((assemble(w, b, n_threads=nt),), (m,), f"assembly, n_threads={nt}")
    size = m.shape[0]
    rows = _rng("rows", kind, dim).permutation(size)[: size // 2]
    cols = np.arange(size)[::-1]
    blk = entries(w, b, None, rows, cols, n_threads=2)
    assert_bitwise((blk,), (entries(w, b, None, rows, cols, n_threads=1),), "entries, threads")
    assert np.array_equal(blk, m[rows][:, cols]), "entries differ from the assembled matrix"
    assert entries(w, b, None, [], cols, n_threads=2).shape == (0, size)
    x = _rng("x", kind, dim).standard_normal((size, 5))
    y = relu.matvec(kind, w, b, None, x, n_threads=1)
    assert_bitwise((relu.matvec(kind, w, b, None, x, n_threads=2),), (y,), "matvec, threads")
    for j in range(x.shape[1]):  # the columns of a block product one at a time
        assert_member(
            y[:, j],
            relu.matvec(kind, w, b, None, x[:, j].copy(), n_threads=1),
            f"matvec column {j} alone",
        )
    readonly = _readonly(np.asfortranarray(x))
    assert_bitwise(
        (relu.matvec(kind, w, b, None, readonly, n_threads=2),),
        (y,),
        "matvec, read-only Fortran-ordered x",
    )


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("kind", list(_ASSEMBLY))
def test_relu_matrices_zero_neurons(kind: str, dim: int) -> None:
    assemble, _ = _ASSEMBLY[kind]
    w = np.zeros((0,) if dim == 1 else (0, 2))
    m = assemble(w, np.zeros(0), n_threads=2)
    assert m.shape == (0, 0)
    assert m.dtype == np.float64
