"""bench/track.py on synthetic runs: comparison, regression flags, report rendering, markers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
track = pytest.importorskip("track")


def _bench(name: str, case: str, side: str, median: float, items: int = 1,
           func: str | None = None) -> dict[str, Any]:
    ei: dict[str, Any] = {"case": case, "side": side, "items": items}
    if func:
        ei["func"] = func
    return {"fullname": f"bench/test_bench_matfun.py::{name}", "name": name, "group": case,
            "extra_info": ei, "stats": {"median": median, "min": median}}


def _run(scale_nnla: float = 1.0, scale_all: float = 1.0, when: str = "2026-12-07T10:00:00"
         ) -> dict[str, Any]:
    bs = []
    for d in (2, 16, 128):
        case = f"expm float64 d={d}"
        t = 1e-5 * d
        bs.append(_bench(f"test_matfun[expm-float64-d{d}-nnla]", case, "nnla",
                         t * scale_nnla * scale_all, 10, "expm"))
        bs.append(_bench(f"test_matfun[expm-float64-d{d}-scipy]", case, "scipy",
                         3 * t * scale_all, 10, "expm"))
    return {"datetime": when, "commit_info": {"id": "abc"}, "benchmarks": bs,
            "machine_info": {"node": "n", "cpu_model": "CPU", "cores": 2, "blas": [
                {"user_api": "blas", "prefix": "libopenblas", "version": "0.3",
                 "architecture": "Haswell", "num_threads": 1}], "nnla": {"isa": "avx2"}}}


def test_compare_cancels_machine_speed() -> None:
    # the whole machine 40% slower: plain ratios 1.4, peer-normalised 1.0, nothing flagged
    rows = track.comparison(_run(), _run(scale_all=1.4))
    nn = [r for r in rows if r["side"] == "nnla"]
    assert all(r["ratio"] == pytest.approx(1.4) and r["norm"] == pytest.approx(1.0) for r in nn)
    flagged, fams = track.regressions(rows, 0.35, 0.10)
    assert not flagged
    assert fams["bench/test_bench_matfun.py::test_matfun[expm]"] == (
        pytest.approx(1.0))


def test_compare_flags_nnla_slowdown(capsys: pytest.CaptureFixture[str]) -> None:
    rows = track.comparison(_run(), _run(scale_nnla=1.5))
    assert track.print_comparison(rows, 0.35, 0.10) == 1
    assert "REGRESSION" in capsys.readouterr().out
    # 20%: below the per-benchmark threshold, caught by the family mean
    rows = track.comparison(_run(), _run(scale_nnla=1.2))
    flagged, fams = track.regressions(rows, 0.35, 0.10)
    assert not flagged
    assert max(fams.values()) == pytest.approx(1.2)
    assert track.print_comparison(rows, 0.35, 0.10) == 1


def test_report_tables_and_markers(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_run()))
    (tmp_path / "b.json").write_text(json.dumps(_run(scale_all=3.0, when="2026-12-07T11:00:00")))
    md = track.render_tables(tmp_path)
    # both runs (same commit and machine) merged by the median per benchmark
    assert "| 2 | 250 k | 83.3 k (scipy) | 3 |" in md["headline"]
    assert "CPU, 2 cores" in md["machine"]
    assert "libopenblas 0.3" in md["machine"]
    rst = track.render_tables(tmp_path, fmt="rst")["matfun"]
    assert rst.startswith(".. list-table::")
    assert "* - 128" in rst
    text = "a\n<!-- bench:headline:start -->\nold\n<!-- bench:headline:end -->\nb\n"
    new, found = track.splice(text, "headline", md["headline"])
    assert found
    assert "old" not in new
    assert new.endswith("<!-- bench:headline:end -->\nb\n")
    assert track.splice(text, "matfun", "x")[1] is False


def test_fmt() -> None:
    assert track.fmt_time(1.5e-3) == "1.5 ms"
    assert track.fmt_time(2e-7) == "200 ns"
    assert track.fmt_rate(2.5e6) == "2.5 M"
    assert track.fmt_ratio(None) == "—"
