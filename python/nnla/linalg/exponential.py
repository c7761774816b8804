"""The matrix exponential, its Frechet derivative and its condition number (cpp/matfun/expm*)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._dask import batched, is_dask
from nnla._native import raise_for_status, run
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack

__all__ = ["expm", "expm_cond", "expm_frechet"]


def expm(a: ArrayLike, *, check_finite: bool = True, n_threads: int | None = None) -> np.ndarray:
    """Matrix exponential of each matrix in a stack.

    Pade scaling and squaring of Al-Mohy and Higham (2009): per matrix, the Pade degree
    m in {3, 5, 7, 9, 13} and the number of squarings s are chosen from the norms of matrix powers
    ``||A^k||^(1/k)`` with the correction against overscaling. Upper (and lower) triangular input
    has its diagonal and first superdiagonal recomputed exactly at every squaring, real
    quasi-triangular input its 2x2 diagonal blocks; diagonal input is exponentiated entrywise.
    A general (not triangular) 2x2 matrix is exponentiated in closed form,
    ``exp(mu) (cosh(delta) I + sinh(delta)/delta (A - mu I))`` with ``mu = tr(A)/2`` and
    ``delta**2 = -det(A - mu I)`` (scaling and squaring where that form overflows).
    Single precision uses the single-precision degrees {3, 5, 7}.

    Parameters
    ----------
    a : array_like or dask.array.Array, shape (..., d, d)
        Square matrices; float32, float64, complex64 and complex128 are kept, integers become
        float64. Any batch shape (including empty) and d >= 0; non-contiguous input is copied once.
        A Dask array chunked along its batch axes gives a lazy Dask array; see :mod:`nnla.linalg`.
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
    if is_dask(a):
        return batched(expm, (a,), ("a",), "(i,j)->(i,j)", ("same",), n_threads,
                       check_finite=check_finite)
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = run("expm", arr, n_threads=nt)
    raise_for_status(status, "expm", "a", check_finite=check_finite)
    return out


def _real_dtype(dt: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if dt in (np.float32, np.complex64) else np.dtype(np.float64)


def expm_frechet(
    a: ArrayLike,
    e: ArrayLike,
    *,
    check_finite: bool = True,
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Matrix exponential and its Frechet derivative in direction ``e``, for each matrix in a stack.

    ``L(A, E) = d/dt expm(A + t E)`` at ``t = 0``, computed with ``expm(A)`` by Algorithm 6.4 of
    Al-Mohy and Higham (2009b): a Pade approximant of degree 3, 5, 7, 9 (no scaling) or 13 with
    ``s = ceil(log2(||A||_1 / 4.74))`` squarings, chosen from ``||A||_1`` by the paper's table of
    ``l_m``; the derivative of the approximant is evaluated alongside it (one LU serves both solves)
    and the pair is squared as ``(X, L) <- (X^2, X L + L X)``. About three times the cost of
    :func:`expm`. Single precision uses the double-precision degrees (more accurate than needed).

    Parameters
    ----------
    a : array_like or dask.array.Array, shape (..., d, d)
        Square matrices (float32, float64, complex64, complex128; integers become float64).
        A Dask array chunked along its batch axes gives a lazy Dask array; see :mod:`nnla.linalg`.
    e : array_like, shape (..., d, d)
        Directions, the same shape as ``a``; ``a`` and ``e`` are promoted to their common dtype.
    check_finite : bool, default True
        Raise ``ValueError`` if a matrix of ``a`` or ``e`` contains NaN or Inf. With False such
        matrices give all-NaN results and the other matrices of the batch are unaffected.
    n_threads : int, optional
        OpenMP threads over the batch (default: :func:`nnla.get_num_threads`). The results do not
        depend on it, nor on whether the matrices are passed together or one at a time.

    Returns
    -------
    x : ndarray, shape (..., d, d)
        ``expm(a)``. It agrees with :func:`nnla.expm` to within rounding errors (a few ulps times
        the condition number), not bitwise: the degree/scaling choice of the two algorithms
        differs, and this one has no special treatment of triangular input.
    l : ndarray, shape (..., d, d)
        ``L(a, e)``, same dtype as ``x``.

    Raises
    ------
    ValueError
        If ``a`` or ``e`` is not a stack of square matrices, has an unsupported dtype, the shapes
        differ, or they contain NaN/Inf with ``check_finite=True``.
    nnla.errors.NonFiniteResultError
        If intermediate quantities overflowed to NaN (the exponential is far beyond the range).

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> a = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> e = np.array([[0.0, 0.0], [0.0, 1.0]])
    >>> x, l = nnla.expm_frechet(a, e)
    >>> bool(np.allclose(l, [[0.0, np.e], [0.0, np.e]], rtol=1e-14))
    True
    """
    if is_dask(a, e):
        return batched(expm_frechet, (a, e), ("a", "e"), "(i,j),(i,j)->(i,j),(i,j)",
                       ("same", "same"), n_threads, check_finite=check_finite)
    arr = as_matrix_stack(a, "a")
    err = as_matrix_stack(e, "e")
    if err.shape != arr.shape:
        raise ValueError(f"e must have the shape of a {arr.shape}, got shape {err.shape}")
    common = np.result_type(arr.dtype, err.dtype)
    arr = arr.astype(common, copy=False)
    err = err.astype(common, copy=False)
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=common), np.empty(arr.shape, dtype=common)
    x, lder, status = run("expm_frechet", arr, err, n_threads=nt)
    raise_for_status(status, "expm_frechet", "a or e", check_finite=check_finite)
    return x, lder


def expm_cond(a: ArrayLike, *, n_threads: int | None = None) -> np.ndarray:
    """Relative condition number of the matrix exponential, in the 1-norm, for each matrix.

    ``kappa(A) = ||L(A)||_1 ||A||_1 / ||expm(A)||_1``, where ``||L(A)||_1`` is the 1-norm of the
    ``d^2 x d^2`` Kronecker form ``K(A)`` of the Frechet derivative (so that
    ``||vec L(A, E)||_1 <= ||K(A)||_1 ||vec E||_1``). ``||K(A)||_1`` is estimated by the block
    1-norm estimator of Higham and Tisseur (2000) with two columns, applying ``L(A, .)`` and its
    adjoint ``L(A^*, .)`` to d x d matrices (Al-Mohy and Higham 2009b, Algorithm 7.4): about 10-20
    Frechet derivatives sharing one Pade evaluation, never the O(d^5) Kronecker form. The estimate
    is a lower bound and is usually exact. For d <= 3 the d^2 columns of ``K(A)`` are formed
    (exact, and cheaper than the estimator). Unlike ``scipy.linalg.expm_cond`` (Frobenius norms
    and the 2-norm of ``K``, exact, O(d^5)) this is the 1-norm condition number.

    Parameters
    ----------
    a : array_like or dask.array.Array, shape (..., d, d)
        Square matrices (float32, float64, complex64, complex128; integers become float64).
        Must be finite.
        A Dask array chunked along its batch axes gives a lazy Dask array; see :mod:`nnla.linalg`.
    n_threads : int, optional
        OpenMP threads over the batch (default: :func:`nnla.get_num_threads`); the result does not
        depend on it.

    Returns
    -------
    ndarray, shape (...)
        The condition numbers, float32 for float32/complex64 input, else float64 (0 for a zero
        matrix and for d = 0).

    Raises
    ------
    ValueError
        If ``a`` is not a stack of square matrices, has an unsupported dtype, or contains NaN/Inf.
    nnla.errors.NonFiniteResultError
        If ``expm(a)`` overflows (the ratio is then not representable).

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> float(nnla.expm_cond(np.array([[2.0, 0.0], [0.0, 2.0]])))  # L(A, E) = e^2 E
    2.0
    """
    if is_dask(a):
        return batched(expm_cond, (a,), ("a",), "(i,j)->()", ("real",), n_threads)
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    rdt = _real_dtype(arr.dtype)
    if arr.size == 0:
        return np.zeros(arr.shape[:-2], dtype=rdt)
    cond, status = run("expm_cond", arr, n_threads=nt)
    raise_for_status(status, "expm_cond", "a", check_finite=True)
    return cond.astype(rdt, copy=False)
