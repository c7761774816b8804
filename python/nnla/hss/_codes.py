"""The native HSS codes, in one place: failure codes, kernel ids, ReLU matrix ids.

An internal module of :mod:`nnla.hss`. The native constructors and factorizations return
``(result, fail)`` where ``fail`` is ``None`` or a tuple ``(code, node, level, info)``
(``hss::Fail`` in ``cpp/hss/hss.hpp``); :func:`raise_failure` turns it into an exception. Every
use of a code in the subpackage goes through this module; the codes themselves are the enums the
core exports (defined once, in C++).
"""

from __future__ import annotations

from typing import Any, NoReturn

from nnla._native import _core
from nnla.errors import LinAlgError, NotPositiveDefiniteError
from nnla.relu.kinds import KINDS

__all__ = ["KERNELS", "RELU_MATRICES", "Fail", "indefinite", "raise_failure"]


Fail = _core.HssFail
"""Why a native HSS construction or factorization stopped (``hss::FailCode``, an IntEnum)."""

KERNELS: dict[str, int] = {k.name.lower(): int(k) for k in _core.HssKernel}
"""Kernel name -> native id (``hss::Kernel``, exported as ``_core.HssKernel``)."""

RELU_MATRICES: dict[str, int] = KINDS
"""ReLU Gram matrix name -> native id (the ``kind`` of ``_core.hss_from_relu1d``)."""


def indefinite(fail: Any) -> bool:
    """Whether ``fail`` (None or a native failure tuple) says "not positive definite".

    Examples
    --------
    >>> from nnla.hss._codes import indefinite
    >>> indefinite(None), indefinite((1, 3, 2, 5)), indefinite((4, 0, 0, -2))
    (False, True, False)
    """
    return fail is not None and int(fail[0]) == Fail.NOT_POSITIVE_DEFINITE


def raise_failure(fail: Any, what: str, hint: str) -> NoReturn:
    """Raise the exception for a native failure tuple ``(code, node, level, info)``.

    Parameters
    ----------
    fail : tuple of int
        The failure returned by the core (not None).
    what : str
        The public function that failed (starts the message).
    hint : str
        What the caller can do (for a matrix that is not positive definite).

    Raises
    ------
    nnla.errors.NotPositiveDefiniteError
        For ``Fail.NOT_POSITIVE_DEFINITE``, naming the tree node, its level and the pivot.
    nnla.errors.LinAlgError
        For any other code (an internal LAPACK error: a bug).

    Examples
    --------
    >>> from nnla.hss._codes import raise_failure
    >>> raise_failure((1, 3, 2, 5), "HSSMatrix.cholesky", "add a shift")
    Traceback (most recent call last):
    ...
    nnla.errors.NotPositiveDefiniteError: HSSMatrix.cholesky: a diagonal block (tree node 3, \
level 2) is not positive definite (Cholesky pivot 5). Hint: add a shift
    """
    code, node, level, info = fail
    if int(code) == Fail.NOT_POSITIVE_DEFINITE:
        raise NotPositiveDefiniteError(
            f"{what}: a diagonal block (tree node {node}, level {level}) is not positive "
            f"definite (Cholesky pivot {info})",
            hint=hint,
        )
    raise LinAlgError(
        f"{what}: internal LAPACK error {info} at tree node {node}",
        hint="this is a bug in nnla; please report it with the input",
    )
