"""The documentation's promises, checked without building it (``.ci/docs`` builds it).

- Every public function has Parameters (when it takes any), Returns (unless it returns None),
  Raises (when it takes arguments) and Examples sections; every public class has Examples and
  documents its fields or constructor (Parameters or Attributes). The examples themselves run in
  ``test_package.py::test_docstring_examples``.
- The API reference (generated from ``__all__`` by ``docs/_apigen.py``) documents every public
  name exactly once: a re-exported name is documented on the page of the module defining it.
- The gallery has at least eight examples, each with a title.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import nnla
import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}\s*$", re.M)


def _public_modules() -> list[str]:
    return ["nnla"] + [f"nnla.{n}" for n in nnla.__all__ if inspect.ismodule(getattr(nnla, n))]


def _public_objects() -> list[tuple[str, str]]:
    out = []
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                out.append((module_name, name))
    return out


def _sections(obj: object) -> set[str]:
    return set(SECTION.findall(inspect.getdoc(obj) or ""))


@pytest.mark.parametrize(("module_name", "name"), _public_objects())
def test_docstring_sections(module_name: str, name: str) -> None:
    obj = getattr(importlib.import_module(module_name), name)
    have = _sections(obj)
    if inspect.isclass(obj):
        need = {"Examples"}
        if not issubclass(obj, BaseException) and not have & {"Parameters", "Attributes"}:
            need.add("Parameters or Attributes")
    else:
        sig = inspect.signature(obj)
        need = {"Examples"}
        if sig.parameters:
            need |= {"Parameters", "Raises"}
        if sig.return_annotation not in (None, "None"):
            need.add("Returns")
    missing = sorted(need - have)
    assert not missing, f"{module_name}.{name}: no {', '.join(missing)} section in its docstring"


def _apigen():
    path = ROOT / "docs" / "_apigen.py"
    if not path.is_file():
        pytest.skip("docs/ is not next to the tests")
    spec = importlib.util.spec_from_file_location("_apigen", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_documents_every_public_name_once() -> None:
    apigen = _apigen()
    modules = apigen.public_modules()
    assert modules == _public_modules()
    own = {m: apigen.documented_names(m, modules) for m in modules}
    for m, (documented, elsewhere) in own.items():
        names = [n for n in importlib.import_module(m).__all__
                 if not inspect.ismodule(getattr(importlib.import_module(m), n))]
        assert len(documented) + len(elsewhere) == len(names), m
        for target in elsewhere:
            home, name = target.rsplit(".", 1)
            assert name in own[home][0], f"{m} re-exports {target}, which {home} does not list"


def test_gallery_has_eight_titled_examples() -> None:
    gallery = ROOT / "examples" / "gallery"
    if not gallery.is_dir():
        pytest.skip("examples/ is not next to the tests")
    files = sorted(gallery.glob("plot_*.py"))
    assert len(files) >= 8, [f.name for f in files]
    for f in files:
        doc = f.read_text().split('"""')[1].strip().splitlines()
        assert len(doc) >= 2, f"{f.name}: no title in its docstring"
        assert set(doc[1]) == {"="}, f"{f.name}: no title in its docstring"
