"""
Off-diagonal ranks and the HSS tree
===================================

An HSS matrix splits the index set in two, recursively (a binary *cluster tree*), and stores each
off-diagonal block ``A(I, J)`` of siblings I, J in low-rank form with nested bases. It pays off
when those ranks stay small as n grows. For the 1D ReLU mass matrix with the neurons sorted by
breakpoint they do: an entry ``A_ij`` is a polynomial in the two breakpoints on each side of the
diagonal, so every *block row* ``A(I, ~I)`` (what the nested bases must span) lies in the range
of at most six closed-form columns, however large n is. For neurons ``σ(x − s_i)`` all facing
right, as here, the measured ranks are smaller still.

Here we measure the numerical ranks of the blocks of the exact matrix level by level with SVDs,
draw them on the tree's partition, and compare with the ranks that
:meth:`nnla.hss.HSSMatrix.from_relu` (exact analytic generators) and
:meth:`nnla.hss.HSSMatrix.from_dense` (compression of the dense matrix) keep.
"""

import matplotlib.pyplot as plt
import nnla
import numpy as np
from matplotlib.patches import Rectangle
from nnla.hss import HSSMatrix

n, leaf, tol = 512, 32, 1e-12
s = np.arange(n) / n  # uniform breakpoints, neurons sorted
w, b = np.ones(n), -s
a = nnla.relu.mass_matrix(w, b)
norm_a = np.linalg.norm(a, 2)


def numerical_rank(block: np.ndarray) -> int:
    sv = np.linalg.svd(block, compute_uv=False)
    return int(np.sum(sv > tol * norm_a))


# Ranks of the sibling blocks and of the block rows, level by level.
levels = int(np.log2(n // leaf))
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.6))
ax0.imshow(np.log10(np.abs(a) + 1e-16), cmap="Greys", extent=(0, n, n, 0))
block_row_rank = []
for level in range(1, levels + 1):
    size = n // 2**level
    worst = 0
    for k in range(0, 2**level, 2):
        i, j = slice(k * size, (k + 1) * size), slice((k + 1) * size, (k + 2) * size)
        r = numerical_rank(a[i, j])
        for x0, y0 in ((j.start, i.start), (i.start, j.start)):
            ax0.add_patch(Rectangle((x0, y0), size, size, fill=False, lw=0.8, ec="C0"))
            if size >= 64:
                ax0.text(x0 + size / 2, y0 + size / 2, str(r), color="C3", ha="center",
                         va="center", fontsize=9)
        rows = np.r_[k * size:(k + 1) * size]
        rest = np.setdiff1d(np.arange(n), rows)
        worst = max(worst, numerical_rank(a[np.ix_(rows, rest)]))
    block_row_rank.append(worst)
ax0.set_title(f"ReLU mass matrix, n = {n}: ranks of sibling blocks")

# What the two constructions keep (the largest rank per level), and their accuracy.
h_relu = HSSMatrix.from_relu("mass", w, b, tol=tol, leaf_size=leaf)
h_dense = HSSMatrix.from_dense(a, tol=tol, leaf_size=leaf)
x = np.random.default_rng(1).standard_normal(n)
for name, h in (("from_relu", h_relu), ("from_dense", h_dense)):
    err = np.linalg.norm(h.matvec(x) - a @ x) / np.linalg.norm(a @ x)
    print(f"{name:>10}: ranks per level {h.ranks}, ||(H - A) x|| / ||A x|| = {err:.1e}, "
          f"{h.nbytes / 1e3:.0f} kB (dense {a.nbytes / 1e3:.0f} kB)")
lv = np.arange(1, levels + 1)
ax1.plot(lv, block_row_rank, "ko-", label="block row A(I, ~I), SVD of the exact matrix")
ax1.plot(lv, h_relu.ranks[:levels], "s--", label="HSSMatrix.from_relu")
ax1.plot(lv, h_dense.ranks[:levels], "^:", label="HSSMatrix.from_dense")
ax1.set_xlabel("tree level (1 = root's children)")
ax1.set_xticks(lv)
ax1.set_ylabel("largest rank at the level")
ax1.set_ylim(0, 10)
ax1.legend()
ax1.set_title(f"ranks stay ≤ 6 (tol = {tol:g})")
fig.tight_layout()
plt.show()
