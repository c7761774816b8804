"""The native core: loading ``nnla._core``, its status codes, and the one status path.

Every batched native function (``expm``, ``expm_frechet``, ``expm_cond``, ``logm``, ``sqrtm``,
``signm``) is called through :func:`run`, which returns its outputs and the per-matrix status
codes without raising. The public wrappers turn the statuses into exceptions with
:func:`raise_for_status`; callers that want per-matrix outcomes (``three_layer``, ``datasets``)
read the statuses directly.

The extension links no BLAS: its BLAS/LAPACK table is filled here, at import, from the library
scipy has loaded (:mod:`nnla._blas`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnla import _blas, _core
from nnla.errors import (
    ConvergenceError,
    LinAlgError,
    NonFiniteResultError,
    SingularMatrixError,
    UndefinedFunctionError,
)

_blas.install(_core)

__all__ = [
    "BATCHED",
    "VERSION",
    "Status",
    "_core",
    "batch_indices",
    "raise_for_status",
    "run",
    "where",
]


Status = _core.Status
"""The per-matrix status codes of the batched kernels (``cpp/core/status.hpp``), an IntEnum."""


VERSION: str = _core.__version__
"""The version of nnla, as compiled into the native core."""

BATCHED = ("expm", "expm_frechet", "expm_cond", "logm", "sqrtm", "signm")
"""The batched native functions :func:`run` calls."""


def run(func: str, *arrays: np.ndarray, n_threads: int, **options: Any) -> tuple[Any, ...]:
    """Call the batched native function ``func`` and return its outputs and statuses.

    Parameters
    ----------
    func : str
        One of :data:`BATCHED`.
    *arrays : ndarray
        The validated, C-contiguous ``(..., d, d)`` stacks the function takes (``a``, or ``a`` and
        ``e`` for ``expm_frechet``), with at least one matrix.
    n_threads : int
        OpenMP threads (already resolved).
    **options
        Keyword options of the native function (``residual`` for ``signm``, default False:
        its output is then None).

    Returns
    -------
    tuple
        The function's outputs followed by ``status``: an int8 array of the batch shape holding a
        :class:`Status` code per matrix (all ``Status.OK`` when every matrix succeeded). Nothing
        is raised for per-matrix failures; the failed matrices' outputs are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._native import Status, run
    >>> a = np.array([[[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 2.0]]])
    >>> log, status = run("logm", a, n_threads=1)
    >>> [Status(s).name for s in status]
    ['NO_SQUARE_ROOT', 'OK']
    """
    if func not in BATCHED:
        raise ValueError(f"func must be one of {BATCHED}, got {func!r}")
    if func == "signm":
        options.setdefault("residual", False)
    *outputs, status = getattr(_core, func)(*arrays, n_threads=n_threads, **options)
    if status is None:
        status = np.zeros(arrays[0].shape[:-2], dtype=np.int8)
    return (*outputs, status)


def batch_indices(mask: np.ndarray) -> list[tuple[int, ...]]:
    """The batch indices where ``mask`` is true, as tuples."""
    return [tuple(int(i) for i in idx) for idx in np.argwhere(mask)]


def where(mask: np.ndarray) -> str:
    """``' at batch indices [...]'`` (at most ten) for a stack, ``''`` for a single matrix."""
    if mask.ndim == 0:
        return ""
    idx = batch_indices(mask)
    more = f" and {len(idx) - 10} more" if len(idx) > 10 else ""
    return f" at batch indices {idx[:10]}{more}"


_HINTS_NO_ROOT = {
    "logm": (
        "the logarithm of a singular matrix does not exist",
        "an eigenvalue is zero to working precision (|lambda| <= d*u*max|lambda_j|); "
        "shift the matrix (logm(a + eps*I)) or check the input",
    ),
    "sqrtm": (
        "the matrix has no square root",
        "a zero eigenvalue (|lambda| <= d*u*max|lambda_j|) lies in a nontrivial Jordan "
        "block; perturb the matrix (sqrtm(a + eps*I)) if an approximate root is acceptable",
    ),
}
_ITERATION = {
    "signm": "the Newton iteration",
    "sqrtm": "the Schur factorization",
    "logm": "the Schur factorization or the square-root phase",
}


def raise_for_status(status: np.ndarray, func: str, name: str, *, check_finite: bool) -> None:
    """Raise the exception for the first kind of failure among the per-matrix ``status`` codes.

    ``Status.NON_FINITE`` (NaN/Inf input) raises ``ValueError`` naming ``name`` only with
    ``check_finite``; every other failure raises an :mod:`nnla.errors` exception with the batch
    indices. ``Status.OVERFLOW`` (a faithful infinite result) never raises.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla._native import Status, raise_for_status
    >>> raise_for_status(np.array([Status.OK, Status.OK]), "expm", "a", check_finite=True)
    """
    if not status.any():
        return

    def fail(code: Status) -> np.ndarray | None:
        mask = status == code
        return mask if mask.any() else None

    if check_finite and (m := fail(Status.NON_FINITE)) is not None:
        raise ValueError(
            f"{name} contains NaN or Inf{where(m)}; "
            f"pass check_finite=False to get NaN for those matrices instead"
        )
    if (m := fail(Status.SINGULAR)) is not None:
        raise SingularMatrixError(
            f"{func}: a matrix to be inverted was exactly singular{where(m)}",
            hint="check the input for overflow or degenerate entries",
            indices=batch_indices(m),
        )
    if (m := fail(Status.NAN_RESULT)) is not None:
        raise NonFiniteResultError(
            f"{func}: the result overflowed to NaN{where(m)} "
            "(its entries exceed the floating-point range)",
            hint="scale the input down, or use float64/complex128 if the input is single precision",
            indices=batch_indices(m),
        )
    if (m := fail(Status.NO_SQUARE_ROOT)) is not None:
        msg, hint = _HINTS_NO_ROOT.get(func, _HINTS_NO_ROOT["sqrtm"])
        raise SingularMatrixError(f"{func}: {msg}{where(m)}", hint=hint, indices=batch_indices(m))
    if (m := fail(Status.IMAGINARY_AXIS)) is not None:
        raise UndefinedFunctionError(
            f"{func}: the matrix sign function is undefined: an eigenvalue lies on (or "
            f"numerically on) the imaginary axis, or the matrix is singular{where(m)}",
            hint="shift the matrix (a - c*I) or check whether a sign is meaningful for it",
            indices=batch_indices(m),
        )
    if (m := fail(Status.NOT_CONVERGED)) is not None:
        raise ConvergenceError(
            f"{func}: {_ITERATION.get(func, 'an iteration')} did not converge{where(m)}",
            hint="the matrix is probably extremely ill conditioned or badly scaled",
            indices=batch_indices(m),
        )
    if (m := fail(Status.INTERNAL)) is not None:
        raise LinAlgError(
            f"{func}: internal LAPACK argument error{where(m)}",
            hint="this is a bug in nnla; please report it with the input",
            indices=batch_indices(m),
        )
