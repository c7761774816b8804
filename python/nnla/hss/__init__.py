"""HSS (hierarchically semiseparable) matrices and their ULV-type Cholesky factorization.

Symmetric positive definite float64 matrices whose off-diagonal blocks are numerically low rank
under a good ordering (kernel matrices on points in 1D-3D, 1D ReLU mass matrices, smooth Toeplitz
matrices) are stored in O(n r) memory, multiplied in O(n r) and factored in O(n r^2).

Construction paths
------------------
``HSSMatrix.from_dense``
    Compression of the block rows of a dense array: SVD of each block row (through the R factor
    of its QR), with nested orthonormal bases, to the relative tolerance ``tol`` of the block row.
    Every diagonal block is Cholesky-factored during the construction, so a compression that is
    not positive definite is detected there. That happens for ill-conditioned matrices at loose
    tolerances (the compression error, ~tol ||A||, exceeds lambda_min); the compression is then
    redone **Schur-compensated (SPD-preserving)**, after Xia and Gu (2010): at every node the
    diagonal block is factored first, ``L L^T``, and the block row is projected orthogonally in
    the scaled coordinates ``L^{-1} A(i, ~i)``, so the compressed matrix is SPD at every
    tolerance (``H.compensated`` is then True; its error ``||A - H||`` stays near
    ``tol ||A||``, the rank growing where the scaled projection would amplify it).
``HSSMatrix.from_relu``
    The Gram matrices of a shallow ReLU network (:mod:`nnla.relu`). In 1D, exact analytic
    generators after sorting by breakpoint (every block row lies in the range of at most six
    closed-form columns; the basis is taken in the coordinates of the block row, weighted by a
    sample of the complement, so it is ordered like the dense compression's): O(n log n), ranks
    <= 6, exact to rounding at every tolerance, so the plain ULV Cholesky works even at
    kappa ~ 1e16 (if it still finds the matrix indefinite, the matrix is assembled and
    compressed SPD-preserving instead). In 2D, the exact dense matrix compressed by
    ``from_dense`` in the network's geometric order.
``HSSMatrix.from_entries`` / ``HSSMatrix.from_kernel``
    Interpolative decomposition on sampled entries, never forming the matrix: each node's
    candidate rows are sampled against the columns within ``leaf_size`` positions of it in the tree
    order, columns at geometrically growing distances (factor 1.3) on both sides,
    ``max(leaf_size / 2, r)`` random columns (``r`` candidate rows; ``2 r`` in 2D/3D), and for
    points in 2D/3D ``max(leaf_size, r)`` random columns from each of the sibling clusters of the
    node and of its first three ancestors; a column-pivoted QR picks the skeleton rows
    (``|R_kk| > max(tol / 100, 1e-15) |R_11|``: the interpolation coefficients and the sampling
    make the error a few times the truncated part, so this keeps ``||A - H||`` near
    ``tol ||A||``). ``from_kernel`` evaluates the kernel natively (in
    parallel); ``from_entries`` calls a Python function by blocks, from serial code. The
    accuracy is that of the sampled block rows: ~tol for 1D problems (checked against the true
    matrix in the tests), weaker for points in 2D/3D, where the off-diagonal ranks of an HSS
    matrix grow with n and the samples can miss part of a block row (errors of 1e-8 to 1e-5
    measured at tight tolerances);
    these paths are not SPD-preserving: an indefinite compression is reported by
    :meth:`HSSMatrix.cholesky` as :class:`~nnla.errors.NotPositiveDefiniteError`.
    Every sampled build is **checked a posteriori**: ``||A - H||_F / ||A||_F`` is estimated
    from exact rows times Gaussian vectors (``H.error_estimate``): for points in 2D/3D with
    n <= 16384 on **every** row (``A G`` for 8 Gaussian columns; the errors of a sampled ID
    concentrate in single rows, which a few sampled rows miss: one 3D build was 2800 tol off
    with a 32-row estimate of 0.1 tol), else on 32 random rows (8-32 above n = 2^19) and 4
    columns; above ``2 tol`` the build is repeated with 2x, 4x, 8x the random samples (4x, 16x,
    64x in 2D/3D), and a miss that remains gives an :class:`HSSAccuracyWarning`.
``HSSMatrix.from_entries(..., matvec=...)``
    Randomized compression (Martinsson 2011) from products ``A @ Omega`` with a Gaussian
    sample of adaptive size, entries only for the leaf diagonal blocks and the skeleton
    couplings; checked on independent Gaussian vectors.

Solves
------
``HSSCholesky.solve(b)`` refines iteratively against the most accurate operator at hand: the
user's matrix when given (``solve(b, operator=A)``: a dense array, scipy sparse matrix or
LinearOperator; ``from_dense(a, keep_a=True)``; ``from_entries(..., matvec=...)``; up to three
steps), else H (one step). The ULV solve alone loses a digit on extremely ill-conditioned
matrices (1D ReLU mass matrix, n = 8192, kappa ~ 1.7e16, b = A 1: residual 8.5e-15 against A);
refinement makes it backward stable with respect to the refinement operator, so the residual
against A is that operator's accuracy: against H, H's error (~tol for a compression; 8.9e-16 for
``from_dense`` there, 1.0e-15 for the exact-to-rounding 1D ReLU generators); against A itself,
the rounding of ``A x``: 3.1e-16 there after two steps (dense Cholesky 4.7e-16), at the cost of
one product with A per step (3 in all; no copy of A). For the sampled constructions
(``from_kernel``) the residual of a solve against the exact matrix is ``||(A - H) x|| / ||b||``:
the tolerance bounds ``||A - H||`` relative to ``||A||``, and for a generic b, ``||x|| ~ ||b|| /
lambda_min``, so the residual is the compression error amplified by up to ``||A|| / lambda_min``
(2.5e-12 at tol 1e-12, n = 2^20, for ``10 I + exp(-r^2)``: ||A|| / lambda_min ~ 7e4); pass a
smaller tol (1e-14: 2.6e-13, the same build time there) or refine against an exact operator.

Only real symmetric float64 matrices are supported (integer and float32 input is converted to
float64; complex input raises ``ValueError``).

Modules
-------
``nnla.hss.matrix``
    :class:`HSSMatrix`: the matrix over a native core object (products, ranks, ``cholesky``).
``nnla.hss.builders``
    The constructions behind the classmethods, their a posteriori checks and retries, the
    randomized compression.
``nnla.hss.factorization``
    :class:`HSSCholesky`: ULV solves with iterative refinement, log-determinant.
``nnla.hss._codes``
    The native failure codes, kernel and ReLU-matrix ids (internal).

:class:`HSSAccuracyWarning` is defined in :mod:`nnla.errors` and re-exported here.

Examples
--------
>>> import numpy as np
>>> from nnla.hss import HSSMatrix
>>> x = np.sort(np.random.default_rng(0).uniform(-1, 1, 1000))
>>> f = HSSMatrix.from_kernel(x, "exponential", nugget=1.0, tol=1e-10).cholesky()
>>> b = np.ones(1000)
>>> a = np.exp(-np.abs(np.subtract.outer(x, x))) + np.eye(1000)
>>> bool(np.linalg.norm(a @ f.solve(b) - b) <= 1e-8 * np.linalg.norm(b))
True
"""

from __future__ import annotations

from nnla.errors import HSSAccuracyWarning
from nnla.hss.factorization import HSSCholesky
from nnla.hss.matrix import HSSMatrix

__all__ = ["HSSAccuracyWarning", "HSSCholesky", "HSSMatrix"]
