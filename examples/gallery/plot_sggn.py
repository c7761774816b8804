"""
SgGN vs Adam vs least squares: a jump in 1D, a layer in 2D
==========================================================

A shallow ReLU network ``v(x) = c₀ + Σ cᵢ σ(wᵢ·x + bᵢ)`` can place its breakpoints where the target
is rough, which is its advantage over a fixed mesh, but only if training finds those places.
Structure-guided Gauss–Newton (:func:`nnla.sggn.fit`) solves for the linear coefficients exactly
at every step and takes Gauss–Newton steps for the breakpoints with the exact layer matrices
(:mod:`nnla.relu`). The baselines: :func:`nnla.sggn.fit_adam` (Adam with exact gradients, here
given several times SgGN's wall time, up to a few seconds) and
:func:`nnla.sggn.fit_least_squares` (the best fit with uniformly spaced breakpoints).

1D: the jump ``1{x > 1/3}`` with 16 neurons. 2D: the layer ``tanh((|x − (½, ½)| − ½) / 0.01)`` on
the unit square with 64 neurons (exact matrices and target integrals on polygons).
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from nnla import sggn

t0 = time.perf_counter()
sg = sggn.fit("jump", 16, max_iter=50)
t_sg = time.perf_counter() - t0
adam = sggn.fit_adam("jump", 16, steps=100000, time_limit=min(5 * t_sg + 0.5, 3.0), lr=1e-2)
ls = sggn.fit_least_squares("jump", 16)
for r in (sg, adam, ls):
    print(f"1D jump, {r.method:>14}: relative L2 error {r.rel_error:.2e} "
          f"({len(r.history['loss'])} iterations)")

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
x = np.linspace(0, 1, 2001)
axes[0].plot(x, (x > 1 / 3).astype(float), "k", lw=2.5, alpha=0.3, label="target 1{x > 1/3}")
for r, style in ((ls, ":"), (adam, "--"), (sg, "-")):
    axes[0].plot(x, r.network(x), style, label=f"{r.method} ({r.rel_error:.1e})")
axes[0].set_xlim(0.2, 0.5)
axes[0].legend(fontsize=8)
axes[0].set_title("1D, 16 neurons (zoom on the jump)")
for r in (sg, adam):
    axes[1].semilogy(r.history["time"], r.history["rel_error"], label=r.method)
axes[1].axhline(ls.rel_error, color="k", ls=":", label="least squares, uniform")
axes[1].set_xlabel("seconds")
axes[1].set_ylabel("relative L2 error")
axes[1].legend(fontsize=8)
axes[1].set_title("1D: error against wall time")

# The layer in 2D: SgGN against Adam with more wall time.
t0 = time.perf_counter()
sg2 = sggn.fit("circle_layer", 64, dim=2, max_iter=12)
t_sg2 = time.perf_counter() - t0
adam2 = sggn.fit_adam("circle_layer", 64, dim=2, steps=100000, time_limit=min(2 * t_sg2, 5.0),
                      lr=1e-2)
for r in (sg2, adam2):
    print(f"2D layer, {r.method:>5}: relative L2 error {r.rel_error:.2e} in "
          f"{r.history['time'][-1]:.1f} s")
for r in (sg2, adam2):
    axes[2].semilogy(r.history["time"], r.history["rel_error"], label=r.method)
axes[2].set_xlabel("seconds")
axes[2].legend(fontsize=8)
axes[2].set_title("2D circular layer, 64 neurons")
fig.tight_layout()
plt.show()
