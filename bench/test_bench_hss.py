"""HSS solver (``nnla.hss``): build, factor and solve for the ReLU mass matrix and a kernel,
against scipy's dense Cholesky on the same matrix, same run.

Cases (tol 1e-12): the Gaussian kernel ``10 I + exp(-r^2)`` on sorted uniform points in (-1, 1)
(nnla: ``from_kernel``, ``cholesky``, ``solve``; scipy: the dense matrix by NumPy,
``cho_factor``, ``cho_solve``) at n = 4096, and nnla alone at n = 2^16; the 1D ReLU mass
matrix with uniform breakpoints (nnla: ``from_relu`` exact generators; the peer: its NumPy
closed form, ``cho_factor``, ``cho_solve``) at n = 4096, where build and factor are one step
(``from_relu`` factors as it builds). Each step is its own benchmark, the inputs of a step
built untimed. Quick grid: n / 4. The accuracy tables (residuals, tolerance
sweep, n up to 2^20, logdet, CG preconditioning) are ``bench/compare_hss.py``'s.
"""

from __future__ import annotations

from typing import Any

import harness
import numpy as np
import pytest

pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=3, warmup=False)

N_PAIR = harness.pick(4096, 1024)
N_HEAD = harness.pick(1 << 16, 1 << 13)
TOL = 1e-12
STEPS = ["build", "factor", "solve"]
#: from_relu factors while it builds (the factor is kept), so its build and factor are one step
PAIRS = [("kernel", s) for s in STEPS] + [("relu", "build+factor"), ("relu", "solve")]


def _hss() -> Any:
    return pytest.importorskip("nnla.hss")


def _nnla_steps(problem: str, n: int) -> dict[str, Any]:
    """nnla's build/factor/solve callables for ``problem`` at size ``n`` (inputs untimed)."""
    hss, t = _hss(), harness.THREADS
    if problem == "kernel":
        x = harness.kernel_points(n)

        def build() -> Any:
            return hss.HSSMatrix.from_kernel(x, "gaussian", 1.0, 10.0, TOL, n_threads=t)
    else:
        w, bias = harness.relu_layer(n, mixed=False)

        def build() -> Any:
            return hss.HSSMatrix.from_relu("mass", w, bias, tol=TOL, n_threads=t)

    return {"build": build, "factor": lambda h: h.cholesky(n_threads=t),
            "solve": lambda f, b: f.solve(b, n_threads=t)}


def _dense(problem: str, n: int) -> Any:
    if problem == "kernel":
        x = harness.kernel_points(n)
        return lambda: harness.gaussian_kernel(x)
    w, bias = harness.relu_layer(n, mixed=False)
    return lambda: harness.numpy_mass(w, bias)


def _run(benchmark: Any, problem: str, n: int, step: str, side: str) -> None:
    b = harness.rng(n, 5).standard_normal(n)
    case = f"hss {problem} n={n} {step}"
    if side == "nnla":
        s = _nnla_steps(problem, n)
        if step == "build":
            fn = s["build"]
        elif step == "build+factor":
            fn = lambda: s["factor"](s["build"]())  # noqa: E731
        elif step == "factor":
            h = s["build"]()
            fn = lambda: s["factor"](h)  # noqa: E731
        else:
            f = s["factor"](s["build"]())
            fn = lambda: s["solve"](f, b)  # noqa: E731
    else:
        build = _dense(problem, n)
        if step == "build":
            fn = build
        elif step == "build+factor":
            fn = lambda: harness.cho_factor(build())  # noqa: E731
        elif step == "factor":
            a = build()
            fn = lambda: harness.cho_factor(a)  # noqa: E731
        else:
            c = harness.cho_factor(build())
            fn = lambda: harness.cho_solve(c, b)  # noqa: E731
    out = harness.measure(benchmark, case, side, fn, n=n, problem=problem, step=step, tol=TOL)
    if step == "solve" and n <= 4096:
        a = _dense(problem, n)()
        # normwise backward error (the ReLU mass matrix is badly conditioned)
        res = np.linalg.norm(a @ out - b) / (np.linalg.norm(a, 1) * np.linalg.norm(out))
        benchmark.extra_info["backward_error"] = float(res)
        assert res <= 1e-10


@pytest.mark.parametrize("side", ["nnla", "scipy"])
@pytest.mark.parametrize(("problem", "step"), PAIRS, ids=[f"{p}-{s}" for p, s in PAIRS])
def test_hss(benchmark: Any, problem: str, step: str, side: str) -> None:
    _run(benchmark, problem, N_PAIR, step, side)


@pytest.mark.parametrize("side", ["nnla"])
@pytest.mark.parametrize("step", STEPS)
def test_hss_kernel_headline(benchmark: Any, step: str, side: str) -> None:
    _run(benchmark, "kernel", N_HEAD, step, side)
