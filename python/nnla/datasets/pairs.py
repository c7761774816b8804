"""Matrix-function pairs ``(X, f(X))`` drawn from named families, with per-sample diagnostics.

:func:`matrix_function_pairs` draws ``n`` random ``d x d`` matrices from a named family with a
seed and evaluates ``f`` on them with nnla's batched kernels (``expm``, ``logm``, ``sqrtm``,
``signm``, through their per-matrix status path), with a per-sample validity flag and a
condition estimate; in memory, or lazily on Dask with ``chunks=``.  :meth:`MatrixFunctionData.save`
keeps a data set in an ``.npz`` file with its metadata (read back by :func:`nnla.datasets.load`).

Families (``s`` is ``scale``; complex dtypes use complex entries with independent real and
imaginary parts, Hermitian for the symmetric families and unitary for ``orthogonal``):

=============== ================================================================================
``uniform``     i.i.d. entries uniform in ``[-s, s]``.
``gaussian``    i.i.d. entries ``N(0, s^2)``.
``symmetric``   ``(U + U^T) / 2`` with ``U`` uniform in ``[-s, s]`` (entries stay in ``[-s, s]``).
``wigner``      Gaussian orthogonal (unitary) ensemble scaled so that the spectrum fills
                ``[-2s, 2s]`` as ``d`` grows: off-diagonal variance ``s^2 / d``.
``orthogonal``  ``s Q`` with ``Q`` Haar-distributed orthogonal (unitary): ``X^T X = s^2 I``.
``toeplitz``    constant diagonals, the ``2d - 1`` values uniform in ``[-s, s]``.
``circulant``   ``X[i, j] = c[(i - j) mod d]``, ``c`` uniform in ``[-s, s]``.
``nonnormal``   ``s Q T Q^T`` with ``Q`` Haar and ``T`` upper triangular, diagonal uniform in
                ``[-1, 1]`` and strictly upper part uniform in ``[-2, 2]``: eigenvalues
                ``s diag(T)`` (real for real dtypes) with a large departure from normality.
=============== ================================================================================
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nnla._dask import is_dask, materialize
from nnla._dask import pairs as pairs_on_dask
from nnla._native import VERSION, Status, run
from nnla._threads import resolve_threads
from nnla._validate import check_float, check_int

__all__ = [
    "FAMILIES",
    "FUNCTIONS",
    "DatasetInfo",
    "MatrixFunctionData",
    "matrix_function_pairs",
    "read_npz",
    "write_npz",
]

FUNCTIONS: tuple[str, ...] = ("expm", "logm", "sqrtm", "signm")
FAMILIES: tuple[str, ...] = (
    "uniform",
    "gaussian",
    "symmetric",
    "wigner",
    "orthogonal",
    "toeplitz",
    "circulant",
    "nonnormal",
)
_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)
_COND_MODES = ("auto", "eig", "none")
_FORMAT = "nnla.datasets/1"


# ------------------------------------------------------------------------------------------------
# Result types
# ------------------------------------------------------------------------------------------------


@dataclass(repr=False)
class DatasetInfo:
    """Metadata and per-sample diagnostics of a matrix-function data set.

    Attributes
    ----------
    f, family : str
        The function and the matrix family.
    n, d : int
        Number of samples and matrix order.
    scale : float
        The family's scale parameter.
    dtype : str
        dtype of ``X`` (``FX`` may be complex for real ``X``: see :func:`matrix_function_pairs`).
    seed : int
        The seed of ``numpy.random.default_rng`` that drew ``X``.
    valid : ndarray of bool, shape (n,)
        False where ``f(X)`` does not exist, is not well posed (a singular ``X`` for logm and sqrtm,
        an eigenvalue on the imaginary axis for signm) or could not be computed (overflow); the
        corresponding ``FX`` are NaN.
    cond : ndarray of float, shape (n,)
        Relative condition estimate of ``f`` at each ``X`` (NaN where not valid or not computed;
        inf where ``nnla.expm_cond`` itself overflowed).
    cond_method : str
        Which estimate ``cond`` holds (see :func:`matrix_function_pairs`).
    version : str
        The nnla version that made the data set.
    encoding : str or None
        The number encoding the values went through (a data set read from LAWT text: ``X`` and
        ``FX`` then hold three significant digits); None for exact values.

    ``valid`` and ``cond`` are Dask arrays for a data set made with ``chunks``.

    Examples
    --------
    >>> from nnla import datasets
    >>> X, FX, info = datasets.matrix_function_pairs("expm", 10, 3, seed=0)
    >>> info.f, info.family, info.n, info.d, bool(info.valid.all())
    ('expm', 'uniform', 10, 3, True)
    """

    f: str
    family: str
    n: int
    d: int
    scale: float
    dtype: str
    seed: int
    valid: np.ndarray
    cond: np.ndarray
    cond_method: str
    version: str = ""
    encoding: str | None = None

    def metadata(self) -> dict[str, object]:
        """The scalar fields as a JSON-serialisable dict."""
        return {
            "format": _FORMAT,
            "f": self.f,
            "family": self.family,
            "n": self.n,
            "d": self.d,
            "scale": self.scale,
            "dtype": self.dtype,
            "seed": self.seed,
            "cond_method": self.cond_method,
            "version": self.version,
            "encoding": self.encoding,
        }

    def summary(self) -> str:
        """A few lines: what the data set is, how many samples are valid, condition quantiles
        (computes a lazy data set's ``valid`` and ``cond``)."""
        valid, cond = materialize(self.valid, self.cond)
        nv = int(np.count_nonzero(valid))
        lines = [
            f"{self.n} pairs (X, {self.f}(X)), X {self.d}x{self.d} {self.dtype}, "
            f"family {self.family!r}, scale {self.scale:g}, seed {self.seed}",
            f"valid: {nv}/{self.n}",
        ]
        c = cond[np.isfinite(cond)]
        if c.size:
            q = np.quantile(c, [0.5, 0.9, 0.99])
            lines.append(
                f"cond ({self.cond_method}): median {q[0]:.3g}, 90% {q[1]:.3g}, "
                f"99% {q[2]:.3g}, max {c.max():.3g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        nv = "lazy" if is_dask(self.valid) else int(np.count_nonzero(self.valid))
        return (
            f"DatasetInfo(f={self.f!r}, family={self.family!r}, n={self.n}, d={self.d}, "
            f"scale={self.scale:g}, dtype={self.dtype!r}, seed={self.seed}, valid={nv}/{self.n}, "
            f"cond_method={self.cond_method!r})"
        )


class MatrixFunctionData(NamedTuple):
    """``(X, FX, info)``: inputs, function values and :class:`DatasetInfo`; unpacks as a tuple.

    Attributes
    ----------
    X : ndarray, shape (n, d, d)
        The inputs.
    FX : ndarray, shape (n, d, d)
        ``f(X)`` (NaN for invalid samples).
    info : DatasetInfo
        How the data set was made, validity flags and condition estimates.

    Examples
    --------
    >>> from nnla import datasets
    >>> data = datasets.matrix_function_pairs("expm", 10, 3, seed=0)
    >>> data.X.shape, data.FX.shape, data.info is not None
    ((10, 3, 3), (10, 3, 3), True)
    """

    X: np.ndarray
    FX: np.ndarray
    info: DatasetInfo

    def save(self, path: str | Path) -> Path:
        """Write the data set to an ``.npz`` file (``X``, ``FX``, ``valid``, ``cond``, metadata).

        Parameters
        ----------
        path : str or Path
            Target file; numpy appends ``.npz`` if missing.

        Returns
        -------
        Path
            The file written.

        Examples
        --------
        >>> import tempfile, os
        >>> import nnla
        >>> data = nnla.datasets.matrix_function_pairs("expm", 4, 3, seed=1)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = data.save(os.path.join(tmp, "pairs.npz"))
        ...     back = nnla.datasets.load(p)
        >>> bool((back.FX == data.FX).all()), back.info.family
        (True, 'uniform')
        """
        p = Path(path)
        if p.suffix != ".npz":
            p = p.with_name(p.name + ".npz")
        x, fx, valid, cond = materialize(self.X, self.FX, self.info.valid, self.info.cond)
        write_npz(p, x, fx, valid, cond, self.info.metadata())
        return p


def write_npz(
    path: Path, x: np.ndarray, fx: np.ndarray, valid: np.ndarray, cond: np.ndarray, meta: dict
) -> None:
    """The one ``.npz`` layout of a data set (and of each shard of :func:`write`)."""
    np.savez(path, X=x, FX=fx, valid=valid, cond=cond, metadata=np.array(json.dumps(meta)))


def read_npz(path: str | Path) -> MatrixFunctionData:
    """Read an ``.npz`` file written by :meth:`MatrixFunctionData.save` (or a shard)."""
    with np.load(Path(path), allow_pickle=False) as z:
        names = set(z.files)
        need = {"X", "FX", "valid", "cond", "metadata"}
        if not need <= names:
            raise ValueError(
                f"path {str(path)!r} is not an nnla data set: missing {sorted(need - names)}"
            )
        meta = json.loads(str(z["metadata"]))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"path {str(path)!r} has unknown format {meta.get('format')!r}")
        info = DatasetInfo(
            f=meta["f"],
            family=meta["family"],
            n=int(meta["n"]),
            d=int(meta["d"]),
            scale=float(meta["scale"]),
            dtype=meta["dtype"],
            seed=int(meta["seed"]),
            valid=z["valid"],
            cond=z["cond"],
            cond_method=meta["cond_method"],
            version=meta.get("version", ""),
            encoding=meta.get("encoding"),
        )
        return MatrixFunctionData(z["X"], z["FX"], info)


# ------------------------------------------------------------------------------------------------
# Families
# ------------------------------------------------------------------------------------------------


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], cplx: bool) -> np.ndarray:
    a = rng.uniform(-1.0, 1.0, shape)
    if cplx:
        a = a + 1j * rng.uniform(-1.0, 1.0, shape)
    return a


def _gaussian(rng: np.random.Generator, shape: tuple[int, ...], cplx: bool) -> np.ndarray:
    """Unit variance (complex: real and imaginary parts of variance 1/2)."""
    if cplx:
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2.0)
    return rng.standard_normal(shape)


def _haar(rng: np.random.Generator, n: int, d: int, cplx: bool) -> np.ndarray:
    """Haar-distributed orthogonal (unitary) matrices: QR of a Gaussian matrix, phases fixed."""
    q, r = np.linalg.qr(_gaussian(rng, (n, d, d), cplx))
    diag = np.diagonal(r, axis1=-2, axis2=-1)
    ph = np.where(diag == 0, 1.0, diag / np.where(diag == 0, 1.0, np.abs(diag)))
    return q * ph[:, None, :]


def _herm(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def _family(family: str, rng: np.random.Generator, n: int, d: int, s: float, cplx: bool):
    if family == "uniform":
        return s * _uniform(rng, (n, d, d), cplx)
    if family == "gaussian":
        return s * _gaussian(rng, (n, d, d), cplx)
    if family == "symmetric":
        u = _uniform(rng, (n, d, d), cplx)
        return (0.5 * s) * (u + _herm(u))
    if family == "wigner":
        g = _gaussian(rng, (n, d, d), cplx)
        return (s / math.sqrt(2.0 * d)) * (g + _herm(g))
    if family == "orthogonal":
        return s * _haar(rng, n, d, cplx)
    idx = np.arange(d)[:, None] - np.arange(d)[None, :]
    if family == "toeplitz":
        v = _uniform(rng, (n, 2 * d - 1), cplx)
        return s * v[:, idx + d - 1]
    if family == "circulant":
        c = _uniform(rng, (n, d), cplx)
        return s * c[:, idx % d]
    if family == "nonnormal":
        t = _uniform(rng, (n, d, d), cplx)
        t = np.triu(t, 1) * 2.0 + np.triu(np.tril(t))  # diagonal in [-1, 1], upper in [-2, 2]
        q = _haar(rng, n, d, cplx)
        return s * (q @ t @ _herm(q))
    raise AssertionError(family)  # pragma: no cover - validated before


# ------------------------------------------------------------------------------------------------
# Robust batched evaluation
# ------------------------------------------------------------------------------------------------


_CHUNK = 1 << 14  # matrices per chunk of the numpy post-processing (stays in cache)


def _chunked(fn: Callable[[slice], np.ndarray], n: int, workers: int) -> list[np.ndarray]:
    """``fn`` on consecutive slices of ``range(n)``, on up to ``workers`` Python threads (numpy
    releases the GIL in these loops); every result depends only on its own matrices, so the
    output does not depend on ``workers``."""
    slices = [slice(k, min(k + _CHUNK, n)) for k in range(0, n, _CHUNK)]
    if workers <= 1 or len(slices) <= 1:
        return [fn(sl) for sl in slices]
    with ThreadPoolExecutor(max_workers=min(workers, len(slices))) as pool:
        return list(pool.map(fn, slices))


def _eigvals(x: np.ndarray, workers: int) -> np.ndarray:
    wide = np.complex128 if x.dtype.kind == "c" else np.float64

    def one(sl: slice) -> np.ndarray:
        # complex even where every eigenvalue is real (numpy then returns a real array): the
        # divided differences need the principal complex log and sqrt of negative eigenvalues
        return np.linalg.eigvals(x[sl].astype(wide, copy=False)).astype(np.complex128, copy=False)

    if x.shape[0] == 0:
        return np.empty(x.shape[:-1], dtype=np.complex128)
    return np.concatenate(_chunked(one, x.shape[0], workers))


def _prescreen(f: str, lam: np.ndarray, xnorm: np.ndarray, u: float, d: int) -> np.ndarray:
    """Samples where f is defined and well posed, judged from the eigenvalues."""
    tau = 10.0 * d * u * xnorm
    if f in ("logm", "sqrtm"):
        ok = np.abs(lam).min(axis=-1, initial=np.inf) > tau
    elif f == "signm":
        ok = np.abs(lam.real).min(axis=-1, initial=np.inf) > tau
    else:
        ok = np.ones(lam.shape[0], dtype=bool)
    return ok


def _evaluate(f: str, x: np.ndarray, valid: np.ndarray, n_threads: int | None) -> np.ndarray:
    """The native ``f`` on the valid samples of ``x``; failed samples are marked invalid.

    One batched call through the status path (:func:`nnla._native.run`): a sample whose status
    is not ``OK`` is marked invalid and its output is NaN; the other samples are unaffected.
    nnla's kernels give the same bits batched or one at a time, so the values do not depend on
    which samples are evaluated together. The output has shape ``(n,)`` for ``expm_cond`` and
    ``(n, d, d)`` otherwise.
    """
    n = x.shape[0]
    idx = np.flatnonzero(valid)
    tail = () if f == "expm_cond" else x.shape[1:]
    if idx.size == 0:
        return np.full((n, *tail), np.nan, dtype=np.result_type(x.dtype, np.float32))
    sub = x if idx.size == n else np.ascontiguousarray(x[idx])  # no copy when every sample is in
    result, *_, status = run(f, sub, n_threads=resolve_threads(n_threads))
    bad = status != Status.OK
    if idx.size == n and not bad.any():
        return result
    valid[idx[bad]] = False
    out = np.full((n, *tail), np.nan, dtype=np.result_type(result.dtype, np.float32))
    out[idx[~bad]] = result[~bad]
    return out


# ------------------------------------------------------------------------------------------------
# Condition estimates
# ------------------------------------------------------------------------------------------------


def _abs2max(z: np.ndarray) -> np.ndarray:
    """``max |z|`` over the last two axes (via squares: cheaper than ``abs`` of complex)."""
    return np.sqrt((z.real * z.real + z.imag * z.imag).max(axis=(-2, -1), initial=0.0))


def _divided_differences_chunk(f: str, lam: np.ndarray) -> np.ndarray:
    d = lam.shape[-1]
    eye = np.eye(d, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if f == "signm":
            sg = np.sign(lam.real)
            diff = lam[:, :, None] - lam[:, None, :]
            num = sg[:, :, None] - sg[:, None, :]
            dd = np.where(num == 0, 0.0, num / np.where(diff == 0, 1.0, diff))
            return _abs2max(dd)
        if f == "sqrtm":  # sqrt[a, b] = 1 / (sqrt(a) + sqrt(b)): exact, no cancellation
            r = np.sqrt(lam)
            ssum = r[:, :, None] + r[:, None, :]
            m2 = (ssum.real * ssum.real + ssum.imag * ssum.imag).min(axis=(-2, -1), initial=np.inf)
            return 1.0 / np.sqrt(m2)
        fl = np.exp(lam) if f == "expm" else np.log(lam)
        dfl = fl if f == "expm" else 1.0 / lam  # f'(lam)
        diff = lam[:, :, None] - lam[:, None, :]
        close = np.abs(diff) <= 1e-6 * np.maximum(np.abs(lam), 1.0)[:, :, None]
        close[:, eye] = False
        dd = (fl[:, :, None] - fl[:, None, :]) / np.where(close | eye, 1.0, diff)
        dd[:, eye] = dfl
        k, i, j = np.nonzero(close)  # rare: f' at the midpoint of two close eigenvalues
        if k.size:
            mid = 0.5 * (lam[k, i] + lam[k, j])
            dd[k, i, j] = np.exp(mid) if f == "expm" else 1.0 / mid
    return _abs2max(dd)


def _divided_differences(f: str, lam: np.ndarray) -> np.ndarray:
    """``max_{i,j} |f[lam_i, lam_j]|`` per sample (first divided differences, f'(lam) on ties)."""
    return _divided_differences_chunk(f, lam)


def _eig_estimate_chunked(
    f: str, lam: np.ndarray, x: np.ndarray, fx: np.ndarray, workers: int
) -> np.ndarray:
    if x.shape[0] == 0:
        return np.empty(0)

    def one(sl: slice) -> np.ndarray:
        return _eig_estimate(f, lam[sl], x[sl], fx[sl])

    return np.concatenate(_chunked(one, x.shape[0], workers))


def _eig_estimate(f: str, lam: np.ndarray, x: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """``max |f[lam_i, lam_j]| ||X||_F / ||f(X)||_F``: the relative Frobenius condition number
    for normal X, a lower bound for every X (the f[lam_i, lam_j] are the
    eigenvalues of the Frechet derivative)."""
    nx = np.linalg.norm(
        x.astype(np.complex128 if x.dtype.kind == "c" else np.float64), axis=(-2, -1)
    )
    fw = fx.astype(np.complex128 if fx.dtype.kind == "c" else np.float64, copy=False)
    with np.errstate(over="ignore"):
        nf = np.linalg.norm(fw, axis=(-2, -1))
    big = np.isinf(nf)
    if big.any():  # finite entries whose sum of squares overflows: scale first
        m = np.abs(fw[big]).max(axis=(-2, -1))
        nf[big] = m * np.linalg.norm(fw[big] / m[:, None, None], axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _divided_differences(f, lam) * nx / nf


# ------------------------------------------------------------------------------------------------
# One range of samples
# ------------------------------------------------------------------------------------------------

SEED_BLOCK = 1024  # samples drawn from one generator


def _draw(family: str, seed: int, start: int, stop: int, d: int, s: float, dt: np.dtype):
    """Samples ``start:stop``: block ``b`` of ``SEED_BLOCK`` samples from its own generator."""
    cplx = dt.kind == "c"
    x = np.empty((stop - start, d, d), dtype=dt)
    for b in range(start // SEED_BLOCK, -(-stop // SEED_BLOCK)):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
        blk = _family(family, rng, SEED_BLOCK, d, s, cplx)
        lo, hi = max(start, b * SEED_BLOCK), min(stop, (b + 1) * SEED_BLOCK)
        x[lo - start : hi - start] = blk[lo - b * SEED_BLOCK : hi - b * SEED_BLOCK]
    return x


def _pairs_range(
    f: str,
    family: str,
    scale: float,
    dtype: str,
    seed: int,
    cond: str,
    d: int,
    start: int,
    stop: int,
    n_threads: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X, FX, valid, cond)`` of samples ``start:stop``: every value depends on its own
    sample only, so ranges computed apart concatenate to the whole."""
    dt = np.dtype(dtype)
    n = stop - start
    workers = resolve_threads(n_threads)
    x = _draw(family, seed, start, stop, d, scale, dt)
    u = float(np.finfo(dt).eps) / 2.0

    lam: np.ndarray | None = None
    use_expm_cond = f == "expm" and cond == "auto"
    if f != "expm" or (cond != "none" and not use_expm_cond):
        lam = _eigvals(x, workers)
    if lam is not None and f != "expm":
        xnorm = np.linalg.norm(x, axis=(-2, -1)).astype(np.float64)
        valid = _prescreen(f, lam, xnorm, u, d)
    else:
        valid = np.ones(n, dtype=bool)
    fx = _evaluate(f, x, valid, n_threads)
    valid &= np.isfinite(fx).all(axis=(-2, -1))
    fx[~valid] = np.nan

    cnd = np.full(n, np.nan)
    if cond != "none" and n:
        v: slice | np.ndarray = slice(None) if valid.all() else valid  # no copies when all valid
        if use_expm_cond:
            if valid.any():
                ok = valid.copy()
                est = _evaluate("expm_cond", x, ok, n_threads)
                cnd[ok] = est[ok].real
                cnd[valid & ~ok] = np.inf  # the estimator overflowed: extremely ill conditioned
        else:
            assert lam is not None
            cnd[v] = _eig_estimate_chunked(f, lam[v], x[v], fx[v], workers)
    return x, fx, valid, cnd


# ------------------------------------------------------------------------------------------------
# matrix_function_pairs
# ------------------------------------------------------------------------------------------------


def matrix_function_pairs(
    f: str,
    n: int,
    d: int,
    *,
    family: str = "uniform",
    scale: float = 10.0,
    dtype: object = np.float64,
    seed: int = 0,
    cond: str = "auto",
    n_threads: int | None = None,
    chunks: int | None = None,
) -> MatrixFunctionData:
    """Draw ``n`` random ``d x d`` matrices ``X`` of a family and evaluate ``f(X)``.

    Parameters
    ----------
    f : {"expm", "logm", "sqrtm", "signm"}
        The matrix function, evaluated by ``nnla.<f>`` (batched, looked up at call time).
    n : int
        Number of samples (>= 0).
    d : int
        Matrix order (>= 1).
    family : str, default "uniform"
        One of :data:`FAMILIES` (see the module docstring for their definitions).
    scale : float, default 10.0
        The family's scale ``s`` (uniform entries in ``[-s, s]``; see the module docstring).
    dtype : dtype, default float64
        float32, float64, complex64 or complex128.  ``X`` is drawn in double precision, rounded
        to ``dtype``, and ``f`` is evaluated on the rounded ``X`` in that dtype.
    seed : int, default 0
        The seed.  Samples are drawn in blocks of 1024: sample ``i`` comes from block
        ``i // 1024``, drawn with ``numpy.random.default_rng(SeedSequence(seed,
        spawn_key=(i // 1024,)))``.  So sample ``i`` depends only on the arguments and ``i``:
        not on ``n`` (a data set is a prefix of a larger one), the thread count, ``chunks`` or
        the Dask workers (nnla's kernels are bitwise reproducible).
    cond : {"auto", "eig", "none"}, default "auto"
        Which condition estimate goes into ``info.cond`` (its name into ``info.cond_method``).
        "eig" (``cond_method="eig-lower-bound"``): ``max_{i,j} |f[l_i, l_j]| ||X||_F / ||f(X)||_F``
        with ``l`` the eigenvalues of ``X`` and ``f[., .]`` the first divided differences of the
        scalar function; these are the eigenvalues of the Frechet derivative, so this is a lower
        bound on the relative Frobenius-norm condition number, and equal to it for normal ``X``
        (the symmetric, wigner, orthogonal and circulant families).  For random nonnormal
        matrices it is typically within a factor 2-50 below it.  It costs one batched eigenvalue
        computation (numpy), a few seconds per million 5x5 matrices.  "auto": for ``expm``,
        ``nnla.expm_cond`` (the relative 1-norm condition number estimated from the Frechet
        derivative; ``cond_method="expm_cond"``); for the
        other functions "eig" (their eigenvalues are computed anyway to screen the samples).
        "none" skips the estimate (NaN); the fastest choice for ``expm``.  (The classical cheap
        upper bound ``||X|| e^{||X||} / ||e^X||`` is not offered: on the uniform family with
        ``scale=10`` it exceeds the true condition number by factors of 1e8 and more.)
    n_threads : int, optional
        Threads of the nnla kernels (default :func:`nnla.get_num_threads`; with ``chunks``, per
        Dask task, see :mod:`nnla._dask`).
    chunks : int, optional
        Build the data set lazily on Dask (``pip install 'nnla[dask]'``), ``chunks`` samples a
        task: ``X``, ``FX``, ``info.valid`` and ``info.cond`` are then Dask arrays chunked along
        the samples, computed where Dask runs them (a ``dask.distributed.Client`` to any cluster
        is all it takes beyond one machine) and equal to the in-memory call's bit for bit.
        :func:`nnla.datasets.write` writes them shard by shard in parallel.  ``FX`` of ``logm``
        and ``sqrtm`` of real matrices is then always complex (its dtype must be known before any
        chunk runs; the imaginary part is exactly zero where the in-memory ``FX`` is real).

    Returns
    -------
    MatrixFunctionData
        ``(X, FX, info)``: ``X`` and ``FX`` of shape ``(n, d, d)``, and a :class:`DatasetInfo`
        with per-sample ``valid`` and ``cond``.  ``FX`` has ``X``'s dtype except that ``logm``
        and ``sqrtm`` of real matrices with negative real eigenvalues are complex (principal
        branch; ``FX`` is then complex for the whole data set if ``nnla.logm``/``nnla.sqrtm``
        returns complex).  Invalid samples (``info.valid`` False) have ``FX`` all NaN:
        ``logm``/``sqrtm`` of a (numerically) singular ``X``, ``signm`` with an eigenvalue on
        (numerically on) the imaginary axis, found from the eigenvalues (``|l| <= 10 d u ||X||_F``
        resp. ``|Re l| <= 10 d u ||X||_F``) or reported by the kernel, and overflow to Inf.

    Raises
    ------
    ValueError
        For an unknown ``f``, ``family``, ``dtype`` or ``cond``, ``n < 0``, ``d < 1``, a
        non-positive or non-finite ``scale``, a negative ``seed`` or ``chunks < 1``.
    ImportError
        With ``chunks`` when Dask is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> X, FX, info = nnla.datasets.matrix_function_pairs("expm", 1000, 5, seed=0)
    >>> X.shape, FX.shape, bool(info.valid.all())
    ((1000, 5, 5), (1000, 5, 5), True)
    >>> bool(np.abs(X).max() <= 10.0)
    True
    >>> bool((nnla.datasets.matrix_function_pairs("expm", 10, 5, seed=0).X == X[:10]).all())
    True
    """
    if not isinstance(f, str) or f not in FUNCTIONS:
        raise ValueError(f"f must be one of {list(FUNCTIONS)}, got {f!r}")
    n = check_int(n, "n", 0)
    d = check_int(d, "d", 1)
    if not isinstance(family, str) or family not in FAMILIES:
        raise ValueError(f"family must be one of {list(FAMILIES)}, got {family!r}")
    scale = check_float(scale, "scale", low=0.0, low_open=True)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(
            f"dtype must be float32, float64, complex64 or complex128, got {dtype!r}"
        ) from None
    if dt not in [np.dtype(t) for t in _DTYPES]:
        raise ValueError(f"dtype must be float32, float64, complex64 or complex128, got {dt}")
    seed = check_int(seed, "seed", 0)
    if not isinstance(cond, str) or cond not in _COND_MODES:
        raise ValueError(f"cond must be one of {list(_COND_MODES)}, got {cond!r}")

    if chunks is not None:
        chunks = check_int(chunks, "chunks", 1)
    if n_threads is not None:
        n_threads = check_int(n_threads, "n_threads", 1)
    method = "none" if cond == "none" else (
        "expm_cond" if f == "expm" and cond == "auto" else "eig-lower-bound"
    )
    args = (f, family, scale, dt.str, seed, cond, d)
    if chunks is None:
        x, fx, valid, cnd = _pairs_range(*args, 0, n, n_threads)
    else:
        fdt = np.result_type(dt, np.complex64) if f in ("logm", "sqrtm") else dt
        specs = [((d, d), dt), ((d, d), fdt), ((), np.dtype(bool)), ((), np.dtype(np.float64))]
        x, fx, valid, cnd = pairs_on_dask(_pairs_range, args, n, chunks, n_threads, specs)
    info = DatasetInfo(
        f=f,
        family=family,
        n=n,
        d=d,
        scale=scale,
        dtype=str(dt),
        seed=seed,
        valid=valid,
        cond=cnd,
        cond_method=method,
        version=VERSION,
    )
    return MatrixFunctionData(x, fx, info)
