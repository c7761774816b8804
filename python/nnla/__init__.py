"""nnla: matrix computations for neural-network research, with a C++/OpenMP core.

Public API
----------
expm
    Batched matrix exponential (Pade scaling and squaring, Al-Mohy & Higham 2009).
set_num_threads, get_num_threads
    The default thread count of native calls.
info
    Build, BLAS and thread information.
errors
    Exception classes.
"""

from __future__ import annotations

import platform

import numpy as np

from nnla import errors, hss
from nnla._native import _core
from nnla._threads import get_num_threads, set_num_threads
from nnla.linalg import expm

__version__: str = _core.__version__

__all__ = ["__version__", "errors", "expm", "get_num_threads", "hss", "info", "set_num_threads"]


def info() -> dict[str, object]:
    """Describe this build of nnla: version, compiler flags, BLAS library and threads.

    Returns
    -------
    dict
        Keys ``version``, ``compiler``, ``flags``, ``isa_variants`` (the instruction-set variants
        compiled in), ``isa`` (the one this CPU runs), ``openmp``, ``blas``, ``blas_core``,
        ``blas_threads``, ``omp_num_procs``, ``num_threads``, ``numpy``, ``python``.

    Examples
    --------
    >>> import nnla
    >>> nnla.info()["version"] == nnla.__version__
    True
    """
    d: dict[str, object] = dict(_core.build_info())
    d["num_threads"] = get_num_threads()
    d["numpy"] = np.__version__
    d["python"] = platform.python_version()
    return d
