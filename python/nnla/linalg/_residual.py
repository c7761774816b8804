"""The a-posteriori residual checks of ``sqrtm`` and ``logm``: whatever the branch criterion of the
Schur methods misses (``cpp/matfun/schur.hpp``, ``cut_branch``) does not come back silently.

The relative residual ``||f^{-1}(X) - a||_F / ||a||_F`` (``X @ X`` for the square root,
``expm(X)`` for the logarithm: one product or one exponential per matrix, cheap beside the Schur
method) is compared with ``sqrt(u)`` of the dtype. A backward-stable Schur method reproduces ``a``
to about ``d * u * ||X||_F**2 / ||a||_F`` (square root) or ``u * kappa_exp(X)`` (logarithm), so a
residual above ``sqrt(u)`` means half the digits are gone: an extremely ill-conditioned function,
or a cluster split across the branch cut that the criterion did not put on one branch (members
on different branches make ``X`` huge, and ``X @ X`` or ``expm(X)`` misses ``a`` by far more).
"""

from __future__ import annotations

import warnings

import numpy as np

from nnla._native import Status, batch_indices, where
from nnla.errors import InaccurateResultWarning


def _tol(dtype: np.dtype) -> float:
    return float(np.sqrt(np.finfo(dtype).eps / 2))


def relative_residual(back: np.ndarray, a: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``||back - a||_F / ||a||_F`` per matrix of the stack (NaN where ``ok`` is false).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.linalg._residual import relative_residual
    >>> a = np.eye(2)[None]
    >>> relative_residual(a * (1 + 1e-8), a, np.array([True])).round(12).tolist()
    [1e-08]
    """
    with np.errstate(all="ignore"):
        num = np.linalg.norm((back - a).reshape(*a.shape[:-2], -1), axis=-1)
        den = np.linalg.norm(a.reshape(*a.shape[:-2], -1), axis=-1)
        res = np.asarray(num / np.where(den > 0, den, 1), dtype=np.float64)
    res[~np.isfinite(res)] = np.inf
    res[~ok] = np.nan
    return res


def warn_residual(
    res: np.ndarray, dtype: np.dtype, func: str, inverse: str, allowance: np.ndarray | float = 0.0
) -> None:
    """Warn with :class:`nnla.errors.InaccurateResultWarning` where ``res > sqrt(u) + allowance``.

    ``allowance`` (single precision only): the residual that rounding the double-precision result
    to the output dtype alone can cause.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.linalg._residual import warn_residual
    >>> warn_residual(np.array([1e-15]), np.dtype(np.float64), "sqrtm", "X @ X")
    """
    bad = res > _tol(np.dtype(dtype).type(0).real.dtype) + allowance
    if not bad.any():
        return
    worst = float(np.nanmax(np.where(bad, res, np.nan)))
    warnings.warn(
        InaccurateResultWarning(
            f"{func}: the result reproduces a only to a relative residual "
            f"||{inverse} - a||_F / ||a||_F up to {worst:.1e}{where(bad)}, above sqrt(u) = "
            f"{_tol(np.dtype(dtype).type(0).real.dtype):.1e}: the function is extremely ill "
            "conditioned there, or eigenvalues near the negative real axis were not resolved; "
            "check the input (its eigenvalues and their conditioning)",
            indices=batch_indices(bad),
            residual=res,
        ),
        stacklevel=3,
    )


def rounding_allowance(x: np.ndarray, a: np.ndarray, power: int) -> np.ndarray | float:
    """``10 u ||X||_F**power / ||a||_F`` for single-precision output (0 for double): the residual
    of ``X @ X`` (power 2) or ``expm(X)`` (power 1, times ``||X||_F``) that rounding ``X`` to
    the output precision causes by itself."""
    if np.finfo(x.dtype).eps >= np.finfo(np.float64).eps * 2:
        with np.errstate(all="ignore"):
            nx = np.linalg.norm(x.reshape(*x.shape[:-2], -1).astype(np.complex128), axis=-1)
            na = np.linalg.norm(a.reshape(*a.shape[:-2], -1).astype(np.complex128), axis=-1)
            u = np.finfo(x.dtype).eps / 2
            if power == 2:
                return 10 * u * nx**2 / np.maximum(na, np.finfo(np.float64).tiny)
            return 10 * u * nx * np.maximum(nx, 1.0)
    return 0.0


def ok_mask(status: np.ndarray) -> np.ndarray:
    """Matrices whose result exists (status OK)."""
    return status == Status.OK
