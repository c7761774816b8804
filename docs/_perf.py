"""The performance pages, rendered from stored benchmark runs at build time.

``bench/track.py`` (the benchmark tracker) renders its tables from the pytest-benchmark runs
stored under ``bench/baselines/``: ``python bench/track.py report --format rst --out DIR`` writes
one reStructuredText table per name into ``DIR/NAME.rst`` (``machine``, ``headline``, ``matfun``
and one per benchmark file ``bench/test_bench_NAME.py``). Each becomes a page of
``performance/generated/`` with a title, which ``performance/index.rst`` lists with a glob: a new
benchmark file gets its page without an edit here. Nothing here holds a figure. If the tracker or
its stored runs are missing, or it fails, the build warns (an error under ``-W``) rather than
show an empty page.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
OUT = DOCS / "performance" / "generated"
logger = logging.getLogger(__name__)

# Titles, order and a line on how to read the tables the tracker renders; other names (one per
# benchmark file bench/test_bench_NAME.py) come after these, titled by their file. A speed-up is
# the fastest peer's time over nnla's for the same work in the same run (> 1: nnla is faster).
PAGES = {
    "machine": ("Machine and runs",
                "The machine, libraries and runs the tables below are taken from (the median "
                "over the runs of one commit, machine and grid)."),
    "headline": ("expm against scipy and torch",
                 "Matrices per second of ``nnla.expm`` and of the fastest peer on one thread, "
                 "float64, and the speed-up in float64, float32 and complex128."),
    "matfun": ("Matrix functions",
               "Speed-up of nnla over the fastest peer for each matrix function and size d, "
               "float64 / float32."),
}
MODULES = {"datasets": "Data sets", "hss": "HSS solvers", "relu": "ReLU-network matrices",
           "sggn": "SgGN training", "three_layer": "The three-layer network"}
MODULE_TEXT = ("Every case of ``bench/test_bench_{name}.py``: nnla's median time, the fastest "
               "peer's, and the speed-up.")


def _page(name: str, table: str) -> str:
    title, text = PAGES.get(name, (MODULES.get(name, f"``bench/test_bench_{name}.py``"),
                                   MODULE_TEXT.format(name=name)))
    return (f"{title}\n{'=' * max(len(title), 3)}\n\n{text} A speed-up is the peer's time "
            f"over nnla's for the same work in the same run (> 1: nnla is faster). Rendered "
            f"from the stored runs by ``python bench/track.py report --format rst`` (table "
            f"``{name}``).\n\n{table.rstrip()}\n")


def write_performance_pages(app: object = None, config: object = None) -> bool:
    """Render the stored runs into ``performance/generated/``; False (and a warning) if not."""
    track = ROOT / "bench" / "track.py"
    runs = ROOT / "bench" / "baselines"
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    if not track.is_file() or not runs.is_dir():
        logger.warning("performance pages: %s or %s is missing; no tables rendered",
                       track.relative_to(ROOT), runs.relative_to(ROOT))
        return False
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, str(track), "report", "--runs", str(runs), "--format", "rst",
             "--out", tmp],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )
        tables = {p.stem: p.read_text() for p in Path(tmp).glob("*.rst")}
    if proc.returncode != 0 or not tables:
        logger.warning("performance pages: `python bench/track.py report --format rst` failed "
                       "(exit %d, %d tables): %s", proc.returncode, len(tables),
                       (proc.stderr or proc.stdout).strip()[-2000:])
        return False
    names = [n for n in PAGES if n in tables] + sorted(n for n in tables if n not in PAGES)
    for i, name in enumerate(names):
        (OUT / f"{i:02d}_{name}.rst").write_text(_page(name, tables[name]))
    return True
