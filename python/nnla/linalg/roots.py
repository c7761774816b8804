"""The principal matrix square root (cpp/matfun/sqrtm, schur)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._dask import batched, is_dask
from nnla._native import raise_for_status, run
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack
from nnla.linalg._residual import ok_mask, relative_residual, rounding_allowance, warn_residual

__all__ = ["sqrtm"]


def sqrtm(a: ArrayLike, *, check_finite: bool = True, n_threads: int | None = None) -> np.ndarray:
    """Principal square root of each matrix in a stack.

    Schur method: the Bjorck-Hammarling recurrence on the complex Schur form (complex input), and
    Higham's real Schur method (1987) for real input, which keeps the result real (2x2 blocks for
    complex-conjugate eigenvalue pairs); for orders 3 to 16 a verified Newton (Denman-Beavers)
    iteration is tried first (see Notes). The principal square root is the one whose eigenvalues
    have positive real part; it exists when no eigenvalue is zero, and for a zero eigenvalue when
    that eigenvalue is semisimple (``sqrtm(zeros)`` and ``sqrtm(diag(0, 1))`` work).
    All dtypes are computed in double precision; single-precision results are rounded.

    Real input with a negative real eigenvalue has no real principal square root: then the result
    is complex (the principal square root, computed from the complex Schur form; a negative
    eigenvalue -r gives +i*sqrt(r), as ``numpy.sqrt(-r + 0j)``), and the whole output array is
    complex (complex64 for float32, complex128 for float64) — the other matrices of such a batch
    have a zero imaginary part. Eigenvalues on the negative real axis up to rounding (a Jordan
    block at ``-r`` split by rounding across the axis, a nonnormal cluster there) all get the
    root from the upper side, ``+i*sqrt(r)``, by the criterion of :func:`nnla.logm`
    (``sigma_min(T - Re(l)*I) <= 8*d*u*||T||_F`` for the Schur factor ``T``), so that the result
    is the principal root of the exact matrix rather than a huge root with its members on both
    sides. Each result is checked a posteriori: ``||X @ X - a||_F / ||a||_F > sqrt(u)`` gives
    :class:`nnla.errors.InaccurateResultWarning` naming the batch indices.

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

    Warns
    -----
    nnla.errors.InaccurateResultWarning
        If ``||X @ X - a||_F / ||a||_F`` exceeds ``sqrt(u)`` of the dtype (plus, for single
        precision, what rounding ``X`` to it causes): the batch indices and the residuals.

    Notes
    -----
    Fast path for ``3 <= d <= 16`` (a deliberate deviation from the Schur method, for speed): each
    matrix is first given to the scaled product form of the Denman-Beavers iteration (Higham,
    "Functions of Matrices", SIAM 2008, eq. (6.17) and section 6.5: ``M_0 = X_0 = A``,
    ``M_{k+1} = (I + (mu^2 M_k + mu^-2 M_k^-1) / 2) / 2``, ``X_{k+1} = mu X_k (I + mu^-2 M_k^-1)
    / 2`` with the determinantal scaling ``mu = |det M_k|^(-1/(2d))`` while ``||M_k - I||_F >
    0.01``), one inverse and one matrix product per step, typically 4-6 steps; for these orders the
    Schur factorization alone costs several times more. The iteration converges to the principal
    square root when it converges (real input stays real). Its result ``X`` is used only if it
    converged (quadratic-convergence test on ``||M_k - I||_F``; bail-outs on a negative determinant
    of real input, stagnation, a condition number above 1e4, more than 10 steps) and
    ``||X @ X - a||_F <= d * u * ||X||_F**2`` (``u = 2**-53``), a backward error no larger than
    the Schur method's (which attains about 0.5-6 ``d * u * ||X||_F**2`` on random matrices).
    Otherwise that matrix takes the Schur method: ill-conditioned, highly nonnormal, singular or
    near-singular matrices, eigenvalues on or near the negative real axis, upper triangular
    input. The choice is made per matrix from that matrix alone, so results remain bitwise
    independent of ``n_threads`` and of how the batch is split.

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
    if is_dask(a):
        return batched(sqrtm, (a,), ("a",), "(i,j)->(i,j)", ("complex",), n_threads,
                       check_finite=check_finite)
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = run("sqrtm", arr, n_threads=nt)
    raise_for_status(status, "sqrtm", "a", check_finite=check_finite)
    # checked in double precision; where X @ X overflows, again with X scaled by a power of 2
    x64 = out.astype(np.result_type(out.dtype, np.float64), copy=False)
    ok = ok_mask(status)
    with np.errstate(all="ignore"):
        res = relative_residual(x64 @ x64, arr, ok)
        redo = ok & ~np.isfinite(res)
        if redo.any():
            xs, ar = x64[redo], arr[redo]
            mx = np.abs(xs).max(axis=(-2, -1), keepdims=True)
            sc = np.exp2(np.round(np.log2(np.where((mx > 0) & np.isfinite(mx), mx, 1.0))))
            xs = xs / sc
            res[redo] = relative_residual(xs @ xs, ar / sc / sc, np.ones(len(xs), dtype=bool))
    warn_residual(res, arr.dtype, "sqrtm", "X @ X", rounding_allowance(out, arr, 2))
    return out
