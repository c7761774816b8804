"""The API reference, generated from ``__all__`` at build time.

One page per public module: ``nnla`` itself and every module that ``nnla.__all__`` names
(``linalg``, ``relu``, ``hss``, ...). Each page shows the module's docstring and an autosummary
table of that module's ``__all__``; autosummary then writes one page per name. A name that a
module re-exports from another documented module (``nnla.expm`` is ``nnla.linalg.expm``,
``nnla.hss.HSSAccuracyWarning`` is ``nnla.errors.HSSAccuracyWarning``) is documented once, where
it is defined, and linked from the other page. Nothing here lists a name, so a new public name
appears on the next build.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType

API = Path(__file__).resolve().parent / "api"


def public_modules() -> list[str]:
    """``nnla`` and the modules named in ``nnla.__all__``, in that order."""
    nnla = importlib.import_module("nnla")
    subs = [n for n in nnla.__all__ if inspect.ismodule(getattr(nnla, n))]
    return ["nnla"] + [f"nnla.{n}" for n in subs]


def _home(obj: object, modules: list[str]) -> str | None:
    """The documented module an object is defined in (the longest matching module name)."""
    where = getattr(obj, "__module__", None)
    if not isinstance(where, str):
        return None
    best = None
    for m in modules:
        if (where == m or where.startswith(m + ".")) and (best is None or len(m) > len(best)):
            best = m
    return best


def documented_names(module_name: str, modules: list[str]) -> tuple[list[str], list[str]]:
    """(names documented on this module's page, names re-exported from another page)."""
    mod: ModuleType = importlib.import_module(module_name)
    own, elsewhere = [], []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue
        if not (inspect.isclass(obj) or callable(obj)):
            own.append(name)  # data (a constant of this module)
            continue
        home = _home(obj, modules)
        if home is None or home == module_name:
            own.append(name)
        else:
            elsewhere.append(f"{home}.{getattr(obj, '__name__', name)}")
    return own, elsewhere


def _page(module_name: str, modules: list[str]) -> str:
    own, elsewhere = documented_names(module_name, modules)
    mod = importlib.import_module(module_name)
    funcs = [n for n in own if inspect.isfunction(getattr(mod, n))]
    classes = [n for n in own if inspect.isclass(getattr(mod, n))]
    data = [n for n in own if n not in funcs and n not in classes]
    title = f"``{module_name}``"
    out = [title, "=" * len(title), "", f".. automodule:: {module_name}", "   :no-members:", "",
           f".. currentmodule:: {module_name}", ""]
    for heading, names, template in (("Functions", funcs, None), ("Classes", classes, "class"),
                                     ("Constants", data, "data")):
        if not names:
            continue
        out += [heading, "-" * len(heading), "", ".. autosummary::", "   :toctree: generated",
                "   :nosignatures:"]
        if template:
            out.append(f"   :template: {template}.rst")
        out += [""] + [f"   {n}" for n in names] + [""]
    if elsewhere:
        out += ["Also available here", "-------------------", ""]
        out += [f"- ``{module_name}.{e.rsplit('.', 1)[1]}``: :obj:`{e}`" for e in elsewhere]
        out.append("")
    return "\n".join(out)


def _write(path: Path, text: str) -> None:
    """Write only when the text changed (keeps Sphinx's incremental build incremental)."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api_pages(app: object = None, config: object = None) -> list[str]:
    """Write ``api/index.rst`` and one page per public module; return the module names."""
    API.mkdir(exist_ok=True)
    modules = public_modules()
    for m in modules:
        _write(API / f"{m}.rst", _page(m, modules))
    index = ["API reference", "=============", "",
             "Every public name of nnla, one page per module, generated from each module's",
             "``__all__`` and the docstrings (numpy style: Parameters, Returns, Raises,",
             "Examples; the examples are run as doctests by the test suite).", "",
             ".. toctree::", "   :maxdepth: 1", ""] + [f"   {m}" for m in modules] + [""]
    _write(API / "index.rst", "\n".join(index))
    return modules
