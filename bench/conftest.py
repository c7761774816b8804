"""pytest set-up of bench/: one thread setting for the session, the machine and the pair ratios
in the stored JSON (see ``harness.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import harness
import pytest


@pytest.fixture(scope="session", autouse=True)
def bench_threads() -> Iterator[dict[str, Any]]:
    """Every side on ``harness.THREADS`` threads for the whole session."""
    with harness.thread_limits() as settings:
        yield settings


def pytest_benchmark_update_machine_info(config: Any, machine_info: dict[str, Any]) -> None:
    """Record CPU, cores, the BLAS libraries (threadpoolctl), nnla's build and the settings."""
    import numpy as np
    import scipy

    machine_info["cpu_model"] = harness.cpu_model()
    machine_info["cores"] = os.cpu_count()
    machine_info["blas"] = harness.blas_info()
    machine_info["bench_threads"] = harness.THREADS
    machine_info["bench_quick"] = harness.QUICK
    machine_info["numpy"] = np.__version__
    machine_info["scipy"] = scipy.__version__
    try:
        import nnla

        info = nnla.info()
        machine_info["nnla"] = {k: str(v) for k, v in info.items()}
        machine_info["nnla_path"] = os.path.dirname(nnla.__file__)
    except ImportError:
        machine_info["nnla"] = None
    # the commit nnla was built from (track.py ab sets it; else the checkout's commit_info)
    if os.environ.get("NNLA_BENCH_COMMIT"):
        machine_info["nnla_commit"] = os.environ["NNLA_BENCH_COMMIT"]
    try:
        import torch

        machine_info["torch"] = torch.__version__
    except ImportError:
        machine_info["torch"] = None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    machine_info["loadavg_start"] = list(load) if load else None


def pytest_benchmark_update_json(config: Any, benchmarks: Any, output_json: dict[str, Any]) -> None:
    """Add the same-run ratios ``ratio_<peer>`` to every benchmark of a paired case."""
    harness.pair_ratios(output_json["benchmarks"])
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    output_json["machine_info"]["loadavg_end"] = list(load) if load else None
