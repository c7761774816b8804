"""Batched matrix functions on stacks ``(..., d, d)`` of real or complex matrices."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack, check_status

__all__ = ["expm", "logm", "sqrtm"]


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


def _raise_schur_status(status: np.ndarray | None, func: str) -> None:
    """Raise for the statuses specific to the Schur-based functions (no square root/logarithm,
    Schur iteration not converged); the rest is left to ``check_status``."""
    if status is None:
        return
    from nnla._validate import _indices, _where
    from nnla.errors import ConvergenceError, SingularMatrixError

    nosq = status == 6  # kNoSquareRoot
    if nosq.any():
        if func == "logm":
            msg = "logm: the logarithm of a singular matrix does not exist"
            hint = (
                "an eigenvalue is zero to working precision (|lambda| <= d*u*max|lambda_j|); "
                "shift the matrix (logm(a + eps*I)) or check the input"
            )
        else:
            msg = "sqrtm: the matrix has no square root"
            hint = (
                "a zero eigenvalue (|lambda| <= d*u*max|lambda_j|) lies in a nontrivial Jordan "
                "block; "
                "perturb the matrix (sqrtm(a + eps*I)) if an approximate root is acceptable"
            )
        raise SingularMatrixError(f"{msg}{_where(nosq)}", hint=hint, indices=_indices(nosq))
    nc = status == 8  # kNotConverged
    if nc.any():
        raise ConvergenceError(
            f"{func}: the Schur factorization (LAPACK gees) or the square-root phase did not "
            f"converge{_where(nc)}",
            hint="check the input for extreme scaling",
            indices=_indices(nc),
        )


def sqrtm(a: ArrayLike, *, check_finite: bool = True, n_threads: int | None = None) -> np.ndarray:
    """Principal square root of each matrix in a stack.

    Schur method: the Bjorck-Hammarling recurrence on the complex Schur form (complex input), and
    Higham's real Schur method (1987) for real input, which keeps the result real (2x2 blocks for
    complex-conjugate eigenvalue pairs). The principal square root is the one whose eigenvalues
    have positive real part; it exists when no eigenvalue is zero, and for a zero eigenvalue when
    that eigenvalue is semisimple (``sqrtm(zeros)`` and ``sqrtm(diag(0, 1))`` work).
    All dtypes are computed in double precision; single-precision results are rounded.

    Real input with a negative real eigenvalue has no real principal square root: then the result
    is complex (the principal square root, computed from the complex Schur form; a negative
    eigenvalue -r gives +i*sqrt(r), as ``numpy.sqrt(-r + 0j)``), and the whole output array is
    complex (complex64 for float32, complex128 for float64) — the other matrices of such a batch
    have a zero imaginary part.

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
        ``X`` with ``X @ X = a``, same dtype as ``a`` (float64 for integer input), or the
        corresponding complex dtype for real input with a negative real eigenvalue.

    Raises
    ------
    ValueError
        If ``a`` has fewer than 2 dimensions, is not square in its last two axes, has an
        unsupported dtype, or contains NaN/Inf with ``check_finite=True``.
    nnla.errors.SingularMatrixError
        If a matrix has no square root: a (numerically) zero eigenvalue,
        ``|lambda| <= d*u*max|lambda_j|``, coupled (an entry above ``4*d*u*||a||_F``) to another
        zero eigenvalue in the Schur form: a nontrivial Jordan block at 0. The message names the
        batch indices.
    nnla.errors.ConvergenceError
        If LAPACK's Schur factorization does not converge.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> a = np.array([[4.0, 1.0], [0.0, 9.0]])
    >>> x = nnla.sqrtm(a)
    >>> x
    array([[2. , 0.2],
           [0. , 3. ]])
    >>> bool(np.allclose(x @ x, a, rtol=1e-15, atol=0))
    True
    >>> nnla.sqrtm(np.array([[-4.0]]))
    array([[0.+2.j]])
    """
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = _core.sqrtm(arr, nt)
    check_status(status, "sqrtm", "a", check_finite=check_finite)
    _raise_schur_status(status, "sqrtm")
    return out


def logm(a: ArrayLike, *, check_finite: bool = True, n_threads: int | None = None) -> np.ndarray:
    """Principal logarithm of each matrix in a stack.

    Inverse scaling and squaring on the Schur form (Al-Mohy and Higham 2012, Algorithm 4.1):
    square roots of the triangular Schur factor until it is close to the identity, a Pade
    approximant of degree m <= 7 evaluated by partial fractions, the scaling undone, and the
    diagonal and first superdiagonal recomputed from exact formulas. Real input is reduced by the
    real Schur form and converted to the complex one; when no eigenvalue is a negative real number
    the principal logarithm is real and so is the result. All dtypes are computed in double
    precision; single-precision results are rounded.

    The principal logarithm has eigenvalues with imaginary parts in (-pi, pi]. Eigenvalues on
    the negative real axis (a real matrix's negative real eigenvalues, e.g. a Jordan block at -2)
    get imaginary part +pi, the convention of ``numpy.log(-2 + 0j)``; the result is then complex.
    For real input the output dtype is decided for the WHOLE batch: if any matrix has a negative
    real eigenvalue, the output is complex (complex64 for float32, complex128 for float64) and
    the other matrices have a zero imaginary part; otherwise it is real. For complex input the
    side of the cut is that of the computed eigenvalue (its imaginary part's sign, +0 counting
    as above): an eigenvalue that is computed as ``-2 - 1e-17j`` gets imaginary part -pi.
    Eigenvalues near the cut keep full accuracy (the superdiagonal formulas use the unwinding
    number), within the condition number, which grows as eigenvalues approach the cut from
    opposite sides.

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
        ``log(a)``, same dtype as ``a`` (float64 for integer input), or the corresponding complex
        dtype for real input with a negative real eigenvalue in the batch.

    Raises
    ------
    ValueError
        If ``a`` has fewer than 2 dimensions, is not square in its last two axes, has an
        unsupported dtype, or contains NaN/Inf with ``check_finite=True``.
    nnla.errors.SingularMatrixError
        If a matrix is singular to working precision (an eigenvalue with
        ``|lambda| <= d*u*max|lambda_j|``): the logarithm of a singular matrix does not exist.
        The message names the batch indices.
    nnla.errors.ConvergenceError
        If LAPACK's Schur factorization does not converge.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> t = 0.5
    >>> r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    >>> bool(np.allclose(nnla.logm(r), [[0.0, -t], [t, 0.0]], rtol=0, atol=1e-15))
    True
    >>> nnla.logm(np.array([[-1.0]]))
    array([[0.+3.14159265j]])
    """
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = _core.logm(arr, nt)
    check_status(status, "logm", "a", check_finite=check_finite)
    _raise_schur_status(status, "logm")
    return out
