"""nnla: matrix computations for neural-network research, with a C++/OpenMP core.

Public API
----------
linalg
    The batched matrix functions below (also available here, as ``nnla.expm`` etc.).
expm
    Batched matrix exponential (Pade scaling and squaring, Al-Mohy & Higham 2009).
logm, sqrtm
    Batched principal matrix logarithm (inverse scaling and squaring, Al-Mohy & Higham 2012) and
    square root (Schur method, real Schur form for real input).
expm_frechet, expm_cond
    Batched Frechet derivative of expm (Al-Mohy & Higham 2009b) and its condition number.
signm
    Batched matrix sign function (scaled Newton iteration), with a residual diagnostic.
analysis
    Linear surrogates of trained models and spectra comparisons (operator learning).
datasets
    Matrix-function data sets (X, f(X)) and their scoring.
set_num_threads, get_num_threads
    The default thread count of native calls.
info
    Build, BLAS and thread information.
relu
    Exact matrices of shallow ReLU networks (1D and 2D) and the exact O(n) 1D solvers.
sggn
    Structure-guided Gauss-Newton training of shallow ReLU networks (``nnla fit``) and baselines.
three_layer
    Exact, verified weights of the three-layer matrix-exponential network (batched).
errors
    Exception classes.
"""

from __future__ import annotations

import platform

import numpy as np

from nnla import _blas, analysis, datasets, errors, hss, linalg, relu, sggn, three_layer
from nnla._native import VERSION, _core
from nnla._threads import get_num_threads, set_num_threads
from nnla.linalg import expm, expm_cond, expm_frechet, logm, signm, sqrtm

__version__: str = VERSION

__all__ = [
    "__version__",
    "analysis",
    "datasets",
    "errors",
    "expm",
    "expm_cond",
    "expm_frechet",
    "get_num_threads",
    "hss",
    "info",
    "linalg",
    "logm",
    "relu",
    "set_num_threads",
    "sggn",
    "signm",
    "sqrtm",
    "three_layer",
]


def info() -> dict[str, object]:
    """Describe this build of nnla: version, compiler flags, BLAS library and threads.

    Returns
    -------
    dict
        Keys ``version``, ``compiler``, ``flags``, ``isa_variants`` (the instruction-set variants
        compiled in), ``isa`` (the one this CPU runs), ``openmp``, ``omp_num_procs``,
        ``num_threads``, ``numpy``, ``python``, and the BLAS nnla calls (the one scipy loaded), as
        threadpoolctl reports it: ``blas`` (library and version), ``blas_threads`` (its current
        thread count), ``blas_threading_layer``, ``blas_architecture``, ``blas_library`` (the
        file), ``blas_thread_local`` (the thread-local setting nnla uses, None for OpenBLAS).

    Examples
    --------
    >>> import nnla
    >>> nnla.info()["version"] == nnla.__version__
    True
    """
    d: dict[str, object] = dict(_core.build_info())
    lib = _blas.library()
    d["blas"] = f"{lib.get('internal_api', 'unknown')} {lib.get('version') or ''}".strip()
    d["blas_threads"] = lib.get("num_threads", _blas.threads())
    d["blas_threading_layer"] = lib.get("threading_layer")
    d["blas_architecture"] = lib.get("architecture")
    d["blas_library"] = lib.get("filepath")
    d["blas_thread_local"] = lib.get("thread_local_setting")
    d["num_threads"] = get_num_threads()
    d["numpy"] = np.__version__
    d["python"] = platform.python_version()
    return d
