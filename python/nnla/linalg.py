"""Batched matrix functions on stacks ``(..., d, d)`` of real or complex matrices."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack, check_status

__all__ = ["expm", "expm_cond", "expm_frechet", "logm", "signm", "sqrtm"]


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
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype)
    out, status = _core.sqrtm(arr, nt)
    check_status(status, "sqrtm", "a", check_finite=check_finite)
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
    a : array_like, shape (..., d, d)
        Square matrices (float32, float64, complex64, complex128; integers become float64).
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
    x, lder, status = _core.expm_frechet(arr, err, nt)
    check_status(status, "expm_frechet", "a or e", check_finite=check_finite)
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
    a : array_like, shape (..., d, d)
        Square matrices (float32, float64, complex64, complex128; integers become float64).
        Must be finite.
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
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    rdt = _real_dtype(arr.dtype)
    if arr.size == 0:
        return np.zeros(arr.shape[:-2], dtype=rdt)
    cond, status = _core.expm_cond(arr, nt)
    check_status(status, "expm_cond", "a", check_finite=True)
    return cond.astype(rdt, copy=False)


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
    a : array_like, shape (..., d, d)
        Square matrices (float32, float64, complex64, complex128; integers become float64).
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
    arr = as_matrix_stack(a, "a")
    nt = resolve_threads(n_threads)
    if arr.size == 0:
        x = np.empty(arr.shape, dtype=arr.dtype)
        if return_residual:
            return x, np.zeros(arr.shape[:-2], dtype=np.float64)
        return x
    x, res, status = _core.signm(arr, nt, bool(return_residual))
    check_status(status, "signm", "a", check_finite=check_finite)
    if return_residual:
        return x, res
    return x
