"""The principal matrix logarithm (cpp/matfun/logm, schur)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._dask import batched, is_dask
from nnla._native import Status, raise_for_status, run
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack
from nnla.linalg._residual import ok_mask, relative_residual, rounding_allowance, warn_residual

__all__ = ["logm"]


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
    the other matrices have a zero imaginary part; otherwise it is real.

    Eigenvalues on the cut up to rounding go on its upper side too. Rounding splits a Jordan
    block at ``-r`` (or a nonnormal cluster there) into eigenvalues on a small circle around
    ``-r``, some below the axis; their principal logarithms would differ by ``2*pi*i`` and the
    result would be huge. An eigenvalue ``l`` of the Schur factor ``T`` with ``Re l < 0``,
    ``Im l < 0`` (within 45 degrees of the axis) is taken on the upper side (imaginary part just
    above pi) when ``x = Re l`` lies in the ``eta``-pseudospectrum of ``T``,
    ``sigma_min(T - x*I) <= eta = 8*d*u*||T||_F``: some matrix within a backward error ``eta`` of
    ``a`` has the real eigenvalue ``x``. For the rounding-split cluster this holds for every
    member at once (the pseudospectrum around ``-r`` contains the circle of the split); a
    well-conditioned pair ``-r +- i*eps`` (``sigma_min ~ eps >> eta``) keeps its principal
    logarithm (real for real input), with condition number ~ ``1/eps``; candidates closer to a
    flagged member than that member is to the axis join it (cluster closure). The result is then
    the principal logarithm of the exact matrix whose eigenvalues lie on the cut. Real input with
    such a cluster gets a complex result. Each result is checked a posteriori:
    ``||expm(X) - a||_F / ||a||_F > sqrt(u)`` gives :class:`nnla.errors.InaccurateResultWarning`
    naming the batch indices (an extremely ill-conditioned logarithm, or a case the criterion
    missed), at the cost of one ``expm`` per matrix.

    Parameters
    ----------
    a : array_like or dask.array.Array, shape (..., d, d)
        Square matrices; float32, float64, complex64 and complex128 are kept, integers become
        float64. Any batch shape (including empty) and d >= 0; non-contiguous input is copied once.
        A Dask array chunked along its batch axes gives a lazy Dask array (complex for real input:
        a chunk cannot know whether another needs complex values); see :mod:`nnla.linalg`.
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

    Warns
    -----
    nnla.errors.InaccurateResultWarning
        If ``||expm(X) - a||_F / ||a||_F`` exceeds ``sqrt(u)`` of the dtype (plus, for single
        precision, what rounding ``X`` to it causes): the batch indices and the residuals.

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
    if is_dask(a):
        return batched(logm, (a,), ("a",), "(i,j)->(i,j)", ("complex",), n_threads,
                       check_finite=check_finite)
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = run("logm", arr, n_threads=nt)
    raise_for_status(status, "logm", "a", check_finite=check_finite)
    ok = ok_mask(status)
    x64 = np.where(ok[..., None, None], out, 0).astype(np.result_type(out.dtype, np.float64))
    back, st_exp = run("expm", x64, n_threads=nt)  # checked in double precision
    res = relative_residual(back, arr, ok & (st_exp == Status.OK))
    res = np.where(ok & (st_exp != Status.OK), np.inf, res)  # expm(X) overflowed: X is wrong
    warn_residual(res, arr.dtype, "logm", "expm(X)", rounding_allowance(out, arr, 1))
    return out
