"""Load the native core ``nnla._core`` and the OpenBLAS library it links against.

The extension links ``libscipy_openblas.so`` from the PyPI package ``scipy-openblas32``. Its
RPATH points at that package next to ``nnla`` in site-packages; for every other layout (editable
installs, a different prefix) the library is loaded here first, with ``RTLD_LOCAL`` so that its
symbols never replace those of scipy's or numpy's own OpenBLAS copies. The dynamic loader then
resolves the extension's dependency by soname to this already-loaded library.
"""

from __future__ import annotations

import ctypes
import os

import scipy_openblas32

_blas_path = os.path.join(
    scipy_openblas32.get_lib_dir(), scipy_openblas32.get_library(fullname=True)
)
_blas = ctypes.CDLL(_blas_path, mode=ctypes.RTLD_LOCAL)

from nnla import _core  # noqa: E402

__all__ = ["_core"]
