"""
κ(A) ~ n⁴ and the eigenvalue decay of the ReLU mass matrix
==========================================================

The mass matrix ``A_ij = ∫ σ(x − s_i) σ(x − s_j) dx`` of a shallow ReLU network with uniform
breakpoints ``s_i = i/n`` on [0, 1] is symmetric positive definite but its condition number grows
like n⁴: its eigenvalues decay like those of a double integral operator (k⁻⁴), and the smallest
one is of order n⁻³ while the largest stays of order n. This is why least squares in the ReLU
basis (the normal equations ``A c = f``) is hard, and why :func:`nnla.relu.solve_mass_1d` does not
factor ``A`` at all.

The matrices are exact (closed forms, :func:`nnla.relu.mass_matrix`); their eigenvalues come
from LAPACK and lose their relative accuracy below ``u·λ_max``, which the figure marks.
"""

import matplotlib.pyplot as plt
import nnla
import numpy as np

# %%
# Condition numbers for n = 8 .. 512, from the exact matrices.
ns = 2 ** np.arange(3, 10)
kappa = []
for n in ns:
    s = np.arange(n) / n
    a = nnla.relu.mass_matrix(np.ones(n), -s)
    ev = np.linalg.eigvalsh(a)
    kappa.append(ev[-1] / ev[0])
kappa = np.array(kappa)
slope = np.polyfit(np.log(ns), np.log(kappa), 1)[0]
print(f"fitted exponent: kappa(A) ~ n^{slope:.2f}; kappa / n^4 at n = 512: "
      f"{kappa[-1] / 512**4:.2f}")

# %%
# The eigenvalues of one matrix, n = 256, against k⁻⁴.
n = 256
s = np.arange(n) / n
ev = np.sort(np.linalg.eigvalsh(nnla.relu.mass_matrix(np.ones(n), -s)))[::-1]
k = np.arange(1, n + 1)

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
ax0.loglog(ns, kappa, "o-", label="κ(A), exact matrix")
ax0.loglog(ns, 4.0 * ns**4.0, "k--", label="4 n⁴")
ax0.set_xlabel("neurons n")
ax0.set_ylabel("condition number")
ax0.legend()
ax0.set_title("κ(A) grows like n⁴")
ax1.loglog(k, ev / ev[0], ".", label="λ_k / λ_1")
ax1.loglog(k, k**-4.0, "k--", label="k⁻⁴")
ax1.axhline(np.finfo(float).eps, color="r", lw=0.8, label="unit roundoff u")
ax1.set_xlabel("k")
ax1.set_ylim(1e-17, 2)
ax1.legend()
ax1.set_title(f"eigenvalues of A, n = {n}")
fig.tight_layout()
plt.show()
