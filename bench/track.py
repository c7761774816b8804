"""Store, compare and report runs of the benchmark suite (``bench/test_bench_*.py``).

Commands (run from anywhere; ``bench/`` is found next to this file)::

    python bench/track.py run [--quick] [--out FILE] [--threads N] [-k EXPR] [--python PY]
    python bench/track.py compare BASE.json NEW.json [--threshold T] [--family-threshold T]
    python bench/track.py noise RUN.json RUN.json [...]
    python bench/track.py report [--runs DIR] [--format md|rst] [--out DIR]
    python bench/track.py ab [--base REV] [--new REV] [--rounds N] [--quick] [-k EXPR]

``run``
    One pytest-benchmark session of the whole suite (every nnla benchmark beside its peers),
    stored as pytest-benchmark JSON: ``commit_info`` (the checkout), ``machine_info`` (CPU,
    cores, the BLAS libraries as threadpoolctl reports them, nnla's build, thread setting, load
    average) and per benchmark its ``stats`` and ``extra_info`` (case, side, items per call,
    ``ratio_<peer>``). Default ``--out``: ``.benchmarks/nnla/<UTC time>-<commit>[-quick].json``.
    ``--python`` runs the suite under another interpreter (a venv with nnla installed) with
    ``PYTHONPATH`` cleared.
``compare BASE NEW``
    Per benchmark of both runs: the ratio NEW/BASE of its time (> 1: slower) and of its median,
    and, for nnla benchmarks, the peer-normalised ratio ``(nnla NEW/BASE) / (peer NEW/BASE)``,
    which cancels the machine's speed. The time of a benchmark is the minimum over its rounds
    (``--stat min``, default; ``--stat median`` for the median) of process CPU time (``run``
    and ``ab`` time one-thread runs with ``time.process_time``, so the load of other processes
    does not enter; wall time for more threads). An nnla benchmark *regresses* when the
    smaller of its plain and peer-normalised ratios (the plain one where it has no peer)
    exceeds ``1 + threshold``; a *family* (one test function and, for matrix functions, one
    function in one dtype, e.g. expm float64 over every d) regresses when the median of those
    ratios over the family exceeds ``1 + family_threshold``. Exit status 1 on any regression.
    The default thresholds come from run-to-run noise measured on the reference machine
    (bench/README.md, "Noise and thresholds").
``noise RUN RUN ...``
    Compares every ordered pair of runs of unchanged code: the spread of the plain and
    peer-normalised ratios and of the family medians, and how many pairs the thresholds flag
    (how the thresholds were chosen; bench/README.md).
``report``
    Renders tables from stored runs (default ``bench/baselines/``: the newest run and every run
    of the same commit, machine and grid, median over them) into README.md and bench/README.md
    between ``<!-- bench:NAME:start -->`` and ``<!-- bench:NAME:end -->``; a file without a
    NAME's markers is left alone. ``--format rst --out DIR`` writes ``DIR/NAME.rst`` instead
    (``--format md --out DIR``: ``DIR/NAME.md``). Names: ``machine``, ``headline`` (expm,
    for README.md), ``matfun``, and one per benchmark file ``test_bench_<name>.py``.
``ab``
    asv-``continuous`` style: builds two revisions (default ``main`` and the working tree) with
    ``pip install`` into two venvs (``--system-site-packages``, so numpy/scipy/pytest-benchmark
    are shared; standard isolated builds, ~3-5 min each on 2 cores; cached by a hash of the
    package sources under ``$NNLA_BENCH_CACHE``, default ``~/.cache/nnla-bench``), then runs the
    working tree's benchmark files against each build interleaved, file by file, in ABBA order
    for ``--rounds`` rounds, and compares the medians over the rounds as ``compare`` does (with
    the A/B thresholds). Both combined runs are stored (``--out-dir``).

Importable interface (used by the docs build for the performance pages)::

    from track import render_tables            # with bench/ on sys.path
    tables = render_tables("bench/baselines", fmt="rst")   # dict: name -> reStructuredText

``render_tables(runs_dir, fmt="md")`` returns ``{name: text}`` for the names above; each text is
self-contained (a table, preceded where needed by one line of context).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BASELINES = BENCH / "baselines"
NNLA = "nnla"

#: per-benchmark threshold on the peer-normalised ratio (see bench/README.md, "Noise")
THRESHOLD = 0.70
#: threshold on a family's median ratio
FAMILY_THRESHOLD = 0.12
#: the same for A/B runs (medians over interleaved rounds)
AB_THRESHOLD = 0.70
AB_FAMILY_THRESHOLD = 0.12
#: default statistic of compare/noise/ab (bench/README.md, "Noise")
DEFAULT_STAT = "min"
#: the peers preferred for normalisation, in order
PEER_ORDER = ("scipy", "numpy", "torch", "adam")


# ---------------------------------------------------------------------------------------------
# run


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def bench_files() -> list[str]:
    """The suite's files (``bench/test_bench_*.py``), by convention."""
    return sorted(str(p) for p in BENCH.glob("test_bench_*.py"))


def pytest_cmd(python: str, json_out: Path, files: Sequence[str], k: str | None,
               disable: bool = False, timer: str = "time.perf_counter") -> list[str]:
    cmd = [python, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider",
           f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml")]
    if disable:
        cmd.append("--benchmark-disable")
    else:
        cmd += ["--benchmark-only", f"--benchmark-json={json_out}", f"--benchmark-timer={timer}"]
    if k:
        cmd += ["-k", k]
    return cmd


def timer_for(threads: int | None) -> str:
    """Process CPU time on one thread (unaffected by other processes' load), wall time else."""
    t = threads if threads is not None else int(os.environ.get("NNLA_BENCH_THREADS", "1"))
    return "time.process_time" if t <= 1 else "time.perf_counter"


def suite_env(quick: bool, threads: int | None, clear_path: bool, commit: str | None) -> dict:
    env = dict(os.environ)
    env["NNLA_BENCH_QUICK"] = "1" if quick else "0"
    if threads is not None:
        env["NNLA_BENCH_THREADS"] = str(threads)
    if clear_path:
        env.pop("PYTHONPATH", None)
    if commit:
        env["NNLA_BENCH_COMMIT"] = commit
    return env


def cmd_run(args: argparse.Namespace) -> int:
    try:
        commit = _git("rev-parse", "--short=10", "HEAD")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        commit = "unknown"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else (
        ROOT / ".benchmarks" / "nnla" / f"{stamp}-{commit}{'-quick' if args.quick else ''}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    python = args.python or sys.executable
    env = suite_env(args.quick, args.threads, args.python is not None, None)
    cmd = pytest_cmd(python, out.resolve(), bench_files(), args.k, disable=args.disable,
                     timer=timer_for(args.threads))
    print("+", " ".join(cmd), flush=True)
    rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    if rc == 0 and not args.disable:
        strip(out)
        print(f"stored {out}")
    return rc


def strip(path: Path) -> None:
    """Drop the per-round timings (``stats.data``) from a stored run: the statistics stay."""
    run = load(path)
    for b in run.get("benchmarks", []):
        b.get("stats", {}).pop("data", None)
    path.write_text(json.dumps(run, indent=1))


# ---------------------------------------------------------------------------------------------
# loading and comparing runs


def load(path: str | Path) -> dict[str, Any]:
    with open(path) as fh:
        return json.load(fh)


def _key(b: dict[str, Any]) -> str:
    return f"{b['fullname']}|{b.get('extra_info', {}).get('case', '')}"


#: the statistic of a benchmark's rounds that compare, noise and ab use ("median" or "min")
STAT = {"name": DEFAULT_STAT}


def _median(b: dict[str, Any]) -> float:
    """The benchmark's time: the statistic of its rounds chosen by ``--stat`` (a zero minimum,
    a CPU-time round the VM did not account, falls back to the first quartile)."""
    t = float(b["stats"][STAT["name"]])
    return t if t > 0 else float(b["stats"]["q1"])


def _side(b: dict[str, Any]) -> str:
    return str(b.get("extra_info", {}).get("side", ""))


def _family(b: dict[str, Any]) -> str:
    """A test function, split by matrix function and dtype where the benchmark has them."""
    base = b["fullname"].split("[")[0]
    ei = b.get("extra_info", {})
    tag = " ".join(str(ei[k]) for k in ("func", "dtype") if k in ei)
    return f"{base}[{tag}]" if tag else base


def _peers(run: dict[str, Any]) -> dict[str, dict[str, float]]:
    """case -> side -> median time per item."""
    out: dict[str, dict[str, float]] = {}
    for b in run["benchmarks"]:
        ei = b.get("extra_info", {})
        if "case" in ei and b.get("stats"):
            out.setdefault(ei["case"], {})[ei["side"]] = _median(b) / ei.get("items", 1)
    return out


def _peer_of(a: dict[str, float], b: dict[str, float]) -> str | None:
    common = [s for s in a if s != NNLA and s in b]
    for p in PEER_ORDER:
        if p in common:
            return p
    return common[0] if common else None


def comparison(base: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per benchmark present in both runs: name, side, family, ratio (NEW/BASE time),
    peer and peer-normalised ratio (nnla benchmarks with a peer in both runs)."""
    bmap = {_key(b): b for b in base["benchmarks"] if b.get("stats")}
    pb, pn = _peers(base), _peers(new)
    rows = []
    for b in new["benchmarks"]:
        if not b.get("stats") or _key(b) not in bmap:
            continue
        b0 = bmap[_key(b)]
        row: dict[str, Any] = {"name": b["fullname"].split("::")[-1], "file": b["fullname"],
                               "side": _side(b), "family": _family(b),
                               "base": _median(b0), "new": _median(b),
                               "ratio": _median(b) / _median(b0), "peer": None, "norm": None,
                               "median_ratio": b["stats"]["median"] / b0["stats"]["median"]}
        case = b.get("extra_info", {}).get("case")
        if row["side"] == NNLA and case in pb and case in pn:
            peer = _peer_of(pb[case], pn[case])
            if peer is not None:
                row["peer"] = peer
                row["norm"] = row["ratio"] / (pn[case][peer] / pb[case][peer])
        rows.append(row)
    return rows


def _verdict_ratio(r: dict[str, Any]) -> float:
    """The ratio a verdict uses: the smaller of the plain and the peer-normalised ratio (a real
    nnla regression raises both; a slower machine only the plain one, a lucky peer round only
    the normalised one); the plain ratio where there is no peer."""
    return r["ratio"] if r["norm"] is None else min(r["ratio"], r["norm"])


def regressions(rows: Sequence[dict[str, Any]], threshold: float, family_threshold: float
                ) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The nnla rows beyond ``threshold`` and every family's median ratio."""
    flagged = []
    fam: dict[str, list[float]] = {}
    for r in rows:
        if r["side"] != NNLA:
            continue
        x = _verdict_ratio(r)
        fam.setdefault(r["family"], []).append(math.log(x))
        if x > 1.0 + threshold:
            flagged.append(r)
    return flagged, {f: math.exp(statistics.median(v)) for f, v in fam.items()}


def print_comparison(rows: Sequence[dict[str, Any]], threshold: float,
                     family_threshold: float, out: Any = None) -> int:
    """Print the table and the verdict; returns the exit status (1: a regression)."""
    out = out or sys.stdout
    flagged, fams = regressions(rows, threshold, family_threshold)
    bad = {id(r) for r in flagged}
    w = max([len(r["name"]) for r in rows] + [10])
    st = STAT["name"]
    print(f"times: the {st} of each benchmark's rounds; new/base of the {st} and of the median;"
          f" peer-norm = ({st} new/base of nnla) / (the same of the peer)", file=out)
    print(f"{'benchmark':<{w}}  {'base':>10}  {'new':>10}  {'new/base':>8}  {'(median)':>8}  "
          f"{'peer-norm':>9}  peer", file=out)
    for r in rows:
        norm = f"{r['norm']:9.3f}" if r["norm"] is not None else f"{'':9}"
        mark = "  REGRESSION" if id(r) in bad else ""
        print(f"{r['name']:<{w}}  {fmt_time(r['base']):>10}  {fmt_time(r['new']):>10}  "
              f"{r['ratio']:8.3f}  {r['median_ratio']:8.3f}  {norm}  {r['peer'] or '':<6}{mark}",
              file=out)
    print(f"\nfamilies (median over the family of min(new/base, peer-norm) of nnla; "
          f"threshold {1 + family_threshold:.2f}):", file=out)
    fam_bad = []
    for f, g in sorted(fams.items()):
        mark = "  REGRESSION" if g > 1 + family_threshold else ""
        if mark:
            fam_bad.append(f)
        print(f"  {f:<60} {g:6.3f}{mark}", file=out)
    n = sum(1 for r in rows if r["side"] == NNLA)
    print(f"\n{len(flagged)} of {n} nnla benchmarks beyond {1 + threshold:.2f}, "
          f"{len(fam_bad)} of {len(fams)} families beyond {1 + family_threshold:.2f}", file=out)
    return 1 if flagged or fam_bad else 0


def cmd_compare(args: argparse.Namespace) -> int:
    rows = comparison(load(args.base), load(args.new))
    if not rows:
        print("no benchmark in common", file=sys.stderr)
        return 2
    return print_comparison(rows, args.threshold, args.family_threshold)


def cmd_noise(args: argparse.Namespace) -> int:
    """Run-to-run noise of unchanged runs: every pair compared, the spread of the ratios, and
    how many comparisons the thresholds would flag."""
    runs = [load(p) for p in args.runs]
    stats: dict[str, list[float]] = {"plain": [], "norm": [], "verdict": [], "family": []}
    flagged_pairs = 0
    pairs = 0
    for i in range(len(runs)):
        for j in range(len(runs)):
            if i == j:
                continue
            rows = [r for r in comparison(runs[i], runs[j]) if r["side"] == NNLA]
            flagged, fams = regressions(rows, args.threshold, args.family_threshold)
            stats["plain"] += [abs(math.log(r["ratio"])) for r in rows]
            stats["norm"] += [abs(math.log(r["norm"])) for r in rows if r["norm"] is not None]
            stats["verdict"] += [max(0.0, math.log(_verdict_ratio(r))) for r in rows]
            stats["family"] += [max(0.0, math.log(g)) for g in fams.values()]
            pairs += 1
            fam_bad = [f for f, g in fams.items() if g > 1 + args.family_threshold]
            flagged_pairs += bool(flagged or fam_bad)
            print(f"{args.runs[i]} -> {args.runs[j]}: {len(flagged)} of {len(rows)} benchmarks, "
                  f"{len(fam_bad)} of {len(fams)} families flagged"
                  + (f" ({', '.join(r['name'] for r in flagged)}{' '.join(fam_bad)})"
                     if flagged or fam_bad else ""))
    print("\nunchanged runs, quantiles over benchmarks and ordered pairs, as factors: plain and "
          "peer-norm |log ratio|;\nverdict (min of the two) and family (median of verdicts) "
          "upward only (what the thresholds see):")
    for k, v in stats.items():
        v = sorted(v)
        if not v:
            continue
        q = [v[min(len(v) - 1, int(p * len(v)))] for p in (0.5, 0.9, 0.95, 0.99)]
        print(f"  {k:<7} n={len(v):5d}  median {math.exp(q[0]):.3f}  p90 {math.exp(q[1]):.3f}  "
              f"p95 {math.exp(q[2]):.3f}  p99 {math.exp(q[3]):.3f}  max {math.exp(v[-1]):.3f}")
    print(f"\n{flagged_pairs} of {pairs} ordered pairs of unchanged runs flagged at thresholds "
          f"{1 + args.threshold:.2f} / {1 + args.family_threshold:.2f}")
    return 0


# ---------------------------------------------------------------------------------------------
# report


def fmt_time(t: float) -> str:
    """Seconds with a unit: 1.23 s, 45.6 ms, 7.89 µs, 120 ns."""
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= f:
            return f"{t / f:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_rate(x: float) -> str:
    """A rate with a k/M suffix (3 significant digits)."""
    for suf, f in (("M", 1e6), ("k", 1e3)):
        if x >= f:
            return f"{x / f:.3g} {suf}"
    return f"{x:.3g}"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3g}"


def select_runs(runs_dir: str | Path) -> list[dict[str, Any]]:
    """The newest run in ``runs_dir`` and every run of the same commit, machine and grid."""
    runs = [load(p) for p in sorted(Path(runs_dir).glob("*.json"))]
    runs = [r for r in runs if r.get("benchmarks")]
    if not runs:
        raise FileNotFoundError(f"no stored run in {runs_dir}")

    def ident(r: dict[str, Any]) -> tuple[Any, ...]:
        m = r["machine_info"]
        return (r.get("commit_info", {}).get("id"), m.get("node"), m.get("bench_quick"),
                m.get("bench_threads"), m.get("nnla_commit"))

    newest = max(runs, key=lambda r: r["datetime"])
    return [r for r in runs if ident(r) == ident(newest)]


def merged(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """key -> {fullname, extra_info, median (median over the runs)}."""
    acc: dict[str, dict[str, Any]] = {}
    for r in runs:
        for b in r["benchmarks"]:
            if not b.get("stats"):
                continue
            e = acc.setdefault(_key(b), {"fullname": b["fullname"], "extra_info":
                                         b.get("extra_info", {}), "medians": []})
            e["medians"].append(_median(b))
    for e in acc.values():
        e["median"] = statistics.median(e["medians"])
    return acc


def _cases(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """case -> side -> entry (time per item in 'per_item')."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for e in data.values():
        ei = e["extra_info"]
        if "case" not in ei:
            continue
        e["per_item"] = e["median"] / ei.get("items", 1)
        out.setdefault(ei["case"], {})[ei["side"]] = e
    return out


def _best_peer(sides: dict[str, dict[str, Any]]) -> str | None:
    peers = [s for s in sides if s != NNLA]
    return min(peers, key=lambda s: sides[s]["per_item"]) if peers else None


def render(head: Sequence[str], rows: Sequence[Sequence[str]], fmt: str,
           align: str | None = None) -> str:
    """A table in Markdown (``md``) or reStructuredText (``rst``, a list-table)."""
    if fmt == "md":
        align = align or ("l" + "r" * (len(head) - 1))
        sep = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
        lines = ["| " + " | ".join(head) + " |", sep]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for r in [head, *rows]:
        lines.append("   * - " + (r[0] or " "))
        lines += [f"     - {c or ' '}" for c in r[1:]]
    return "\n".join(lines) + "\n"


def _para(text: str, fmt: str) -> str:
    return text + "\n\n"


def table_machine(runs: Sequence[dict[str, Any]], fmt: str) -> str:
    m = runs[0]["machine_info"]
    c = runs[0].get("commit_info", {})
    blas = "; ".join(
        f"{x.get('prefix')} {x.get('version')} ({x.get('architecture') or x.get('internal_api')}"
        f", {x.get('num_threads')} thr)" for x in m.get("blas", []) if x.get("user_api") == "blas")
    nn = m.get("nnla") or {}
    built = m.get("nnla_commit") or c.get("id", "?")[:10]
    loads = [r["machine_info"].get("loadavg_start") for r in runs]
    load_txt = ", ".join(f"{x[0]:.1f}" for x in loads if x)
    dates = sorted(r["datetime"][:16].replace("T", " ") for r in runs)
    timer = str(runs[0]["benchmarks"][0].get("options", {}).get("timer", "?"))
    rows = [
        ["CPU", f"{m.get('cpu_model')}, {m.get('cores')} cores ({m.get('machine')})"],
        ["BLAS (threadpoolctl)", blas or "—"],
        ["nnla", f"{nn.get('version', '—')}, {nn.get('isa', '?')} kernels, "
                 f"{nn.get('compiler', '?')}; commit {built}"],
        ["peers", f"numpy {m.get('numpy')}, scipy {m.get('scipy')}, "
                  f"torch {m.get('torch') or 'not installed'}"],
        ["Python", f"{m.get('python_implementation')} {m.get('python_version')}"],
        ["threads", f"{m.get('bench_threads')} for every side"
                    + (" (quick grid)" if m.get("bench_quick") else "")],
        ["timing", f"{timer}, the {STAT['name']} over each benchmark's rounds"],
        ["runs", f"{len(runs)} ({dates[0]} – {dates[-1]} UTC), median over them; "
                 f"1-min load average at start: {load_txt}"],
    ]
    return render(["", ""], rows, fmt, "ll")


def table_headline(cases: dict[str, dict[str, dict[str, Any]]], fmt: str) -> str:
    """expm: matrices/s of nnla and the fastest peer in float64, ratios in float32/complex128."""
    dims = sorted({int(m.group(1)) for c in cases
                   if (m := re.fullmatch(r"expm float64 d=(\d+)", c))})
    rows = []
    for d in dims:
        s = cases[f"expm float64 d={d}"]
        if NNLA not in s:
            continue
        p = _best_peer(s)
        row = [str(d), fmt_rate(1 / s[NNLA]["per_item"])]
        row += [f"{fmt_rate(1 / s[p]['per_item'])} ({p})" if p else "—"]
        for dt in ("float64", "float32", "complex128"):
            t = cases.get(f"expm {dt} d={d}", {})
            q = _best_peer(t) if NNLA in t else None
            row.append(fmt_ratio(t[q]["per_item"] / t[NNLA]["per_item"]) if q else "—")
        rows.append(row)
    head = ["d", "nnla matrices/s", "fastest peer/s", "speed-up float64", "float32", "complex128"]
    return render(head, rows, fmt)


def table_matfun(cases: dict[str, dict[str, dict[str, Any]]], fmt: str) -> str:
    """Speed-up of nnla over the fastest peer, per function and d, float64 / float32."""
    funcs = ["expm", "expm_frechet", "logm", "sqrtm", "signm"]
    pat = re.compile("(?:" + "|".join(funcs) + r") \w+ d=(\d+)")
    dims = sorted({int(m.group(1)) for c in cases if (m := pat.fullmatch(c))})
    rows = []
    for d in dims:
        row = [str(d)]
        for f in funcs:
            cells = []
            for dt in ("float64", "float32"):
                s = cases.get(f"{f} {dt} d={d}", {})
                p = _best_peer(s) if NNLA in s else None
                cells.append(fmt_ratio(s[p]["per_item"] / s[NNLA]["per_item"]) if p else "—")
            row.append(" / ".join(cells))
        rows.append(row)
    return render(["d", *funcs], rows, fmt)


def table_module(cases: dict[str, dict[str, dict[str, Any]]], module: str, fmt: str) -> str:
    """Every case of one benchmark file: nnla's time, the fastest peer's, the speed-up."""
    rows = []
    for case, sides in cases.items():
        any_e = next(iter(sides.values()))
        if not any_e["fullname"].startswith(f"bench/test_bench_{module}.py::"):
            continue
        n = sides.get(NNLA)
        p = _best_peer(sides)
        items = any_e["extra_info"].get("items", 1)
        row = [case + (f" ({items} items)" if items > 1 else ""),
               fmt_time(n["median"]) if n else "—",
               f"{fmt_time(sides[p]['median'])} ({p})" if p else "—",
               fmt_ratio(sides[p]["per_item"] / n["per_item"]) if p and n else "—"]
        rows.append(row)
    return render(["case", "nnla", "peer", "speed-up"], rows, fmt, "lrrr")


def render_tables(runs_dir: str | Path = BASELINES, fmt: str = "md") -> dict[str, str]:
    """All tables from the runs in ``runs_dir`` (see :func:`select_runs`): name -> text.

    Names: ``machine``, ``headline``, ``matfun`` and one per benchmark file
    (``test_bench_<name>.py`` -> ``<name>``). ``fmt``: ``"md"`` or ``"rst"``.
    """
    runs = select_runs(runs_dir)
    cases = _cases(merged(runs))
    out = {"machine": table_machine(runs, fmt), "headline": table_headline(cases, fmt),
           "matfun": table_matfun(cases, fmt)}
    modules = sorted({e["fullname"].split("::")[0][len("bench/test_bench_"):-3]
                      for s in cases.values() for e in s.values()})
    for mod in modules:
        if mod != "matfun":
            out[mod] = table_module(cases, mod, fmt)
    return out


def splice(text: str, name: str, table: str) -> tuple[str, bool]:
    """Replace what lies between NAME's markers in ``text``; (new text, found)."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    pat = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        return text, False
    return pat.sub(lambda _: f"{start}\n{table}{end}", text), True


def cmd_report(args: argparse.Namespace) -> int:
    tables = render_tables(args.runs, args.format)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, text in tables.items():
            (out / f"{name}.{args.format}").write_text(text)
        print(f"wrote {len(tables)} tables to {out}")
        return 0
    placed: set[str] = set()
    for path in (ROOT / "README.md", BENCH / "README.md"):
        if not path.exists():
            continue
        text = path.read_text()
        found = []
        for name, table in tables.items():
            text, ok = splice(text, name, table)
            if ok:
                found.append(name)
        path.write_text(text)
        placed.update(found)
        print(f"{path.relative_to(ROOT)}: {', '.join(found) or 'no markers'}")
    missing = sorted(set(tables) - placed)
    if missing:
        print(f"tables without markers (add <!-- bench:NAME:start/end --> to bench/README.md): "
              f"{', '.join(missing)}")
    return 0


# ---------------------------------------------------------------------------------------------
# A/B


SOURCES = ("python", "cpp", "CMakeLists.txt", "pyproject.toml")


def materialize(rev: str | None, dest: Path) -> str:
    """Write the package sources of ``rev`` (None: the working tree, tracked and untracked
    files git does not ignore) into ``dest``; returns a label."""
    dest.mkdir(parents=True)
    if rev is None:
        files = _git("ls-files", "-co", "--exclude-standard", "-z").split("\0")
        for f in filter(None, files):
            src = ROOT / f
            if src.is_file():
                (dest / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / f)
        dirty = "+dirty" if _git("status", "--porcelain", "--", *SOURCES) else ""
        return f"worktree {_git('rev-parse', '--short=10', 'HEAD')}{dirty}"
    sha = _git("rev-parse", "--short=10", rev)
    archive = subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return f"{rev} {sha}"


def source_hash(src: Path) -> str:
    """sha256 over the package sources (paths and contents) under ``src``."""
    h = hashlib.sha256()
    for top in SOURCES:
        p = src / top
        files = sorted(p.rglob("*")) if p.is_dir() else [p] if p.exists() else []
        for f in files:
            if f.is_file():
                h.update(str(f.relative_to(src)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def build_venv(rev: str | None, cache: Path, log: Any) -> tuple[Path, str]:
    """A venv with ``rev``'s nnla installed (cached by source hash); (python, label)."""
    tmp = Path(tempfile.mkdtemp(prefix="nnla-ab-src-"))
    try:
        label = materialize(rev, tmp / "src")
        key = source_hash(tmp / "src")
        venv = cache / "venvs" / key
        py = venv / "bin" / "python"
        if (venv / "ok").exists():
            print(f"[ab] {label}: cached build {venv}", file=log, flush=True)
            return py, label
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        print(f"[ab] {label}: building into {venv} (a few minutes)", file=log, flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                       check=True)
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        with open(venv.parent / f"{key}.build.log", "w") as blog:
            subprocess.run([str(py), "-m", "pip", "install", str(tmp / "src")], check=True,
                           env=env, stdout=blog, stderr=subprocess.STDOUT)
        (venv / "ok").write_text(label + "\n")
        return py, label
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One run from several: each benchmark's median is the median of the parts' medians
    (they are kept in ``extra_info['round_medians']``)."""
    out = json.loads(json.dumps(parts[0]))
    out["benchmarks"] = []
    seen: dict[str, dict[str, Any]] = {}
    for p in parts:
        for b in p["benchmarks"]:
            if not b.get("stats"):
                continue
            k = _key(b)
            if k not in seen:
                c = json.loads(json.dumps(b))
                c["extra_info"]["round_medians"] = []
                seen[k] = c
                out["benchmarks"].append(c)
            seen[k]["extra_info"]["round_medians"].append(_median(b))
    for c in out["benchmarks"]:
        c["stats"]["median"] = statistics.median(c["extra_info"]["round_medians"])
    return out


def cmd_ab(args: argparse.Namespace) -> int:
    cache = Path(os.environ.get("NNLA_BENCH_CACHE", Path.home() / ".cache" / "nnla-bench"))
    log = sys.stdout
    (py_a, label_a) = build_venv(args.base, cache, log)
    (py_b, label_b) = build_venv(None if args.new == "." else args.new, cache, log)
    files = [f for f in bench_files() if not args.files or any(s in f for s in args.files)]
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out_dir or ROOT / ".benchmarks" / "ab" / stamp)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: dict[str, list[list[dict[str, Any]]]] = {
        "A": [[] for _ in range(args.rounds)], "B": [[] for _ in range(args.rounds)]}
    sides = {"A": (py_a, label_a), "B": (py_b, label_b)}
    for r in range(args.rounds):
        for f in files:
            order = ("A", "B") if (r + files.index(f)) % 2 == 0 else ("B", "A")
            for s in order:
                py, label = sides[s]
                j = out_dir / f"r{r}-{Path(f).stem}-{s}.json"
                env = suite_env(args.quick, args.threads, True, label)
                cmd = pytest_cmd(str(py), j, [f], args.k, timer=timer_for(args.threads))
                print(f"[ab] round {r + 1}/{args.rounds} {Path(f).name} {s} ({label})",
                      file=log, flush=True)
                res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
                if res.returncode not in (0, 5):  # 5: every test deselected
                    print(res.stdout[-3000:], res.stderr[-3000:], file=sys.stderr)
                    return res.returncode
                if j.exists():
                    strip(j)
                    parts[s][r].append(load(j))
    runs = {}
    for s in ("A", "B"):
        merged_parts: list[dict[str, Any]] = []
        for chunk in parts[s]:  # one run per round: all files of that round together
            if chunk:
                one = json.loads(json.dumps(chunk[0]))
                one["benchmarks"] = [b for c in chunk for b in c["benchmarks"]]
                merged_parts.append(one)
        if not merged_parts:
            print("no benchmark ran", file=sys.stderr)
            return 2
        runs[s] = combine(merged_parts)
        runs[s]["machine_info"]["ab_label"] = sides[s][1]
        (out_dir / f"{s}.json").write_text(json.dumps(runs[s], indent=1))
    print(f"\nA = {label_a}\nB = {label_b}\n{args.rounds} interleaved rounds; "
          f"runs in {out_dir}\n", file=log)
    return print_comparison(comparison(runs["A"], runs["B"]), args.threshold,
                            args.family_threshold, log)


# ---------------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Store, compare and report benchmark runs.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the suite and store the JSON")
    r.add_argument("--quick", action="store_true", help="the small grid (NNLA_BENCH_QUICK=1)")
    r.add_argument("--out", help="JSON file (default .benchmarks/nnla/<time>-<commit>.json)")
    r.add_argument("--threads", type=int, help="NNLA_BENCH_THREADS for every side")
    r.add_argument("-k", help="pytest -k expression")
    r.add_argument("--python", help="interpreter with nnla installed (PYTHONPATH cleared)")
    r.add_argument("--disable", action="store_true",
                   help="--benchmark-disable: each benchmark once, as a test (CI)")
    c = sub.add_parser("compare", help="compare two stored runs")
    c.add_argument("--stat", choices=["median", "min", "q1"], default=DEFAULT_STAT,
                    help="statistic of the rounds compared (default %(default)s)")
    c.add_argument("base")
    c.add_argument("new")
    c.add_argument("--threshold", type=float, default=THRESHOLD)
    c.add_argument("--family-threshold", type=float, default=FAMILY_THRESHOLD)
    n = sub.add_parser("noise", help="run-to-run noise of unchanged runs (every pair)")
    n.add_argument("--stat", choices=["median", "min", "q1"], default=DEFAULT_STAT,
                    help="statistic of the rounds compared (default %(default)s)")
    n.add_argument("runs", nargs="+")
    n.add_argument("--threshold", type=float, default=THRESHOLD)
    n.add_argument("--family-threshold", type=float, default=FAMILY_THRESHOLD)
    p = sub.add_parser("report", help="render the tables from stored runs")
    p.add_argument("--runs", default=str(BASELINES), help="directory of stored runs")
    p.add_argument("--format", choices=["md", "rst"], default="md")
    p.add_argument("--out", help="write NAME.<format> files here instead of the READMEs")
    a = sub.add_parser("ab", help="build two revisions, run them interleaved, compare")
    a.add_argument("--stat", choices=["median", "min", "q1"], default=DEFAULT_STAT,
                    help="statistic of the rounds compared (default %(default)s)")
    a.add_argument("--base", default="main", help="revision A (default main)")
    a.add_argument("--new", default=".", help="revision B (default '.': the working tree)")
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--quick", action="store_true")
    a.add_argument("--threads", type=int)
    a.add_argument("-k", help="pytest -k expression")
    a.add_argument("--files", nargs="*", help="only bench files whose path contains these")
    a.add_argument("--out-dir", help="where the per-round and combined runs go")
    a.add_argument("--threshold", type=float, default=AB_THRESHOLD)
    a.add_argument("--family-threshold", type=float, default=AB_FAMILY_THRESHOLD)
    args = ap.parse_args(list(argv) if argv is not None else None)
    STAT["name"] = getattr(args, "stat", DEFAULT_STAT)
    cmds = {"run": cmd_run, "compare": cmd_compare, "noise": cmd_noise, "report": cmd_report,
            "ab": cmd_ab}
    return cmds[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
