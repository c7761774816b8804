"""The three ReLU-network matrices by name, their native codes, and the domain type.

``KINDS`` maps each name to the kind code the native kernels take, the enum ``relu::Kind`` of
``cpp/relu/kind.hpp`` that the core exports as ``_core.ReluKind``.
"""

from __future__ import annotations

from typing import Union

from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._validate import check_choice

__all__ = ["KINDS", "Domain", "kind_code"]

KINDS: dict[str, int] = {k.name.lower(): int(k) for k in _core.ReluKind}
"""Native code of each matrix: mass ``A`` 0, Heaviside Gram ``H`` 1, layer Gauss-Newton ``G`` 2."""

Domain = Union[None, tuple[float, float], ArrayLike]
"""A domain: ``None`` (the default), an interval ``(a, b)`` in 1D, a box ``((x0, x1), (y0, y1))``
or ``(k, 2)`` polygon vertices in 2D (:func:`nnla._validate.as_domain`)."""


def kind_code(kind: object, name: str = "kind") -> int:
    """The native code of the matrix ``kind`` (a key of :data:`KINDS`); ``ValueError`` otherwise.

    Examples
    --------
    >>> from nnla.relu.kinds import kind_code
    >>> kind_code("gauss_newton")
    2
    """
    return KINDS[check_choice(kind, name, KINDS)]
