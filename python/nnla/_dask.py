"""Dask glue: nnla's batched functions and data sets on Dask arrays.

This module imports nothing of Dask until a Dask array is seen (:func:`is_dask` looks the class
up in ``sys.modules``: without ``dask.array`` imported, no object can be a Dask array), so
``import nnla`` never imports Dask.  The batched functions call :func:`batched` with themselves;
the data sets call :func:`pairs` and :func:`materialize`.

Threads: inside a Dask task, ``n_threads=None`` resolves (when the task runs) to the package
default divided by the tasks that run at once: the worker's threads on a ``dask.distributed``
worker (whose nanny sets ``OMP_NUM_THREADS=1`` by default, so 1), one on a pool thread of the
threaded scheduler (it runs one task per core), and the whole default on the synchronous
scheduler.  Results do not depend on it (nnla's kernels give the same bits for every thread
count), only the oversubscription does.

Memory allocator: Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which makes
glibc hand every freed block above 64 KiB back to the system; the numpy temporaries of each
chunk then page-fault afresh, and a 5x5 ``expm`` data set costs 1.7x the CPU time (measured,
``bench/dask_pairs.py --malloc-trim``).  For throughput, start the workers without it::

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        cluster = LocalCluster(...)
"""

from __future__ import annotations

import functools
import math
import operator
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnla._threads import resolve_threads
from nnla._validate import as_matrix_stack

__all__ = ["batched", "is_dask", "materialize", "pairs", "task_threads"]


def is_dask(*objs: object) -> bool:
    """True if one of ``objs`` is a Dask array (without importing Dask)."""
    mod = sys.modules.get("dask.array")
    return mod is not None and any(isinstance(o, mod.Array) for o in objs)


def _dask_array() -> Any:
    try:
        import dask.array as da  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as exc:  # pragma: no cover - is_dask() implies it is importable
        raise ImportError("this needs Dask: pip install 'nnla[dask]'") from exc
    return da


def task_threads(n_threads: int | None) -> int:
    """The nnla thread count of one Dask task (see the module docstring)."""
    if n_threads is not None:
        return resolve_threads(n_threads)
    total = resolve_threads(None)
    try:
        from distributed import get_worker  # noqa: PLC0415 - optional, only inside a task

        return max(1, total // max(1, get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        pass
    if threading.current_thread() is threading.main_thread():
        return total  # the synchronous scheduler: one task at a time
    return 1


def _call(
    func: Callable[..., Any],
    n_threads: int | None,
    dtypes: tuple[np.dtype, ...],
    kwargs: dict[str, Any],
    *blocks: np.ndarray,
) -> Any:
    """One chunk: ``func`` on the blocks; the last block holds the batch index of each matrix,
    named in the message of an error (whose own indices count from the chunk's start)."""
    *mats, pos = blocks
    try:
        out = func(*mats, n_threads=task_threads(n_threads), **kwargs)
    except (ValueError, np.linalg.LinAlgError) as exc:
        if pos.ndim > 1 and pos.size and exc.args:
            origin = tuple(int(v) for v in pos.reshape(-1, pos.shape[-1])[0])
            exc.args = (f"{exc.args[0]} [batch indices within the Dask chunk that starts at "
                        f"batch index {origin}]", *exc.args[1:])
        raise
    if len(dtypes) == 1:
        return np.asarray(out).astype(dtypes[0], copy=False)
    return tuple(np.asarray(o).astype(t, copy=False) for o, t in zip(out, dtypes))


def _complex(dt: np.dtype) -> np.dtype:
    return np.result_type(dt, np.complex64)


def _real(dt: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if dt in (np.float32, np.complex64) else np.dtype(np.float64)


_OUT = {"same": lambda dt: dt, "complex": _complex, "real": _real, "float64": np.dtype}


def batched(
    func: Callable[..., Any],
    arrays: Sequence[object],
    names: Sequence[str],
    signature: str,
    outputs: Sequence[str],
    n_threads: int | None,
    **kwargs: Any,
) -> Any:
    """``func`` on Dask arrays chunked along their batch axes; a lazy Dask array (or a tuple).

    The core axes (the last two) are rechunked to one chunk; several inputs share their batch
    chunks (Dask unifies them).  ``outputs`` gives each output's dtype from the common input
    dtype: "same", "complex" (the complex dtype: ``logm``/``sqrtm`` of real input, since a chunk
    cannot know whether another one needs complex values), "real" or "float64".
    """
    da = _dask_array()
    arrs = [a if is_dask(a) else da.asarray(a) for a in arrays]
    dts = []
    for a, name in zip(arrs, names):
        if a.ndim < 2 or (not any(math.isnan(s) for s in a.shape[-2:])
                          and a.shape[-1] != a.shape[-2]):
            raise ValueError(
                f"{name} must be a (..., d, d) stack of square matrices, got shape {a.shape}"
            )
        if any(math.isnan(s) for s in a.shape):
            raise ValueError(
                f"{name} has unknown chunk sizes (shape {a.shape}); call compute_chunk_sizes() "
                "first"
            )
        probe = np.empty((0, *a.shape[-2:]), dtype=a.dtype)
        dts.append(as_matrix_stack(probe, name).dtype)  # the dtype rules of the in-memory call
    if len(arrs) > 1 and arrs[0].shape != arrs[1].shape:
        raise ValueError(f"{names[1]} must have the shape of {names[0]} {arrs[0].shape}, "
                         f"got shape {arrs[1].shape}")
    common = np.result_type(*dts)
    arrs = [a.astype(common).rechunk({a.ndim - 2: -1, a.ndim - 1: -1}) for a in arrs]
    out_dtypes = tuple(_OUT[o](common) for o in outputs)
    fn = functools.partial(_call, func, n_threads, out_dtypes, kwargs)
    batch = arrs[0].shape[:-2]
    if batch:
        pos = da.moveaxis(da.indices(batch, chunks=arrs[0].chunks[:-2], dtype=np.int64), 0, -1)
    else:  # one matrix: no batch index to name
        pos = da.zeros(1, dtype=np.int64)
    ins, outs = signature.split("->")
    res = da.apply_gufunc(
        fn,
        f"{ins},(k)->{outs}",
        *arrs,
        pos,
        output_dtypes=out_dtypes if len(out_dtypes) > 1 else out_dtypes[0],
        vectorize=False,
        allow_rechunk=True,  # batch chunks of several inputs unified; core axes are one chunk
    )
    return tuple(res) if len(out_dtypes) > 1 else res


def materialize(*arrays: object) -> list[np.ndarray]:
    """numpy arrays of ``arrays``, the Dask ones computed together (shared work done once)."""
    if not is_dask(*arrays):
        return [np.asarray(a) for a in arrays]
    _dask_array()
    import dask  # noqa: PLC0415 - optional dependency

    return [np.asarray(a) for a in dask.compute(*arrays)]


def _pairs_task(
    block: Callable[..., Any],
    start: int,
    stop: int,
    *,
    n_threads: int | None,
    args: tuple,
    dtypes: tuple[np.dtype, ...],
) -> tuple[np.ndarray, ...]:
    out = block(*args, start, stop, task_threads(n_threads))
    return tuple(o.astype(t, copy=False) for o, t in zip(out, dtypes))


def pairs(
    block: Callable[..., tuple[np.ndarray, ...]],
    args: tuple,
    n: int,
    chunk: int,
    n_threads: int | None,
    specs: Sequence[tuple[tuple[int, ...], np.dtype]],
) -> list[Any]:
    """Dask arrays of the outputs of ``block(*args, start, stop, n_threads)`` over chunks of
    ``range(n)``; ``specs`` gives each output's per-sample shape and dtype.

    One task a chunk computes all outputs, and each output's block is one item of it (two tasks
    a chunk and output in all, the fewest a graph of several arrays allows); the names are
    tokens of the arguments, so equal calls give equal graphs.
    """
    da = _dask_array()
    from dask.base import tokenize  # noqa: PLC0415 - optional dependency
    from dask.highlevelgraph import HighLevelGraph  # noqa: PLC0415

    if n == 0:
        return [da.from_array(np.empty((0, *shape), dtype=dt)) for shape, dt in specs]
    dtypes = tuple(np.dtype(dt) for _, dt in specs)
    run = functools.partial(_pairs_task, block, n_threads=n_threads, args=args, dtypes=dtypes)
    starts = list(range(0, n, chunk))
    sizes = tuple(min(chunk, n - s) for s in starts)
    token = tokenize(block, args, n, chunk, n_threads, dtypes)
    base = f"nnla-pairs-{token}"
    layers: dict[str, dict] = {base: {(base, i): (run, s, s + k)
                                      for i, (s, k) in enumerate(zip(starts, sizes))}}
    out = []
    for j, (shape, dt) in enumerate(specs):
        name = f"nnla-pairs-{j}-{token}"
        layer = {(name, i, *(0,) * len(shape)): (operator.getitem, (base, i), j)
                 for i in range(len(starts))}
        graph = HighLevelGraph({**layers, name: layer}, {base: set(), name: {base}})
        out.append(da.Array(graph, name, (sizes, *((s,) for s in shape)), dtype=dt))
    return out
