"""The ULV-type Cholesky factor of an HSS matrix: solves with iterative refinement, logdet.

:class:`HSSCholesky` is made by :meth:`nnla.hss.HSSMatrix.cholesky` from a native factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla._threads import resolve_threads
from nnla._validate import as_columns, check_int

__all__ = ["HSSCholesky"]

_EPS = float(np.finfo(np.float64).eps)


class HSSCholesky:
    """ULV-type Cholesky factor of an :class:`HSSMatrix` (+ shift I).

    Not constructed directly: :meth:`HSSMatrix.cholesky` returns it.

    Attributes
    ----------
    shape : tuple of int
        ``(n, n)``.
    nbytes : int
        Memory held by the factor.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss import HSSMatrix
    >>> a = np.diag([1.0, 4.0, 9.0, 16.0])
    >>> f = HSSMatrix.from_dense(a, leaf_size=2).cholesky()
    >>> round(f.logdet(), 12) == round(float(np.log(576.0)), 12)
    True
    """

    def __init__(
        self,
        core: Any,
        perm: np.ndarray,
        hcore: Any = None,
        exact: Callable[[np.ndarray], np.ndarray] | None = None,
        shift: float = 0.0,
    ) -> None:
        self._core = core
        self._perm = perm
        self._n = int(perm.shape[0])
        self._hcore = hcore  # the HSS matrix factored (refinement operator when exact is None)
        self._exact = exact  # the exact operator A (original order), when known
        self._shift = float(shift)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n)``.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.eye(6) * 2.0, leaf_size=2).cholesky()
        >>> f.shape
        (6, 6)
        """
        return (self._n, self._n)

    @property
    def nbytes(self) -> int:
        """Memory of the factor in bytes.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.eye(6) * 2.0, leaf_size=2).cholesky()
        >>> f.nbytes > 0
        True
        """
        return int(self._core.nbytes)

    def solve(
        self, b: ArrayLike, refine: int | None = None, *, n_threads: int | None = None
    ) -> np.ndarray:
        """Solve ``(A + shift I) x = b`` for b of shape (n,) or (n, k).

        The ULV solve with the factor of ``H + shift I`` is followed by ``refine`` steps of
        iterative refinement, ``x <- x + F^{-1} (b - (A + shift I) x)``, with the most accurate
        operator known: the exact ``A`` when the matrix was built with one
        (``from_entries(..., matvec=...)``), else the HSS product ``H`` (O(n r) per step).

        Why: the ULV solve is backward stable only up to a modest factor (on the 1D ReLU mass
        matrix, n = 8192, kappa ~ 1.7e16: residual 9e-15); one refinement step makes the
        solution backward stable with respect to the refinement operator (residual ~ eps
        against it: 4e-16 against H there). Against the true A the attainable residual is
        then ``||(A - Op) x|| / ||b||``, the operator's own error (``~tol`` for a compression;
        1e-15 for the exact-to-rounding 1D ReLU generators); no refinement can go below the
        accuracy with which ``A x`` is evaluated, whatever kappa is. A step that does not
        reduce a column's residual is discarded, and none is taken when the residual is
        already at rounding (``<= 4 eps ||b||``).

        The result is bitwise independent of ``n_threads``. A vector and the same vector as a
        column of a block are solved alike up to rounding, not necessarily bit for bit (as for
        :meth:`HSSMatrix.matvec`: a BLAS may sum one column in another order than a block; and a
        refinement step is kept or dropped per column on its own residual): they differ by at
        most about twice the forward error of the solve, ``kappa d eps ||x||``.

        Parameters
        ----------
        b : array_like, shape (n,) or (n, k)
            Real, finite.
        refine : int, optional
            Number of refinement steps (>= 0); default 1. ``0``: the plain (linear) ULV solve,
            as :meth:`aslinearoperator` uses.
        n_threads : int, optional
            OpenMP threads over tree nodes; the result does not depend on it.

        Returns
        -------
        ndarray, same shape as b

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.diag([2.0, 4.0, 8.0]), leaf_size=2).cholesky()
        >>> f.solve(np.array([2.0, 4.0, 8.0]))
        array([1., 1., 1.])
        """
        arr, vec = as_columns(b, self._n, "b")
        steps = 1 if refine is None else check_int(refine, "refine", 0)
        nt = resolve_threads(n_threads)
        perm = self._perm
        bp = np.asfortranarray(arr[perm])
        xp = np.asarray(self._core.solve(bp, nt))
        if steps > 0 and (self._hcore is not None or self._exact is not None):
            xp = self._refine(bp, xp, steps, nt)
        x = np.empty_like(xp)
        x[perm] = xp
        return x[:, 0] if vec else x

    def _residual(self, bp: np.ndarray, xp: np.ndarray, nt: int) -> np.ndarray:
        """``b - (A + shift I) x`` in the tree order (A: the exact operator if known, else H)."""
        if self._exact is not None:
            x = np.empty_like(xp)
            x[self._perm] = xp
            ax = self._exact(x)[self._perm]
        else:
            ax = np.asarray(self._hcore.matvec(np.asfortranarray(xp), nt))
        r = bp - ax
        if self._shift != 0.0:
            r -= self._shift * xp
        return np.asfortranarray(r)

    def _refine(self, bp: np.ndarray, xp: np.ndarray, steps: int, nt: int) -> np.ndarray:
        bn = np.linalg.norm(bp, axis=0)
        r = self._residual(bp, xp, nt)
        rn = np.linalg.norm(r, axis=0)
        for _ in range(steps):
            todo = rn > 4 * _EPS * bn
            if not todo.any():
                break
            xn = xp + np.asarray(self._core.solve(r, nt))
            rnew = self._residual(bp, xn, nt)
            rnn = np.linalg.norm(rnew, axis=0)
            better = todo & (rnn < rn)
            if not better.any():
                break
            xp = np.where(better, xn, xp)
            r = np.asfortranarray(np.where(better, rnew, r))
            rn = np.where(better, rnn, rn)
        return xp

    def logdet(self) -> float:
        """Return ``log det(H + shift I)`` as a sum of logarithms of the pivots.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.eye(3) * np.e, leaf_size=2).cholesky()
        >>> round(f.logdet(), 14)
        3.0
        """
        return float(self._core.logdet())

    def aslinearoperator(self) -> Any:
        """Return a :class:`scipy.sparse.linalg.LinearOperator` applying the inverse.

        Use it as a preconditioner ``M`` of :func:`scipy.sparse.linalg.cg`.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> op = HSSMatrix.from_dense(np.eye(4) * 2.0, leaf_size=2).cholesky().aslinearoperator()
        >>> op.matvec(np.ones(4))
        array([0.5, 0.5, 0.5, 0.5])
        """
        from scipy.sparse.linalg import LinearOperator

        def inv(x: np.ndarray) -> np.ndarray:
            return self.solve(x, refine=0)

        return LinearOperator(
            self.shape,
            matvec=inv,
            rmatvec=inv,
            matmat=inv,
            dtype=np.float64,
        )
