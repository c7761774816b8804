"""nnla on scipy's BLAS: the routines come from scipy's capsules, the process holds no BLAS copy of
nnla's own, nnla never changes the library's thread setting, results are bitwise identical for every
thread count (nnla's and BLAS's), and nnla lives beside other packages' OpenMP runtimes."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap

import nnla
import numpy as np
import pytest
import scipy.linalg.cython_blas
import scipy.linalg.cython_lapack
from nnla import _blas, _core
from threadpoolctl import ThreadpoolController, threadpool_limits


def _run_python(code: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _scipy_blas_path() -> str:
    """The file holding scipy's dgemm, found independently of nnla (through /proc/self/maps)."""
    handle = ctypes.CDLL(scipy.linalg.cython_blas.__file__)
    name = next(n for n in ("scipy_dgemm_", "dgemm_") if hasattr(handle, n))
    address = ctypes.cast(getattr(handle, name), ctypes.c_void_p).value
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            low, high = (int(x, 16) for x in fields[0].split("-"))
            if low <= address < high:
                return fields[5]
    raise AssertionError("dgemm is not in a mapped file")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_info_names_the_blas_scipy_loaded() -> None:
    info = nnla.info()
    assert info["blas_library"] == _scipy_blas_path()
    scipy_lib = next(
        c for c in ThreadpoolController().lib_controllers if c.filepath == info["blas_library"]
    )
    assert info["blas_threads"] == scipy_lib.num_threads
    assert info["blas"].startswith(scipy_lib.internal_api)


def test_no_blas_of_its_own() -> None:
    """Importing nnla and calling it adds no BLAS library to the process."""
    proc = _run_python(
        """
        import numpy, scipy.linalg, threadpoolctl
        def blas():
            return sorted(c.filepath for c in threadpoolctl.ThreadpoolController().lib_controllers
                          if c.user_api == "blas")
        before = blas()
        import nnla
        nnla.expm(numpy.random.default_rng(0).standard_normal((3, 80, 80)) / 80, n_threads=2)
        print(before == blas(), len(before), blas())
        """
    )
    assert proc.returncode == 0, proc.stderr
    same, count, libs = proc.stdout.split(" ", 2)
    assert same == "True", libs
    assert int(count) >= 1
    assert "scipy_openblas32" not in libs


@pytest.mark.parametrize("limit", [1, 2])
def test_blas_thread_setting_is_never_changed(limit: int) -> None:
    rng = np.random.default_rng(1)
    with threadpool_limits(limits=limit, user_api="blas"):
        before = ThreadpoolController().info()
        assert _blas.threads() == limit
        nnla.expm(rng.standard_normal((6, 90, 90)) / 90, n_threads=2)  # batch over OpenMP
        nnla.expm(rng.standard_normal((200, 200)) / 200, n_threads=2)  # one matrix: BLAS threads
        nnla.logm(np.eye(70) + rng.standard_normal((3, 70, 70)) / 70, n_threads=3)
        nnla.sqrtm(np.eye(40) + rng.standard_normal((40, 40)) / 40, n_threads=2)
        assert _blas.threads() == limit
        assert ThreadpoolController().info() == before


_FUNCS = {
    "expm": lambda a, k: nnla.expm(a, n_threads=k),
    "expm_frechet": lambda a, k: nnla.expm_frechet(a, a[..., ::-1, :].copy(), n_threads=k)[1],
    "expm_cond": lambda a, k: nnla.expm_cond(a, n_threads=k),
    "logm": lambda a, k: nnla.logm(a, n_threads=k),
    "sqrtm": lambda a, k: nnla.sqrtm(a, n_threads=k),
    "signm": lambda a, k: nnla.signm(a, n_threads=k),
}


def _inputs(func: str, batch: int, d: int, dtype: str) -> np.ndarray:
    rng = np.random.default_rng(batch * 1000 + d)
    a = rng.standard_normal((batch, d, d))
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal((batch, d, d))
    a = a / np.sqrt(d)
    if func in ("logm", "sqrtm"):
        a = a + 3.0 * np.eye(d)
    if func == "signm":  # eigenvalues well away from the imaginary axis, on both sides
        a = a + 3.0 * np.diag(np.where(np.arange(d) % 2 == 0, 1.0, -1.0))
    return a.astype(dtype)


@pytest.mark.parametrize("func", sorted(_FUNCS))
@pytest.mark.parametrize("dtype", ["float64", "complex128", "float32"])
def test_results_identical_for_every_thread_count(func: str, dtype: str) -> None:
    """Batches smaller and larger than the thread count, sizes on and off the fused paths, and
    BLAS itself on 1 and 2 threads: every result bitwise equal to the one-thread one."""
    if func == "expm_cond" and dtype != "float64":
        pytest.skip("expm_cond: float64 is enough (the same batch loop)")
    for batch, d in [(1, 130), (2, 70), (3, 33), (5, 9)]:
        a = _inputs(func, batch, d, dtype)
        with threadpool_limits(limits=1, user_api="blas"):
            ref = _FUNCS[func](a, 1)
        for blas_threads in (1, 2):
            with threadpool_limits(limits=blas_threads, user_api="blas"):
                for k in (1, 2, 3, 4):
                    out = _FUNCS[func](a, k)
                    assert np.array_equal(out, ref, equal_nan=True), (batch, d, blas_threads, k)


@pytest.mark.parametrize("func", ["expm", "logm"])
def test_large_orders_identical_for_every_thread_count(func: str) -> None:
    """From d = 512 the members run one at a time on BLAS's own threads: still the same bits for
    every nnla thread count (at a fixed BLAS thread count, whose own results OpenBLAS varies)."""
    a = _inputs(func, 2, 520, "float64")
    ref = _FUNCS[func](a, 1)
    for k in (2, 3):
        assert np.array_equal(_FUNCS[func](a, k), ref), k


def test_install_names_a_missing_routine() -> None:
    capi = dict(scipy.linalg.cython_lapack.__pyx_capi__)
    del capi["dgehd2"]
    with pytest.raises(ImportError, match="dgehd2"):
        _core._install_blas(dict(scipy.linalg.cython_blas.__pyx_capi__), capi)


def test_install_refuses_a_different_table() -> None:
    blas = dict(scipy.linalg.cython_blas.__pyx_capi__)
    blas["dgemm"], blas["sgemm"] = blas["sgemm"], blas["dgemm"]
    with pytest.raises(ValueError, match="already installed"):
        _core._install_blas(blas, dict(scipy.linalg.cython_lapack.__pyx_capi__))
    _blas.install(_core)  # the same table again: accepted
    x = np.random.default_rng(2).standard_normal((50, 50)) / 50
    assert np.allclose(nnla.expm(x), scipy.linalg.expm(x), rtol=1e-13, atol=1e-14)


_ORDERS = {
    "sklearn first": "import sklearn.cluster\nimport nnla",
    "nnla first": "import nnla\nimport sklearn.cluster",
}


@pytest.mark.parametrize("order", sorted(_ORDERS))
def test_beside_another_openmp_runtime(order: str) -> None:
    """scikit-learn carries its own libgomp: both import orders run a 2-thread batch of nnla and an
    OpenMP-parallel scikit-learn fit, without crash or deadlock (bounded by a timeout)."""
    pytest.importorskip("sklearn")
    code = _ORDERS[order] + textwrap.dedent(
        """
        import numpy as np, scipy.linalg
        rng = np.random.default_rng(0)
        a = rng.standard_normal((64, 30, 30)) / 30
        for _ in range(3):
            x = nnla.expm(a, n_threads=2)
            km = sklearn.cluster.KMeans(4, n_init=2, random_state=0)
            km.fit(rng.standard_normal((4000, 8)))
        ref = np.stack([scipy.linalg.expm(m) for m in a])
        print(np.abs(x - ref).max() < 1e-12, len(km.cluster_centers_))
        """
    )
    proc = _run_python(code, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "4"], proc.stdout


def test_serial_other_blas_limits_only_the_other_libraries() -> None:
    def counts() -> dict[str, int]:
        return {c.filepath: c.num_threads for c in ThreadpoolController().lib_controllers
                if c.user_api == "blas"}

    scipys = _blas.library().get("filepath")
    with threadpool_limits(2, user_api="blas"):
        before = counts()
        with _blas.serial_other_blas():
            inside = counts()
            y = np.ones((200, 200)) @ np.ones(200)
        assert counts() == before
        with pytest.raises(RuntimeError), _blas.serial_other_blas():
            raise RuntimeError("restored on the way out")
        assert counts() == before
    assert float(y[0]) == 200.0
    for path, n in inside.items():
        assert n == (before[path] if path == scipys else 1)
    if len(before) > 1:  # numpy's own OpenBLAS beside scipy's (the PyPI wheels)
        assert any(n == 1 for p, n in inside.items() if p != scipys)
