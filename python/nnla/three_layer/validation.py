"""Input checks of :mod:`nnla.three_layer`, built on the primitives of :mod:`nnla._validate`.

Each check raises ``ValueError`` naming the argument and what was expected: the four arrays of
the two pairs, the ``mu`` specification, the options of ``solve`` and of ``fit_gradient``, and the
weights and inputs of ``forward``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import where
from nnla._validate import as_matrix_stack, check_bool, check_finite, check_float, check_int
from nnla.three_layer.common import U, fro

__all__ = [
    "MuSpec",
    "adam_options",
    "mu_spec",
    "network_inputs",
    "nonzero_targets",
    "pairs",
    "single_pairs",
    "solve_options",
]

MuSpec = Union[str, complex, float, ArrayLike]
"""What ``solve`` accepts as ``mu``: ``"auto"``, ``"real"``, a number or an array."""

_NAMES = ("X1", "X2", "Y1", "Y2")


def pairs(
    X1: ArrayLike, X2: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> tuple[list[np.ndarray], tuple[int, ...], int]:
    """The two pairs as stacks of one shape ``(..., d, d)``, finite, ``d >= 1``.

    Returns
    -------
    arrays : list of ndarray
        ``X1, X2, Y1, Y2`` as :func:`nnla._validate.as_matrix_stack` gives them.
    batch : tuple of int
        The batch shape ``...``.
    d : int
        The matrix size.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.validation import pairs
    >>> arrs, batch, d = pairs(*np.ones((4, 5, 2, 2)))
    >>> batch, d
    ((5,), 2)
    """
    arrs = [as_matrix_stack(a, n) for a, n in zip((X1, X2, Y1, Y2), _NAMES)]
    shape = arrs[0].shape
    for a, n in zip(arrs, _NAMES):
        if a.shape != shape:
            raise ValueError(
                f"X1, X2, Y1 and Y2 must have the same shape (..., d, d); {n} has shape "
                f"{a.shape}, X1 has shape {shape}"
            )
    d = shape[-1]
    if d == 0:
        raise ValueError("X1, X2, Y1 and Y2 must be at least 1 x 1, got d = 0")
    for a, n in zip(arrs, _NAMES):
        finite = np.isfinite(a).all(axis=(-2, -1))
        if not finite.all():
            raise ValueError(f"{n} contains NaN or Inf{where(~finite)}")
    return arrs, shape[:-2], d


def single_pairs(X1: ArrayLike, X2: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> list[np.ndarray]:
    """The two pairs as single ``d x d`` matrices of one dtype (float64 or complex128 at least).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.validation import single_pairs
    >>> [a.dtype.name for a in single_pairs(*np.ones((4, 2, 2), dtype=np.float32))]
    ['float64', 'float64', 'float64', 'float64']
    """
    arrs, batch, _ = pairs(X1, X2, Y1, Y2)
    if batch:
        raise ValueError(
            f"X1, X2, Y1 and Y2 must be single d x d matrices, got batch shape {batch}"
        )
    dt = np.result_type(np.float64, *arrs)
    return [a.astype(dt, copy=False) for a in arrs]


def nonzero_targets(y1: np.ndarray, y2: np.ndarray) -> None:
    """Refuse a zero ``Y1`` or ``Y2``: the residuals are relative to ``||Yk||``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.validation import nonzero_targets
    >>> nonzero_targets(np.eye(2), np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: Y2 must be nonzero (the residual is relative to ||Y2||)
    """
    for name, y in (("Y1", y1), ("Y2", y2)):
        if np.any(fro(y) == 0):
            raise ValueError(f"{name} must be nonzero (the residual is relative to ||{name}||)")


def mu_spec(mu: MuSpec, batch: tuple[int, ...]) -> tuple[str, np.ndarray | None]:
    """The mode of ``mu`` (``"auto"``, ``"real"`` or ``"given"``) and, if given, its flat values.

    A given ``mu`` broadcasts to the batch shape, is finite and has ``e^mu != 1`` to working
    precision (complex128).

    Examples
    --------
    >>> from nnla.three_layer.validation import mu_spec
    >>> mu_spec("auto", (3,))
    ('auto', None)
    >>> mu_spec(0.5, (2,))
    ('given', array([0.5+0.j, 0.5+0.j]))
    """
    if isinstance(mu, str):
        if mu not in ("auto", "real"):
            raise ValueError(f"mu must be 'auto', 'real' or a number, got {mu!r}")
        return mu, None
    try:
        arr = np.asarray(mu)
        if arr.dtype.kind not in "biufc":
            raise TypeError
        val = np.broadcast_to(arr.astype(np.complex128), batch)
    except (TypeError, ValueError):
        raise ValueError(
            f"mu must be 'auto', 'real', a number or an array of the batch shape {batch}, "
            f"got {mu!r}"
        ) from None
    if not np.isfinite(val).all():
        raise ValueError("mu must be finite")
    with np.errstate(all="ignore"):
        bad = np.abs(np.expm1(val)) <= 4 * U * np.maximum(1.0, np.abs(val))
    if bad.any():
        raise ValueError(
            "e^mu = 1 to working precision (mu = 2 pi i k, or |mu| below ~1e-15): the "
            "construction divides by e^mu - 1; choose another mu"
        )
    return "given", val.reshape(-1)


def solve_options(
    tol: object, refine: object, mode: str, d: int, refine_max_d: int
) -> tuple[float, bool]:
    """``tol`` (a positive finite number) and ``refine`` (a bool, only with ``mu="auto"`` and
    ``d <= refine_max_d``).

    Examples
    --------
    >>> from nnla.three_layer.validation import solve_options
    >>> solve_options(1e-8, False, "auto", 4, 16)
    (1e-08, False)
    """
    tol = check_float(tol, "tol", low=0.0, low_open=True)
    refine = check_bool(refine, "refine")
    if refine and mode != "auto":
        raise ValueError("refine=True needs mu='auto' (it refines the automatic choice of mu)")
    if refine and d > refine_max_d:
        raise ValueError(
            f"refine=True is available for d <= {refine_max_d} (its Newton steps cost O(d^6)), "
            f"got d = {d}"
        )
    return tol, refine


def adam_options(
    layers: object, steps: object, lr: object, seed: object
) -> tuple[int, int, float, int]:
    """The options of ``fit_gradient``: ``layers >= 1``, ``steps >= 0``, ``lr > 0``, ``seed >= 0``.

    Examples
    --------
    >>> from nnla.three_layer.validation import adam_options
    >>> adam_options(3, 10, 0.01, 0)
    (3, 10, 0.01, 0)
    """
    layers = check_int(layers, "layers", 1)
    steps = check_int(steps, "steps", 0)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    seed = check_int(seed, "seed", 0)
    return layers, steps, lr, seed


def network_inputs(
    W: Sequence[ArrayLike], X: ArrayLike
) -> tuple[list[np.ndarray], tuple[int, ...], int]:
    """Weights ``(W1, W2, W3)`` and inputs ``X`` of ``forward`` as flat stacks of one dtype.

    The batch shapes broadcast against each other; the dtype is their common one, float64 at
    least.

    Returns
    -------
    arrays : list of ndarray, shape (n, d, d)
        ``W1, W2, W3, X``, C-contiguous.
    batch : tuple of int
        The broadcast batch shape (``n`` is its product).
    d : int
        The matrix size.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.validation import network_inputs
    >>> arrs, batch, d = network_inputs([np.eye(2)] * 3, np.ones((4, 2, 2)))
    >>> arrs[0].shape, batch, d
    ((4, 2, 2), (4,), 2)
    """
    ws = list(W)
    if len(ws) != 3:
        raise ValueError(f"W must hold three weight matrices (W1, W2, W3), got {len(ws)}")
    arrs = [as_matrix_stack(w, f"W{i + 1}") for i, w in enumerate(ws)]
    x = as_matrix_stack(X, "X")
    d = x.shape[-1]
    for i, a in enumerate(arrs):
        if a.shape[-1] != d:
            raise ValueError(f"W{i + 1} must be {d} x {d} like X, got shape {a.shape}")
    for name, a in [("W1", arrs[0]), ("W2", arrs[1]), ("W3", arrs[2]), ("X", x)]:
        check_finite(a, name)
    try:
        batch = np.broadcast_shapes(*(a.shape[:-2] for a in [*arrs, x]))
    except ValueError:
        raise ValueError(
            "the batch shapes of W1, W2, W3 and X do not broadcast: "
            f"{[a.shape[:-2] for a in [*arrs, x]]}"
        ) from None
    dt = np.result_type(np.float64, *arrs, x)
    flat = [np.ascontiguousarray(np.broadcast_to(a, (*batch, d, d)).astype(dt)).reshape(-1, d, d)
            for a in [*arrs, x]]
    return flat, batch, d
