"""Batched matrix functions on stacks ``(..., d, d)`` of real or complex matrices."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack, check_status

__all__ = ["expm"]


def expm(a: ArrayLike, *, check_finite: bool = True, n_threads: int | None = None) -> np.ndarray:
    """Matrix exponential of each matrix in a stack.

    Pade scaling and squaring of Al-Mohy and Higham (2009): per matrix, the Pade degree
    m in {3, 5, 7, 9, 13} and the number of squarings s are chosen from the norms of matrix powers
    ``||A^k||^(1/k)`` with the correction against overscaling. Upper (and lower) triangular input
    has its diagonal and first superdiagonal recomputed exactly at every squaring, real
    quasi-triangular input its 2x2 diagonal blocks; diagonal input is exponentiated entrywise.
    Single precision uses the single-precision degrees {3, 5, 7}.

    Parameters
    ----------
    a : array_like, shape (..., d, d)
        Square matrices; float32, float64, complex64 and complex128 are kept, integers become
        float64. Any batch shape (including empty) and d >= 0; non-contiguous input is copied once.
    check_finite : bool, default True
        Raise ``ValueError`` if a matrix contains NaN or Inf. With False such matrices give an
        all-NaN result and the other matrices of the batch are unaffected.
    n_threads : int, optional
        OpenMP threads over the batch (default: :func:`nnla.get_num_threads`). The result does not
        depend on it, nor on whether the matrices are passed together or one at a time.

    Returns
    -------
    ndarray, shape (..., d, d)
        ``expm(a)``, same dtype as ``a`` (float64 for integer input). Where the exponential
        overflows, the affected entries are inf.

    Raises
    ------
    ValueError
        If ``a`` has fewer than 2 dimensions, is not square in its last two axes, has an
        unsupported dtype (bool, object, strings, ...), or contains NaN/Inf with
        ``check_finite=True``.
    nnla.errors.NonFiniteResultError
        If a finite matrix gives a NaN result because intermediate quantities overflowed (the
        exponential is then far beyond the floating-point range).

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> t = 0.5
    >>> r = nnla.expm(np.array([[0.0, -t], [t, 0.0]]))
    >>> bool(np.allclose(r, [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], rtol=1e-15))
    True
    """
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = _core.expm(arr, nt)
    check_status(status, "expm", "a", check_finite=check_finite)
    return out
