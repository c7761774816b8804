"""Sphinx configuration of the nnla documentation.

Built against whichever ``nnla`` the running ``python`` imports (an installed wheel in CI; a
source tree on ``PYTHONPATH`` while developing): nothing here edits ``sys.path`` for nnla.

Two parts of the site are generated at build time, never typed:

- the API reference (``api/``): one page per public module, listing that module's ``__all__``
  (:mod:`docs._apigen`), so a new public name appears without editing any list;
- the performance pages (``performance/generated/``): rendered from the benchmark runs stored
  under ``bench/baselines/`` by ``python bench/track.py report --format rst``.

Nothing is downloaded at build time: no intersphinx, no MathJax (the guide writes its
mathematics in Unicode), the theme's assets are local.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nnla

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))  # the docs' own helper modules (_apigen, _perf), not nnla

import _apigen  # noqa: E402
import _perf  # noqa: E402
import _xref  # noqa: E402

project = "nnla"
author = "the nnla developers"
copyright = "2026, the nnla developers"
version = release = nnla.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "build", "**/*.ipynb", "**/*.zip", "**/*.py", "**/*.md5",
                    "**/*.json", "gallery/sg_execution_times.rst"]
root_doc = "index"
nitpicky = True
# Names that appear in signatures and docstring types but live in other projects' docs (no
# intersphinx: nothing is downloaded at build time).
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|scipy|matplotlib|pathlib|collections\.abc|typing)\..*"),
    (r"py:class", r"(ArrayLike|NDArray|Path|Callable|Sequence|Mapping|Any|Iterator|Iterable)"),
    (r"py:class", r"(ndarray|array_like|array-like|optional|callable|default.*|scalar)"),
    (r"py:exc", r"(ValueError|TypeError|RuntimeError|KeyError|FileNotFoundError|OSError)"),
]

# autodoc / autosummary / numpydoc
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # types are in the numpydoc Parameters sections

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# doctest builder: the guide's code blocks (``>>>``) are run by ``sphinx-build -b doctest``
doctest_global_setup = """
import numpy as np
import nnla
"""
doctest_default_flags = 0
import doctest as _doctest  # noqa: E402

doctest_default_flags = _doctest.ELLIPSIS | _doctest.NORMALIZE_WHITESPACE

# sphinx-gallery: the examples are executed at build time, each must draw a figure
sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples" / "gallery")],
    "gallery_dirs": ["gallery"],
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "min_reported_time": 0,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "capture_repr": (),
    "show_signature": False,
}
os.environ.setdefault("MPLBACKEND", "Agg")

# HTML
html_theme = "pydata_sphinx_theme"
html_title = f"nnla {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# An explicit colour mode: without one the theme's script starts from an empty mode and reports
# it with console.error, which the browser check (.ci/docs) counts as an error.
html_context = {"default_mode": "auto"}
html_show_sourcelink = False
html_copy_source = False


def setup(app):  # noqa: ANN001, ANN201
    """Generate the API pages and the performance pages before Sphinx reads the sources."""
    # config-inited runs before autosummary (builder-inited) generates the stub pages
    app.connect("config-inited", _apigen.write_api_pages)
    app.connect("config-inited", _perf.write_performance_pages)
    app.connect("missing-reference", _xref.resolve)
    return {"parallel_read_safe": True}
