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
