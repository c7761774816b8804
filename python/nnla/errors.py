"""Exceptions and warnings raised by nnla.

Bad input (wrong shape, dtype, NaN/Inf where no meaningful result exists) raises :class:`ValueError`
naming the argument. A numerical failure raises a subclass of :class:`numpy.linalg.LinAlgError`
defined here; its message says what happened, where (batch indices for batched functions) and what
to do about it. A result that an algorithm measured to be less accurate than asked for gives a
warning (:class:`HSSAccuracyWarning`, :class:`InaccurateResultWarning`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "ConvergenceError",
    "DegenerateNeuronsError",
    "HSSAccuracyWarning",
    "InaccurateResultWarning",
    "LinAlgError",
    "NonFiniteResultError",
    "NotPositiveDefiniteError",
    "SingularMatrixError",
    "UndefinedFunctionError",
    "VerificationError",
]


class LinAlgError(np.linalg.LinAlgError):
    """Base class of nnla's numerical failures.

    Parameters
    ----------
    message : str
        What went wrong.
    hint : str, optional
        What the caller can do about it; appended to the message.
    indices : sequence of tuple of int, optional
        For batched functions, the batch indices of the failing matrices.

    Examples
    --------
    >>> import nnla
    >>> err = nnla.errors.SingularMatrixError("a is singular", hint="regularise it")
    >>> str(err)
    'a is singular. Hint: regularise it'
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        indices: Sequence[tuple[int, ...]] | None = None,
    ) -> None:
        self.hint = hint
        self.indices = list(indices) if indices is not None else []
        super().__init__(message if hint is None else f"{message}. Hint: {hint}")


class SingularMatrixError(LinAlgError):
    """A matrix that must be inverted is (numerically) singular.

    Parameters as in :class:`LinAlgError`.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> try:
    ...     nnla.logm(np.stack([np.eye(2), np.zeros((2, 2))]))
    ... except nnla.errors.SingularMatrixError as e:
    ...     print(e.indices)
    [(1,)]
    """


class NotPositiveDefiniteError(LinAlgError):
    """A matrix required to be symmetric/Hermitian positive definite is not.

    Parameters as in :class:`LinAlgError`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.errors import NotPositiveDefiniteError
    >>> from nnla.hss import HSSMatrix
    >>> try:
    ...     HSSMatrix.from_dense(np.diag([1.0, -1.0, 1.0, 1.0]), leaf_size=2)
    ... except NotPositiveDefiniteError:
    ...     print("not positive definite")
    not positive definite
    """


class ConvergenceError(LinAlgError):
    """An iteration did not reach its tolerance.

    Parameters as in :class:`LinAlgError`.

    Examples
    --------
    >>> from nnla.errors import ConvergenceError
    >>> e = ConvergenceError("signm: no convergence in 100 iterations", hint="scale the input",
    ...                      indices=[(0, 3)])
    >>> str(e), e.indices
    ('signm: no convergence in 100 iterations. Hint: scale the input', [(0, 3)])
    """


class NonFiniteResultError(LinAlgError):
    """Finite input gave a NaN result: an intermediate quantity overflowed (inf - inf, inf * 0).

    Parameters as in :class:`LinAlgError`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.errors import LinAlgError, NonFiniteResultError
    >>> e = NonFiniteResultError("expm: NaN from finite input", indices=[(5,)])
    >>> isinstance(e, LinAlgError) and isinstance(e, np.linalg.LinAlgError), e.indices
    (True, [(5,)])
    """


class UndefinedFunctionError(LinAlgError):
    """The matrix function is not defined at the input (e.g. signm with an eigenvalue on the
    imaginary axis).

    Parameters as in :class:`LinAlgError`.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> try:
    ...     nnla.signm(np.array([[0.0, 1.0], [-1.0, 0.0]]))  # eigenvalues +-i
    ... except nnla.errors.UndefinedFunctionError as e:
    ...     print(type(e).__name__, e.indices)
    UndefinedFunctionError [()]
    """


class DegenerateNeuronsError(LinAlgError):
    """Degenerate neurons make a ReLU-network matrix singular.

    See :func:`nnla.relu.degenerate_neurons`.

    Parameters
    ----------
    message : str
        What went wrong.
    reasons : dict of str to ndarray
        ``{"dead": ..., "duplicate": ..., "linear": ...}``: int64 neuron indices by reason.
    hint : str, optional
        What the caller can do about it.

    Attributes
    ----------
    indices : ndarray of int64
        Every offending neuron, sorted.
    reasons : dict of str to ndarray
        The offending neurons by reason.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> err = nnla.errors.DegenerateNeuronsError(
    ...     "dead neurons", reasons={"dead": np.array([2])})
    >>> err.indices.tolist()
    [2]
    """

    def __init__(
        self,
        message: str,
        *,
        reasons: dict[str, np.ndarray] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        empty = np.zeros(0, dtype=np.int64)
        self.reasons = {
            k: np.asarray((reasons or {}).get(k, empty), dtype=np.int64)
            for k in ("dead", "duplicate", "linear")
        }
        self.indices = np.unique(np.concatenate(list(self.reasons.values())))


class VerificationError(LinAlgError):
    """A computed solution failed its verification (its checked residual exceeds the tolerance).

    Parameters
    ----------
    message : str
        What went wrong.
    hint : str, optional
        What the caller can do about it.
    indices : sequence of tuple of int, optional
        For batched functions, the batch indices of the failing instances.
    result : object, optional
        The complete (unverified where failing) result, for inspection.
    diagnostics : dict, optional
        Per-instance diagnostics of the computation.

    Examples
    --------
    >>> import nnla
    >>> err = nnla.errors.VerificationError("residual 1e-3 > tol", indices=[(2,)])
    >>> err.indices, err.result
    ([(2,)], None)
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        indices: Sequence[tuple[int, ...]] | None = None,
        result: object = None,
        diagnostics: dict[str, np.ndarray] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, indices=indices)
        self.result = result
        self.diagnostics = dict(diagnostics) if diagnostics is not None else {}


class HSSAccuracyWarning(RuntimeWarning):
    """A sampled HSS compression missed its tolerance (measured a posteriori, after retries).

    ``H.error_estimate`` holds the estimate of ``||A - H||_F / ||A||_F``; see
    :meth:`nnla.hss.HSSMatrix.from_entries` and :meth:`nnla.hss.HSSMatrix.from_kernel`.

    Examples
    --------
    >>> import warnings
    >>> import nnla
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("missed tol", nnla.errors.HSSAccuracyWarning)
    >>> caught[0].category is nnla.hss.HSSAccuracyWarning
    True
    """


class InaccurateResultWarning(RuntimeWarning):
    """A matrix function's result failed its a-posteriori residual check.

    ``sqrtm`` checks ``||X @ X - a||_F / ||a||_F`` and ``logm`` checks
    ``||expm(X) - a||_F / ||a||_F`` against ``sqrt(u)`` of the dtype: a larger residual means
    half the digits are gone, from an extremely ill-conditioned function or a case the algorithm
    did not resolve (see :func:`nnla.logm`). The warning names the batch indices.

    Parameters
    ----------
    message : str
        What was measured, and where.
    indices : sequence of tuple of int, optional
        The batch indices of the matrices that failed the check.
    residual : ndarray, optional
        The relative residual of every matrix of the batch (NaN where not computed).

    Examples
    --------
    >>> import nnla
    >>> w = nnla.errors.InaccurateResultWarning("residual 1e-3", indices=[(2,)])
    >>> w.indices
    [(2,)]
    """

    def __init__(
        self,
        message: str,
        *,
        indices: Sequence[tuple[int, ...]] | None = None,
        residual: np.ndarray | None = None,
    ) -> None:
        super().__init__(message)
        self.indices = list(indices) if indices is not None else []
        self.residual = residual
