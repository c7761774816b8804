"""The matrix sign function (cpp/matfun/signm)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._dask import batched, is_dask
from nnla._native import raise_for_status, run
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack

__all__ = ["signm"]


def signm(
    a: ArrayLike,
    *,
    check_finite: bool = True,
    n_threads: int | None = None,
    return_residual: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Matrix sign function of each matrix in a stack.

    ``sign(A) = A (A^2)^(-1/2)``: the matrix with the eigenvectors of A and eigenvalues +1 / -1 for
    the eigenvalues of A in the right / left half plane. Computed by the Newton iteration
    ``X <- (mu X + (mu X)^(-1)) / 2`` from ``X = A`` (Higham, Functions of Matrices, Alg. 5.14),
    with determinantal scaling ``mu = |det X|^(-1/d)`` until the relative change drops below
    1e-2 and unscaled after that, stopped by the quadratic-convergence test
    ``||X_new - X||_1 <= (d u ||X_new||_1 / ||X^(-1)||_1)^(1/2)`` (section 5.7). Typically 5-10
    iterations, each one LU and one inverse, after an eigenvalue check (see Raises). Real input
    gives a real result.

    Parameters
    ----------
    a : array_like or dask.array.Array, shape (..., d, d)
        Square matrices (float32, float64, complex64, complex128; integers become float64).
        A Dask array chunked along its batch axes gives a lazy Dask array; see :mod:`nnla.linalg`.
    check_finite : bool, default True
        Raise ``ValueError`` if a matrix contains NaN or Inf. With False such matrices give an
        all-NaN result and the other matrices of the batch are unaffected.
    n_threads : int, optional
        OpenMP threads over the batch (default: :func:`nnla.get_num_threads`). The result does not
        depend on it, nor on whether the matrices are passed together or one at a time.
    return_residual : bool, default False
        Also return the diagnostic ``r = ||X^2 - I||_1 / ||X||_1^2`` of each result (float64,
        batch shape); small (about d u) when X is an accurate involution.

    Returns
    -------
    x : ndarray, shape (..., d, d)
        ``sign(a)``, same dtype as ``a`` (float64 for integer input).
    r : ndarray, shape (...)
        Only with ``return_residual=True``.

    Raises
    ------
    ValueError
        If ``a`` is not a stack of square matrices, has an unsupported dtype, or contains NaN/Inf
        with ``check_finite=True``.
    nnla.errors.UndefinedFunctionError
        If a matrix has an eigenvalue on or numerically on the imaginary axis, singular input
        included: the eigenvalues are computed first (LAPACK ``geev``, values only) and
        ``|Re lambda| <= sqrt(u) ||A||_1`` is rejected (u the unit roundoff of the dtype: about
        1.5e-8 in double, 2.4e-4 in single precision). Without this check the iteration converges
        to a meaningless +-1 for such eigenvalues. Also raised if an iterate is numerically
        singular (``||X||_1 ||X^(-1)||_1 >= 1/(10 d u)``) or the iteration never reaches its
        quadratic phase (40 steps in double, 20 in single precision). The batch indices are in
        the message and in ``indices``.
    nnla.errors.ConvergenceError
        If the iteration reached its quadratic phase but not the tolerance within the step limit.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> a = np.array([[2.0, 1.0], [0.0, -3.0]])
    >>> x = nnla.signm(a)
    >>> bool(np.allclose(x, [[1.0, 0.4], [0.0, -1.0]], rtol=1e-15, atol=1e-15))
    True
    >>> x, r = nnla.signm(a, return_residual=True)
    >>> bool(r < 1e-15)
    True
    """
    if is_dask(a):
        if return_residual:
            return batched(signm, (a,), ("a",), "(i,j)->(i,j),()", ("same", "float64"),
                           n_threads, check_finite=check_finite, return_residual=True)
        return batched(signm, (a,), ("a",), "(i,j)->(i,j)", ("same",), n_threads,
                       check_finite=check_finite)
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        x = np.empty(arr.shape, dtype=arr.dtype)
        if return_residual:
            return x, np.zeros(arr.shape[:-2], dtype=np.float64)
        return x
    x, res, status = run("signm", arr, n_threads=nt, residual=bool(return_residual))
    raise_for_status(status, "signm", "a", check_finite=check_finite)
    if return_residual:
        return x, res
    return x
