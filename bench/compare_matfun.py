"""Throughput of nnla's batched logm, sqrtm, signm and expm_frechet against scipy, in one run.

For every function, matrix size ``d`` and thread count the script times one call on a batch of
``d x d`` float64 matrices (seeded; see ``make_inputs``) for

* nnla (``nnla.<function>``, nnla's OpenMP threads over the batch),
* scipy (``scipy.linalg.<function>`` on the stack: scipy loops over the batch in Python),
* torch, for ``expm_frechet`` only (``torch.func.jvp`` of ``torch.linalg.matrix_exp``),

and reports matrices per second (median of the repeats, autorange style, see
``compare_expm.time_rate``) and the ratio nnla / fastest peer.  So that a fast but wrong kernel
is visible, it also prints each peer's worst residual on the first matrices of the batch:
``||X^2 - A|| / ||A||`` (sqrtm), ``||expm(X) - A|| / ||A||`` (logm, scipy.sparse.linalg.expm),
``||X^2 - I||`` (signm) and the relative difference of ``L(A, E)`` from the block-matrix identity
``expm([[A, E], [0, A]])`` computed by ``scipy.sparse.linalg.expm`` (expm_frechet).

Every thread count runs in a fresh child process with ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` set before numpy is imported.

Usage::

    python bench/compare_matfun.py                        # full run (several minutes on 2 cores)
    python bench/compare_matfun.py --quick                # about a minute
    python bench/compare_matfun.py --functions logm --dims 4 64 --threads 1 --out /tmp/m.json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from compare_expm import (
    THREAD_ENV_VARS,
    fmt_float,
    fmt_rate,
    is_nnla_blas,
    machine_info,
    mark,
    time_rate,
    usable_cores,
    watched,
)

FUNCTIONS: tuple[str, ...] = ("logm", "sqrtm", "signm", "expm_frechet")
ALL_DIMS: tuple[int, ...] = (2, 4, 8, 16, 32, 64)
QUICK_DIMS: tuple[int, ...] = (2, 16, 64)
# matrices per timed call: roughly 0.1-0.3 s of scipy work on one core
BATCH: dict[int, int] = {2: 1000, 4: 1000, 8: 800, 16: 400, 32: 150, 64: 40}
SEED = 20261123
CHILD_MARKER = "@@COMPARE_MATFUN_JSON@@ "
N_CHECK = 3  # matrices per batch whose residuals are reported


def make_inputs(func: str, d: int, n: int) -> tuple[Any, ...]:
    """The seeded float64 batch(es) of one measurement.

    logm and sqrtm: ``2 I + G / (2 sqrt(d))`` (eigenvalues in a disc of radius ~1/2 about 2, away
    from the branch cut); signm: ``G / sqrt(d)`` (eigenvalues in the unit disc, both half-planes);
    expm_frechet: ``(G1 / sqrt(d), G2 / sqrt(d))``.  G has independent N(0, 1) entries.
    """
    import numpy as np

    rng = np.random.default_rng([SEED, d, FUNCTIONS.index(func)])
    g = rng.standard_normal((n, d, d)) / math.sqrt(d)
    if func in ("logm", "sqrtm"):
        return (np.ascontiguousarray(2.0 * np.eye(d) + 0.5 * g),)
    if func == "signm":
        return (np.ascontiguousarray(g),)
    return (
        np.ascontiguousarray(g),
        np.ascontiguousarray(rng.standard_normal((n, d, d)) / math.sqrt(d)),
    )


def _first_if_tuple(out: Any) -> Any:
    return out[0] if isinstance(out, (tuple, list)) else out


def peer_callables(
    func: str, inputs: tuple[Any, ...], mods: dict[str, Any]
) -> dict[str, Callable[[], Any]]:
    """Zero-argument callables per available peer (conversions happen here, untimed)."""
    fns: dict[str, Callable[[], Any]] = {}
    if "nnla" in mods and hasattr(mods["nnla"], func):
        f = getattr(mods["nnla"], func)
        fns["nnla"] = lambda: f(*inputs)
    if "scipy" in mods:
        sl = mods["scipy"].linalg
        if func == "logm":
            fns["scipy"] = lambda: sl.logm(inputs[0], disp=False)[0]
        elif func == "sqrtm":
            fns["scipy"] = lambda: sl.sqrtm(inputs[0])
        elif func == "signm":
            # scipy 1.17 returns the stacked results alone for a stack, even with disp=False
            fns["scipy"] = lambda: _first_if_tuple(sl.signm(inputs[0], disp=False))
        else:
            fns["scipy"] = lambda: sl.expm_frechet(inputs[0], inputs[1])
    if "torch" in mods and func == "expm_frechet":
        torch = mods["torch"]
        ta, te = torch.from_numpy(inputs[0]), torch.from_numpy(inputs[1])
        fns["torch"] = lambda: torch.func.jvp(torch.linalg.matrix_exp, (ta,), (te,))
    return fns


def residual(func: str, inputs: tuple[Any, ...], out: Any, k: int) -> float:
    """Worst residual of ``out`` over the first ``k`` matrices (see the module docstring)."""
    import numpy as np
    import scipy.sparse.linalg as ssl

    worst = 0.0
    for i in range(k):
        a = inputs[0][i]
        if func == "sqrtm":
            x = np.asarray(out[i])
            r = np.linalg.norm(x @ x - a) / np.linalg.norm(a)
        elif func == "logm":
            r = np.linalg.norm(ssl.expm(np.asarray(out[i])) - a) / np.linalg.norm(a)
        elif func == "signm":
            x = np.asarray(out[i])
            r = np.linalg.norm(x @ x - np.eye(len(a)))
        else:
            d = len(a)
            big = np.block([[a, inputs[1][i]], [np.zeros_like(a), a]])
            ref = ssl.expm(big)[:d, d:]
            got = np.asarray(out[1][i])
            r = np.linalg.norm(got - ref) / np.linalg.norm(ref)
        worst = max(worst, float(r))
    return worst


def run_child(args: argparse.Namespace) -> None:
    """Measure every function and size with ``--child`` threads; print one JSON line."""
    import numpy as np

    threads: int = args.child
    mods: dict[str, Any] = {}
    notes: list[str] = []
    import nnla
    import scipy
    import scipy.linalg

    nnla.set_num_threads(threads)
    mods["nnla"], mods["scipy"] = nnla, scipy
    if not args.no_torch:
        try:
            import torch
            import torch.func

            torch.set_num_threads(threads)
            mods["torch"] = torch
        except ImportError as exc:
            notes.append(f"torch unavailable: {exc}")
    limiter: Any = None
    try:
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()
        keep = [
            lib.filepath for lib in controller.lib_controllers if not is_nnla_blas(lib.filepath)
        ]
        if keep:
            limiter = controller.select(filepath=keep).limit(limits=threads)
    except ImportError:
        notes.append("threadpoolctl not installed: BLAS threads limited by env vars only")

    rows: list[dict[str, Any]] = []
    for func in args.functions:
        for d in args.dims:
            n = max(4, BATCH.get(d, 20) // (4 if args.quick else 1))
            inputs = make_inputs(func, d, n)
            row: dict[str, Any] = {"function": func, "d": d, "threads": threads, "batch": n}
            fns = peer_callables(func, inputs, mods)
            if not fns.get("nnla"):
                notes.append(f"nnla has no {func}")
            for name, fn in fns.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        row[name] = watched(
                            args.wait_idle, time_rate, fn, n, args.repeats, args.target
                        )
                        small = tuple(np.ascontiguousarray(x[:N_CHECK]) for x in inputs)
                        small_out = peer_callables(func, small, mods)[name]()
                        row[name]["residual"] = residual(func, small, small_out, N_CHECK)
                    except Exception as exc:  # noqa: BLE001 - a failing peer must not hide others
                        row[name] = {"rate": None, "error": f"{type(exc).__name__}: {exc}"}
            rows.append(row)
            rates = "  ".join(f"{p}={fmt_rate(row[p].get('rate'))}/s{mark(row[p])}" for p in fns)
            print(
                f"  [threads={threads}] {func:<12} d={d:<3} batch={n:<5} {rates}",
                file=sys.stderr,
                flush=True,
            )
    if limiter is not None:
        limiter.restore_original_limits()
    versions = {name: str(getattr(m, "__version__", "?")) for name, m in mods.items()}
    versions["numpy"] = np.__version__
    out = {
        "threads": threads,
        "rows": rows,
        "notes": notes,
        "versions": versions,
        "nnla_info": nnla.info(),
    }
    print(CHILD_MARKER + json.dumps(out, default=str), flush=True)


def spawn_child(args: argparse.Namespace, threads: int) -> dict[str, Any]:
    """Run this script in child mode with the thread environment set before numpy loads."""
    env = dict(os.environ)
    for var in THREAD_ENV_VARS:
        env[var] = str(threads)
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        str(threads),
        "--functions",
        *args.functions,
        "--dims",
        *map(str, args.dims),
        "--repeats",
        str(args.repeats),
        "--target",
        str(args.target),
        "--wait-idle",
        str(args.wait_idle),
    ]
    if args.quick:
        cmd.append("--quick")
    if args.no_torch:
        cmd.append("--no-torch")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(CHILD_MARKER):
            return json.loads(line[len(CHILD_MARKER) :])
    sys.stdout.write(proc.stdout)
    raise RuntimeError(f"child for threads={threads} failed (exit code {proc.returncode})")


def tables(children: list[dict[str, Any]]) -> str:
    """Markdown: one table per function; rows d x threads; rates, ratio, residuals."""
    out: list[str] = []
    rows = [r for c in children for r in c["rows"]]
    for func in dict.fromkeys(r["function"] for r in rows):
        fr = [r for r in rows if r["function"] == func]
        peers = [p for p in ("nnla", "scipy", "torch") if any(p in r for r in fr)]
        out.append(f"\n### {func} (float64, matrices/s; ratio = nnla / fastest peer)\n")
        head = "| d | threads | batch | " + " | ".join(peers) + " | ratio | "
        head += " | ".join(f"resid {p}" for p in peers) + " |"
        out.append(head)
        out.append("|" + "---:|" * (4 + 2 * len(peers)))
        for r in sorted(fr, key=lambda r: (r["d"], r["threads"])):
            rate = {p: (r.get(p) or {}).get("rate") for p in peers}
            others = [v for p, v in rate.items() if p != "nnla" and v]
            ratio = rate["nnla"] / max(others) if rate.get("nnla") and others else None
            cells = [fmt_rate(rate[p]) + mark(r.get(p)) for p in peers]
            res = [fmt_float((r.get(p) or {}).get("residual"), ".1e") for p in peers]
            out.append(
                f"| {r['d']} | {r['threads']} | {r['batch']} | "
                + " | ".join(cells)
                + f" | {fmt_float(ratio, '.2f')} | "
                + " | ".join(res)
                + " |"
            )
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--functions", nargs="+", default=list(FUNCTIONS), choices=FUNCTIONS)
    p.add_argument("--dims", nargs="+", type=int, default=None)
    p.add_argument(
        "--threads",
        nargs="+",
        type=int,
        default=None,
        help="thread counts (default: 1 and all usable cores)",
    )
    p.add_argument("--quick", action="store_true", help="fewer sizes, smaller batches")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--target", type=float, default=0.2, help="seconds per repeat")
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        help="wait up to this many seconds for an idle machine before each timing",
    )
    p.add_argument("--no-torch", action="store_true")
    p.add_argument(
        "--out", default=None, help="JSON file (default bench/results/; '' writes none)"
    )
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.dims is None:
        args.dims = list(QUICK_DIMS if args.quick else ALL_DIMS)
    if args.threads is None:
        args.threads = sorted({1, usable_cores()})
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child is not None:
        run_child(args)
        return
    children = [spawn_child(args, t) for t in args.threads]
    text = tables(children)
    print(
        f"# nnla matrix functions vs peers — {machine_info().get('cpu_model')}, "
        f"threads {args.threads}\n{text}"
    )
    if args.out == "":
        return
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    default = Path(__file__).parent / "results" / f"compare_matfun-{stamp}.json"
    path = Path(args.out) if args.out else default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "machine": machine_info(),
                "args": vars(args) | {"out": str(path)},
                "children": children,
            },
            indent=1,
            default=str,
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
