"""
Matrix-function data sets and how to score a model on them
==========================================================

:func:`nnla.datasets.matrix_function_pairs` draws n random d×d matrices X from a named family and
evaluates f(X) with nnla's batched kernels, with a validity flag and a condition estimate per
sample; :func:`nnla.datasets.score` reports a model's relative Frobenius errors the way the
literature on learning matrix functions does (quantiles, share of samples within 5 % and 1 %),
next to the error to expect of the exact kernel (condition number × unit roundoff).

The "model" here is a stand-in anyone can reproduce: the degree-4 Taylor polynomial of expm,
which is good on small matrices and poor on large ones. Its scores move by an order of magnitude
from one family to the next at the same scale: report them per family.
"""

import matplotlib.pyplot as plt
import numpy as np
from nnla import datasets


def taylor4(X: np.ndarray) -> np.ndarray:
    out = term = np.broadcast_to(np.eye(X.shape[-1]), X.shape).copy()
    for k in range(1, 5):
        term = term @ X / k
        out = out + term
    return out


families = ["uniform", "gaussian", "symmetric", "wigner", "orthogonal", "toeplitz",
            "circulant", "nonnormal"]
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.2))
rows = []
for fam in families:
    X, FX, info = datasets.matrix_function_pairs("expm", 2000, 5, family=fam, scale=0.5, seed=0)
    rep = datasets.score(taylor4(X), FX, info=info)
    rows.append((fam, rep))
    print(f"{fam:>10}: median error {rep.quantiles[0.5]:.1e}, within 1%: "
          f"{100 * rep.within[0.01]:5.1f}%, exact kernel (median cond*u) "
          f"{rep.kernel_error[0.5]:.1e}")
    ax0.hist(np.log10(rep.errors), bins=40, histtype="step", label=fam)
ax0.set_xlabel("log10 relative Frobenius error of the Taylor-4 'model'")
ax0.set_ylabel("samples")
ax0.legend(fontsize=7, ncol=2)
ax0.set_title("expm, d = 5, scale 0.5: errors by family")

pos = np.arange(len(rows))
ax1.bar(pos - 0.2, [100 * r.within[0.05] for _, r in rows], 0.4, label="within 5 %")
ax1.bar(pos + 0.2, [100 * r.within[0.01] for _, r in rows], 0.4, label="within 1 %")
ax1.set_xticks(pos, [f for f, _ in rows], rotation=30)
ax1.set_ylabel("% of samples")
ax1.legend()
ax1.set_title("the scores a paper would report")
fig.tight_layout()
plt.show()
