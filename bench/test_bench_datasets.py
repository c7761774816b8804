"""pytest-benchmark suite: generating matrix-function data sets with ``nnla.datasets``.

Target (issue 8): 10^6 pairs of 5x5 expm in <= 10 s on 2 cores.  The benchmarks time 10^5 pairs
per call (so each stays short) and store the extrapolation to 10^6 in ``extra_info``; run this
file as a script to time 10^6 pairs once::

    pytest bench/test_bench_datasets.py --benchmark-only
    NNLA_BENCH_THREADS=2 pytest bench/test_bench_datasets.py --benchmark-only --benchmark-autosave
    python bench/test_bench_datasets.py            # 10^6 pairs, once per setting

Grid: f = expm with ``cond`` in {"none", "auto"} (auto: ``nnla.expm_cond`` where the build has
it, else the eigenvalue estimate) and families {uniform, symmetric, orthogonal, nonnormal}; logm,
sqrtm and signm (10^4 pairs, skipped until the build has them).  Threads: ``NNLA_BENCH_THREADS``
(default 2, the target's setting) for nnla's kernels; numpy's BLAS is limited to the same count
by threadpoolctl when installed.  No timing assertions: these machines are noisy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "2")))
N_EXPM = 100_000
N_OTHER = 10_000
D = 5

pytestmark = pytest.mark.benchmark(max_time=2.0, min_rounds=3, warmup=False)


@pytest.fixture(scope="module", autouse=True)
def bench_threads() -> Iterator[None]:
    nnla = pytest.importorskip("nnla")
    nnla.set_num_threads(THREADS)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
    else:
        with threadpool_limits(THREADS):
            yield
    nnla.set_num_threads(None)


def _run(benchmark: Any, f: str, n: int, **kw: Any) -> None:
    nnla = pytest.importorskip("nnla")
    if not hasattr(nnla, f):
        pytest.skip(f"nnla.{f} is not in this build")
    out = benchmark(nnla.datasets.matrix_function_pairs, f, n, D, **kw)
    assert out.X.shape == (n, D, D)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(
        n=n,
        d=D,
        threads=THREADS,
        per_pair_us=1e6 * median / n,
        extrapolated_1e6_s=median * 1e6 / n,
        cond_method=out.info.cond_method,
        **{k: str(v) for k, v in kw.items()},
    )


@pytest.mark.parametrize("cond", ["none", "auto"])
@pytest.mark.parametrize("family", ["uniform", "symmetric", "orthogonal", "nonnormal"])
def test_expm_pairs(benchmark: Any, family: str, cond: str) -> None:
    benchmark.group = f"expm pairs {D}x{D}, n={N_EXPM}"
    _run(benchmark, "expm", N_EXPM, family=family, cond=cond)


@pytest.mark.parametrize("f", ["logm", "sqrtm", "signm"])
def test_other_pairs(benchmark: Any, f: str) -> None:
    benchmark.group = f"other pairs {D}x{D}, n={N_OTHER}"
    _run(benchmark, f, N_OTHER, family="uniform")


def main() -> None:
    """Time 10^6 pairs of 5x5 expm once per setting and print the result."""
    import nnla

    nnla.set_num_threads(THREADS)
    try:
        from threadpoolctl import threadpool_limits

        limit: Any = threadpool_limits(THREADS)
    except ImportError:  # pragma: no cover
        import contextlib

        limit = contextlib.nullcontext()
    with limit:
        print(f"nnla {nnla.__version__}, {THREADS} threads, {nnla.info()['isa']} kernels")
        for cond in ("none", "auto"):
            for family in ("uniform", "gaussian", "symmetric"):
                t = time.perf_counter()
                data = nnla.datasets.matrix_function_pairs(
                    "expm", 1_000_000, D, family=family, cond=cond
                )
                dt = time.perf_counter() - t
                print(
                    f"10^6 pairs {D}x{D} expm, family {family:<9}, cond={cond:<4} "
                    f"({data.info.cond_method}): {dt:6.2f} s, "
                    f"valid {int(data.info.valid.sum())}"
                )
                del data


if __name__ == "__main__":
    main()
