"""Throughput of ``nnla.expm`` against scipy and torch, measured in one run.

For every matrix size ``d`` and dtype the script times one call on a whole batch of ``d x d``
matrices (entries N(0, 1)/sqrt(d), seeded) for

* ``nnla.expm``               (nnla's OpenMP threads, ``nnla.set_num_threads``),
* ``scipy.linalg.expm``       (stacked arrays; BLAS threads: env vars and threadpoolctl),
* ``torch.linalg.matrix_exp`` (if torch is importable; ``torch.set_num_threads``),

and reports matrices per second: the median over several repeats, each repeat running the call
often enough to last at least ``--target`` seconds (like ``timeit``'s autorange).  It also
reports the time of one call on a single 2x2 float64 matrix (median, microseconds), the
speed-up of nnla on 2 threads over 1 thread, and, so that a fast but wrong kernel is visible,
the relative Frobenius error of each peer against ``scipy.sparse.linalg.expm`` on the first
three matrices of every batch (informational only; ``scipy.linalg.expm`` has a known defect for
real input with norm above ~4, see ``spec/matrix-functions.md``).

Every (thread count, peer) pair runs in a fresh child process of this script with
``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` set before numpy is
imported, so no idle thread pool of another library competes for the cores.  threadpoolctl,
when installed, limits the loaded pools again, except nnla's own BLAS (nnla pins it to one thread
and parallelises across the batch).  The parent collects the children's JSON rows, prints
markdown tables and writes everything, with the machine description, to a JSON file.

Usage::

    python bench/compare_expm.py                    # full run (a few minutes on 2 cores)
    python bench/compare_expm.py --quick            # under a minute
    python bench/compare_expm.py --threads 1 4 --dims 8 64 --dtypes float64 --out /tmp/e.json

No network access is needed or attempted.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ALL_DIMS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256)
QUICK_DIMS: tuple[int, ...] = (2, 8, 32, 128)
ALL_DTYPES: tuple[str, ...] = ("float64", "complex128")
PEERS: tuple[str, ...] = ("nnla", "scipy", "torch")

# Batch sizes for float64, chosen so that one scipy call takes roughly 0.05-0.3 s on one core.
BATCH_FLOAT64: dict[int, int] = {
    2: 20000,
    4: 16000,
    8: 8000,
    16: 4000,
    32: 1500,
    64: 300,
    128: 50,
    256: 8,
}
SEED = 20240611
CHILD_MARKER = "@@COMPARE_EXPM_JSON@@ "
OTHER_LOAD_WARN = 0.05  # warn when other processes used more than this fraction of all cores
THREAD_ENV_VARS: tuple[str, ...] = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# -------------------------------------------------------------------------------------------------
# helpers shared by parent and child (no numpy import at module level: the child sets threads first)
# -------------------------------------------------------------------------------------------------


def batch_size(d: int, dtype: str, quick: bool) -> int:
    """Batch size for one timed call: ~0.1-0.3 s of scipy work (complex costs ~4x: half)."""
    n = BATCH_FLOAT64.get(d, max(2, int(8 * (256 / d) ** 3)))
    if dtype.startswith("complex") and d >= 16:
        n //= 2
    if quick:
        n //= 4
    return max(2, n)


def is_nnla_blas(path: str) -> bool:
    """Whether a shared library is nnla's BLAS (scipy-openblas32, see DESIGN.md)."""
    return "scipy_openblas32" in path.replace("\\", "/")


def usable_cores() -> int:
    """Cores this process may run on (affinity mask where available)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (falls back to platform.processor())."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_rate(x: float | None) -> str:
    """Matrices per second with 3 significant digits and a k/M suffix."""
    if x is None or not math.isfinite(x):
        return "—"
    for scale, suffix in ((1e6, " M"), (1e3, " k")):
        if x >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def fmt_float(x: float | None, spec: str) -> str:
    return "—" if x is None or not math.isfinite(x) else format(x, spec)


# -------------------------------------------------------------------------------------------------
# child: measure with a fixed thread count
# -------------------------------------------------------------------------------------------------


def time_rate(fn: Callable[[], object], items: int, repeats: int, target: float) -> dict[str, Any]:
    """Median items/s of ``fn`` (one call handles ``items`` matrices), autorange style.

    A warm-up call (timed again if it was quick, to size the repeats), then ``repeats`` repeats of
    ``number`` calls each, ``number`` chosen so that a repeat lasts at least ``target`` seconds.
    A measurement is kept near ``budget = 2 * repeats * target`` seconds: when one call takes
    longer than ``target`` (a slow peer, an overloaded machine) fewer repeats are run, at least 3
    while a call fits in the budget, else 1.
    """
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    if one < target:
        t0 = time.perf_counter()
        fn()
        one = time.perf_counter() - t0
    one = max(one, 1e-9)
    number = max(1, math.ceil(target / one))
    budget = 2 * repeats * target
    if one > target:
        repeats = min(repeats, max(3 if one <= budget else 1, int(budget / one)))
    rates: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rates.append(items * number / (time.perf_counter() - t0))
    return {"rate": statistics.median(rates), "rates": rates, "calls_per_repeat": number}


def time_single_call_us(fn: Callable[[], object], calls: int, blocks: int) -> dict[str, Any]:
    """Median over ``blocks`` blocks of the mean time of one call (microseconds)."""
    for _ in range(min(calls, 200)):  # warm-up
        fn()
    per_call: list[float] = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - t0) / calls * 1e6)
    return {"us": statistics.median(per_call), "us_min": min(per_call), "calls": calls * blocks}


def run_child(args: argparse.Namespace) -> None:
    """Measure ``--peers`` with ``--child`` threads; print one JSON line after ``CHILD_MARKER``.

    With ``--accuracy-only`` nothing is timed: the errors against ``scipy.sparse.linalg.expm``
    are computed instead.
    """
    import numpy as np

    threads: int = args.child
    peers: list[str] = list(args.peers)
    notes: list[str] = []
    mods: dict[str, Any] = {}

    if "nnla" in peers:
        try:
            import nnla

            nnla.set_num_threads(threads)
            mods["nnla"] = nnla
        except Exception as exc:  # noqa: BLE001 - report any import/build problem, keep measuring the peers
            notes.append(f"nnla unavailable: {type(exc).__name__}: {exc}")
    if "scipy" in peers or args.accuracy_only:
        import scipy
        import scipy.linalg

        mods["scipy"] = scipy
    if "torch" in peers:
        try:
            import torch

            torch.set_num_threads(threads)
            mods["torch"] = torch
        except ImportError as exc:
            notes.append(f"torch unavailable: {exc}")

    # Limit the BLAS/OpenMP pools already loaded (numpy's, scipy's, torch's) as well; nnla's own
    # BLAS is left alone: nnla pins it to one thread and parallelises across the batch itself.
    limiter: Any = None
    pools: list[dict[str, Any]] = []
    try:
        from threadpoolctl import ThreadpoolController, threadpool_info

        controller = ThreadpoolController()
        keep = [
            lib.filepath for lib in controller.lib_controllers if not is_nnla_blas(lib.filepath)
        ]
        if keep:
            limiter = controller.select(filepath=keep).limit(limits=threads)
        pools = [
            {
                k: p.get(k)
                for k in ("user_api", "internal_api", "num_threads", "version", "filepath")
            }
            for p in threadpool_info()
        ]
    except ImportError:
        notes.append(
            "threadpoolctl not installed: BLAS threads limited by environment variables only"
        )

    def make_batch(d: int, dtype: str, n: int) -> Any:
        rng = np.random.default_rng([SEED, d, 0 if dtype == "float64" else 1])
        a = rng.standard_normal((n, d, d))
        if dtype.startswith("complex"):
            # complex standard normal (E|z|^2 = 1), then the same 1/sqrt(d) scaling
            a = (a + 1j * rng.standard_normal((n, d, d))) / math.sqrt(2.0)
        return np.ascontiguousarray((a / math.sqrt(d)).astype(dtype))

    def peer_fns(a: Any) -> dict[str, Callable[[], object]]:
        """Zero-argument callables per available peer; conversions happen here, untimed."""
        fns: dict[str, Callable[[], object]] = {}
        if "nnla" in mods and "nnla" in peers:
            expm = mods["nnla"].expm
            fns["nnla"] = lambda: expm(a)
        if "scipy" in mods and "scipy" in peers:
            sexpm = mods["scipy"].linalg.expm
            fns["scipy"] = lambda: sexpm(a)
        if "torch" in mods and "torch" in peers:
            ta = mods["torch"].from_numpy(a)  # zero-copy
            texpm = mods["torch"].linalg.matrix_exp
            fns["torch"] = lambda: texpm(ta)
        return fns

    rows: list[dict[str, Any]] = []
    for dtype in args.dtypes:
        for d in args.dims:
            n = batch_size(d, dtype, args.quick)
            a = make_batch(d, dtype, n)
            row: dict[str, Any] = {"d": d, "dtype": dtype, "threads": threads, "batch": n}
            if args.accuracy_only:
                import scipy.sparse.linalg

                k = min(3, n)
                first = np.ascontiguousarray(a[:k])
                ref = [scipy.sparse.linalg.expm(first[i]) for i in range(k)]
                errs: dict[str, float | None] = {}
                for name, fn in peer_fns(first).items():
                    try:
                        got = np.asarray(fn())
                        errs[name] = max(
                            float(np.linalg.norm(got[i] - ref[i]) / np.linalg.norm(ref[i]))
                            for i in range(k)
                        )
                    except Exception:  # noqa: BLE001 - an error is reported as a missing value
                        errs[name] = None
                row["max_rel_err_vs_sparse_expm"] = errs
                rows.append(row)
                continue
            fns = peer_fns(a)
            for name, fn in fns.items():
                try:
                    row[name] = watched(args.wait_idle, time_rate, fn, n, args.repeats, args.target)
                except Exception as exc:  # noqa: BLE001 - a failing peer must not hide the others
                    row[name] = {"rate": None, "error": f"{type(exc).__name__}: {exc}"}
            rows.append(row)
            if fns:
                rates = "  ".join(
                    f"{p}={fmt_rate(row[p].get('rate'))}/s{mark(row[p])}" for p in fns
                )
                print(
                    f"  [threads={threads}] d={d:<4} {dtype:<10} batch={n:<6} {rates}",
                    file=sys.stderr,
                    flush=True,
                )

    single: dict[str, Any] = {}
    if args.single and not args.accuracy_only:
        a1 = make_batch(2, "float64", 1)[0]
        for name, fn in peer_fns(a1).items():
            try:
                single[name] = watched(
                    args.wait_idle, time_single_call_us, fn, args.single_calls, args.single_blocks
                )
            except Exception as exc:  # noqa: BLE001
                single[name] = {"us": None, "error": f"{type(exc).__name__}: {exc}"}
        if single:
            txt = "  ".join(f"{p}={fmt_float(v.get('us'), '.2f')} us" for p, v in single.items())
            print(f"  [threads={threads}] one 2x2 float64 call: {txt}", file=sys.stderr, flush=True)

    if limiter is not None:
        limiter.restore_original_limits()

    versions: dict[str, str] = {"python": platform.python_version(), "numpy": np.__version__}
    for name, mod in mods.items():
        versions[name] = str(getattr(mod, "__version__", "unknown"))
    nnla_info: Any = None
    info_fn = getattr(mods.get("nnla"), "info", None)
    if callable(info_fn):
        try:
            nnla_info = info_fn()
        except Exception as exc:  # noqa: BLE001
            nnla_info = f"nnla.info() failed: {type(exc).__name__}: {exc}"
    out = {
        "threads": threads,
        "peers": peers,
        "env": {k: os.environ.get(k) for k in THREAD_ENV_VARS},
        "nnla_threads": mods["nnla"].get_num_threads() if "nnla" in mods else None,
        "torch_threads": mods["torch"].get_num_threads() if "torch" in mods else None,
        "threadpools": pools,
        "versions": versions,
        "nnla_info": nnla_info,
        "notes": notes,
        "rows": rows,
        "single_2x2_us": single,
    }
    print(CHILD_MARKER + json.dumps(out, default=str), flush=True)


# -------------------------------------------------------------------------------------------------
# parent: one child per thread setting, then tables
# -------------------------------------------------------------------------------------------------


def spawn_child(
    args: argparse.Namespace,
    threads: int,
    peers: Sequence[str],
    dims: Sequence[int],
    dtypes: Sequence[str],
    *,
    accuracy_only: bool = False,
    single: bool = True,
) -> dict[str, Any]:
    """Run this script in child mode, the thread env vars set before numpy is imported."""
    env = dict(os.environ)
    for var in THREAD_ENV_VARS:
        env[var] = str(threads)
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        str(threads),
        "--peers",
        *peers,
        "--dims",
        *map(str, dims),
        "--dtypes",
        *dtypes,
        "--repeats",
        str(args.repeats),
        "--target",
        str(args.target),
        "--single-calls",
        str(args.single_calls),
        "--single-blocks",
        str(args.single_blocks),
        "--wait-idle",
        str(args.wait_idle),
    ]
    if args.quick:
        cmd.append("--quick")
    if accuracy_only:
        cmd.append("--accuracy-only")
    if not single:
        cmd.append("--no-single")
    busy0, usage0, t0 = (
        cpu_busy_seconds(),
        resource.getrusage(resource.RUSAGE_CHILDREN),
        time.time(),
    )
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=False)
    busy1, usage1, t1 = (
        cpu_busy_seconds(),
        resource.getrusage(resource.RUSAGE_CHILDREN),
        time.time(),
    )
    for line in proc.stdout.splitlines():
        if line.startswith(CHILD_MARKER):
            out = json.loads(line[len(CHILD_MARKER) :])
            wall = max(t1 - t0, 1e-9)
            own = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
            out["wall_s"] = round(wall, 2)
            out["cpu_s"] = round(own, 2)
            if busy0 is not None and busy1 is not None:
                # CPU time other processes used while this child ran, as a fraction of the machine
                other = max(0.0, (busy1 - busy0) - own) / (wall * usable_cores())
                out["other_load"] = round(other, 3)
            return out
    sys.stdout.write(proc.stdout)
    raise RuntimeError(
        f"child for threads={threads}, peers={list(peers)} failed (exit code {proc.returncode})"
    )


def cpu_busy_seconds() -> float | None:
    """Non-idle CPU seconds of the whole machine since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="utf-8") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def wait_for_idle(max_wait: float) -> float | None:
    """Wait (at most ``max_wait`` s) until other processes use < OTHER_LOAD_WARN of the machine.

    Returns the busy fraction of the last 1 s sample (None where /proc/stat is unavailable).
    """
    deadline = time.time() + max_wait
    while True:
        b0, t0 = cpu_busy_seconds(), time.time()
        time.sleep(1.0)
        b1, t1 = cpu_busy_seconds(), time.time()
        if b0 is None or b1 is None:
            return None
        frac = (b1 - b0) / ((t1 - t0) * usable_cores())
        if frac < OTHER_LOAD_WARN or time.time() >= deadline:
            return frac
        time.sleep(2.0)


def watched(wait_idle: float, measure: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Return ``measure(*args)``, first waiting up to ``wait_idle`` s for an idle machine, with the
    share of the machine that other processes used meanwhile added (``other_load``, 0..1)."""
    if wait_idle > 0:
        wait_for_idle(wait_idle)
    b0, r0, t0 = cpu_busy_seconds(), resource.getrusage(resource.RUSAGE_SELF), time.time()
    out = measure(*args)
    b1, r1, t1 = cpu_busy_seconds(), resource.getrusage(resource.RUSAGE_SELF), time.time()
    if b0 is not None and b1 is not None:
        own = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        out["other_load"] = round(
            max(0.0, (b1 - b0) - own) / (max(t1 - t0, 1e-9) * usable_cores()), 3
        )
    return out


def mark(entry: dict[str, Any] | None) -> str:
    """A dagger for a number measured while other processes used > OTHER_LOAD_WARN of the CPUs."""
    if isinstance(entry, dict) and (entry.get("other_load") or 0.0) > OTHER_LOAD_WARN:
        return " †"
    return ""


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (other work on the machine distorts the timings)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # pragma: no cover - not Unix
        return None


def machine_info() -> dict[str, Any]:
    return {
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cores": usable_cores(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "load_average_start": load_average(),
    }


def rate_of(row: dict[str, Any], peer: str) -> float | None:
    entry = row.get(peer)
    return None if not isinstance(entry, dict) else entry.get("rate")


def throughput_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| d | dtype | threads | batch | nnla/s | scipy/s | torch/s | nnla / best peer |",
        "|---:|:---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        nn = rate_of(r, "nnla")
        peer_rates = [x for x in (rate_of(r, "scipy"), rate_of(r, "torch")) if x]
        ratio = nn / max(peer_rates) if nn and peer_rates else None
        cells = [f"{fmt_rate(rate_of(r, p))}{mark(r.get(p))}" for p in PEERS]
        lines.append(
            f"| {r['d']} | {r['dtype']} | {r['threads']} | {r['batch']} | {' | '.join(cells)} | "
            f"{fmt_float(ratio, '.2f')} |"
        )
    return "\n".join(lines)


def single_table(single_by_t: dict[int, dict[str, Any]]) -> str:
    lines = [
        "| threads | nnla µs | scipy µs | torch µs | best peer / nnla |",
        "|---:|---:|---:|---:|---:|",
    ]
    for t, s in single_by_t.items():
        if not s:
            continue
        us = {p: (s.get(p) or {}).get("us") for p in PEERS}
        peers_us = [x for x in (us["scipy"], us["torch"]) if x]
        ratio = min(peers_us) / us["nnla"] if us["nnla"] and peers_us else None
        cells = [f"{fmt_float(us[p], '.2f')}{mark(s.get(p))}" for p in PEERS]
        lines.append(f"| {t} | {' | '.join(cells)} | {fmt_float(ratio, '.2f')} |")
    return "\n".join(lines)


def scaling_table(
    rows1: list[dict[str, Any]], rows2: list[dict[str, Any]]
) -> tuple[str, float | None]:
    by_key = {(r["d"], r["dtype"]): r for r in rows1}
    lines = [
        "| d | dtype | batch | nnla 1 thread/s | nnla 2 threads/s | speed-up |",
        "|---:|:---|---:|---:|---:|---:|",
    ]
    speedups: list[float] = []
    for r2 in rows2:
        r1 = by_key.get((r2["d"], r2["dtype"]))
        x1, x2 = (rate_of(r1, "nnla") if r1 else None), rate_of(r2, "nnla")
        sp = x2 / x1 if x1 and x2 else None
        if sp is not None:
            speedups.append(sp)
        m1, m2 = mark(r1.get("nnla") if r1 else None), mark(r2.get("nnla"))
        lines.append(
            f"| {r2['d']} | {r2['dtype']} | {r2['batch']} | {fmt_rate(x1)}{m1} | "
            f"{fmt_rate(x2)}{m2} | {fmt_float(sp, '.2f')} |"
        )
    return "\n".join(lines), (statistics.median(speedups) if speedups else None)


def accuracy_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| d | dtype | nnla | scipy.linalg.expm | torch |",
        "|---:|:---|---:|---:|---:|",
    ]
    for r in rows:
        e = r.get("max_rel_err_vs_sparse_expm")
        if not e:
            continue
        lines.append(
            f"| {r['d']} | {r['dtype']} | {fmt_float(e.get('nnla'), '.1e')} | "
            f"{fmt_float(e.get('scipy'), '.1e')} | {fmt_float(e.get('torch'), '.1e')} |"
        )
    return "\n".join(lines)


def merge_rows(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (threads, d, dtype) holding every peer measured for it."""
    merged: dict[tuple[int, int, str], dict[str, Any]] = {}
    for ch in children:
        for r in ch["rows"]:
            key = (r["threads"], r["d"], r["dtype"])
            merged.setdefault(key, {}).update(r)
    return sorted(merged.values(), key=lambda r: (r["dtype"] != "float64", r["d"], r["threads"]))


def run_parent(args: argparse.Namespace) -> None:
    cores = usable_cores()
    threads: list[int] = []
    for t in args.threads:
        k = cores if t in ("all", "0") else int(t)
        if k >= 1 and k not in threads:
            threads.append(k)
    t_start = time.perf_counter()
    info = machine_info()
    print(f"# nnla.expm vs peers — {info['date_utc']}", flush=True)
    print(
        f"CPU: {info['cpu_model']} ({info['usable_cores']} usable cores, "
        f"{info['logical_cpus']} logical)"
    )
    print(
        f"dims={list(args.dims)} dtypes={list(args.dtypes)} threads={threads} "
        f"repeats={args.repeats} target={args.target}s{' (quick)' if args.quick else ''}",
        flush=True,
    )

    # One child process per (thread count, peer): each library's thread pool is sized before it
    # loads, and no idle pool of another library spins on the cores while a peer is timed.
    children: list[dict[str, Any]] = []
    unavailable: set[str] = set()
    for t in threads:
        for peer in PEERS:
            if peer in unavailable:
                continue
            print(f"measuring {peer} with {t} thread(s) ...", file=sys.stderr, flush=True)
            ch = spawn_child(args, t, [peer], args.dims, args.dtypes)
            children.append(ch)
            if any(note.startswith(f"{peer} unavailable") for note in ch["notes"]):
                unavailable.add(peer)
    timed = list(children)

    # nnla on 2 threads vs 1 thread, large batches: reuse the timed runs, else measure.
    scaling: dict[str, Any] | None = None
    if cores >= 2 and "nnla" not in unavailable:
        big = [d for d in args.dims if d >= 8] or list(args.dims)
        nnla_rows: dict[int, list[dict[str, Any]]] = {
            ch["threads"]: ch["rows"] for ch in timed if ch["peers"] == ["nnla"]
        }
        for t in (1, 2):
            if t not in nnla_rows:
                print(f"measuring nnla scaling with {t} thread(s) ...", file=sys.stderr, flush=True)
                ch = spawn_child(args, t, ["nnla"], big, args.dtypes, single=False)
                children.append(ch)
                nnla_rows[t] = ch["rows"]
        table, med = scaling_table(nnla_rows[1], [r for r in nnla_rows[2] if r["d"] in big])
        scaling = {"table": table, "median_speedup": med}

    print("checking accuracy against scipy.sparse.linalg.expm ...", file=sys.stderr, flush=True)
    acc = spawn_child(
        args, 1, list(PEERS), args.dims, args.dtypes, accuracy_only=True, single=False
    )
    children.append(acc)

    info["load_average_end"] = load_average()
    info["duration_s"] = round(time.perf_counter() - t_start, 1)
    print(
        f"load average (1/5/15 min): start {info['load_average_start']}, "
        f"end {info['load_average_end']}; run took {info['duration_s']} s"
    )
    versions: dict[str, str | None] = {
        "python": None,
        "numpy": None,
        "scipy": None,
        "torch": None,
        "nnla": None,
    }
    for ch in children:
        versions.update(ch["versions"])
    info["versions"] = versions
    info["nnla_info"] = next(
        (ch["nnla_info"] for ch in children if ch.get("nnla_info") is not None), None
    )
    print(
        "versions: "
        + ", ".join(f"{k} {v if v is not None else '(not available)'}" for k, v in versions.items())
    )
    if isinstance(info["nnla_info"], dict):
        print("nnla.info(): " + ", ".join(f"{k}={v}" for k, v in info["nnla_info"].items()))
    for ch in timed:
        pools = ", ".join(
            f"{p.get('internal_api')}{'(nnla)' if is_nnla_blas(p.get('filepath') or '') else ''}"
            f"={p.get('num_threads')}"
            for p in ch["threadpools"]
        )
        lib = ch["peers"][0]
        lib_threads = {"nnla": ch["nnla_threads"], "torch": ch["torch_threads"]}.get(lib, "-")
        print(
            f"  {lib} child, {ch['threads']} thread(s): {lib} threads={lib_threads}, "
            f"env {' '.join(f'{k}={v}' for k, v in ch['env'].items())}, pools [{pools}], "
            f"{ch.get('wall_s')} s, other processes' CPU {fmt_float(ch.get('other_load'), '.0%')}"
        )
    notes = {n for ch in children for n in ch["notes"]}
    entries = [
        e
        for ch in children
        for e in [*(r.get(q) for r in ch["rows"] for q in PEERS), *ch["single_2x2_us"].values()]
        if isinstance(e, dict) and "other_load" in e
    ]
    busy = [e["other_load"] for e in entries if e["other_load"] > OTHER_LOAD_WARN]
    if busy:
        notes.add(
            f"WARNING: other processes used more than {OTHER_LOAD_WARN:.0%} of the CPUs (up to "
            f"{max(busy):.0%}) during {len(busy)} of {len(entries)} measurements, marked † below; "
            "those timings are not trustworthy, multi-thread ones least of all. Rerun on an idle "
            "machine (--wait-idle helps on a shared one)."
        )
    builds = {
        json.dumps({k: v for k, v in info_.items() if "num_threads" not in k}, sort_keys=True)
        for info_ in (ch["nnla_info"] for ch in children)
        if isinstance(info_, dict)
    }
    if len(builds) > 1:
        notes.add("WARNING: nnla.info() changed during the run (nnla was rebuilt?); rerun.")
    for note in sorted(notes):
        print(f"note: {note}")

    all_rows = merge_rows(timed)
    print(
        "\n## Throughput (matrices/s, median of repeats; "
        "ratio > 1: nnla faster than the fastest peer)\n"
    )
    print(throughput_table(all_rows))
    print("\n## One 2x2 float64 matrix per call (median µs per call)\n")
    single_by_t: dict[int, dict[str, Any]] = {}
    for ch in timed:
        single_by_t.setdefault(ch["threads"], {}).update(ch.get("single_2x2_us") or {})
    print(single_table(single_by_t))
    if scaling is not None:
        med = scaling["median_speedup"]
        print(
            f"\n## nnla scaling, 2 threads vs 1 thread (median speed-up {fmt_float(med, '.2f')})\n"
        )
        print(scaling["table"])
    elif "nnla" in unavailable:
        print("\n## nnla scaling, 2 threads vs 1 thread: skipped (nnla not available)")
    else:
        print("\n## nnla scaling, 2 threads vs 1 thread: skipped (only one usable core)")
    print(
        "\n## Accuracy (informational): max relative Frobenius error vs scipy.sparse.linalg.expm, "
        "first 3 matrices of each batch, 1 thread\n"
    )
    print(accuracy_table(acc["rows"]))

    result = {
        "benchmark": "nnla.expm vs scipy.linalg.expm vs torch.linalg.matrix_exp",
        "machine": info,
        "settings": {
            "dims": list(args.dims),
            "dtypes": list(args.dtypes),
            "threads": threads,
            "repeats": args.repeats,
            "target_s": args.target,
            "quick": args.quick,
            "wait_idle_s": args.wait_idle,
            "seed": SEED,
            "entries": "N(0,1)/sqrt(d); complex: (N(0,1) + i N(0,1))/sqrt(2 d)",
            "timing": "median over repeats of batch*calls/elapsed; each repeat >= target_s",
        },
        "throughput": all_rows,
        "single_2x2_us": {str(t): v for t, v in single_by_t.items()},
        "scaling_2_vs_1": scaling,
        "accuracy": acc["rows"],
        "children": children,
    }
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
        print(f"\nwrote {out}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="fewer sizes, smaller batches, shorter timings (< 1 min)",
    )
    p.add_argument(
        "--threads",
        nargs="+",
        default=None,
        help="thread counts to measure; 'all' = every usable core (default: 1 all)",
    )
    p.add_argument("--dtypes", nargs="+", default=list(ALL_DTYPES), choices=list(ALL_DTYPES))
    p.add_argument(
        "--dims",
        nargs="+",
        type=int,
        default=None,
        help=f"matrix sizes (default {list(ALL_DIMS)}; --quick: {list(QUICK_DIMS)})",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed repeats per measurement (default 5)",
    )
    p.add_argument(
        "--target",
        type=float,
        default=None,
        help="minimum seconds per repeat (default 0.15; quick 0.06)",
    )
    p.add_argument(
        "--single-calls", type=int, default=None, help="calls per block for the single 2x2 timing"
    )
    p.add_argument(
        "--single-blocks", type=int, default=None, help="blocks for the single 2x2 timing"
    )
    p.add_argument(
        "--out",
        default=None,
        help="JSON output (default bench/results/compare_expm-<UTC date-time>.json; '' = none)",
    )
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each measurement wait up to SECONDS for other processes to go quiet",
    )
    p.add_argument("--accuracy-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-single", dest="single", action="store_false", help=argparse.SUPPRESS)
    p.add_argument("--peers", nargs="+", default=list(PEERS), help=argparse.SUPPRESS)
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.dims is None:
        args.dims = list(QUICK_DIMS if args.quick else ALL_DIMS)
    if args.threads is None:
        args.threads = ["1", "all"]
    if args.repeats is None:
        args.repeats = 5
    if args.target is None:
        args.target = 0.06 if args.quick else 0.15
    if args.single_calls is None:
        args.single_calls = 200 if args.quick else 500
    if args.single_blocks is None:
        args.single_blocks = 7 if args.quick else 21
    if args.out is None and args.child is None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        args.out = str(Path(__file__).resolve().parent / "results" / f"compare_expm-{stamp}.json")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child is not None:
        run_child(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
