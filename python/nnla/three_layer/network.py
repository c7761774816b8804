"""The network ``f(X) = W3 expm(W2 expm(W1 X))`` evaluated: :func:`forward`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from nnla._threads import resolve_threads
from nnla.errors import NonFiniteResultError
from nnla.three_layer.common import flat_indices, flat_where, forward_flat
from nnla.three_layer.solution import ThreeLayerSolution
from nnla.three_layer.validation import network_inputs

__all__ = ["forward"]


def forward(
    W: ThreeLayerSolution | Sequence[ArrayLike],
    X: ArrayLike,
    *,
    n_threads: int | None = None,
) -> np.ndarray:
    """Evaluate the network ``f(X) = W3 expm(W2 expm(W1 X))``.

    Parameters
    ----------
    W : ThreeLayerSolution or sequence of three array_like, each of shape (..., d, d)
        The weights ``(W1, W2, W3)`` or a result of :func:`solve`.
    X : array_like, shape (..., d, d)
        Inputs; the batch shapes of ``X`` and the weights are broadcast against each other.
    n_threads : int, optional
        OpenMP threads of the matrix exponentials (default: :func:`nnla.get_num_threads`).

    Returns
    -------
    ndarray, shape (..., d, d)
        ``f(X)``, in the common dtype of the weights and ``X`` (float64 at least).

    Raises
    ------
    ValueError
        If the weights are not three stacks of square matrices of the size of ``X``, the batch
        shapes do not broadcast, or an entry is NaN or Inf.
    nnla.errors.NonFiniteResultError
        If a matrix exponential overflows.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> eye, zero = np.eye(2), np.zeros((2, 2))
    >>> three_layer.forward((zero, zero, 3 * eye), eye)  # W3 expm(0) = 3 I
    array([[3., 0.],
           [0., 3.]])
    """
    ws = W.weights if isinstance(W, ThreeLayerSolution) else W
    flat, batch, d = network_inputs(ws, X)
    nt = resolve_threads(n_threads)
    out, ok = forward_flat(*flat, nt)
    if not ok.all():
        raise NonFiniteResultError(
            f"forward: a matrix exponential overflowed{flat_where(~ok, batch)}",
            hint="the weights or inputs are too large for double precision",
            indices=flat_indices(~ok, batch),
        )
    return out.reshape(*batch, d, d)
