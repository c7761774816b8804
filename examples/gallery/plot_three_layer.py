"""
The three-layer network vs gradient descent vs one layer
========================================================

The network ``f(X) = W3 expm(W2 expm(W1 X))`` maps d×d matrices to d×d matrices. Gai and Zhang
construct weights that fit two pairs ``f(X1) = Y1``, ``f(X2) = Y2`` *exactly*:
``W1 = μ (X2 − X1)⁻¹``, ``A = log(Y1⁻¹ Y2) / (e^μ − 1)``, ``W2 = A expm(−W1 X1)``,
``W3 = Y1 expm(−A)``. :func:`nnla.three_layer.solve` builds them on the batched ``expm`` and
``logm``, chooses μ, and verifies the result with an independent forward pass.

Against it: the same network trained by Adam from a random start
(:func:`nnla.three_layer.fit_gradient`, gradients through :func:`nnla.expm_frechet`), and the best
*one-layer* map ``Y = W X`` (:func:`nnla.three_layer.fit_one_layer`, least squares), which
cannot fit two generic pairs at all. Residuals are ``max_k ‖f(X_k) − Y_k‖_F / ‖Y_k‖_F``.
"""

import matplotlib.pyplot as plt
import numpy as np
from nnla import three_layer

d = 4
X1, X2, Y1, Y2 = np.random.default_rng(0).standard_normal((4, d, d))

exact = three_layer.solve(X1, X2, Y1, Y2)
gd = three_layer.fit_gradient(X1, X2, Y1, Y2, steps=2000, lr=1e-2)
one = three_layer.fit_one_layer(X1, X2, Y1, Y2)
print(f"analytic weights (mu = {complex(exact.mu):.3g}): residual {float(exact.residual):.1e}")
print(f"Adam, 2000 steps ({gd.seconds:.1f} s):        residual {float(gd.residuals[-1]):.1e}")
print(f"one layer, least squares:            residual {float(np.max(one.residuals)):.2f}")

# %%
# The residual of Adam along its run, against the two fixed answers.
fig, ax = plt.subplots(figsize=(7, 4.2))
ax.semilogy(gd.residuals, label="three layers, Adam")
ax.axhline(float(exact.residual), color="C2", label="three layers, analytic weights")
ax.axhline(float(np.max(one.residuals)), color="C3", ls="--", label="one layer, least squares")
ax.set_xlabel("Adam step")
ax.set_ylabel("residual")
ax.set_ylim(1e-17, 10)
ax.legend()
ax.set_title(f"fitting two {d}×{d} pairs exactly")
fig.tight_layout()
plt.show()
