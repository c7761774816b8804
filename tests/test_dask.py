"""nnla on Dask: the batched functions, ``matrix_function_pairs(chunks=)`` and ``write``.

Every result is compared bit for bit with the in-memory call, on the synchronous and threaded
schedulers and on a ``dask.distributed.LocalCluster`` of two worker processes bound to 127.0.0.1
(started and closed by a module fixture, with timeouts).  Skipped without Dask.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal

import nnla
import nnla.datasets as ds
import numpy as np
import pytest
from nnla import _dask

da = pytest.importorskip("dask.array", exc_type=ImportError)
dask = pytest.importorskip("dask", exc_type=ImportError)

SCHEDULERS = ("sync", "threads")


def _stack(shape: tuple[int, ...], seed: int = 0, spd: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if spd:  # eigenvalues away from the negative axis and from zero: logm/sqrtm stay real
        a = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    return a


def _batched_cases():
    a = _stack((23, 4, 4), 1)
    e = _stack((23, 4, 4), 2)
    p = _stack((23, 4, 4), 3, spd=True)
    return [
        ("expm", lambda x: nnla.expm(x), a),
        ("expm_cond", lambda x: nnla.expm_cond(x), a),
        ("logm", lambda x: nnla.logm(x), p),
        ("logm-complex", lambda x: nnla.logm(x), a),
        ("sqrtm", lambda x: nnla.sqrtm(x), p),
        ("signm", lambda x: nnla.signm(x), a),
        ("signm-residual", lambda x: nnla.signm(x, return_residual=True), a),
        ("expm_frechet", lambda x: nnla.expm_frechet(x, e if isinstance(x, np.ndarray) else
                                                      da.from_array(e, chunks=(9, 4, 4))), a),
    ]


def _as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize(("name", "call", "a"), _batched_cases(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_batched_functions_equal_in_memory(name, call, a, scheduler) -> None:
    lazy = call(da.from_array(a, chunks=(5, 2, 3)))  # core axes chunked too: rechunked
    for r in _as_tuple(lazy):
        assert isinstance(r, da.Array)
        assert r.chunks[0] == (5, 5, 5, 5, 3) or r.chunks[0][0] in (5, 9)
    got = dask.compute(*_as_tuple(lazy), scheduler=scheduler)
    want = _as_tuple(call(a))
    for g, w in zip(got, want):
        if name in ("logm", "sqrtm") :  # complex on Dask; the imaginary part is exactly zero
            assert g.dtype == np.result_type(w.dtype, np.complex64)
            assert not g.imag.any()
        else:
            assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_several_batch_axes_float32_and_one_matrix() -> None:
    a = _stack((6, 5, 3, 3), 4).astype(np.float32)
    lazy = nnla.expm(da.from_array(a, chunks=(2, 3, 3, 3)))
    assert lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy.compute(scheduler="sync"), nnla.expm(a))
    one = a[0, 0]
    np.testing.assert_array_equal(nnla.expm(da.from_array(one)).compute(), nnla.expm(one))
    assert nnla.expm(da.zeros((0, 3, 3))).compute().shape == (0, 3, 3)
    ints = da.from_array(np.arange(8).reshape(2, 2, 2), chunks=1)
    want = nnla.expm(np.arange(8.0).reshape(2, 2, 2))
    np.testing.assert_array_equal(nnla.expm(ints).compute(), want)


def test_nothing_runs_until_computed() -> None:
    calls = []
    a = da.from_array(_stack((8, 3, 3)), chunks=4).map_blocks(
        lambda b: calls.append(b.shape[0]) or b, meta=np.empty((0, 0, 0))
    )
    lazy = nnla.sqrtm(nnla.expm(a))
    assert calls == []
    lazy.compute(scheduler="sync")
    assert calls == [4, 4]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: nnla.expm(da.ones(3)), r"a must be a \(\.\.\., d, d\) stack .* shape \(3,\)"),
        (lambda: nnla.logm(da.ones((3, 2, 3))), r"shape \(3, 2, 3\)"),
        (lambda: nnla.signm(da.ones((3, 2, 2), dtype=bool)), r"a has dtype bool"),
        (lambda: nnla.expm_frechet(da.ones((3, 2, 2)), da.ones((4, 2, 2))),
         r"e must have the shape of a"),
        (lambda: nnla.expm(da.ones((6, 2, 2))[da.ones(6, dtype=bool)]), r"unknown chunk sizes"),
    ],
)
def test_bad_dask_input(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_errors_in_a_chunk_name_its_position() -> None:
    z = np.zeros((6, 2, 2))
    z[4, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"batch indices \[\(1,\)\].*chunk that starts at batch "
                                         r"index \(3,\)"):
        nnla.expm(da.from_array(z, chunks=3)).compute(scheduler="sync")
    got = nnla.expm(da.from_array(z, chunks=3), check_finite=False).compute(scheduler="sync")
    np.testing.assert_array_equal(got, nnla.expm(z, check_finite=False))
    with pytest.raises(nnla.errors.SingularMatrixError, match="starts at batch index"):
        nnla.logm(da.zeros((4, 2, 2), chunks=2)).compute(scheduler="sync")


def test_task_threads() -> None:
    assert _dask.task_threads(3) == 3
    assert dask.delayed(_dask.task_threads)(None).compute(scheduler="sync") == \
        nnla.get_num_threads()
    assert dask.delayed(_dask.task_threads)(None).compute(scheduler="threads") == 1


# ------------------------------------------------------------------------------------------------
# Data sets
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "family", "dtype", "n", "chunks"),
    [
        ("expm", "uniform", np.float64, 2500, 1000),  # chunks across seed blocks
        ("expm", "nonnormal", np.complex128, 700, 1025),  # one chunk
        ("logm", "gaussian", np.float64, 300, 64),  # complex FX on Dask
        ("sqrtm", "symmetric", np.float32, 300, 100),
        ("signm", "wigner", np.float64, 300, 77),
    ],
)
@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_pairs_on_dask_equal_in_memory(f, family, dtype, n, chunks, scheduler) -> None:
    mem = ds.matrix_function_pairs(f, n, 4, family=family, dtype=dtype, seed=9)
    lazy = ds.matrix_function_pairs(f, n, 4, family=family, dtype=dtype, seed=9, chunks=chunks)
    assert "valid=lazy" in repr(lazy.info)
    x, fx, valid, cond = dask.compute(lazy.X, lazy.FX, lazy.info.valid, lazy.info.cond,
                                      scheduler=scheduler)
    np.testing.assert_array_equal(x, mem.X)
    np.testing.assert_array_equal(fx, mem.FX)
    np.testing.assert_array_equal(valid, mem.info.valid)
    np.testing.assert_array_equal(cond, mem.info.cond)
    assert lazy.FX.chunks[0][0] == min(chunks, n)
    assert lazy.info.cond_method == mem.info.cond_method


def test_samples_do_not_depend_on_n_or_chunking() -> None:
    big = ds.matrix_function_pairs("expm", 3000, 3, seed=2, cond="none")
    small = ds.matrix_function_pairs("expm", 1500, 3, seed=2, cond="none", chunks=333)
    np.testing.assert_array_equal(small.X.compute(scheduler="sync"), big.X[:1500])
    assert ds.matrix_function_pairs("expm", 0, 3, chunks=10).X.compute().shape == (0, 3, 3)
    with pytest.raises(ValueError, match="chunks must be an integer >= 1"):
        ds.matrix_function_pairs("expm", 10, 3, chunks=0)


def _read_all(directory) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_write_in_parallel_equals_in_memory(tmp_path, scheduler) -> None:
    mem = ds.matrix_function_pairs("expm", 1200, 3, scale=2.0, seed=5)
    lazy = ds.matrix_function_pairs("expm", 1200, 3, scale=2.0, seed=5, chunks=500)
    forms = ("npz", "text", "zarr") if _has_zarr() else ("npz", "text")
    with dask.config.set(scheduler=scheduler):
        m1 = ds.write(lazy, tmp_path / "lazy", forms=forms, encoding="B1999")
    ds.write(mem, tmp_path / "mem", forms=("npz", "text"), encoding="B1999", shard_size=500)
    man = json.loads(m1.read_text())
    assert [s["count"] for s in man["shards"]] == [500, 500, 200]
    assert (man["count"], man["seed"], man["encoding"]) == (1200, 5, "B1999")
    assert (man["function"], man["family"], man["d"]) == ("expm", "uniform", 3)
    assert man["nnla_version"] == nnla.__version__
    # the shards are the same files whoever wrote them
    a, b = _read_all(tmp_path / "lazy"), _read_all(tmp_path / "mem")
    for name in b:
        if name.endswith(".txt"):
            assert a[name] == b[name]
    for form in forms:
        back = ds.load(tmp_path / "lazy", form=form)
        if form == "text":
            assert back.info.encoding == "B1999"
            rep = ds.score(back.FX, mem.FX, tolerances=(0.005,))
            assert rep.within[0.005] == 1.0
        else:
            np.testing.assert_array_equal(back.X, mem.X)
            np.testing.assert_array_equal(back.FX, mem.FX)
            np.testing.assert_array_equal(back.info.cond, mem.info.cond)


def _has_zarr() -> bool:
    try:
        import zarr  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------------
# dask.distributed: two worker processes on the loopback interface
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", exc_type=ImportError)
    # distributed's Nanny writes its workers' settings (OMP_NUM_THREADS=1, MALLOC_TRIM_...) into
    # this process's os.environ before spawning them: put the environment back afterwards
    environ = dict(os.environ)
    with _deadline(120):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
        )
        cl = distributed.Client(cluster, timeout="60s")
    try:
        yield cl
    finally:
        cl.close(timeout=30)
        cluster.close(timeout=30)
        os.environ.clear()
        os.environ.update(environ)


@contextlib.contextmanager
def _deadline(seconds: float):
    """Fail instead of hanging: SIGALRM interrupts whatever the main thread waits on."""

    def stop(signum, frame):
        raise TimeoutError(f"the LocalCluster test took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_local_cluster(client, tmp_path) -> None:
    with _deadline(240):
        _local_cluster_checks(client, tmp_path)


def _local_cluster_checks(client, tmp_path) -> None:
    a = _stack((40, 5, 5), 7)
    got = nnla.expm(da.from_array(a, chunks=7)).compute()
    np.testing.assert_array_equal(got, nnla.expm(a))
    workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
    # one nnla thread per task: the worker has one thread (and its nanny set OMP_NUM_THREADS=1)
    threads = client.submit(_dask.task_threads, None, pure=False).result(timeout=60)
    assert threads == 1
    mem = ds.matrix_function_pairs("logm", 900, 3, family="gaussian", seed=3)
    lazy = ds.matrix_function_pairs("logm", 900, 3, family="gaussian", seed=3, chunks=200)
    m = ds.write(lazy, tmp_path / "pairs", forms=("npz", "text"), encoding="FP15")
    back = ds.load(m)
    np.testing.assert_array_equal(back.X, mem.X)
    np.testing.assert_array_equal(back.FX, mem.FX)
    np.testing.assert_array_equal(back.info.valid, mem.info.valid)
    assert len(json.loads(m.read_text())["shards"]) == 5


def _counting_block(log: str, start: int, stop: int, n_threads: int) -> tuple[np.ndarray, ...]:
    with open(log, "a") as fh:
        fh.write(f"{start}\n")
    k = stop - start
    return (np.full((k, 2, 2), float(start)), np.ones((k, 2, 2)), np.ones(k, dtype=bool),
            np.zeros(k))


def test_each_chunk_runs_once_when_all_outputs_are_written(tmp_path) -> None:
    """Regression: per-array graph optimisation used to run a chunk once per output array."""
    log = tmp_path / "calls.txt"
    specs = [((2, 2), np.float64), ((2, 2), np.float64), ((), bool), ((), np.float64)]
    x, fx, valid, cond = _dask.pairs(_counting_block, (str(log),), 10, 3, 1, specs)
    info = ds.DatasetInfo("expm", "uniform", 10, 2, 1.0, "float64", 0, valid, cond, "none")
    with dask.config.set(scheduler="sync"):
        ds.write(ds.MatrixFunctionData(x, fx, info), tmp_path / "out", forms=("npz", "text"))
    assert sorted(log.read_text().split()) == ["0", "3", "6", "9"]
    back = ds.load(tmp_path / "out")
    np.testing.assert_array_equal(back.X[:, 0, 0], [0, 0, 0, 3, 3, 3, 6, 6, 6, 9])
