"""Shared pytest-benchmark set-up for bench/: thread limits for every peer's pools."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))


@pytest.fixture(scope="session", autouse=True)
def bench_threads() -> Iterator[dict[str, Any]]:
    """Limit the BLAS/OpenMP pools to ``NNLA_BENCH_THREADS`` (default 1) for the whole session.

    nnla's own BLAS (scipy-openblas32) is left alone: nnla pins it to one thread and parallelises
    across the batch with ``nnla.set_num_threads``.
    """
    try:
        import nnla  # noqa: F401 - load its libraries now so that they are seen below
    except ImportError:
        pass
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        yield {"bench_threads": THREADS, "threadpoolctl": None}
        return
    controller = ThreadpoolController()
    keep = [
        lib.filepath for lib in controller.lib_controllers if "scipy_openblas32" not in lib.filepath
    ]
    if not keep:
        yield {"bench_threads": THREADS, "threadpoolctl": "no pools"}
        return
    with controller.select(filepath=keep).limit(limits=THREADS):
        yield {"bench_threads": THREADS, "threadpoolctl": THREADS}
