"""Benchmark: matrix-function pairs generated and written on Dask, one process vs a LocalCluster.

Self-contained (not a pytest-benchmark file).  It measures, for ``n`` pairs ``(X, expm(X))`` of
5x5 matrices (uniform family, ``cond="none"``) written as ``.npz`` shards of ``chunk`` samples:

- ``t1``: one process, Dask's synchronous scheduler, one nnla thread;
- ``t2``: a ``LocalCluster`` of ``workers`` processes x 1 thread on 127.0.0.1;
- parallel efficiency ``t1 / (workers * t2)`` (goal >= 0.8);
- peak RSS of each worker process (``ru_maxrss``) against ``3 x chunk bytes + 300 MB``;
- the overhead per chunk: the same ``n_overhead`` pairs written with ``small`` and with ``chunk``
  samples a chunk on the cluster, ``(t_small - t_big) / (chunks_small - chunks_big)``;
- that both writers produced the same bytes (determinism across workers and schedulers);
- the same work split over ``workers`` plain processes without Dask (``t_plain``), the parallel
  run this machine allows: ``dask_vs_plain = t_plain / t2`` is what Dask itself costs.

On a machine shared with other work the wall-clock figures measure the load as much as nnla, so
CPU times are recorded beside them (``psutil``: the one process; the workers plus the client
process, which hosts the scheduler): ``cpu_efficiency = cpu_one / cpu_cluster`` is the share of
the cluster's CPU spent on the work itself, the efficiency an otherwise idle machine would show
with balanced workers.  ``--repeat`` alternates the one-process and cluster runs.

``--malloc-trim off`` starts the workers without the ``MALLOC_TRIM_THRESHOLD_=65536`` that
Dask's nanny sets by default: that setting makes glibc return every freed block above 64 KiB to
the system, and the numpy temporaries of a chunk then page-fault afresh (measured: 1.7x the CPU
time of a 5x5 ``expm`` data set, in any process with that setting).

Usage::

    PYTHONPATH=python python bench/dask_pairs.py --n 10000000 --chunk 100000 --out /tmp/nnla-bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dask
import nnla
import numpy as np
import psutil
from distributed import Client, LocalCluster


def _pairs(n: int, chunk: int) -> nnla.datasets.MatrixFunctionData:
    return nnla.datasets.matrix_function_pairs(
        "expm", n, 5, seed=1, cond="none", chunks=chunk, n_threads=1
    )


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(directory.glob("pairs-*.npz")):
        with np.load(p) as z:
            for k in ("X", "FX", "valid"):
                h.update(z[k].tobytes())
    return h.hexdigest()


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def _timed_write(data, directory: Path, pids: list[int]) -> tuple[float, float]:
    """(wall, cpu) seconds of writing ``data``; cpu summed over ``pids``."""
    shutil.rmtree(directory, ignore_errors=True)
    c = _cpu(pids)
    t = time.perf_counter()
    nnla.datasets.write(data, directory)
    return time.perf_counter() - t, _cpu(pids) - c


def _plain_half(args: tuple[int, int, int, str]) -> tuple[float, float]:
    """One of two plain processes: its share of the pairs in memory, written as shards."""
    n, chunk, seed, directory = args
    c = time.process_time()
    data = nnla.datasets.matrix_function_pairs("expm", n, 5, seed=seed, cond="none", n_threads=1)
    nnla.datasets.write(data, directory, shard_size=chunk)
    return time.process_time() - c, _maxrss_mb()


def _plain_parallel(n: int, chunk: int, workers: int, out: Path) -> tuple[float, float]:
    """(wall, cpu) of ``workers`` plain processes, each making and writing ``n / workers``
    pairs without Dask: the parallel run the machine allows, the reference for Dask's."""
    dirs = [out / f"plain{i}" for i in range(workers)]
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        list(pool.map(_maxrss_mb, range(workers)))  # processes up, nnla imported
        t = time.perf_counter()
        got = list(pool.map(_plain_half, [(n // workers, chunk, 10 + i, str(d))
                                          for i, d in enumerate(dirs)]))
        wall = time.perf_counter() - t
    return wall, sum(c for c, _ in got)


def _maxrss_mb(_: object = None) -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n-overhead", type=int, default=200_000)
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/nnla-dask-bench"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--malloc-trim", choices=("dask", "off"), default="dask")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    chunk_bytes = args.chunk * (2 * 25 * 8 + 1 + 8)  # X, FX, valid, cond

    res: dict[str, object] = {
        "n": args.n,
        "chunk": args.chunk,
        "workers": args.workers,
        "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
        "nnla": nnla.__version__,
        "dask": dask.__version__,
    }

    me = [os.getpid()]
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    if args.malloc_trim == "off":
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    res["worker_environ"] = environ
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=0,
        )
    runs = []
    with Client(cluster) as client:
        client.run(lambda: __import__("nnla.datasets"))  # workers up, nnla imported
        pids = me + list(client.run(os.getpid).values())
        base = client.run(_maxrss_mb)
        for _ in range(args.repeat):
            with dask.config.set(scheduler="sync"):
                w1, c1 = _timed_write(_pairs(args.n, args.chunk), out / "one", me)
            w2, c2 = _timed_write(_pairs(args.n, args.chunk), out / "cluster", pids)
            wp, cp = _plain_parallel(args.n, args.chunk, args.workers, out)
            runs.append({"t1_s": w1, "cpu1_s": c1, "t2_s": w2, "cpu2_s": c2,
                         "t_plain_s": wp, "cpu_plain_s": cp, "loadavg": os.getloadavg()[0]})
        peak = client.run(_maxrss_mb)
        res["runs"] = runs
        res["one_process_maxrss_mb"] = _maxrss_mb()
        res["worker_rss_at_start_mb"] = sorted(base.values())
        res["worker_peak_rss_mb"] = sorted(peak.values())
        ws, cs = _timed_write(_pairs(args.n_overhead, args.small), out / "small", pids)
        wb, cb = _timed_write(_pairs(args.n_overhead, args.chunk), out / "big", pids)
        c_small = -(-args.n_overhead // args.small)
        c_big = -(-args.n_overhead // args.chunk)
        res["overhead_run"] = {"n": args.n_overhead, "chunks_small": c_small,
                               "chunks_big": c_big, "wall_small_s": ws, "wall_big_s": wb,
                               "cpu_small_s": cs, "cpu_big_s": cb}
        res["overhead_per_chunk_wall_ms"] = 1e3 * (ws - wb) / (c_small - c_big)
        res["overhead_per_chunk_cpu_ms"] = 1e3 * (cs - cb) / (c_small - c_big)
    cluster.close()

    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    res["parallel_efficiency_wall"] = med["t1_s"] / (args.workers * med["t2_s"])
    res["cpu_efficiency"] = med["cpu1_s"] / med["cpu2_s"]
    res["plain_parallel_efficiency_wall"] = med["t1_s"] / (args.workers * med["t_plain_s"])
    res["plain_cpu_efficiency"] = med["cpu1_s"] / med["cpu_plain_s"]
    res["dask_vs_plain_wall"] = med["t_plain_s"] / med["t2_s"]
    res["dask_vs_plain_cpu"] = med["cpu_plain_s"] / med["cpu2_s"]
    res["memory_bound_mb"] = 3 * chunk_bytes / 2**20 + 300
    res["chunk_mb"] = chunk_bytes / 2**20
    res["same_bytes"] = _digest(out / "one") == _digest(out / "cluster")
    res["loadavg_after"] = os.getloadavg()
    shutil.rmtree(out, ignore_errors=True)
    text = json.dumps(res, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
