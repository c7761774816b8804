"""ReLU-network matrices (``nnla.relu``): 1D and 2D assembly and the 1D O(n) solver.

Pairs (same data, same run): dense 1D mass matrix A and Heaviside Gram H at n = 4096 against
their vectorised NumPy closed forms; the O(n) hat-basis solve ``solve_mass_1d`` at n = 2048
against scipy's dense Cholesky solve of the same A (the matrix built untimed); 2D A, H, G in one
pass at n = 256 against a vectorised NumPy clipping code (its time grows like n^2 with a Python
loop over rows, so it is not run at the headline size). nnla alone at the headline sizes of the
spec: 1D assembly at n = 8192 (target <= 0.3 s on 2 cores), the O(n) solve at n = 10^6 (target
<= 0.5 s), 2D A, H, G at n = 2048 (target <= 2 s on 2 cores). Quick grid: sizes / 4 to / 10.
"""

from __future__ import annotations

from typing import Any

import harness
import numpy as np
import pytest

pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=3, warmup=False)

N_DENSE = harness.pick(4096, 1024)
N_DENSE_HEAD = harness.pick(8192, 2048)
N_SOLVE_PAIR = harness.pick(2048, 512)
N_SOLVE_HEAD = harness.pick(10**6, 10**5)
N_2D_PAIR = harness.pick(256, 48)
N_2D_HEAD = harness.pick(2048, 256)


@pytest.mark.parametrize("side", ["nnla", "numpy"])
@pytest.mark.parametrize("kind", ["mass", "heaviside"])
def test_assemble_1d(benchmark: Any, kind: str, side: str) -> None:
    w, b = harness.relu_layer(N_DENSE)
    if side == "nnla":
        relu = harness.need_nnla().relu
        f = relu.mass_matrix if kind == "mass" else relu.heaviside_gram
        fn = lambda: f(w, b, n_threads=harness.THREADS)  # noqa: E731
    else:
        f = harness.numpy_mass if kind == "mass" else harness.numpy_heaviside
        fn = lambda: f(w, b)  # noqa: E731
    out = harness.measure(benchmark, f"relu 1D assemble {kind} n={N_DENSE}", side, fn, n=N_DENSE)
    ref = (harness.numpy_mass if kind == "mass" else harness.numpy_heaviside)(w[:64], b[:64])
    assert np.allclose(out[:64, :64], ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("side", ["nnla"])
@pytest.mark.parametrize("kind", ["mass", "heaviside"])
def test_assemble_1d_headline(benchmark: Any, kind: str, side: str) -> None:
    relu = harness.need_nnla().relu
    w, b = harness.relu_layer(N_DENSE_HEAD)
    f = relu.mass_matrix if kind == "mass" else relu.heaviside_gram
    case = f"relu 1D assemble {kind} n={N_DENSE_HEAD}"
    out = harness.measure(
        benchmark, case, side, lambda: f(w, b, n_threads=harness.THREADS), n=N_DENSE_HEAD
    )
    assert out.shape == (N_DENSE_HEAD, N_DENSE_HEAD)


@pytest.mark.parametrize("side", ["nnla", "scipy"])
def test_solve_mass_1d(benchmark: Any, side: str) -> None:
    n = N_SOLVE_PAIR
    w, b = harness.relu_layer(n, mixed=False)
    f = harness.rng(n, 4).standard_normal(n)
    a = harness.numpy_mass(w, b)
    if side == "nnla":
        relu = harness.need_nnla().relu
        fn = lambda: relu.solve_mass_1d(w, b, f=f)[0]  # noqa: E731
    else:
        fn = lambda: harness.cho_solve(harness.cho_factor(a), f)  # noqa: E731
    c = harness.measure(benchmark, f"relu 1D solve A c = f n={n}", side, fn, n=n)
    assert np.linalg.norm(a @ c - f) <= 1e-6 * np.linalg.norm(a) * np.linalg.norm(c)


@pytest.mark.parametrize("side", ["nnla"])
@pytest.mark.parametrize("kind", ["mass", "heaviside"])
def test_solve_1d_headline(benchmark: Any, kind: str, side: str) -> None:
    relu = harness.need_nnla().relu
    n = N_SOLVE_HEAD
    w, b = harness.relu_layer(n, mixed=True)
    f = harness.rng(n, 4).standard_normal(n)
    solve = relu.solve_mass_1d if kind == "mass" else relu.solve_heaviside_1d
    case = f"relu 1D O(n) solve {kind} n={n}"
    c = harness.measure(benchmark, case, side, lambda: solve(w, b, f=f)[0], n=n)
    assert c.shape == (n,)


@pytest.mark.parametrize("side", ["nnla", "numpy"])
def test_assemble_2d(benchmark: Any, side: str) -> None:
    n = N_2D_PAIR
    w, b = harness.random_lines(n)
    if side == "nnla":
        polygon = pytest.importorskip("nnla.relu.polygon")

        def fn() -> Any:
            return polygon.assemble_2d_all(w, b, harness.SQUARE, n_threads=harness.THREADS)
    else:

        def fn() -> Any:
            return harness.numpy_relu2d_all(w, b)

    out = harness.measure(benchmark, f"relu 2D assemble A, H, G n={n}", side, fn, n=n)
    if side == "nnla":
        ref = harness.numpy_relu2d_all(w, b)
        diff = max(float(np.abs(x - y).max() / np.abs(y).max()) for x, y in zip(out, ref))
        benchmark.extra_info["max_rel_diff"] = diff
        assert diff <= 1e-12


@pytest.mark.parametrize("side", ["nnla"])
def test_assemble_2d_headline(benchmark: Any, side: str) -> None:
    polygon = pytest.importorskip("nnla.relu.polygon")
    n = N_2D_HEAD
    w, b = harness.random_lines(n)

    def fn() -> Any:
        return polygon.assemble_2d_all(w, b, harness.SQUARE, n_threads=harness.THREADS)

    out = harness.measure(benchmark, f"relu 2D assemble A, H, G n={n}", side, fn, n=n)
    assert out[2].shape == (3 * n, 3 * n)
