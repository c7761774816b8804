"""Shared references and test-matrix generators of the matrix-function tests (no tests here).

Imported by ``tests/conftest.py`` and by the test modules (``from references import ...``; pytest
puts ``tests/`` on ``sys.path``). One definition of each:

* unit roundoffs and the error measures: :func:`rel_err` (relative Frobenius error, computed
  without overflow), :func:`elementwise_rel`, :func:`tol_kappa`, and :func:`scipy_peer` (scipy's
  result for "no worse than scipy" comparisons);
* mpmath references from the exact binary values of the entries, cached per matrix:
  :func:`mp_expm` (``mpmath.expm`` at 60 digits), :func:`mp_exp_scalar`, :func:`mp_logm` and
  :func:`mp_sqrtm` (``V f(Lambda) V^-1`` from mpmath's eigendecomposition at 60 digits, or the
  finite Taylor series of ``f(lambda I + N)`` for exact Jordan blocks; a negative eigenvalue
  ``-r`` gets ``log r + i pi`` and ``+i sqrt(r)``, numpy's and nnla's convention),
  :func:`mp_signm` (``V sign(Re Lambda) V^-1`` at 50 digits), :func:`mp_expm_frechet` (the block
  identity ``expm([[A, E], [0, A]]) = [[expm(A), L(A, E)], [0, expm(A)]]`` at 60 digits),
  :func:`mp_expm_frechet_fd` (a central difference at ``h = 1e-30`` in 100 digits) and
  :func:`exact_nilpotent_exp` (the finite series in exact rationals);
* condition numbers from the Kronecker form of the Frechet derivative: :func:`kappa_exp`
  (Frobenius, expm), :func:`kron_cond_exact` (1-norm, expm), :func:`kappa_logm`,
  :func:`kappa_sqrtm`;
* seeded generators: :func:`randn`, :func:`orth`, :func:`with_eigenvalues` (random basis of a
  given condition number), :func:`near_identity` (``shift I + G / (2 sqrt d)``),
  :func:`random_well_conditioned`, :func:`random_large_norm`, :func:`quasi_triangular`,
  :func:`nonnormal_triangular`, :func:`jordan_block`.

mpmath's own ``sqrtm``/``logm`` (Denman-Beavers) do not converge for the near-singular and
negative-eigenvalue cases, and its ``A (A^2)^(-1/2)`` route to the sign function returns a
non-principal root for some complex matrices: hence the eigendecomposition references.
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Callable, Iterator
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.linalg

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - optional; only makes kappa_exp faster
    threadpool_limits = None

__all__ = [
    "DPS",
    "EPS32",
    "EPS64",
    "FLOOR64",
    "LARGE_NORM_KINDS",
    "U32",
    "U64",
    "elementwise_rel",
    "exact_nilpotent_exp",
    "jordan_block",
    "kappa_exp",
    "kappa_logm",
    "kappa_sqrtm",
    "kron_cond_exact",
    "mp_exp_scalar",
    "mp_expm",
    "mp_expm_frechet",
    "mp_expm_frechet_fd",
    "mp_logm",
    "mp_signm",
    "mp_sqrtm",
    "near_identity",
    "nonnormal_triangular",
    "orth",
    "quasi_triangular",
    "randn",
    "random_large_norm",
    "random_well_conditioned",
    "rel_err",
    "scipy_peer",
    "tol_kappa",
    "unit_roundoff",
    "with_eigenvalues",
]

U64: float = 2.0**-53
"""Unit roundoff of IEEE double precision."""
U32: float = 2.0**-24
"""Unit roundoff of IEEE single precision."""
EPS64: float = float(np.finfo(np.float64).eps)
EPS32: float = float(np.finfo(np.float32).eps)
FLOOR64: float = 4 * EPS64
"""Float64 tolerance floor where ``kappa * u`` is tiny: a few eps (rounding the result costs u)."""

DPS: int = 60
"""Digits of the mpmath references (the sign function's default is 50)."""


def unit_roundoff(dtype: object) -> float:
    """``u`` of a floating dtype: 2**-24 for float32/complex64, 2**-53 otherwise."""
    return U32 if np.dtype(dtype) in (np.float32, np.complex64) else U64


# ------------------------------------------------------------------------------------------------
# Error measures
# ------------------------------------------------------------------------------------------------


def rel_err(x: np.ndarray, ref: np.ndarray) -> float:
    """Relative Frobenius error ``||x - ref||_F / ||ref||_F`` of one matrix (``||x||_F`` when
    ``ref`` is zero), computed without overflow; real and complex operands mix freely."""
    x = np.asarray(x)
    ref = np.asarray(ref)
    if x.shape != ref.shape:
        raise ValueError(f"shape mismatch {x.shape} vs {ref.shape}")
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    if scale == 0.0:
        return float(np.linalg.norm(x))
    xs = x.astype(np.complex128 if np.iscomplexobj(x) else np.float64) / scale
    rs = ref / scale
    return float(np.linalg.norm(xs - rs) / np.linalg.norm(rs))


def elementwise_rel(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``|x - ref| / |ref|`` where ``ref != 0``, and ``|x|`` where ``ref == 0``."""
    x = np.asarray(x)
    ref = np.asarray(ref)
    den = np.where(ref == 0, 1.0, np.abs(ref))
    return np.abs(x - ref) / den


def tol_kappa(kappa: float, *, c: float = 10.0, floor: float = FLOOR64) -> float:
    """Forward-error tolerance ``max(floor, c * kappa * u)`` for float64/complex128 results."""
    return max(floor, c * kappa * U64)


def scipy_peer(func: Callable[..., np.ndarray], *args: object) -> np.ndarray:
    """The peer's result for a "no worse than scipy" comparison, warnings silenced. Where scipy
    raises or gives a non-finite result there is nothing to compare: the test is skipped (with
    the reason in the report) instead of comparing against an infinite error, which passes
    whatever nnla returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            s = np.asarray(func(*args))
        except (ValueError, np.linalg.LinAlgError) as exc:
            pytest.skip(f"scipy.linalg.{func.__name__} failed ({exc}): nothing to compare")
    if not np.all(np.isfinite(s)):
        pytest.skip(f"scipy.linalg.{func.__name__} gives a non-finite result: nothing to compare")
    return s


# ------------------------------------------------------------------------------------------------
# Exact input, mpmath conversion
# ------------------------------------------------------------------------------------------------


def _as_exact(a: np.ndarray) -> np.ndarray:
    """Widen to float64/complex128 (exact for every supported input dtype, ints included)."""
    a = np.asarray(a)
    if np.iscomplexobj(a):
        return a.astype(np.complex128)
    return a.astype(np.float64)


def _key(a: np.ndarray) -> tuple[str, tuple[int, ...], bytes]:
    a = np.ascontiguousarray(_as_exact(a))
    return (a.dtype.str, a.shape, a.tobytes())


def _to_np(m: mpmath.matrix, is_complex: bool) -> np.ndarray:
    conv = complex if is_complex else float
    return np.array(
        [[conv(m[i, j]) for j in range(m.cols)] for i in range(m.rows)],
        dtype=np.complex128 if is_complex else np.float64,
    )


def _to_mp(a: np.ndarray) -> mpmath.matrix:
    """Entries as mpf (real) or mpc (nonzero imaginary part): binary floats convert exactly."""
    d = a.shape[0]
    m = mpmath.matrix(d, d)
    for i in range(d):
        for j in range(d):
            v = complex(a[i, j])
            m[i, j] = mpmath.mpc(v.real, v.imag) if v.imag else mpmath.mpf(v.real)
    return m


# ------------------------------------------------------------------------------------------------
# The exponential
# ------------------------------------------------------------------------------------------------


@functools.cache
def _mp_expm_cached(dtype: str, shape: tuple[int, ...], data: bytes, dps: int) -> np.ndarray:
    a = np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape)
    with mpmath.workdps(dps):
        # Python floats/complexes convert to mpf/mpc exactly: the reference is for the exact input.
        out = _to_np(mpmath.expm(mpmath.matrix(a.tolist())), np.iscomplexobj(a))
    if not np.all(np.isfinite(out)):
        raise ValueError("reference exponential is not representable in float64 (overflow)")
    out.setflags(write=False)
    return out


def mp_expm(a: np.ndarray, dps: int = DPS) -> np.ndarray:
    """Reference ``expm(a)``: mpmath at ``dps`` (>= 50) digits, rounded to float64/complex128.

    ``a`` has shape ``(..., d, d)`` and any real or complex dtype; the entries are taken as the
    exact binary values (a float32 input is referenced as its exact float64 widening). Results are
    cached per matrix, so calling this repeatedly on the same input costs nothing.
    """
    if dps < 50:
        raise ValueError("reference precision must be at least 50 digits")
    a = _as_exact(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"expected (..., d, d), got {a.shape}")
    out = np.empty(a.shape, dtype=a.dtype)
    for idx in np.ndindex(a.shape[:-2]):
        out[idx] = _mp_expm_cached(*_key(a[idx]), dps)
    return out


def mp_exp_scalar(z: complex, dps: int = DPS) -> complex:
    """``exp(z)`` of the exact binary value of ``z``, rounded (real result for real ``z``)."""
    with mpmath.workdps(dps):
        if isinstance(z, complex) or np.iscomplexobj(z):
            return complex(mpmath.exp(mpmath.mpc(complex(z))))
        return float(mpmath.exp(mpmath.mpf(float(z))))


def _frac_matrix(a: np.ndarray) -> list[list[Fraction]]:
    return [[Fraction(float(v)) for v in row] for row in np.asarray(a, dtype=np.float64)]


def exact_nilpotent_exp(n: np.ndarray, shift: float = 0.0) -> np.ndarray:
    """``exp(shift*I + n)`` for real strictly upper triangular ``n``: e^shift sum_{k<d} n^k / k!.

    The finite series is summed exactly in rational arithmetic (independent of mpmath.expm);
    ``e^shift`` is taken from mpmath and the product rounded once.
    """
    n = np.asarray(n, dtype=np.float64)
    d = n.shape[0]
    if np.any(np.tril(n)):
        raise ValueError("n must be strictly upper triangular")
    nf = _frac_matrix(n)
    total = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    power = [row[:] for row in total]
    for k in range(1, d):
        power = [
            [sum((power[i][t] * nf[t][j] for t in range(d)), Fraction(0)) for j in range(d)]
            for i in range(d)
        ]
        fk = math.factorial(k)
        for i in range(d):
            for j in range(d):
                total[i][j] += power[i][j] / fk
    with mpmath.workdps(DPS):
        es = mpmath.exp(mpmath.mpf(float(shift)))
        out = np.array(
            [[float(es * mpmath.mpf(v.numerator) / v.denominator) for v in row] for row in total],
            dtype=np.float64,
        )
    return out


# ------------------------------------------------------------------------------------------------
# The Frechet derivative of the exponential
# ------------------------------------------------------------------------------------------------


@functools.cache
def _mp_frechet_cached(dtype: str, n: int, data_a: bytes, data_e: bytes, dps: int) -> tuple:
    a = np.frombuffer(data_a, dtype=np.dtype(dtype)).reshape(n, n)
    e = np.frombuffer(data_e, dtype=np.dtype(dtype)).reshape(n, n)
    big = np.zeros((2 * n, 2 * n), dtype=a.dtype)
    big[:n, :n] = a
    big[n:, n:] = a
    big[:n, n:] = e
    with mpmath.workdps(dps):
        out = _to_np(mpmath.expm(mpmath.matrix(big.tolist())), np.iscomplexobj(a))
    return out[:n, :n], out[:n, n:]


def mp_expm_frechet(a: np.ndarray, e: np.ndarray, dps: int = DPS) -> tuple[np.ndarray, np.ndarray]:
    """Reference ``(expm(a), L(a, e))`` of one matrix pair by the 2d x 2d block identity."""
    if dps < 50:
        raise ValueError("reference precision must be at least 50 digits")
    dt = np.result_type(_as_exact(a), _as_exact(e))
    a = np.ascontiguousarray(np.asarray(a).astype(dt))
    e = np.ascontiguousarray(np.asarray(e).astype(dt))
    return _mp_frechet_cached(dt.str, a.shape[0], a.tobytes(), e.tobytes(), dps)


def mp_expm_frechet_fd(a: np.ndarray, e: np.ndarray, dps: int = 100) -> np.ndarray:
    """Reference ``L(a, e)`` by a central difference at ``h = 1e-30`` in ``dps`` digits."""
    dt = np.result_type(_as_exact(a), _as_exact(e))
    with mpmath.workdps(dps):
        ma = mpmath.matrix(np.asarray(a).astype(dt).tolist())
        me = mpmath.matrix(np.asarray(e).astype(dt).tolist())
        h = mpmath.mpf(10) ** -30
        d = (mpmath.expm(ma + h * me) - mpmath.expm(ma - h * me)) / (2 * h)
        return _to_np(d, dt.kind == "c")


# ------------------------------------------------------------------------------------------------
# Logarithm and square root
# ------------------------------------------------------------------------------------------------


def _scalar(func: str, z: mpmath.mpc) -> mpmath.mpc:
    # mpmath has no signed zero: log(-2) = log 2 + i pi and sqrt(-2) = +i sqrt 2, the principal
    # branch with nnla's convention on the negative real axis.
    return mpmath.sqrt(z) if func == "sqrtm" else mpmath.log(z)


def _eig_ref(func: str, m: mpmath.matrix, real_input: bool) -> mpmath.matrix:
    """f(A) = V f(Lambda) V^{-1} at 60 digits (A diagonalizable, eigenvalues distinct in exact
    arithmetic; a 1e-8 splitting of a rounded Jordan block still leaves 50 correct digits)."""
    e, er = mpmath.eig(m)
    tiny = mpmath.mpf(10) ** (-(DPS - 15))
    fe = []
    for z in e:
        if real_input and abs(mpmath.im(z)) < tiny * (1 + abs(z)):
            z = mpmath.mpf(mpmath.re(z))  # a real eigenvalue of real input: exactly real
        fe.append(_scalar(func, z))
    return er * mpmath.diag(fe) * mpmath.inverse(er)


def _jordan_ref(func: str, m: mpmath.matrix, d: int) -> mpmath.matrix:
    """f(lambda I + N) for an upper triangular input with constant diagonal lambda: the finite
    Taylor series in the nilpotent N / lambda (binomial series for sqrt, Mercator for log)."""
    lam = m[0, 0]
    n = (m - mpmath.eye(d) * lam) / lam
    out = mpmath.eye(d) * _scalar(func, lam)
    p = mpmath.eye(d)
    for k in range(1, d):
        p = p * n
        if func == "sqrtm":
            c = mpmath.binomial(mpmath.mpf(1) / 2, k) * mpmath.sqrt(lam)
        else:
            c = mpmath.mpf((-1) ** (k + 1)) / k
        out = out + p * c
    return out


@functools.cache
def _mp_primary_cached(
    func: str, dtype: str, shape: tuple[int, ...], data: bytes, method: str
) -> np.ndarray:
    a = np.frombuffer(data, dtype=dtype).reshape(shape)
    with mpmath.workdps(DPS):
        m = _to_mp(a.astype(np.complex128))
        if method == "jordan":
            r = _jordan_ref(func, m, shape[0])
        else:
            r = _eig_ref(func, m, not np.iscomplexobj(a))
        return _to_np(r, True)


def _primary(func: str, a: np.ndarray, method: str) -> np.ndarray:
    a = np.ascontiguousarray(a)
    out = _mp_primary_cached(func, a.dtype.str, a.shape, a.tobytes(), method)
    if not np.iscomplexobj(a) and np.all(np.abs(out.imag) <= 1e-30 * np.abs(out).max()):
        return out.real
    return out


def mp_sqrtm(a: np.ndarray, *, method: str = "eig") -> np.ndarray:
    """Principal square root of the exact input at 60 digits (mpmath), as complex128 (float64 when
    the input is real and the root is real). ``method``: "eig" (diagonalizable input) or "jordan"
    (upper triangular input with a constant diagonal)."""
    return _primary("sqrtm", a, method)


def mp_logm(a: np.ndarray, *, method: str = "eig") -> np.ndarray:
    """Principal logarithm of the exact input at 60 digits (mpmath); see :func:`mp_sqrtm`."""
    return _primary("logm", a, method)


# ------------------------------------------------------------------------------------------------
# The sign function
# ------------------------------------------------------------------------------------------------


@functools.cache
def _mp_signm_cached(dtype: str, n: int, data: bytes, dps: int) -> np.ndarray:
    a = np.frombuffer(data, dtype=np.dtype(dtype)).reshape(n, n)
    with mpmath.workdps(dps):
        w, v = mpmath.eig(mpmath.matrix(a.tolist()))
        sg = mpmath.diag([1 if mpmath.re(x) > 0 else -1 for x in w])
        out = _to_np(v * sg * mpmath.inverse(v), True)
    return out if np.iscomplexobj(a) else out.real.copy()


def mp_signm(a: np.ndarray, dps: int = 50) -> np.ndarray:
    """Reference ``sign(a)`` of one diagonalizable matrix (eigenvalues away from the axis)."""
    if dps < 50:
        raise ValueError("reference precision must be at least 50 digits")
    a = np.ascontiguousarray(_as_exact(a))
    return _mp_signm_cached(a.dtype.str, a.shape[0], a.tobytes(), dps)


# ------------------------------------------------------------------------------------------------
# Condition numbers
# ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _blas_single_thread() -> Iterator[None]:
    """Run BLAS single-threaded: threaded OpenBLAS on many tiny products is 10-100x slower."""
    if threadpool_limits is None:
        yield
        return
    with warnings.catch_warnings():
        # threadpoolctl may note mixed OpenMP runtimes; pytest runs with warnings as errors.
        warnings.simplefilter("ignore", RuntimeWarning)
        limiter = threadpool_limits(limits=1, user_api="blas")
    try:
        yield
    finally:
        limiter.restore_original_limits()


@functools.cache
def _kappa_cached(dtype: str, shape: tuple[int, ...], data: bytes) -> float:
    a = np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape)
    d = a.shape[0]
    if d > 16:
        raise ValueError("kappa_exp builds the d^2 x d^2 Kronecker matrix; meant for d <= 16")
    # L(A, E) = e^c L(A - cI, E): shift a large positive mean eigenvalue away so that expm_frechet
    # does not overflow.  c <= Re(trace)/d <= spectral abscissa, so ||expm(A)||_F >= e^c and nothing
    # underflows either.
    c = max(0.0, float(np.trace(a).real) / d - 1.0)
    a_s = a - c * np.eye(d, dtype=a.dtype)
    k = np.empty((d * d, d * d), dtype=a.dtype)
    e = np.zeros((d, d), dtype=a.dtype)
    with _blas_single_thread():
        for i in range(d):
            for j in range(d):
                e[i, j] = 1
                k[:, i * d + j] = scipy.linalg.expm_frechet(
                    a_s, e, compute_expm=False, check_finite=False
                ).ravel()
                e[i, j] = 0
        norm_k = float(np.linalg.norm(k, 2))
    # ||expm(A)||_F from the mpmath reference, divided by e^c (in logarithms: both may be huge).
    ref = _mp_expm_cached(dtype, shape, data, DPS)
    scale = float(np.max(np.abs(ref)))
    log_norm_x = math.log(scale) + math.log(float(np.linalg.norm(ref / scale))) - c
    return norm_k * float(np.linalg.norm(a)) * math.exp(-log_norm_x)


def kappa_exp(a: np.ndarray) -> float:
    """Relative condition number of ``expm`` at ``a`` (one d x d matrix) in the Frobenius norm.

    ``kappa = ||K||_2 ||A||_F / ||expm(A)||_F`` where ``K`` is the d^2 x d^2 Kronecker matrix of the
    Frechet derivative, ``K vec(E) = vec(L(A, E))``, assembled from ``scipy.linalg.expm_frechet`` on
    the basis directions ``E_ij``; the denominator uses the mpmath reference.  For complex ``a``,
    ``K`` is complex (L is complex-linear), so kappa measures complex perturbations.  Cached per
    matrix.  Fine for d <= 16.
    """
    a = _as_exact(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"expected one (d, d) matrix, got {a.shape}")
    if not np.any(a):
        return 0.0
    return _kappa_cached(*_key(a))


def kron_cond_exact(a: np.ndarray) -> float:
    """The relative 1-norm condition number of expm, ``||K(A)||_1 ||A||_1 / ||expm(A)||_1``, with
    the columns ``vec L(A, E_ij)`` of the Kronecker form from ``scipy.linalg.expm_frechet``."""
    a = _as_exact(a)
    n = a.shape[0]
    best = 0.0
    x = scipy.linalg.expm(a)
    for i in range(n):
        for j in range(n):
            ee = np.zeros_like(a)
            ee[i, j] = 1.0
            _, lij = scipy.linalg.expm_frechet(a, ee)
            best = max(best, float(np.abs(lij).sum()))
    na = float(np.abs(a).sum(axis=0).max())
    nx = float(np.abs(x).sum(axis=0).max())
    return best * na / nx


def kappa_sqrtm(a: np.ndarray, x: np.ndarray) -> float:
    """Relative Frobenius condition number of the square root at ``a`` (``x = sqrtm(a)``): the
    Frechet derivative solves ``X L + L X = E``."""
    d = a.shape[0]
    x = np.asarray(x, dtype=np.complex128)
    eye = np.eye(d)
    k = np.kron(eye, x) + np.kron(x.T, eye)
    smin = float(np.linalg.svd(k, compute_uv=False)[-1])
    if smin == 0.0:
        return float("inf")
    return float(np.linalg.norm(a) / (smin * np.linalg.norm(x)))


def kappa_logm(a: np.ndarray, x: np.ndarray) -> float:
    """Relative Frobenius condition number of the logarithm at ``a`` (``x = logm(a)``): the
    Frechet derivative of log at a is the inverse of the exponential's derivative at x."""
    d = a.shape[0]
    x = np.asarray(x, dtype=np.complex128)
    k = np.empty((d * d, d * d), dtype=np.complex128)
    for j in range(d):
        for i in range(d):
            e = np.zeros((d, d), dtype=np.complex128)
            e[i, j] = 1.0
            _, lx = scipy.linalg.expm_frechet(x, e)
            k[:, i + d * j] = lx.reshape(-1, order="F")
    smin = float(np.linalg.svd(k, compute_uv=False)[-1])
    nx = float(np.linalg.norm(x))
    if smin == 0.0 or nx == 0.0:
        return float("inf")
    return float(np.linalg.norm(a) / (smin * nx))


# ------------------------------------------------------------------------------------------------
# Generators (all seeded by the caller's numpy Generator)
# ------------------------------------------------------------------------------------------------


def randn(rng: np.random.Generator, shape: tuple[int, ...], dtype: object) -> np.ndarray:
    """Standard normal entries of ``dtype`` (real and imaginary parts each N(0, 1) if complex)."""
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def orth(rng: np.random.Generator, d: int) -> np.ndarray:
    """A random real orthogonal d x d matrix (the Q of a Gaussian matrix)."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return q


def with_eigenvalues(
    rng: np.random.Generator, eigs: object, *, complex_basis: bool = False, cond: float = 10.0
) -> np.ndarray:
    """``V diag(eigs) V^-1`` with a random V of 2-norm condition number ``cond`` (complex when
    ``eigs`` is complex or ``complex_basis`` is set)."""
    eigs = np.asarray(eigs)
    n = len(eigs)
    q1 = orth(rng, n)
    q2 = orth(rng, n)
    if complex_basis:
        q1 = q1 @ np.diag(np.exp(1j * rng.uniform(0, 2 * np.pi, n)))
    sv = np.geomspace(1.0, cond, n)
    v = q1 @ np.diag(sv) @ q2.T
    return v @ np.diag(eigs) @ np.linalg.inv(v)


def near_identity(
    rng: np.random.Generator,
    d: int,
    *,
    cplx: bool = False,
    n: int | None = None,
    shift: float = 2.0,
) -> np.ndarray:
    """``shift I + G / (2 sqrt(d))`` with G standard normal (complex: ``(G + iH) / sqrt(2)``): the
    eigenvalues lie in a disc of radius about 1/2 around ``shift``. ``n``: a stack of n."""
    shape = (d, d) if n is None else (n, d, d)
    g = rng.standard_normal(shape)
    if cplx:
        g = (g + 1j * rng.standard_normal(shape)) / np.sqrt(2.0)
    return shift * np.eye(d) + g / (2.0 * np.sqrt(d))


def random_well_conditioned(
    rng: np.random.Generator, d: int, dtype: type | np.dtype = np.float64
) -> np.ndarray:
    """Entries N(0, 1)/sqrt(d); complex: real and imaginary parts each N(0, 1/2)/sqrt(d)."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        a = (rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))) / np.sqrt(2 * d)
    else:
        a = rng.standard_normal((d, d)) / np.sqrt(d)
    return a.astype(dt)


def jordan_block(lam: float, d: int) -> np.ndarray:
    """The d x d Jordan block ``lam*I + N`` (ones on the superdiagonal)."""
    return lam * np.eye(d) + np.eye(d, k=1)


def nonnormal_triangular(rng: np.random.Generator, n: int, offdiag: float) -> np.ndarray:
    """Upper triangular with diagonal +-(0.5..2) of both signs and off-diagonal N(0, offdiag^2)."""
    diag = rng.uniform(0.5, 2.0, n) * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    t = np.triu(rng.standard_normal((n, n)) * offdiag, 1)
    return t + np.diag(diag)


def quasi_triangular(
    rng: np.random.Generator, blocks: list[int], *, coupling: float = 1.0, omega: float = 3.0
) -> np.ndarray:
    """Real quasi-upper-triangular matrix (a real Schur form), diagonal blocks of sizes ``blocks``.

    Block sizes are 1 or 2.  2x2 blocks are in standardized form ``[[a, b], [c, a]]`` with
    ``b*c < 0`` (eigenvalues ``a +- i sqrt(-bc)``, ``sqrt(-bc)`` of order ``omega``); the part
    above the blocks is ``coupling * N(0, 1)``.
    """
    d = sum(blocks)
    t = coupling * np.triu(rng.standard_normal((d, d)), 1)
    i = 0
    for s in blocks:
        if s == 1:
            t[i, i] = rng.uniform(-2, 2)
        elif s == 2:
            a = rng.uniform(-2, 2)
            b = omega * rng.uniform(0.5, 2)
            c = -omega * rng.uniform(0.5, 2)
            t[i : i + 2, i : i + 2] = [[a, b], [c, a]]
        else:
            raise ValueError("block sizes must be 1 or 2")
        i += s
    return t


LARGE_NORM_KINDS: tuple[str, ...] = (
    "dense_real",
    "dense_complex",
    "nonnormal_real",
    "upper_triangular_real",
    "upper_triangular_complex",
    "hermitian",
    "symmetric",
    "skew_hermitian",
    "skew_symmetric",
)


def random_large_norm(rng: np.random.Generator, d: int, norm1: float, kind: str) -> np.ndarray:
    """A random matrix of the given ``kind``, ``||A||_1`` about ``norm1``, exp(A) kept finite.

    Kinds: see :data:`LARGE_NORM_KINDS`.  Nonsymmetric kinds are shifted by a multiple of I so that
    the spectral abscissa is 0 (keeps ``expm(A)`` of order 1..1e100 instead of overflowing);
    Hermitian/symmetric kinds get eigenvalues in ``[-norm1, norm1/10]``; skew kinds need no shift.
    """
    cplx = kind in ("dense_complex", "upper_triangular_complex", "hermitian", "skew_hermitian")

    def g() -> np.ndarray:
        z = rng.standard_normal((d, d))
        if cplx:
            z = z + 1j * rng.standard_normal((d, d))
        return z

    def shift_abscissa(a: np.ndarray) -> np.ndarray:
        alpha = float(np.max(np.linalg.eigvals(a).real))
        return a - alpha * np.eye(d)

    def scale1(a: np.ndarray) -> np.ndarray:
        n1 = float(np.max(np.sum(np.abs(a), axis=0)))
        return a * (norm1 / n1) if n1 else a

    if kind in ("dense_real", "dense_complex"):
        return shift_abscissa(scale1(g()))
    if kind == "nonnormal_real":
        q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        # Schur factor whose strictly upper part is as large as its diagonal: departure from
        # normality several times the eigenvalues.  (Much stronger nonnormality at ||A||_1 = 1e3
        # drives AMH09-type algorithms -- scipy.sparse.linalg.expm and scipy.linalg.expm alike -- to
        # 1e2..1e5 kappa*u, so it is no test of 10 kappa u.)
        t = np.diag(rng.uniform(-1, 1, d)) + np.triu(rng.standard_normal((d, d)), 1)
        return shift_abscissa(scale1(q @ t @ q.T))
    if kind in ("upper_triangular_real", "upper_triangular_complex"):
        a = scale1(np.triu(g()))
        alpha = float(np.max(np.diag(a).real))
        return a - alpha * np.eye(d)
    if kind in ("hermitian", "symmetric"):
        z = g()
        q, _ = np.linalg.qr(z)
        lam = rng.uniform(-norm1, norm1 / 10, d)
        a = (q * lam) @ q.conj().T
        return (a + a.conj().T) / 2
    if kind in ("skew_hermitian", "skew_symmetric"):
        z = g()
        a = (z - z.conj().T) / 2
        return scale1(a)
    raise ValueError(f"unknown kind {kind!r}")


# ------------------------------------------------------------------------------------------------
# Matrices with eigenvalues on the branch cut (issue 16): Jordan blocks and clusters at -r
# ------------------------------------------------------------------------------------------------


def basis_with_condition(rng: np.random.Generator, k: int, cond: float, cplx: bool) -> np.ndarray:
    """A random k x k basis U diag(1 .. 1/cond) V (U, V Haar-like), of 2-norm condition ``cond``."""
    u = orth(rng, k) if not cplx else np.linalg.qr(randn(rng, (k, k), np.complex128))[0]
    v = orth(rng, k) if not cplx else np.linalg.qr(randn(rng, (k, k), np.complex128))[0]
    return (u * np.logspace(0, -np.log10(cond), k)) @ v


def _mp_similar(s: np.ndarray, b: mpmath.matrix, fb: mpmath.matrix, real: bool):
    """(rounded S B S^-1, S f(B) S^-1 as complex128) with S exact binary, at 60 digits."""
    sm = _to_mp(s.astype(np.complex128))
    si = mpmath.inverse(sm)
    a = _to_np(sm * b * si, True)
    return (a.real.copy() if real else a), _to_np(sm * fb * si, True)


def jordan_on_cut(
    rng: np.random.Generator, func: str, k: int, r: float, cond: float, cplx: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A = S J_k(-r) S^-1 rounded from the exact product, and the principal f(S J S^-1) of the
    exact matrix (f = "logm" or "sqrtm"; log(-r) = log r + i pi, sqrt(-r) = i sqrt r) at 60
    digits, from the finite Taylor series of f at -r (:func:`_jordan_ref`)."""
    s = basis_with_condition(rng, k, cond, cplx)
    with mpmath.workdps(DPS):
        j = mpmath.eye(k) * (-mpmath.mpf(r))
        for i in range(k - 1):
            j[i, i + 1] = 1
        return _mp_similar(s, j, _jordan_ref(func, j, k), not cplx)


def cluster_on_cut(
    rng: np.random.Generator,
    func: str,
    r: float,
    eps: float,
    cond: float,
    cplx: bool,
    coupling: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A = S B S^-1 with B = [[-r + i eps, c], [0, -r - i eps]] (complex; c = ``coupling``) or the
    real block [[-r, c], [-eps^2 / c, -r]] (eigenvalues -r +- i eps; normal for c = eps), rounded,
    and the principal f of the exact matrix at 60 digits (eigendecomposition of B)."""
    s = basis_with_condition(rng, 2, cond, cplx)
    with mpmath.workdps(DPS):
        rr, ee, cc = mpmath.mpf(r), mpmath.mpf(eps), mpmath.mpf(coupling)
        if cplx:
            b = mpmath.matrix([[-rr + 1j * ee, cc], [0, -rr - 1j * ee]])
        else:
            b = mpmath.matrix([[-rr, cc], [-ee * ee / cc, -rr]])
        fb = _eig_ref(func, b, False)
        return _mp_similar(s, b, fb, not cplx)


# ------------------------------------------------------------------------------------------------
# expm in extended precision (long double): a fast independent reference for d > 12
# ------------------------------------------------------------------------------------------------

LONGDOUBLE_OK: bool = float(np.finfo(np.longdouble).eps) <= 1e-18
"""Whether numpy's long double is wider than double here (80-bit x87 or quad); where it is not,
:func:`ld_expm` is no reference and the tests that use it skip."""


def ld_expm(a: np.ndarray) -> np.ndarray:
    """expm(a) of one matrix by Taylor series (degree 30) with scaling to ||2^-s a||_1 <= 1/4 and
    squaring, all in long double (u ~ 5.4e-20 on x86-64), rounded to float64/complex128.

    A different algorithm in a different precision from nnla's and scipy's Pade double-precision
    code: its own error is about kappa_exp(a) * 1e-19, three orders below what is being measured
    (cross-checked against :func:`mp_expm` in the tests). mpmath's expm costs seconds at d = 20 and
    minutes at d = 64; this costs milliseconds.
    """
    if not LONGDOUBLE_OK:
        raise RuntimeError("long double is not wider than double on this platform")
    cplx = np.iscomplexobj(a)
    m = a.astype(np.clongdouble if cplx else np.longdouble)
    nrm = float(np.abs(m).sum(axis=0).max())
    s = max(0, math.ceil(math.log2(nrm / 0.25))) if nrm > 0 else 0
    m = m / np.longdouble(2) ** s
    x = np.eye(a.shape[-1], dtype=m.dtype)
    term = x.copy()
    for k in range(1, 31):
        term = term @ m / k
        x = x + term
    for _ in range(s):
        x = x @ x
    return x.astype(np.complex128 if cplx else np.float64)
