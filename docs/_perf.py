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

# Page titles and order for the names the tracker renders; other names (a benchmark file
# bench/test_bench_NAME.py) come after these, titled by the file they come from.
TITLES = {
    "machine": "Machine and runs",
    "headline": "expm against scipy and torch",
    "matfun": "Matrix functions",
}


def _title(name: str) -> str:
    return TITLES.get(name, f"``bench/test_bench_{name}.py``")


def _page(order: int, name: str, table: str) -> str:
    title = _title(name)
    return (f"{title}\n{'=' * max(len(title), 3)}\n\n"
            f"Rendered from the stored runs by ``python bench/track.py report --format rst`` "
            f"(table ``{name}``).\n\n{table.rstrip()}\n")


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
    names = [n for n in TITLES if n in tables] + sorted(n for n in tables if n not in TITLES)
    for i, name in enumerate(names):
        (OUT / f"{i:02d}_{name}.rst").write_text(_page(i, name, tables[name]))
    return True
