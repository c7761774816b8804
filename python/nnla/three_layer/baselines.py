"""The "power of depth" baselines: the same network trained by Adam, and the one-layer fit.

:func:`fit_gradient` trains ``f(X) = W_n expm(... W2 expm(W1 X))`` on the two pairs (gradients
through :func:`nnla.expm_frechet`); :func:`fit_one_layer` fits ``Y = W X`` by least squares.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from nnla.errors import NonFiniteResultError
from nnla.linalg import expm, expm_frechet
from nnla.three_layer.common import fro
from nnla.three_layer.validation import adam_options, nonzero_targets, pairs, single_pairs

__all__ = [
    "GradientFit",
    "OneLayerFit",
    "fit_gradient",
    "fit_one_layer",
    "loss_and_grad",
    "net_forward",
]


@dataclass(frozen=True)
class GradientFit:
    """Result of :func:`fit_gradient`.

    Attributes
    ----------
    weights : tuple of ndarray
        The trained ``(W1, ..., W_layers)``.
    residuals : ndarray, shape (steps + 1,)
        ``max_k ||f(Xk) - Yk||_F / ||Yk||_F`` before each step and after the last one.
    loss : ndarray, shape (steps + 1,)
        The training loss ``sum_k ||f(Xk) - Yk||_F^2 / ||Yk||_F^2`` at the same points.
    seconds : float
        Wall-clock time of the training loop.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> X1, X2, Y1, Y2 = np.random.default_rng(0).standard_normal((4, 2, 2))
    >>> fit = three_layer.fit_gradient(X1, X2, Y1, Y2, steps=50)
    >>> fit.residuals.shape, len(fit.weights), bool(fit.residuals[-1] < fit.residuals[0])
    ((51,), 3, True)
    """

    weights: tuple[np.ndarray, ...]
    residuals: np.ndarray
    loss: np.ndarray
    seconds: float

    @property
    def residual(self) -> float:
        """The final residual."""
        return float(self.residuals[-1])


@dataclass(frozen=True)
class OneLayerFit:
    """Result of :func:`fit_one_layer`.

    Attributes
    ----------
    W : ndarray, shape (..., d, d)
        The least-squares weight of ``Y = W X`` on both pairs.
    residuals : ndarray, shape (..., 2)
        ``||W Xk - Yk||_F / ||Yk||_F`` for k = 1, 2.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> X1, X2, Y1, Y2 = np.random.default_rng(0).standard_normal((4, 2, 2))
    >>> fit = three_layer.fit_one_layer(X1, X2, Y1, Y2)
    >>> fit.W.shape, fit.residuals.shape
    ((2, 2), (2,))
    """

    W: np.ndarray
    residuals: np.ndarray

    @property
    def residual(self) -> np.ndarray:
        """The larger of the two relative residuals."""
        return self.residuals.max(axis=-1)


def net_forward(
    ws: Sequence[np.ndarray], x: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Forward pass of the ``len(ws)``-layer network: output, pre-activations, activations.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.baselines import net_forward
    >>> f, pre, act = net_forward([np.zeros((2, 2)), 2 * np.eye(2)], np.eye(2))
    >>> f.tolist(), len(pre)
    ([[2.0, 0.0], [0.0, 2.0]], 1)
    """
    pre, act = [], []
    with np.errstate(all="ignore"):
        z = ws[0] @ x
    for w in ws[1:]:
        if not np.isfinite(z).all():
            raise NonFiniteResultError("the network's pre-activations overflowed",
                                       hint="the weights diverged: reduce lr")
        e = expm(z)
        pre.append(z)
        act.append(e)
        with np.errstate(all="ignore"):
            z = w @ e
    return z, pre, act


def loss_and_grad(
    ws: Sequence[np.ndarray], xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]
) -> tuple[float, float, list[np.ndarray]]:
    """Loss ``sum_k ||f(Xk) - Yk||^2 / ||Yk||^2``, max relative residual and the gradient.

    The gradient of a real loss in a complex weight is ``dL/dRe W + i dL/dIm W`` (for real
    weights the ordinary gradient); the adjoint of the Frechet derivative ``L(Z, .)`` is
    ``L(Z^H, .)``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.baselines import loss_and_grad
    >>> eye = np.eye(2)
    >>> loss, worst, grads = loss_and_grad([eye], [eye, eye], [2 * eye, 2 * eye])  # W X = X
    >>> loss, float(worst), grads[0].tolist()
    (0.5, 0.5, [[-0.5, 0.0], [0.0, -0.5]])
    """
    grads = [np.zeros_like(w) for w in ws]
    loss = 0.0
    worst = 0.0
    for x, y in zip(xs, ys):
        ny2 = float(np.vdot(y, y).real)
        f, pre, act = net_forward(ws, x)
        r = f - y
        rr = float(np.vdot(r, r).real)
        loss += rr / ny2
        worst = max(worst, np.sqrt(rr / ny2))
        g = 2.0 * r / ny2  # gradient with respect to f
        for layer in range(len(ws) - 1, 0, -1):
            grads[layer] += g @ act[layer - 1].conj().T
            ge = ws[layer].conj().T @ g
            g = expm_frechet(pre[layer - 1].conj().T, ge)[1]  # gradient with respect to z
        grads[0] += g @ x.conj().T
    return loss, worst, grads


def fit_gradient(
    X1: ArrayLike,
    X2: ArrayLike,
    Y1: ArrayLike,
    Y2: ArrayLike,
    *,
    layers: int = 3,
    steps: int = 2000,
    lr: float = 1e-2,
    seed: int = 0,
) -> GradientFit:
    """Train ``f(X) = W_n expm(··· W2 expm(W1 X))`` on the two pairs by Adam from a random start.

    The comparison for :func:`solve`: the same network (``layers = 3``), trained by gradient
    descent on the loss ``sum_k ||f(Xk) - Yk||_F^2 / ||Yk||_F^2``. Gradients by the chain rule
    through :func:`nnla.expm_frechet` (the adjoint of ``L(Z, .)`` is ``L(Z^H, .)``); Adam with
    ``beta = (0.9, 0.999)``. The start is ``W_i ~ N(0, 1/d)`` entrywise (real for real data,
    complex Gaussian for complex data), seeded. ``layers = 1`` is the linear network ``W1 X``.

    Parameters
    ----------
    X1, X2, Y1, Y2 : array_like, shape (d, d)
        The two input/output pairs (a single problem).
    layers : int, default 3
        Number of weight matrices (>= 1).
    steps : int, default 2000
        Adam steps (>= 0).
    lr : float, default 1e-2
        Adam step size (> 0).
    seed : int, default 0
        Seed of the random start.

    Returns
    -------
    GradientFit
        The weights, the residual and loss curves (``steps + 1`` points) and the time.

    Raises
    ------
    ValueError
        For arrays that are not four ``d x d`` matrices of one size, NaN/Inf entries, a zero
        ``Y1`` or ``Y2``, or invalid ``layers``, ``steps``, ``lr``, ``seed``.
    nnla.errors.NonFiniteResultError
        If the training diverges until a matrix exponential overflows (reduce ``lr``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> rng = np.random.default_rng(1)
    >>> X1, X2, Y1, Y2 = rng.standard_normal((4, 2, 2))
    >>> fit = three_layer.fit_gradient(X1, X2, Y1, Y2, steps=50)
    >>> fit.residuals.shape, bool(fit.residuals[-1] < fit.residuals[0])
    ((51,), True)
    """
    x1, x2, y1, y2 = single_pairs(X1, X2, Y1, Y2)
    layers, steps, lr, seed = adam_options(layers, steps, lr, seed)
    nonzero_targets(y1, y2)
    ws = _random_start(np.random.default_rng(seed), layers, x1.shape[-1], x1.dtype.kind == "c")
    t0 = time.perf_counter()
    res, loss = _adam(ws, (x1, x2), (y1, y2), steps, lr)
    seconds = time.perf_counter() - t0
    return GradientFit(tuple(ws), res, loss, seconds)


def _random_start(rng: np.random.Generator, layers: int, d: int, cplx: bool) -> list[np.ndarray]:
    """``W_i ~ N(0, 1/d)`` entrywise, complex Gaussian for complex data."""
    ws = []
    for _ in range(layers):
        w = rng.standard_normal((d, d)) / np.sqrt(d)
        if cplx:
            w = (w + 1j * rng.standard_normal((d, d)) / np.sqrt(d)) / np.sqrt(2)
        ws.append(w)
    return ws


def _adam(
    ws: list[np.ndarray],
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    steps: int,
    lr: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` Adam steps on ``ws`` in place: the residual and loss curves (``steps + 1``)."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    m1 = [np.zeros_like(w) for w in ws]
    m2 = [np.zeros(w.shape) for w in ws]
    res = np.empty(steps + 1)
    loss = np.empty(steps + 1)
    for step in range(steps + 1):
        lval, worst, grads = loss_and_grad(ws, xs, ys)
        loss[step], res[step] = lval, worst
        if step == steps:
            break
        for i, g in enumerate(grads):
            m1[i] = b1 * m1[i] + (1 - b1) * g
            m2[i] = b2 * m2[i] + (1 - b2) * np.abs(g) ** 2
            mhat = m1[i] / (1 - b1 ** (step + 1))
            vhat = m2[i] / (1 - b2 ** (step + 1))
            ws[i] = ws[i] - lr * mhat / (np.sqrt(vhat) + eps)
    return res, loss


def fit_one_layer(X1: ArrayLike, X2: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> OneLayerFit:
    """Least-squares one-layer network ``Y = W X`` on both pairs.

    ``W`` minimises ``||W X1 - Y1||_F^2 + ||W X2 - Y2||_F^2``: ``W = [Y1 Y2] [X1 X2]^+`` (the
    pseudo-inverse by the SVD, batched). A single ``W`` fits both pairs only if the pairs are
    consistent (``Y2 X2^{-1} = Y1 X1^{-1}``); for generic data the residual stays O(1), which is
    the point of the three-layer construction.

    Parameters
    ----------
    X1, X2, Y1, Y2 : array_like, shape (..., d, d)
        The two input/output pairs.

    Returns
    -------
    OneLayerFit
        ``W`` and the residuals of both pairs.

    Raises
    ------
    ValueError
        For arrays that are not stacks of square matrices of one shape, NaN/Inf entries, or a zero
        ``Y1`` or ``Y2``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> X1, X2 = np.eye(2), 2 * np.eye(2)
    >>> fit = three_layer.fit_one_layer(X1, X2, 3 * X1, 3 * X2)  # consistent: W = 3 I
    >>> bool(np.allclose(fit.W, 3 * np.eye(2), rtol=1e-14)), bool(fit.residual < 1e-14)
    (True, True)
    """
    arrs, _, _ = pairs(X1, X2, Y1, Y2)
    dt = np.result_type(np.float64, *arrs)
    x1, x2, y1, y2 = (a.astype(dt, copy=False) for a in arrs)
    nonzero_targets(y1, y2)
    xc = np.concatenate([x1, x2], axis=-1)
    yc = np.concatenate([y1, y2], axis=-1)
    w = yc @ np.linalg.pinv(xc)
    with np.errstate(all="ignore"):
        r = np.stack([fro(w @ x1 - y1) / fro(y1), fro(w @ x2 - y2) / fro(y2)], axis=-1)
    return OneLayerFit(w, r)
