"""Input validation and status handling shared by every public function (one place for both)."""

from __future__ import annotations

import numbers

import numpy as np

from nnla._native import _core
from nnla.errors import (
    ConvergenceError,
    LinAlgError,
    NonFiniteResultError,
    SingularMatrixError,
    UndefinedFunctionError,
)

__all__ = ["as_matrix_stack", "check_int", "check_status"]

_NATIVE = (
    np.dtype(np.float32),
    np.dtype(np.float64),
    np.dtype(np.complex64),
    np.dtype(np.complex128),
)

# Status codes of the native batched kernels, defined in cpp/core/status.hpp (_core.Status).
OK, NON_FINITE, SINGULAR, OVERFLOW, INTERNAL, NAN_RESULT = (
    int(_core.Status.OK), int(_core.Status.NON_FINITE), int(_core.Status.SINGULAR),
    int(_core.Status.OVERFLOW), int(_core.Status.INTERNAL), int(_core.Status.NAN_RESULT))
NO_SQUARE_ROOT, IMAGINARY_AXIS, NOT_CONVERGED = (
    int(_core.Status.NO_SQUARE_ROOT), int(_core.Status.IMAGINARY_AXIS),
    int(_core.Status.NOT_CONVERGED))


def check_int(value: object, name: str, low: int) -> int:
    """``value`` as an int if it is an integer (not a bool) ``>= low``, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _normalise_dtype(arr: np.ndarray, name: str) -> np.ndarray:
    if not arr.dtype.isnative:  # non-native byte order: same values, native bytes
        arr = arr.astype(arr.dtype.newbyteorder("="))
    dt = arr.dtype
    if dt in _NATIVE:
        return arr
    if dt.kind in "iu":
        return arr.astype(np.float64)
    if dt == np.float16:
        return arr.astype(np.float32)
    raise ValueError(
        f"{name} has dtype {dt}, expected float32, float64, complex64 or complex128 "
        "(integers are converted to float64)"
    )


def as_matrix_stack(a: object, name: str = "a") -> np.ndarray:
    """Return ``a`` as a native-order, C-contiguous ``(..., d, d)`` array of a supported dtype.

    Copies only when needed (dtype conversion or a non-contiguous view).
    """
    arr = a if type(a) is np.ndarray else np.asarray(a)
    if arr.dtype not in _NATIVE:
        arr = _normalise_dtype(arr, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be a (..., d, d) stack of square matrices, got shape {arr.shape}"
        )
    if arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must be square in its last two axes, got shape {arr.shape}")
    if not (arr.flags.c_contiguous and arr.flags.aligned):
        arr = np.array(arr, order="C", copy=True)  # copies an unaligned contiguous array too
    return arr


def _indices(mask: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in idx) for idx in np.argwhere(mask)]


def _where(mask: np.ndarray) -> str:
    """' at batch indices [...]' for a stack, '' for a single matrix."""
    if mask.ndim == 0:
        return ""
    idx = _indices(mask)
    more = f" and {len(idx) - 10} more" if len(idx) > 10 else ""
    return f" at batch indices {idx[:10]}{more}"


def check_status(status: np.ndarray | None, func: str, name: str, *, check_finite: bool) -> None:
    """Raise for the per-matrix statuses of a batched native call (None means all succeeded)."""
    if status is None:
        return
    bad = status == NON_FINITE
    if check_finite and bad.any():
        raise ValueError(
            f"{name} contains NaN or Inf{_where(bad)}; "
            f"pass check_finite=False to get NaN for those matrices instead"
        )
    sing = status == SINGULAR
    if sing.any():
        raise SingularMatrixError(
            f"{func}: a matrix to be inverted was exactly singular{_where(sing)}",
            hint="check the input for overflow or degenerate entries",
            indices=_indices(sing),
        )
    nan = status == NAN_RESULT
    if nan.any():
        raise NonFiniteResultError(
            f"{func}: the result overflowed to NaN{_where(nan)} "
            "(its entries exceed the floating-point range)",
            hint="scale the input down, or use float64/complex128 if the input is single precision",
            indices=_indices(nan),
        )
    nosq = status == NO_SQUARE_ROOT
    if nosq.any():
        if func == "logm":
            msg = "the logarithm of a singular matrix does not exist"
            hint = (
                "an eigenvalue is zero to working precision (|lambda| <= d*u*max|lambda_j|); "
                "shift the matrix (logm(a + eps*I)) or check the input"
            )
        else:
            msg = "the matrix has no square root"
            hint = (
                "a zero eigenvalue (|lambda| <= d*u*max|lambda_j|) lies in a nontrivial Jordan "
                "block; perturb the matrix (sqrtm(a + eps*I)) if an approximate root is acceptable"
            )
        raise SingularMatrixError(f"{func}: {msg}{_where(nosq)}", hint=hint, indices=_indices(nosq))
    axis = status == IMAGINARY_AXIS
    if axis.any():
        raise UndefinedFunctionError(
            f"{func}: the matrix sign function is undefined: an eigenvalue lies on (or "
            f"numerically on) the imaginary axis, or the matrix is singular{_where(axis)}",
            hint="shift the matrix (a - c*I) or check whether a sign is meaningful for it",
            indices=_indices(axis),
        )
    conv = status == NOT_CONVERGED
    if conv.any():
        what = {
            "signm": "the Newton iteration",
            "sqrtm": "the Schur factorization",
            "logm": "the Schur factorization or the square-root phase",
        }.get(func, "an iteration")
        raise ConvergenceError(
            f"{func}: {what} did not converge{_where(conv)}",
            hint="the matrix is probably extremely ill conditioned or badly scaled",
            indices=_indices(conv),
        )
    internal = status == INTERNAL
    if internal.any():
        raise LinAlgError(
            f"{func}: internal LAPACK argument error{_where(internal)}",
            hint="this is a bug in nnla; please report it with the input",
            indices=_indices(internal),
        )
