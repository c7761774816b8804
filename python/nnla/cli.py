"""The ``nnla`` command."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main"]


def _cmd_info(_: argparse.Namespace) -> int:
    import nnla

    for key, value in nnla.info().items():
        print(f"{key:>16}: {value}")
    return 0


_FIT_DEFAULT_NEURONS = {1: 32, 2: 256}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (no usage block), exit status 2.

    The subcommands' parsers are of this class too (argparse creates them with the root's class),
    so every command reports bad options the same way.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _plot_fit(result: Any, u: Any, path: Path) -> None:
    """fit.png: target vs network (breakpoints marked) and the error curve (matplotlib, Agg)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    net = result.network
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    hist = result.history
    if result.dim == 1:
        a, b = result.domain
        ax = fig.add_subplot(1, 2, 1)
        x = np.linspace(a, b, 4001)
        ax.plot(x, u(x), color="0.6", lw=3, label="target")
        ax.plot(x, net(x), color="C0", lw=1.2, label=f"network (n = {net.n})")
        s = np.sort(net.breakpoints())
        s = s[(s >= a) & (s <= b)]
        ax.plot(s, net(s), "o", ms=3.5, color="C3", label="breakpoints")
        ax.set_xlabel("x")
        ax.legend(loc="best", fontsize=8)
        ax.set_title(f"{result.target or 'target'}: relative L2 error {result.rel_error:.2e}")
    else:
        from nnla.sggn.result import domain_bounds

        x0, x1, y0, y1 = domain_bounds(result.domain)  # the box, or the polygon's bounding box
        gx, gy = np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201))
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        images = [np.asarray(u(pts)), np.asarray(net(pts))]
        lo, hi = float(images[0].min()), float(images[0].max())  # one colour scale: the target's
        for k, (vals, title) in enumerate(zip(images, ["target", "network"])):
            ax = fig.add_subplot(1, 3, k + 1)
            ax.imshow(vals.reshape(gx.shape), origin="lower", extent=(x0, x1, y0, y1),
                      cmap="viridis", vmin=lo, vmax=hi)
            ax.set_title(title if k == 0 else
                         f"network (n = {net.n}), error {result.rel_error:.2e}")
    ax = fig.add_subplot(1, 2 if result.dim == 1 else 3, 2 if result.dim == 1 else 3)
    it = np.arange(hist["rel_error"].size)
    ax.semilogy(it, np.maximum(hist["rel_error"], 1e-300), color="C0", label="relative L2 error")
    ax.semilogy(it, np.maximum(hist["loss"], 1e-300), color="C1", label="loss")
    ax.set_xlabel("iteration")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(f"{result.method}: {result.iterations} iterations ({result.reason})")
    fig.savefig(path, dpi=110)


def _cmd_fit(args: argparse.Namespace) -> int:
    import numpy as np

    from nnla import sggn

    prog = "nnla fit"
    n = args.neurons if args.neurons is not None else _FIT_DEFAULT_NEURONS[args.dim]
    target = args.target if args.target is not None else ("layer" if args.dim == 1 else
                                                          "circle_layer")
    out = Path(args.out)
    try:
        if not out.is_dir():
            raise ValueError(f"--out {str(out)!r} is not an existing directory")
        u = sggn.target_function(target)
        if u.dim != args.dim:
            raise ValueError(f"--target {target!r} is a {u.dim}D target; pass --dim {u.dim}")
        print(f"{prog}: {target} = {u.description} on {args.dim}D, {n} neurons, "
              f"at most {args.max_iter} iterations", flush=True)
        t0 = time.perf_counter()
        result = sggn.fit(target, n, dim=args.dim, max_iter=args.max_iter, seed=args.seed,
                          progress=True, solver=args.solver)
        elapsed = time.perf_counter() - t0
    except ValueError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    print(f"SgGN: relative L2 error {result.rel_error:.3e} after {result.iterations} "
          f"iterations ({result.reason}) in {elapsed:.2f} s")
    if args.dim == 2 and result.iterations > 0:
        per = float(np.median(np.diff(result.history["time"])))
        spent = ", ".join(f"{k} {v:.3f} s" for k, v in result.info["time"].items())
        print(f"per iteration {per:.2f} s ({result.info['solver']} solves); in all: {spent}")
    if args.dim == 1:
        ls = sggn.fit_least_squares(target, n)
        ratio = ls.rel_error / result.rel_error if result.rel_error > 0 else float("inf")
        print(f"least squares on {n} uniform breakpoints: relative L2 error "
              f"{ls.rel_error:.3e} (SgGN is {ratio:.0f}x more accurate)")
    written = [out / "fit.json"]
    result.save_json(written[0])
    if not args.no_plot:
        _plot_fit(result, u, out / "fit.png")
        written.append(out / "fit.png")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _add_fit_parser(sub: Any) -> None:
    fitp = sub.add_parser(
        "fit",
        help="fit a shallow ReLU network to a built-in target by SgGN",
        description="Fit a shallow ReLU network to a built-in target by structure-guided "
        "Gauss-Newton (nnla.sggn.fit), with a progress bar; print the final relative L2 error, "
        "the iterations and the time, compared (1D) with least squares on uniform breakpoints; "
        "write fit.json (the history and the network) and fit.png (target vs network with its "
        "breakpoints, and the error curve). Without options: the 1D sharp layer "
        "tanh((x - 1/2)/0.01) with 32 neurons.",
    )
    fitp.add_argument("--target", default=None, metavar="NAME",
                      help="built-in target: jump, layer, cusp, sine_jump (1D); line_jump, "
                      "circle_jump, circle_layer (2D). "
                      "Default: layer (1D), circle_layer (2D)")
    fitp.add_argument("--dim", type=int, choices=(1, 2), default=1,
                      help="input dimension (default 1)")
    fitp.add_argument("--neurons", type=_positive_int, default=None, metavar="N",
                      help="hidden neurons (default 32 in 1D, 256 in 2D)")
    fitp.add_argument("--max-iter", type=_positive_int, default=100, metavar="K",
                      help="maximum SgGN iterations (default 100)")
    fitp.add_argument("--out", default=".", metavar="DIR",
                      help="existing directory for fit.json and fit.png (default: current)")
    fitp.add_argument("--no-plot", action="store_true", help="do not write fit.png")
    fitp.add_argument("--seed", type=int, default=0,
                      help="random seed (re-initialised neurons, 2D start; default 0)")
    fitp.add_argument("--solver", choices=("cholesky", "pivoted", "eigh"), default="cholesky",
                      help="2D semidefinite solves: shifted Cholesky refined by CG on the exact "
                      "matrix (default), pivoted Cholesky, or the truncated eigendecomposition "
                      "(the dense reference)")
    fitp.set_defaults(func=_cmd_fit)


def _cmd_three_layer(args: argparse.Namespace) -> int:
    import numpy as np

    prog = "nnla three-layer"
    checks = (("--d", args.d, 1), ("--steps", args.steps, 0), ("--seed", args.seed, 0))
    for name, value, low in checks:
        if value < low:
            print(f"{prog}: error: {name} must be >= {low}, got {value}", file=sys.stderr)
            return 2
    if not (np.isfinite(args.lr) and args.lr > 0):
        print(f"{prog}: error: --lr must be > 0, got {args.lr}", file=sys.stderr)
        return 2
    if not args.no_plot and not Path(args.out).resolve().parent.is_dir():
        print(f"{prog}: error: --out {args.out!r}: its directory does not exist", file=sys.stderr)
        return 2
    try:
        return _three_layer_demo(args)
    except np.linalg.LinAlgError as exc:  # nnla.errors: a numerical failure, with its hint
        print(f"{prog}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _three_layer_demo(args: argparse.Namespace) -> int:
    import numpy as np

    from nnla import three_layer

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
    tl.set_defaults(func=_cmd_three_layer)


def _parser() -> argparse.ArgumentParser:
    import nnla

    p = _Parser(
        prog="nnla",
        description="nnla: fast, accurate matrix computations for neural-network research.",
    )
    p.add_argument("--version", action="version", version=f"nnla {nnla.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="build flags, BLAS library and thread settings")
    info.set_defaults(func=_cmd_info)
    _add_fit_parser(sub)
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
