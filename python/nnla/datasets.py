"""Data sets of matrix-function pairs ``(X, f(X))`` for learning matrix functions, and a scorer.

:func:`matrix_function_pairs` draws ``n`` random ``d x d`` matrices from a named family with a
seed and evaluates ``f`` on them with nnla's batched kernels (``expm``, ``logm``, ``sqrtm``,
``signm``, through their per-matrix status path), with a per-sample validity flag and a
condition estimate.  :func:`score` reports a model's errors the way the literature on learning
matrix functions does: relative Frobenius error per sample, its quantiles and the share of samples
within relative tolerances, next to the error to expect of the exact kernel (condition x unit
roundoff).  :func:`load` and :meth:`MatrixFunctionData.save` keep a data set in an ``.npz`` file
with its metadata.

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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import VERSION, Status, run
from nnla._threads import resolve_threads
from nnla._validate import check_float, check_int

__all__ = [
    "FAMILIES",
    "FUNCTIONS",
    "DatasetInfo",
    "MatrixFunctionData",
    "ScoreReport",
    "load",
    "matrix_function_pairs",
    "score",
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
        }

    def summary(self) -> str:
        """A few lines: what the data set is, how many samples are valid, condition quantiles."""
        nv = int(np.count_nonzero(self.valid))
        lines = [
            f"{self.n} pairs (X, {self.f}(X)), X {self.d}x{self.d} {self.dtype}, "
            f"family {self.family!r}, scale {self.scale:g}, seed {self.seed}",
            f"valid: {nv}/{self.n}",
        ]
        c = self.cond[np.isfinite(self.cond)]
        if c.size:
            q = np.quantile(c, [0.5, 0.9, 0.99])
            lines.append(
                f"cond ({self.cond_method}): median {q[0]:.3g}, 90% {q[1]:.3g}, "
                f"99% {q[2]:.3g}, max {c.max():.3g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        nv = int(np.count_nonzero(self.valid))
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
        np.savez(
            p,
            X=self.X,
            FX=self.FX,
            valid=self.info.valid,
            cond=self.info.cond,
            metadata=np.array(json.dumps(self.info.metadata())),
        )
        return p


def load(path: str | Path) -> MatrixFunctionData:
    """Read a data set written by :meth:`MatrixFunctionData.save`.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file.

    Returns
    -------
    MatrixFunctionData
        ``(X, FX, info)`` as saved.

    Raises
    ------
    ValueError
        If the file is not an nnla data set.

    Examples
    --------
    >>> import tempfile, os
    >>> import nnla
    >>> data = nnla.datasets.matrix_function_pairs("expm", 3, 2, family="symmetric", seed=4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = nnla.datasets.load(data.save(os.path.join(tmp, "d")))
    >>> back.info.n, back.info.d, bool((back.X == data.X).all())
    (3, 2, True)
    """
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
        Seed of ``numpy.random.default_rng``.  The data set depends only on the arguments, not on
        the thread count (nnla's kernels are bitwise reproducible).
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
        Threads of the nnla kernels (default :func:`nnla.get_num_threads`).

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
        non-positive or non-finite ``scale``, or a negative ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> X, FX, info = nnla.datasets.matrix_function_pairs("expm", 1000, 5, seed=0)
    >>> X.shape, FX.shape, bool(info.valid.all())
    ((1000, 5, 5), (1000, 5, 5), True)
    >>> bool(np.abs(X).max() <= 10.0)
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

    workers = resolve_threads(n_threads)
    cplx = dt.kind == "c"
    rng = np.random.default_rng(seed)
    x = np.ascontiguousarray(_family(family, rng, n, d, scale, cplx).astype(dt))
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
    method = "none"
    if cond != "none" and n:
        v: slice | np.ndarray = slice(None) if valid.all() else valid  # no copies when all valid
        if use_expm_cond:
            method = "expm_cond"
            if valid.any():
                ok = valid.copy()
                est = _evaluate("expm_cond", x, ok, n_threads)
                cnd[ok] = est[ok].real
                cnd[valid & ~ok] = np.inf  # the estimator overflowed: extremely ill conditioned
        else:
            method = "eig-lower-bound"
            assert lam is not None
            cnd[v] = _eig_estimate_chunked(f, lam[v], x[v], fx[v], workers)

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


# ------------------------------------------------------------------------------------------------
# score
# ------------------------------------------------------------------------------------------------

_QUANTILES = (0.5, 0.9, 0.99)


@dataclass(repr=False)
class ScoreReport:
    """Errors of predicted matrix-function values, per sample and summarised.

    Attributes
    ----------
    errors : ndarray, shape (n,)
        Relative Frobenius error ``||pred - exact||_F / ||exact||_F`` of each scored sample.
    quantiles : dict of float to float
        Quantiles (0.5, 0.9, 0.99) of ``errors`` and ``"mean"``, ``"max"``.
    within : dict of float to float
        Share of samples with ``errors <= tol`` for each tolerance.
    n_scored : int
        Number of samples scored (the valid ones when ``info`` is given).
    kernel_error : dict or None
        Quantiles of ``cond * u`` (``u`` the unit roundoff of the data set's dtype): the error
        to expect of the exact kernel, when ``info`` with a condition estimate is given.

    Examples
    --------
    >>> from nnla import datasets
    >>> X, FX, info = datasets.matrix_function_pairs("expm", 10, 3, seed=0)
    >>> rep = datasets.score(FX, FX, info=info)
    >>> rep.n_scored, rep.quantiles["max"], rep.within[0.01]
    (10, 0.0, 1.0)
    """

    errors: np.ndarray
    quantiles: dict[object, float]
    within: dict[float, float]
    n_scored: int
    kernel_error: dict[object, float] | None = None

    def summary(self) -> str:
        """A short table of the errors."""
        q = self.quantiles
        lines = [
            f"relative Frobenius error over {self.n_scored} samples: median {q[0.5]:.3g}, "
            f"90% {q[0.9]:.3g}, 99% {q[0.99]:.3g}, max {q['max']:.3g}",
            "within tolerance: "
            + ", ".join(f"{t:g}: {100 * s:.1f}%" for t, s in self.within.items()),
        ]
        if self.kernel_error is not None:
            k = self.kernel_error
            lines.append(
                f"exact kernel (cond * u): median {k[0.5]:.3g}, 99% {k[0.99]:.3g}, "
                f"max {k['max']:.3g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        w = ", ".join(f"{t:g}: {s:.3f}" for t, s in self.within.items())
        return (
            f"ScoreReport(n_scored={self.n_scored}, median={self.quantiles[0.5]:.3g}, "
            f"max={self.quantiles['max']:.3g}, within={{{w}}})"
        )


def _quantiles(v: np.ndarray) -> dict[object, float]:
    if v.size == 0:
        out: dict[object, float] = dict.fromkeys(_QUANTILES, math.nan)
        out.update(mean=math.nan, max=math.nan)
        return out
    with np.errstate(invalid="ignore"):  # inf errors (NaN predictions) may meet in a quantile
        qs = np.quantile(v, _QUANTILES)
    out = {q: float(x) for q, x in zip(_QUANTILES, qs)}
    out.update(mean=float(v.mean()), max=float(v.max()))
    return out


def score(
    pred: ArrayLike,
    exact: ArrayLike,
    *,
    tols: Sequence[float] = (0.05, 0.01),
    info: DatasetInfo | None = None,
) -> ScoreReport:
    """Score predicted matrix-function values against exact ones.

    Parameters
    ----------
    pred : array_like, shape (n, d, d) or (n, d*d)
        Predictions (flattened matrices are reshaped like ``exact``).
    exact : array_like, shape (n, d, d)
        Exact values, e.g. ``FX`` of :func:`matrix_function_pairs`.
    tols : sequence of float, default (0.05, 0.01)
        Relative tolerances for the share of samples within tolerance.
    info : DatasetInfo, optional
        Restrict the score to ``info.valid`` samples and report the exact kernel's expected
        error ``info.cond * u`` next to the model's.

    Returns
    -------
    ScoreReport
        Per-sample errors, quantiles and shares within tolerance.

    Raises
    ------
    ValueError
        If the shapes do not match, the arrays are not numeric, a tolerance is not positive, or
        ``exact`` has a zero or non-finite scored sample.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> X, FX, info = nnla.datasets.matrix_function_pairs("expm", 100, 3, scale=1.0, seed=2)
    >>> rep = nnla.datasets.score(FX * 1.02, FX, info=info)
    >>> round(rep.quantiles[0.5], 12), rep.within
    (0.02, {0.05: 1.0, 0.01: 0.0})
    """
    e = np.asarray(exact)
    p = np.asarray(pred)
    for name, a in (("exact", e), ("pred", p)):
        if a.dtype.kind not in "iufc":
            raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if e.ndim < 2:
        raise ValueError(f"exact must have shape (n, d, d) or (n, k), got {e.shape}")
    if p.shape != e.shape:
        if p.ndim >= 1 and p.size == e.size and p.shape[0] == e.shape[0]:
            p = p.reshape(e.shape)
        else:
            raise ValueError(f"pred has shape {p.shape}, expected {e.shape} (or (n, d*d))")
    tl = [float(t) for t in tols]
    if not tl or any(not (math.isfinite(t) and t > 0) for t in tl):
        raise ValueError(f"tols must be positive finite numbers, got {tols!r}")
    n = e.shape[0]
    mask = np.ones(n, dtype=bool)
    if info is not None:
        if info.valid.shape != (n,):
            raise ValueError(f"info describes {info.valid.shape[0]} samples, exact has {n}")
        mask = info.valid.copy()
    ef = e[mask].reshape(int(mask.sum()), -1)
    pf = p[mask].reshape(ef.shape)
    den = np.linalg.norm(ef, axis=-1)
    if not np.isfinite(den).all() or (den == 0).any():
        raise ValueError(
            "exact has a zero or non-finite sample (its relative error is undefined); "
            "pass info= to score only the valid samples of a data set"
        )
    err = np.linalg.norm(pf - ef, axis=-1) / den
    err = np.where(np.isnan(err), np.inf, err)  # a NaN prediction counts as infinitely wrong
    within = {t: float(np.mean(err <= t)) if err.size else math.nan for t in tl}
    kernel = None
    if info is not None and np.isfinite(info.cond[mask]).any():
        u = float(np.finfo(np.dtype(info.dtype)).eps) / 2.0
        c = info.cond[mask]
        kernel = _quantiles(c[np.isfinite(c)] * u)
    return ScoreReport(err, _quantiles(err), within, int(err.size), kernel)
