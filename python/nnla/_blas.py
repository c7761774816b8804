"""The BLAS and LAPACK nnla runs on: the library scipy has loaded.

nnla brings no BLAS of its own. At import, the table of routines the native core calls
(``cpp/core/blas_table.hpp``) is filled from the function-pointer capsules that
``scipy.linalg.cython_blas`` and ``scipy.linalg.cython_lapack`` export (their ``__pyx_capi__``),
so nnla computes with whatever scipy was built against: its bundled OpenBLAS on PyPI wheels, MKL,
Accelerate, BLIS, ... The process holds no extra BLAS copy.

Threads. nnla's native calls run OpenMP threads over independent work (batch members, tree
nodes), and BLAS must then run one thread per calling thread: a threaded OpenBLAS called from every
thread of a parallel loop runs 6-60x slower than a single-threaded one (measured, 2 cores). Outside
those parallel sections BLAS keeps its own thread count, which is process-wide and which
``threadpoolctl.threadpool_limits`` (or ``OPENBLAS_NUM_THREADS``) controls: a single large matrix,
or a batch smaller than the thread count (run one member at a time), gets BLAS's threads.

- MKL: each OpenMP thread of a batch loop sets its own count with ``MKL_Set_Num_Threads_Local``;
  nothing process-wide changes.
- OpenBLAS (scipy's and numpy's wheels): ``openblas_set_num_threads_local`` is *not* thread-local
  in the pthreads builds they ship (called from one thread it changes the count every thread sees;
  measured on 0.3.30). nnla therefore sets the library's count to 1 for the duration of its parallel
  sections and restores the value it found when the last overlapping section ends (the way
  scikit-learn uses ``threadpool_limits`` around its parallel loops). Another Python thread calling
  scipy during such a section sees BLAS on one thread meanwhile; a count changed by someone else
  during the section is overwritten by the restore.
- Other libraries (BLIS; Accelerate, which exposes no control): as OpenBLAS when a setter is found,
  else untouched (limit them yourself when you run nnla on several threads).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator
from typing import Any

import scipy
from scipy.linalg import cython_blas, cython_lapack
from threadpoolctl import ThreadpoolController

__all__ = ["install", "library", "serial_other_blas", "threads"]

# The thread controls of each library nnla knows: (get the process-wide count, set it, set the
# calling thread's own count). The first family whose getter and setter scipy's BLAS exports wins.
_FAMILIES = (
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads", None),  # scipy's wheels
    ("openblas_get_num_threads", "openblas_set_num_threads", None),
    ("MKL_Get_Max_Threads", "MKL_Set_Num_Threads", "MKL_Set_Num_Threads_Local"),
    ("bli_thread_get_num_threads", "bli_thread_set_num_threads", None),  # BLIS
)


def _libraries() -> list[ctypes.CDLL]:
    """Handles through which the symbols of scipy's BLAS are found.

    On Linux and macOS, ``dlsym`` on the handle of ``cython_blas`` searches the libraries it
    depends on, so that one handle reaches scipy's BLAS whatever its file name. On Windows,
    ``GetProcAddress`` searches one DLL only: the DLLs scipy ships beside it are tried as well.
    """
    handles = [ctypes.CDLL(cython_blas.__file__)]
    if sys.platform == "win32":  # pragma: no cover - Windows only
        root = os.path.dirname(os.path.dirname(scipy.__file__))
        for folder in (os.path.join(root, "scipy.libs"), os.path.join(root, "scipy", ".libs")):
            if os.path.isdir(folder):
                for name in sorted(os.listdir(folder)):
                    if name.lower().endswith(".dll"):
                        try:
                            handles.append(ctypes.CDLL(os.path.join(folder, name)))
                        except OSError:
                            continue
    return handles


def _address(name: str | None) -> int:
    """The address of the function ``name`` in scipy's BLAS (0 if it has none)."""
    if name is None:
        return 0
    for handle in _libraries():
        try:
            return ctypes.cast(getattr(handle, name), ctypes.c_void_p).value or 0
        except AttributeError:
            continue
    return 0


def _thread_controls() -> tuple[tuple[int, int, int], tuple[str | None, str | None]]:
    """Addresses of (getter, setter, thread-local setter); the getter's and local setter's names."""
    for get, set_, set_local in _FAMILIES:
        addresses = (_address(get), _address(set_), _address(set_local))
        if addresses[0] and addresses[1]:
            return addresses, (get, set_local if addresses[2] else None)
    return (0, 0, 0), (None, None)


_CONTROLS, (_GETTER_NAME, _LOCAL_SETTER_NAME) = _thread_controls()


def install(core: Any) -> None:
    """Fill the native core's BLAS/LAPACK table from scipy's capsules (done once at import).

    Parameters
    ----------
    core : module
        The extension module ``nnla._core``.

    Raises
    ------
    ImportError
        If scipy lacks a routine nnla calls (the message names it).

    Examples
    --------
    >>> from nnla import _blas, _core
    >>> _blas.install(_core)  # again: the same table, nothing changes
    """
    core._install_blas(
        dict(cython_blas.__pyx_capi__), dict(cython_lapack.__pyx_capi__), *_CONTROLS
    )


def threads() -> int | None:
    """The BLAS library's current thread count (what ``threadpool_limits`` sets), if known.

    Returns
    -------
    int or None
        None when the library offers no way to read it (Accelerate).

    Examples
    --------
    >>> from nnla import _blas
    >>> n = _blas.threads()
    >>> n is None or n >= 1
    True
    """
    if not _CONTROLS[0]:
        return None
    return int(ctypes.CFUNCTYPE(ctypes.c_int)(_CONTROLS[0])())


def library() -> dict[str, Any]:
    """Describe the BLAS nnla calls, as threadpoolctl reports it.

    Returns
    -------
    dict
        threadpoolctl's entry for scipy's BLAS (``internal_api``, ``version``, ``num_threads``,
        ``filepath``, ``threading_layer``, ``architecture``, ...) when threadpoolctl finds it, else
        ``{"internal_api": "unknown"}``; plus ``thread_local_setting`` (the function nnla uses to
        set a thread's own BLAS thread count, or None) and ``source`` (the scipy module it comes
        from).

    Examples
    --------
    >>> from nnla import _blas
    >>> _blas.library()["source"]
    'scipy.linalg.cython_blas'
    """
    found: dict[str, Any] = {"internal_api": "unknown"}
    if _GETTER_NAME is not None:
        for ctl in ThreadpoolController().lib_controllers:
            if ctl.user_api != "blas":
                continue
            try:
                addr = ctypes.cast(getattr(ctl.dynlib, _GETTER_NAME), ctypes.c_void_p).value
            except AttributeError:
                continue
            if addr == _CONTROLS[0]:
                found = dict(ctl.info())
                break
    found["thread_local_setting"] = _LOCAL_SETTER_NAME
    found["source"] = "scipy.linalg.cython_blas"
    return found


def _is_scipys(ctl: Any) -> bool:
    """Whether the threadpoolctl controller ``ctl`` is the BLAS holding scipy's routines."""
    if _GETTER_NAME is None:
        return False
    try:
        addr = ctypes.cast(getattr(ctl.dynlib, _GETTER_NAME), ctypes.c_void_p).value
    except AttributeError:
        return False
    return bool(addr == _CONTROLS[0])


@contextlib.contextmanager
def serial_other_blas() -> Iterator[None]:
    """Limit every BLAS library but scipy's (the one nnla calls) to one thread inside the block.

    Code that alternates nnla's OpenMP loops, scipy's LAPACK and small numpy products (numpy
    ships its own OpenBLAS) keeps three thread pools busy on the same cores: after each
    threaded numpy call OpenBLAS's idle threads spin for ~0.1 s and take a core from the next
    OpenMP loop (measured in the 2D SgGN engine at 1024 neurons on 2 cores: 0.65-0.71 s per
    iteration, 0.42-0.46 s with numpy's BLAS on one thread). The previous limits are restored
    on exit. Libraries that are scipy's own (numpy and scipy built on one BLAS) are left alone.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._blas import serial_other_blas
    >>> with serial_other_blas():
    ...     y = np.ones((300, 300)) @ np.ones(300)
    >>> float(y[0])
    300.0
    """
    controller = ThreadpoolController()
    others = [c for c in controller.lib_controllers
              if c.user_api == "blas" and not _is_scipys(c)]
    saved = [c.num_threads for c in others]
    try:
        for c in others:
            c.set_num_threads(1)
        yield
    finally:
        for c, n in zip(others, saved):
            c.set_num_threads(n)
