"""The result of :func:`nnla.three_layer.solve`: weights, verified residuals, mu, diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ThreeLayerSolution"]


@dataclass(frozen=True)
class ThreeLayerSolution:
    """Exact weights of ``f(X) = W3 expm(W2 expm(W1 X))`` for two pairs, with their verification.

    Attributes
    ----------
    W1, W2, W3 : ndarray, shape (..., d, d)
        The weights (complex128, or float64 when a real solution was requested and found for
        every instance).
    residuals : ndarray, shape (..., 2)
        ``||f(Xk) - Yk||_F / ||Yk||_F`` for k = 1, 2, from an independent forward pass
        (:func:`forward` on the returned weights).
    mu : ndarray, shape (...)
        The scalar parameter used by each instance (complex128, float64 for real solutions).
    diagnostics : dict of str to ndarray
        Per instance (batch shape): ``cond_dx`` (1-norm condition number of ``X2 - X1``),
        ``norm_g`` (``||(X2 - X1)^{-1} X1||_1``), ``cond_y1``, ``cond_y2``, ``cond_m`` (1-norm
        condition numbers of ``Y1``, ``Y2`` and ``M = Y1^{-1} Y2``), ``log_branch`` (the rotation
        ``phi`` of ``L = logm(e^{-i phi} M) + i phi I``; 0 for the principal logarithm),
        ``log_residual`` (``||expm(L) - M||_1 / ||M||_1``), ``norm_l`` (``||L||_1``; ``phi``,
        ``log_residual`` and ``norm_l`` are those of the branch of the kept candidate),
        ``kappa_b1`` (``||B1||_1 ||B1^{-1}||_1`` with ``B1 = expm(W1 X1)``), ``norm_w1``,
        ``norm_w2``, ``norm_w3`` (1-norms), ``candidates`` (how many ``mu`` were verified),
        ``branch_gain`` (for instances whose kept candidate uses the other branch of the
        logarithm, tried by ``mu="auto"`` after the ranked candidates: the residual before that
        stage divided by the residual after it; 1 elsewhere) and ``refine_gain`` (the same for
        the refinement of ``solve(..., refine=True)``: 1 for instances not refined; for refined
        ones ``W1 (X2 - X1)`` is no longer ``mu I`` and ``kappa_b1`` is that of the new ``B1``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import three_layer
    >>> X1, X2, Y1, Y2 = np.random.default_rng(0).standard_normal((4, 2, 2))
    >>> sol = three_layer.solve(X1, X2, Y1, Y2)
    >>> sol.W1.shape, sol.residuals.shape, bool(sol.residuals.max() < 1e-12)
    ((2, 2), (2,), True)
    """

    W1: np.ndarray
    W2: np.ndarray
    W3: np.ndarray
    residuals: np.ndarray
    mu: np.ndarray
    diagnostics: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def residual(self) -> np.ndarray:
        """The larger of the two relative residuals, per instance (batch shape)."""
        return self.residuals.max(axis=-1)

    @property
    def weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W1, W2, W3)``."""
        return self.W1, self.W2, self.W3
