"""The conditioning table of spec/relu-matrices.md, recomputed, and a log-log plot.

Uniform breakpoints s_i = (i - 1)/n, w = +1, Omega = [0, 1]: kappa(A), kappa(H), kappa(G) (the
layer Gauss-Newton matrix) for n = 16, 64, 256, 1024, plus kappa(A) for random sorted breakpoints
(seeded); the fitted exponents of kappa ~ C n^p; a log-log plot (matplotlib from the ``plot``
extra; skipped with a message when it is not installed).

Condition numbers are the ratio of the extreme eigenvalues from LAPACK's symmetric eigensolver
(exact matrices, so the only error is the eigensolver's ~eps ||A|| on the smallest eigenvalue;
above ~1/eps that is all that is left and the number is a lower bound, marked with '>').

Usage::

    python bench/relu_conditioning.py                    # writes relu_conditioning.png
    python bench/relu_conditioning.py --out /tmp/k.png --sizes 16 32 64 128 256 512 1024
"""

from __future__ import annotations

import argparse

import numpy as np
from nnla import relu


def kappa(m: np.ndarray) -> tuple[float, bool]:
    ev = np.linalg.eigvalsh(m)
    eps_floor = np.finfo(float).eps * ev[-1]
    return ev[-1] / max(ev[0], eps_floor), ev[0] <= eps_floor


def fmt(k: tuple[float, bool]) -> str:
    return (">" if k[1] else "") + f"{k[0]:.3g}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256, 1024])
    ap.add_argument("--out", default="relu_conditioning.png")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20261123)
    rows = []
    print("| n | kappa(A) | kappa(H) | kappa(G) | kappa(A), random sorted breakpoints |")
    print("|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        s = np.arange(n) / n
        w, b = np.ones(n), -s
        ka = kappa(relu.mass_matrix(w, b))
        kh = kappa(relu.heaviside_gram(w, b))
        kg = kappa(relu.layer_gauss_newton(w, b))
        sr = np.sort(rng.uniform(0, 1, n))
        sr[0] = 0.0
        kr = kappa(relu.mass_matrix(w, -sr))
        rows.append((n, ka[0], kh[0], kg[0], kr[0]))
        print(f"| {n} | {fmt(ka)} | {fmt(kh)} | {fmt(kg)} | {fmt(kr)} |")
    data = np.array(rows)
    logn = np.log(data[:, 0])
    for col, name in ((1, "A"), (2, "H"), (3, "G")):
        p, c = np.polyfit(logn, np.log(data[:, col]), 1)
        print(f"kappa({name}) ~ {np.exp(c):.3g} n^{p:.2f}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for col, name in (
        (1, "A (uniform)"),
        (2, "H (uniform)"),
        (3, "G (uniform)"),
        (4, "A (random sorted)"),
    ):
        ax.loglog(data[:, 0], data[:, col], "o-", label=f"kappa({name})")
    ax.set_xlabel("n")
    ax.set_ylabel("condition number")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"plot written to {args.out}")


if __name__ == "__main__":
    main()
