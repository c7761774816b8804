"""The ``nnla`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _cmd_info(_: argparse.Namespace) -> int:
    import nnla

    for key, value in nnla.info().items():
        print(f"{key:>16}: {value}")
    return 0


def _cmd_three_layer(args: argparse.Namespace) -> int:
    import time

    import numpy as np

    from nnla import three_layer

    for name, value, low in (("--d", args.d, 1), ("--steps", args.steps, 0)):
        if value < low:
            print(f"nnla three-layer: error: {name} must be >= {low}, got {value}", file=sys.stderr)
            return 2
    if not (np.isfinite(args.lr) and args.lr > 0):
        print(f"nnla three-layer: error: --lr must be > 0, got {args.lr}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    x1, x2, y1, y2 = rng.standard_normal((4, args.d, args.d))
    t0 = time.perf_counter()
    sol = three_layer.solve(x1, x2, y1, y2)
    t_analytic = time.perf_counter() - t0
    print(f"three-layer network f(X) = W3 expm(W2 expm(W1 X)), d = {args.d}, seed = {args.seed}")
    print(
        f"analytic solution : residual {float(sol.residual):.3e}  time {t_analytic * 1e3:.2f} ms"
        f"  (mu = {complex(sol.mu):.4g})"
    )
    fit = three_layer.fit_gradient(x1, x2, y1, y2, steps=args.steps, lr=args.lr, seed=args.seed)
    marks = sorted({0, args.steps // 10, args.steps // 4, args.steps // 2, args.steps})
    curve = "  ".join(f"{k}: {fit.residuals[k]:.2e}" for k in marks)
    print(f"gradient (Adam)   : residual {fit.residual:.3e}  time {fit.seconds:.2f} s  ({curve})")
    one = three_layer.fit_one_layer(x1, x2, y1, y2)
    print(f"one layer Y = W X : residual {float(one.residual):.3e}  (least squares)")
    if not args.no_plot:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 4), layout="constrained")  # Agg, no global pyplot state
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.semilogy(fit.residuals, label=f"3 layers, Adam (lr={args.lr:g})")
        ax.axhline(float(sol.residual), color="C2", ls="--", label="3 layers, analytic")
        ax.axhline(float(one.residual), color="C3", ls=":", label="1 layer, least squares")
        ax.set_xlabel("Adam step")
        ax.set_ylabel("max_k ||f(X_k) - Y_k|| / ||Y_k||")
        ax.set_title(f"Two pairs, d = {args.d}")
        ax.legend()
        fig.savefig(args.out)
        print(f"plot written to {args.out}")
    return 0


def _three_layer_error(message: str) -> None:
    """argparse errors of ``nnla three-layer`` as one line, exit status 2."""
    print(f"nnla three-layer: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _add_three_layer_parser(sub: argparse._SubParsersAction) -> None:
    tl = sub.add_parser(
        "three-layer",
        help="exact three-layer matrix-exponential network vs gradient training vs one layer",
    )
    tl.add_argument("--d", type=int, default=4, help="matrix size (default 4)")
    tl.add_argument("--seed", type=int, default=0, help="seed of the random data (default 0)")
    tl.add_argument("--steps", type=int, default=2000, help="Adam steps (default 2000)")
    tl.add_argument("--lr", type=float, default=1e-2, help="Adam step size (default 1e-2)")
    tl.add_argument("--out", default="three_layer.png", help="plot file (default three_layer.png)")
    tl.add_argument("--no-plot", action="store_true", help="do not write the plot")
    tl.error = _three_layer_error  # type: ignore[method-assign,assignment]
    tl.set_defaults(func=_cmd_three_layer)


def _parser() -> argparse.ArgumentParser:
    import nnla

    p = argparse.ArgumentParser(
        prog="nnla",
        description="nnla: fast, accurate matrix computations for neural-network research.",
    )
    p.add_argument("--version", action="version", version=f"nnla {nnla.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="build flags, BLAS library and thread settings")
    info.set_defaults(func=_cmd_info)
    _add_three_layer_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnla`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (0 on success, 2 for bad usage).

    Examples
    --------
    >>> from nnla.cli import main
    >>> main(["info"])  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    version: ...
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
