"""Package-level API: version, ``nnla.info()``, the thread setting, the ``nnla`` command and the
examples in the public docstrings."""

from __future__ import annotations

import doctest
import importlib
import importlib.metadata
import inspect
import io
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import nnla
import nnla.cli
import numpy as np
import pytest


def _run(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        args, capture_output=True, text=True, timeout=60, check=False, env=env, cwd=cwd
    )


# ------------------------------------------------------------------------------------------------
# Version and build information
# ------------------------------------------------------------------------------------------------


def test_version_matches_metadata() -> None:
    assert isinstance(nnla.__version__, str)
    assert nnla.__version__ == importlib.metadata.version("nnla")


def test_public_names() -> None:
    for name in nnla.__all__:
        assert hasattr(nnla, name), name
    assert {"expm", "set_num_threads", "get_num_threads", "info", "errors"} <= set(nnla.__all__)


def _documented_info_keys() -> set[str]:
    """The keys listed in the Returns section of ``nnla.info.__doc__``."""
    doc = nnla.info.__doc__ or ""
    section = doc.split("Returns", 1)[1].split("Examples", 1)[0]
    keys = set(re.findall(r"``(\w+)``", section))
    assert keys, "nnla.info() documents no keys"
    return keys


def test_info_has_documented_keys() -> None:
    info = nnla.info()
    missing = _documented_info_keys() - set(info)
    assert not missing, f"documented keys missing from nnla.info(): {sorted(missing)}"


def test_info_keys_all_documented() -> None:
    extra = set(nnla.info()) - _documented_info_keys()
    assert not extra, f"nnla.info() keys not in its docstring: {sorted(extra)}"


@pytest.mark.usefixtures("reset_threads")
def test_info_values() -> None:
    info = nnla.info()
    assert info["version"] == nnla.__version__
    assert info["isa"] in str(info["isa_variants"]).split()
    assert info["numpy"] == np.__version__
    assert info["python"] == platform.python_version()
    assert info["num_threads"] == nnla.get_num_threads()
    assert isinstance(info["omp_num_procs"], int)
    assert info["omp_num_procs"] >= 1
    assert info["blas"].split()[0] in {"openblas", "mkl", "blis", "accelerate", "flexiblas"}
    assert "-ffast-math" not in str(info["flags"])
    nnla.set_num_threads(3)
    assert nnla.info()["num_threads"] == 3


# ------------------------------------------------------------------------------------------------
# The thread setting
# ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("reset_threads")
@pytest.mark.parametrize("k", [1, 2, 3, 8, 64, np.int64(4), np.int32(5)], ids=repr)
def test_set_get_round_trip(k: int) -> None:
    nnla.set_num_threads(k)
    got = nnla.get_num_threads()
    assert got == int(k)
    assert type(got) is int


@pytest.mark.usefixtures("reset_threads")
def test_none_resets_to_default() -> None:
    nnla.set_num_threads(None)
    default = nnla.get_num_threads()
    assert isinstance(default, int)
    assert default >= 1
    nnla.set_num_threads(default + 3)
    assert nnla.get_num_threads() == default + 3
    nnla.set_num_threads(None)
    assert nnla.get_num_threads() == default


def test_default_follows_environment_or_cores() -> None:
    nnla.set_num_threads(None)
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        expected = int(env)
    elif hasattr(os, "sched_getaffinity"):
        expected = len(os.sched_getaffinity(0))
    else:  # pragma: no cover
        expected = os.cpu_count() or 1
    assert nnla.get_num_threads() == expected


_PRINT_THREADS = "import nnla; print(nnla.get_num_threads())"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), ("5,2", 5), ("0", None), ("abc", None), (None, None)],
    ids=["3", "nested-5,2", "zero", "garbage", "unset"],
)
def test_omp_num_threads_sets_default(value: str | None, expected: int | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if value is not None:
        env["OMP_NUM_THREADS"] = value
    if expected is None:  # falls back to the cores this process may use
        expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        if expected is None:  # pragma: no cover
            pytest.skip("no sched_getaffinity")
    proc = _run([sys.executable, "-c", _PRINT_THREADS], env=env)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.strip()) == expected


@pytest.mark.usefixtures("reset_threads")
@pytest.mark.parametrize("k", [0, -2, 2.5, 3.0, True, False, np.bool_(True), "3", [3]], ids=repr)
def test_set_num_threads_bad_values(k: object) -> None:
    nnla.set_num_threads(2)
    with pytest.raises(ValueError, match=r"k must be an integer >= 1"):
        nnla.set_num_threads(k)
    assert nnla.get_num_threads() == 2, "a rejected value must leave the setting unchanged"


@pytest.mark.usefixtures("reset_threads")
@pytest.mark.parametrize("k", [2**31, np.int64(2**63 - 1), 10**30], ids=repr)
def test_set_num_threads_huge_value_is_kept_and_capped_per_call(k: object) -> None:
    """A count beyond what the native layer takes (C int) is accepted by set_num_threads and
    reported back by get_num_threads; each call caps it (at 1024), so later calls work (no
    pybind11 TypeError) and give the results of one thread."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 4, 4))
    one = nnla.expm(a, n_threads=1)
    nnla.set_num_threads(k)
    assert nnla.get_num_threads() == int(k)
    assert type(nnla.get_num_threads()) is int
    assert np.array_equal(nnla.expm(a), one)
    assert np.array_equal(nnla.expm(np.zeros((3, 3))), np.eye(3))


@pytest.mark.usefixtures("reset_threads")
def test_setting_is_used_by_calls_and_results_do_not_depend_on_it() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal((12, 6, 6))
    nnla.set_num_threads(1)
    r1 = nnla.expm(a)
    nnla.set_num_threads(4)
    assert np.array_equal(nnla.expm(a), r1)


# ------------------------------------------------------------------------------------------------
# The nnla command
# ------------------------------------------------------------------------------------------------


def test_cli_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert nnla.cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "blas" in out
    assert nnla.__version__ in out
    for key in nnla.info():
        assert re.search(rf"^\s*{key}: ", out, re.MULTILINE), key


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        nnla.cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"nnla {nnla.__version__}"


def test_cli_no_arguments_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert nnla.cli.main([]) == 0
    assert "usage: nnla" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["frobnicate"], ["--no-such-option"], ["info", "extra"]])
def test_cli_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        nnla.cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("nnla")
    assert "error:" in err
    assert err.count("\n") == 1  # one line, no usage block


def test_console_script_entry_point() -> None:
    eps = importlib.metadata.entry_points(group="console_scripts", name="nnla")
    assert [ep.value for ep in eps] == ["nnla.cli:main"]


def test_cli_module_in_subprocess(tmp_path: Path) -> None:
    proc = _run([sys.executable, "-m", "nnla.cli", "info"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "blas" in proc.stdout
    assert proc.stderr == ""
    bad = _run([sys.executable, "-m", "nnla.cli", "frobnicate"], cwd=tmp_path)
    assert bad.returncode == 2
    assert "invalid choice" in bad.stderr


def _console_script() -> str | None:
    """The installed ``nnla`` script: next to this interpreter, else on PATH."""
    here = Path(sys.executable).parent / ("nnla.exe" if os.name == "nt" else "nnla")
    return str(here) if here.exists() else shutil.which("nnla")


def test_console_script_in_subprocess(tmp_path: Path) -> None:
    script = _console_script()
    if script is None:
        pytest.skip("the nnla console script is not installed")
    proc = _run([script, "--version"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"nnla {nnla.__version__}"
    info = _run([script, "info"], cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert "blas" in info.stdout


# ------------------------------------------------------------------------------------------------
# Docstring examples
# ------------------------------------------------------------------------------------------------

def _all_modules() -> list[str]:
    import pkgutil

    names = ["nnla"]
    for info in pkgutil.walk_packages(nnla.__path__, "nnla."):
        if info.name != "nnla._core":
            names.append(info.name)
    return sorted(names)


MODULES = _all_modules()


@pytest.mark.usefixtures("reset_threads")
@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name: str) -> None:
    module: ModuleType = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    report = io.StringIO()
    tests = [t for t in finder.find(module, module_name) if t.examples]
    for test in tests:
        runner.run(test, out=report.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, report.getvalue()


def _public_callables() -> list[tuple[str, str]]:
    out = []
    for module_name in ("nnla", "nnla.linalg", "nnla.relu", "nnla.hss", "nnla.sggn",
                        "nnla.three_layer", "nnla.analysis", "nnla.datasets"):
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj):  # result types (dataclasses) are documented by fields
                out.append((module_name, name))
    return out


@pytest.mark.parametrize(("module_name", "name"), _public_callables())
def test_every_public_function_has_an_example(module_name: str, name: str) -> None:
    obj = getattr(importlib.import_module(module_name), name)
    doc = obj.__doc__ or ""
    assert "Examples\n" in doc, f"{module_name}.{name} has no Examples section"
    assert ">>> " in doc, f"{module_name}.{name} has no example"
