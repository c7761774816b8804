"""
Did the network learn A⁻¹? Linear-surrogate spectra against the inverse
=======================================================================

A student trains a network to solve ``A x = y``: inputs ``y = A x``, targets ``x``, with A the
Kac–Murdock–Szegő matrix ``A_ij = ρ^|i−j|`` (SPD, κ ≈ 1500 for ρ = 0.95; ``A⁻¹`` is tridiagonal).
The training loss is small. Has the network learned the operator ``A⁻¹``?

:func:`nnla.analysis.linearity_report` fits the best *linear* map C with ``C y ≈ net(y)`` (the
linear surrogate) on the training distribution, then on shifted, scaled and rotated inputs, and
measures each time the error against the exact solve. :func:`nnla.analysis.compare_spectra` puts
C next to A⁻¹ — here applied by the ULV Cholesky factorization of A's HSS form (:mod:`nnla.hss`),
never formed: singular values, matched eigenvalues, principal angles between the leading singular
subspaces, and ``‖C − A⁻¹‖₂ / ‖A⁻¹‖₂``.

The network (one tanh hidden layer, plain numpy, Adam) is deliberately small so that this runs in
seconds; ``examples/inverse_operator.py`` is the longer version.
"""

import matplotlib.pyplot as plt
import nnla
import numpy as np

n, rho, width, steps = 16, 0.95, 64, 5000
rng = np.random.default_rng(0)
i = np.arange(n)
A = rho ** np.abs(i[:, None] - i[None, :])


def sampler(m: int, g: np.random.Generator) -> np.ndarray:
    return A @ g.standard_normal((n, m))  # y = A x with x ~ N(0, I)


solver = nnla.hss.HSSMatrix.from_dense(A, tol=1e-12).cholesky()  # applies A^-1

# %%
# Train ``x ≈ W2 tanh(W1 y + b1) + b2`` by Adam on fresh batches.
p = {"W1": rng.standard_normal((width, n)) / np.sqrt(n), "b1": np.zeros((width, 1)),
     "W2": rng.standard_normal((n, width)) / np.sqrt(width), "b2": np.zeros((n, 1))}
m1 = {k: np.zeros_like(v) for k, v in p.items()}
m2 = {k: np.zeros_like(v) for k, v in p.items()}


def net(Y: np.ndarray) -> np.ndarray:
    return p["W2"] @ np.tanh(p["W1"] @ Y + p["b1"]) + p["b2"]


for t in range(1, steps + 1):
    Y = sampler(256, rng)
    H = np.tanh(p["W1"] @ Y + p["b1"])
    G = 2.0 * (p["W2"] @ H + p["b2"] - solver.solve(Y)) / Y.shape[1]
    dH = (p["W2"].T @ G) * (1.0 - H * H)
    grads = {"W2": G @ H.T, "b2": G.sum(1, keepdims=True), "W1": dH @ Y.T,
             "b1": dH.sum(1, keepdims=True)}
    lr = 3e-3 if t < 0.7 * steps else 3e-4
    for k, g in grads.items():
        m1[k] = 0.9 * m1[k] + 0.1 * g
        m2[k] = 0.999 * m2[k] + 0.001 * g * g
        p[k] -= lr * (m1[k] / (1 - 0.9**t)) / (np.sqrt(m2[k] / (1 - 0.999**t)) + 1e-8)

# %%
# How linear is the trained model, and how far is it from A⁻¹ off its training distribution?
report = nnla.analysis.linearity_report(net, sampler, n_samples=2000, reference=solver, seed=0)
print(report.summary())

# %%
# The surrogate's spectrum against that of A⁻¹.
spectra = nnla.analysis.compare_spectra(report.surrogate.C, solver, k=n, hermitian=True,
                                        Y=sampler(2000, np.random.default_rng(1)), seed=0)
print(spectra.summary(rows=6))

fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(13, 3.8))
ax0.semilogy(spectra.sv_ref, "ko", label="A⁻¹")
ax0.semilogy(spectra.sv_C, "C1x", label="surrogate C")
ax0.set_xlabel("index")
ax0.set_title("singular values")
ax0.legend()
ax1.plot(np.real(spectra.eig_ref), np.real(spectra.eig_C), "C0o")
lim = [0, 1.05 * np.max(np.real(spectra.eig_ref))]
ax1.plot(lim, lim, "k:", lw=0.8)
ax1.set_xlabel("eigenvalue of A⁻¹")
ax1.set_ylabel("matched eigenvalue of C")
ax1.set_title(f"‖C − A⁻¹‖₂/‖A⁻¹‖₂ = {spectra.relative_distance:.2f}")
names = [r.name for r in report.results]
ax2.bar(names, [100 * (r.reference_error or 0.0) for r in report.results], color="C3")
ax2.set_ylabel("error against A⁻¹ y (%)")
ax2.set_title("the model off its training data")
ax2.tick_params(axis="x", rotation=30)
fig.tight_layout()
plt.show()
