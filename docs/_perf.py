"""The performance pages, rendered from stored benchmark runs at build time.

``bench/track.py`` (the benchmark tracker) renders its tables from the pytest-benchmark runs
stored under ``bench/baselines/``; ``python bench/track.py report --format rst --out DIR`` writes
them as reStructuredText pages into ``DIR``, which ``performance/index.rst`` lists with a glob.
Nothing here holds a figure. If the tracker or its stored runs are missing, the build warns (an
error under ``-W``) rather than show an empty page.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
OUT = DOCS / "performance" / "generated"
logger = logging.getLogger(__name__)


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
    proc = subprocess.run(
        [sys.executable, str(track), "report", "--format", "rst", "--out", str(OUT)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    pages = sorted(OUT.glob("*.rst"))
    if proc.returncode != 0 or not pages:
        logger.warning("performance pages: `python bench/track.py report --format rst` failed "
                       "(exit %d, %d pages): %s", proc.returncode, len(pages),
                       (proc.stderr or proc.stdout).strip()[-2000:])
        return False
    return True
