"""Cross-references to names that exist but are documented under another name, or not at all.

``nitpicky`` (``-n``) makes every unresolved reference a warning. Two kinds of reference in the
docstrings point at objects that do exist:

- an alias of a documented object: ``nnla.expm`` is documented as ``nnla.linalg.expm``,
  ``nnla.hss.HSSAccuracyWarning`` as ``nnla.errors.HSSAccuracyWarning``; a reference inside a
  class's docstring to one of its methods (``from_dense``) is relative to that class. These are
  resolved to the documented page;
- an internal name (``nnla._native.run``, ``nnla.sggn.engine1d``): not part of the API reference,
  shown as code without a link.

A reference to a name that does not exist at all still warns (and fails a ``-W`` build).
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes


def _lookup(name: str) -> Any:
    """The object called ``name`` (a dotted path from a module), or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for p in parts[i:]:
                obj = getattr(obj, p)
        except AttributeError:
            return None
        return obj
    return None


def _key(obj: Any) -> int:
    return id(getattr(obj, "__func__", obj))


def _documented(env: Any) -> dict[int, str]:
    """id(object) -> its documented name, for every object the Python domain holds."""
    cache = getattr(env, "_nnla_documented", None)
    if cache is None:
        cache = {}
        for name, _dispname, _typ, _doc, _anchor, _prio in env.domains["py"].get_objects():
            if not name.startswith("nnla"):
                continue
            obj = _lookup(name)
            if obj is not None and not isinstance(obj, (int, float, str, tuple, dict)):
                cache.setdefault(_key(obj), name)
        env._nnla_documented = cache
    return cache


def resolve(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """``missing-reference`` handler: resolve an alias, or render an internal name as code."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    mod, cls = node.get("py:module"), node.get("py:class")
    candidates = [target]
    if mod:
        candidates.append(f"{mod}.{target}")
        if cls:
            candidates.append(f"{mod}.{cls}.{target}")
    for cand in reversed(candidates):
        if not cand.startswith("nnla"):
            continue
        obj = _lookup(cand)
        if obj is None:
            continue
        name = _documented(env).get(_key(obj))
        py = env.domains["py"]
        if name is not None:
            ref = py.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], name, node,
                                  contnode)
            if ref is None:  # the role's type differs from the object's (e.g. :func: vs method)
                ref = py.resolve_xref(env, node["refdoc"], app.builder, "obj", name, node,
                                      contnode)
            if ref is not None:
                return ref
        if any(p.startswith("_") for p in cand.split(".")) or name is None:
            return nodes.literal(cand, contnode.astext())
    return None
