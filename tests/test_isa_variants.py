"""Every instruction-set variant of the native kernels (baseline, AVX2, AVX-512) is correct.

The suite otherwise runs only the variant this CPU selects; here each variant this CPU can run is
forced with NNLA_ISA in a subprocess and checked against mpmath and against the other variants.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nnla
import numpy as np
import pytest
from references import mp_expm

_ORDER = ["base", "avx2", "avx512"]
_RUNNABLE = [
    v
    for v in nnla.info()["isa_variants"].split()
    if _ORDER.index(v) <= _ORDER.index(nnla.info()["isa"])
]

_CHILD = r"""
import sys
import numpy as np
import nnla
rng = np.random.default_rng(7)
arrays = {"isa": np.array(nnla.info()["isa"])}
for d in (2, 3, 5, 8, 11, 40):
    for dt in ("float32", "float64", "complex128"):
        a = rng.standard_normal((4, d, d)) / np.sqrt(d)
        if dt == "complex128":
            a = a + 1j * rng.standard_normal((4, d, d)) / np.sqrt(d)
        a = a * np.array([0.01, 1.0, 30.0, 5.0])[:, None, None]
        a[3] = np.triu(a[3])
        a = a.astype(dt)
        arrays[f"a_{d}_{dt}"] = a
        arrays[f"r_{d}_{dt}"] = nnla.expm(a)
np.savez(sys.argv[1], **arrays)
"""


def _run(variant: str, tmp: Path) -> dict[str, np.ndarray]:
    path = tmp / f"{variant}.npz"
    env = dict(os.environ, NNLA_ISA=variant)
    subprocess.run([sys.executable, "-c", _CHILD, str(path)], env=env, check=True)
    with np.load(path) as f:
        return dict(f)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, np.ndarray]]:
    tmp = tmp_path_factory.mktemp("isa")
    return {v: _run(v, tmp) for v in _RUNNABLE}


def _eps(key: str) -> float:
    return float(np.finfo(np.float32 if key.endswith("float32") else np.float64).eps)


@pytest.mark.parametrize("variant", _RUNNABLE)
def test_variant_is_selected(runs: dict[str, dict[str, np.ndarray]], variant: str) -> None:
    assert str(runs[variant]["isa"]) == variant


@pytest.mark.parametrize("variant", _RUNNABLE)
def test_variant_matches_mpmath_small(runs: dict[str, dict[str, np.ndarray]], variant: str) -> None:
    run = runs[variant]
    for key in run:
        if not key.startswith("a_") or int(key.split("_")[1]) > 5:
            continue
        a, r = run[key], run["r" + key[1:]]
        for k in range(a.shape[0]):
            ref = mp_expm(a[k])
            err = np.linalg.norm(r[k] - ref) / np.linalg.norm(ref)
            # the member scaled by 30 has condition number up to ~1e2
            assert err <= 1000 * _eps(key), (variant, key, k, err)


def test_variants_agree(runs: dict[str, dict[str, np.ndarray]]) -> None:
    variants = list(runs)
    if len(variants) < 2:  # nothing to compare: say so instead of passing vacuously
        pytest.skip(f"this CPU runs only the {variants[0]} variant")
    first = runs[variants[0]]
    for v in variants[1:]:
        for key in first:
            if not key.startswith("r_"):
                continue
            r0, r1 = first[key], runs[v][key]
            for k in range(r0.shape[0]):
                rel = np.linalg.norm(r1[k] - r0[k]) / np.linalg.norm(r0[k])
                assert rel <= 1000 * _eps(key), (v, key, k, rel)
            # the triangular member stays exactly triangular in every variant
            assert not np.tril(r1[3], -1).any()
