"""The public contract of ``nnla.relu`` apart from 1D accuracy (tests/test_relu_1d.py).

Bad input, the network value type, thread-count and one-at-a-time invariance (bitwise), the
degenerate-neuron policy, and the 2D delegation (nnla.relu.polygon).
"""

from __future__ import annotations

from pathlib import Path

import nnla
import numpy as np
import pytest
from nnla import relu

W = np.array([1.0, -2.0, 0.5, 1.5])
B = np.array([-0.25, 1.2, -0.1, -1.0])


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------

ASSEMBLERS = [relu.mass_matrix, relu.heaviside_gram, relu.layer_gauss_newton]


@pytest.mark.parametrize("fn", ASSEMBLERS)
@pytest.mark.parametrize(
    ("w", "b", "domain", "match"),
    [
        (W, B[:3], None, r"b must have shape \(4,\)"),
        (W, B.reshape(2, 2), None, r"b must have shape"),
        (W.reshape(2, 2, 1), B, None, r"w must have shape \(n,\), \(n, 1\) or \(n, 2\)"),
        (np.ones((4, 3)), B, None, r"w must have shape"),
        (np.array([1.0, np.nan, 0.5, 1.5]), B, None, r"w contains NaN or Inf"),
        (W, np.array([0.0, np.inf, 0.0, 0.0]), None, r"b contains NaN or Inf"),
        (W.astype(complex), B, None, r"w has dtype complex128"),
        (W, B, (1.0, 1.0), r"domain must satisfy a < b"),
        (W, B, (1.0, 0.0), r"domain must satisfy a < b"),
        (W, B, (0.0, np.nan), r"domain contains NaN or Inf"),
        (W, B, (0.0, 1.0, 2.0), r"domain must be a pair"),
        (W, B, "ab", r"domain must be a pair"),
    ],
)
def test_bad_input(fn, w, b, domain, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fn(w, b, domain)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: relu.mass_entries(W, B, None, [0, 4], [0]), r"rows has indices outside 0\.\.3"),
        (lambda: relu.gauss_newton_entries(W, B, None, [7], [-1]), r"cols has indices outside"),
        (lambda: relu.heaviside_entries(W, B, None, [0.5], [0]), r"rows must be an integer"),
        (lambda: relu.mass_entries(W, B, None, [[0]], [0]), r"rows must be a 1D index array"),
        (lambda: relu.matvec("mass", W, B, None, np.ones(3)), r"x must have shape \(4,\)"),
        (lambda: relu.matvec("gauss_newton", W, B, None, np.ones(4)), r"x must have shape \(8,\)"),
        (lambda: relu.matvec("stiffness", W, B, None, np.ones(4)), r"kind must be one of"),
        (lambda: relu.matvec("mass", W, B, None, np.full(4, np.nan)), r"x contains NaN"),
        (lambda: relu.load_vector(np.sin, W, B, quadrature="trapezoid"), r"quadrature must be"),
        (lambda: relu.load_vector(np.sin, W, B, order=0), r"order must be an integer >= 1"),
        (lambda: relu.load_vector(np.sin, W, B, refine=1.5), r"refine must be an integer >= 1"),
        (lambda: relu.load_vector(lambda x: x[:-1], W, B), r"u must return an array of shape"),
        (lambda: relu.load_vector(lambda x: x * np.nan, W, B), r"u returned NaN or Inf"),
        (lambda: relu.load_vector(3.0, W, B), r"u must be a callable"),
        (lambda: relu.solve_mass_1d(W, B), r"exactly one of u .* and f"),
        (lambda: relu.solve_mass_1d(W, B, u=np.sin, f=np.ones(4)), r"exactly one of u"),
        (lambda: relu.solve_mass_1d(W, B, f=np.ones(3)), r"f must have shape \(4,\)"),
        (lambda: relu.solve_heaviside_1d(W, B, f=[1, 2, np.nan, 0]), r"f contains NaN"),
        (lambda: relu.solve_mass_1d(np.ones((4, 2)), B, f=np.ones(4)), r"needs a 1D network"),
        (lambda: relu.degenerate_neurons(W, B, kind="gauss"), r"kind must be one of"),
        (lambda: relu.mass_matrix(W, B, n_threads=0), r"n_threads must be an integer >= 1"),
        (lambda: relu.ShallowNetwork(W, B, c=np.ones(3)), r"c must have shape \(4,\)"),
        (lambda: relu.ShallowNetwork(W, B, c0=np.nan), r"c0 must be a finite real"),
        (lambda: relu.ShallowNetwork(W, B)(np.ones(2)), r"no output layer"),
        (lambda: relu.ShallowNetwork(W, B, np.ones(4))(np.ones((2, 2))), r"x must have shape"),
        (lambda: relu.ShallowNetwork(W, B).permuted([0, 1, 1, 2]), r"perm must be a permutation"),
        (lambda: relu.ShallowNetwork(W, B).permuted([0, 1]), r"perm must be a perm.*integer"),
    ],
)
def test_bad_arguments(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_w_column_and_integer_input_accepted() -> None:
    a1 = relu.mass_matrix(W, B)
    np.testing.assert_array_equal(relu.mass_matrix(W[:, None], B), a1)
    np.testing.assert_array_equal(
        relu.mass_matrix([1, 2], [0, -1]), relu.mass_matrix([1.0, 2.0], [0.0, -1.0])
    )
    assert relu.mass_matrix(np.zeros(0), np.zeros(0)).shape == (0, 0)
    assert relu.layer_gauss_newton(W, B).shape == (8, 8)


# ------------------------------------------------------------------------------------------------
# the network type
# ------------------------------------------------------------------------------------------------


def test_network_evaluate_order_permute_save(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 30
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2, n)
    b = rng.standard_normal(n)
    w[3] = 0.0
    b[7] = -w[7] * (-b[8] / w[8])  # 7 and 8 share a breakpoint
    c = rng.standard_normal(n)
    net = relu.ShallowNetwork(w, b, c, 0.3)
    assert net.dim == 1
    assert net.n == n
    x = np.linspace(-2, 2, 41)
    ref = 0.3 + sum(c[i] * np.maximum(w[i] * x + b[i], 0) for i in range(n))
    np.testing.assert_allclose(net(x), ref, rtol=1e-14, atol=1e-14)
    p = net.order()
    s = net.breakpoints()
    assert np.isnan(s[3])
    assert p[-1] == 3
    sp = s[p[:-1]]
    assert (np.diff(sp) >= 0).all()
    q = net.permuted(p)
    np.testing.assert_allclose(q(x), net(x), rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError, match="read-only"):
        net.w[0] = 5.0
    net.save(tmp_path / "net.npz")
    back = relu.ShallowNetwork.load(tmp_path / "net.npz")
    np.testing.assert_array_equal(back.w, net.w)
    np.testing.assert_array_equal(back.c, net.c)
    assert back.c0 == 0.3
    relu.ShallowNetwork(w, b).save(tmp_path / "hidden.npz")
    assert relu.ShallowNetwork.load(tmp_path / "hidden.npz").c is None


def test_order_tie_rule() -> None:
    # breakpoints 0.5 (right), 0.5 (left), 0.2 (left), 0.5 (right)
    net = relu.ShallowNetwork([1.0, -1.0, -2.0, 2.0], [-0.5, 0.5, 0.4, -1.0])
    assert net.order().tolist() == [2, 0, 3, 1]


# ------------------------------------------------------------------------------------------------
# threads and one-at-a-time (bitwise)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mass", "heaviside", "gauss_newton"])
def test_thread_count_invariance_bitwise(kind: str) -> None:
    rng = np.random.default_rng(4)
    n = 333
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.1, 3, n)
    b = rng.standard_normal(n)
    dense = {
        "mass": relu.mass_matrix,
        "heaviside": relu.heaviside_gram,
        "gauss_newton": relu.layer_gauss_newton,
    }[kind]
    ref = dense(w, b, (-1.0, 1.5), n_threads=1)
    N = ref.shape[0]
    x = rng.standard_normal((N, 5))
    y1 = relu.matvec(kind, w, b, (-1.0, 1.5), x, n_threads=1)
    rows, cols = rng.integers(0, N, 50), rng.integers(0, N, 70)
    ent = {
        "mass": relu.mass_entries,
        "heaviside": relu.heaviside_entries,
        "gauss_newton": relu.gauss_newton_entries,
    }[kind]
    for nt in (2, 3, 7):
        np.testing.assert_array_equal(dense(w, b, (-1.0, 1.5), n_threads=nt), ref)
        np.testing.assert_array_equal(relu.matvec(kind, w, b, (-1.0, 1.5), x, n_threads=nt), y1)
        np.testing.assert_array_equal(
            ent(w, b, (-1.0, 1.5), rows, cols, n_threads=nt), ref[np.ix_(rows, cols)]
        )
    # columns one at a time == together
    for k in range(5):
        np.testing.assert_array_equal(relu.matvec(kind, w, b, (-1.0, 1.5), x[:, k]), y1[:, k])
    np.testing.assert_array_equal(ref, ref.T)


def test_python_threads_concurrently() -> None:
    import concurrent.futures

    rng = np.random.default_rng(6)
    w, b = rng.standard_normal(500), rng.standard_normal(500)
    ref = relu.mass_matrix(w, b, n_threads=1)
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        outs = list(ex.map(lambda _: relu.mass_matrix(w, b, n_threads=1), range(8)))
    for o in outs:
        np.testing.assert_array_equal(o, ref)


# ------------------------------------------------------------------------------------------------
# degenerate neurons and the solvers' policy
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "b", "reason", "idx"),
    [
        ([1.0, 1.0, 1.0], [-0.5, -0.25, -1.5], "dead", [2]),  # breakpoint right of the domain
        ([1.0, -1.0], [-0.5, -0.25], "dead", [1]),  # left-facing, breakpoint left of the domain
        ([1.0, 0.0], [-0.5, -1.0], "dead", [1]),  # w = 0, b <= 0
        ([1.0, -1.0, 2.0], [-0.5, 0.5, -0.5], "duplicate", [1]),  # both orientations at 0.5
        ([1.0, 1.0, 2.0], [-0.5, -0.2, -1.0], "duplicate", [2]),  # same orientation at 0.5
        ([1.0, -1.0, 1.0, 0.5], [0.5, 2.0, 3.0, -0.2], "linear", [2]),  # three full neurons
    ],
)
def test_solvers_refuse_degenerate(w, b, reason: str, idx: list[int]) -> None:
    rep = relu.degenerate_neurons(w, b)
    assert rep[reason].tolist() == idx
    for solve in (relu.solve_mass_1d, relu.solve_heaviside_1d):
        with pytest.raises(nnla.errors.DegenerateNeuronsError, match=reason) as ei:
            solve(w, b, u=np.cos)
        assert set(idx) <= set(ei.value.indices.tolist())
        assert set(idx) <= set(ei.value.reasons[reason].tolist())
    with pytest.raises(nnla.errors.DegenerateNeuronsError):
        relu.mass_matrix(w, b, check=True)


def test_heaviside_refuses_two_full_neurons() -> None:
    w, b = [1.0, -1.0, 1.0], [0.5, 2.0, -0.5]  # two full neurons: fine for A, not for H
    assert not relu.degenerate_neurons(w, b)["linear"].size
    assert relu.degenerate_neurons(w, b, kind="heaviside")["linear"].tolist() == [1]
    assert relu.degenerate_neurons(w, b, kind="gauss_newton")["linear"].tolist() == [1]
    c, c0 = relu.solve_mass_1d(w, b, u=lambda x: 1.0 + x)
    assert c0 == 0.0  # the two full neurons span the affine functions
    with pytest.raises(nnla.errors.DegenerateNeuronsError, match="linear"):
        relu.solve_heaviside_1d(w, b, u=lambda x: 1.0 + x)
    with pytest.raises(nnla.errors.DegenerateNeuronsError):
        relu.heaviside_gram(w, b, check=True)
    # the layer Gauss-Newton matrix is singular too (both blocks are int y y^T over the domain)
    assert np.linalg.eigvalsh(relu.layer_gauss_newton(w, b))[0] < 1e-14
    with pytest.raises(nnla.errors.DegenerateNeuronsError):
        relu.layer_gauss_newton(w, b, check=True)
    relu.mass_matrix(w, b, check=True)  # A is fine


def test_solver_reproduces_network_in_its_span() -> None:
    """Fitting u = a network of the same neurons returns its coefficients."""
    rng = np.random.default_rng(12)
    n = 50
    s = np.sort(rng.uniform(0.01, 0.99, n))
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2.0, n)
    b = -w * s
    c = rng.standard_normal(n)
    net = relu.ShallowNetwork(w, b, c, 0.7)
    got, c0 = relu.solve_mass_1d(w, b, u=net, order=2)
    np.testing.assert_allclose(got, c, rtol=1e-9, atol=1e-9)
    assert c0 == pytest.approx(0.7, abs=1e-9)


def test_exports() -> None:
    assert "relu" in nnla.__all__
    assert nnla.relu is relu
    assert "DegenerateNeuronsError" in nnla.errors.__all__
    assert issubclass(nnla.errors.DegenerateNeuronsError, np.linalg.LinAlgError)
    for name in relu.__all__:
        assert getattr(relu, name).__doc__


# ------------------------------------------------------------------------------------------------
# 2D delegation (nnla.relu.polygon)
# ------------------------------------------------------------------------------------------------


def _layer_2d(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ang = rng.uniform(0, 2 * np.pi, n)
    w = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    b = -(w @ np.array([0.5, 0.5])) + rng.uniform(-0.3, 0.3, n)
    return w, b


def test_2d_delegation() -> None:
    w, b = _layer_2d(40, 3)
    A = relu.mass_matrix(w, b)
    H = relu.heaviside_gram(w, b)
    G = relu.layer_gauss_newton(w, b)
    assert A.shape == (40, 40)
    assert H.shape == (40, 40)
    assert G.shape == (120, 120)
    rows, cols = np.array([0, 5, 39]), np.array([1, 2])
    np.testing.assert_allclose(
        relu.mass_entries(w, b, None, rows, cols), A[np.ix_(rows, cols)], rtol=1e-13, atol=1e-15
    )
    grows = np.array([0, 1, 2, 119])
    np.testing.assert_allclose(
        relu.gauss_newton_entries(w, b, None, grows, grows),
        G[np.ix_(grows, grows)],
        rtol=1e-13,
        atol=1e-15,
    )
    x = np.random.default_rng(0).standard_normal(40)
    y = relu.matvec("heaviside", w, b, None, x)
    assert np.linalg.norm(y - H @ x) <= 1e-12 * np.linalg.norm(H, 2) * np.linalg.norm(x)
    f = relu.load_vector(lambda p: np.ones(p.shape[0]), w, b)
    np.testing.assert_allclose(
        f, relu.mass_matrix(np.vstack([w, [0.0, 0.0]]), np.append(b, 1.0))[-1, :-1], rtol=1e-8
    )
    net = relu.ShallowNetwork(w, b, np.ones(40))
    p = net.order()
    assert sorted(p.tolist()) == list(range(40))
    assert net(np.array([[0.5, 0.5], [0.1, 0.9]])).shape == (2,)
    rep = relu.degenerate_neurons(w, b)
    assert set(rep) == {"dead", "duplicate", "linear"}
    with pytest.raises(ValueError, match="domain"):
        relu.mass_matrix(w, b, [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # not convex
    with pytest.raises(ValueError, match="domain"):
        relu.mass_matrix(w, b, ((1.0, 0.0), (0.0, 1.0)))  # inverted box


def test_2d_flat_domain_rejected_with_hint() -> None:
    """The one 2D domain convention: the flat (x0, x1, y0, y1) form raises with the box to write."""
    w, b = _layer_2d(6, 4)
    calls = [
        lambda d: relu.mass_matrix(w, b, d),
        lambda d: relu.layer_gauss_newton(w, b, d, check=True),
        lambda d: relu.mass_entries(w, b, d, [0], [1]),
        lambda d: relu.matvec("heaviside", w, b, d, np.ones(6)),
        lambda d: relu.load_vector(lambda p: p[:, 0], w, b, d),
        lambda d: relu.degenerate_neurons(w, b, d),
        lambda d: relu.ShallowNetwork(w, b).order(d),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"flat form .*\(\(0\.0, 2\.0\), \(0\.0, 1\.0\)\)"):
            call((0.0, 2.0, 0.0, 1.0))
        # the box form of the same domain is accepted
        call(((0.0, 2.0), (0.0, 1.0)))


# ------------------------------------------------------------------------------------------------
# the internal API other subpackages use (nnla.relu.kinds / matrices / interval / polygon)
# ------------------------------------------------------------------------------------------------


def test_kinds_table() -> None:
    from nnla.relu.kinds import KINDS, kind_code

    assert KINDS == {"mass": 0, "heaviside": 1, "gauss_newton": 2}
    assert [kind_code(k) for k in KINDS] == [0, 1, 2]
    with pytest.raises(ValueError, match=r"matrix must be one of \['gauss_newton', 'heaviside'"):
        kind_code("stiffness", "matrix")


def test_assemble_and_check_nondegenerate() -> None:
    from nnla.relu.matrices import assemble, check_nondegenerate

    w, b = W, B
    for kind, fn in zip(("mass", "heaviside", "gauss_newton"), ASSEMBLERS):
        np.testing.assert_array_equal(assemble(kind, w, b, (-1.0, 2.0)), fn(w, b, (-1.0, 2.0)))
    with pytest.raises(ValueError, match="kind must be one of"):
        assemble("stiffness", w, b)
    check_nondegenerate(w, b, None, "mass", "caller")  # independent neurons: returns
    w2, b2 = [1.0, -1.0, 1.0], [0.5, 2.0, -0.5]  # two full neurons: fine for A, not for H
    check_nondegenerate(w2, b2, None, "mass", "caller")
    with pytest.raises(nnla.errors.DegenerateNeuronsError, match=r"^caller: .*linear \[1\]") as ei:
        check_nondegenerate(w2, b2, None, "heaviside", "caller")
    assert ei.value.reasons["linear"].tolist() == [1]
    wd, bd = _layer_2d(5, 7)
    with pytest.raises(nnla.errors.DegenerateNeuronsError, match="duplicate"):
        check_nondegenerate(np.vstack([wd, -wd[:1]]), np.append(bd, -bd[0]), None, "mass", "f")


@pytest.mark.parametrize("kind", ["mass", "heaviside"])
@pytest.mark.parametrize("with_full", [False, True])
def test_hat_solve_against_dense(kind: str, with_full: bool) -> None:
    """interval.hat_solve (the native O(n) solver the 1D SgGN uses) against a dense solve, on
    neurons given in breakpoint order; and the L2 projection from hat_loads against the normal
    equations with the load vector."""
    from nnla.relu import interval

    rng = np.random.default_rng(21)
    n_int = 24
    s = np.sort(rng.uniform(0.05, 0.95, n_int))
    w = rng.choice([-1.0, 1.0], n_int) * rng.uniform(0.5, 2.0, n_int)
    b = -w * s
    if with_full:  # one neuron active on all of (0, 1), last
        w, b = np.append(w, 1.0), np.append(b, 0.5)
    n = w.size
    full = np.arange(n_int, n, dtype=np.int64)
    order = np.arange(n_int, dtype=np.int64)
    M = relu.mass_matrix(w, b) if kind == "mass" else relu.heaviside_gram(w, b)
    f = M @ rng.standard_normal(n)
    c, c0 = interval.hat_solve(kind, w, b, 0.0, 1.0, order, full, f, from_load=False,
                               with_const=False)
    assert c0 == 0.0
    np.testing.assert_allclose(M @ c, f, rtol=0, atol=1e-9 * np.abs(f).max())
    u = lambda x: np.cos(3 * x)  # noqa: E731
    nodes = np.concatenate(([0.0], s, [1.0]))
    rhs = interval.hat_loads(kind, u, nodes, 8, 2)
    assert rhs.shape == (n_int + 2 if kind == "mass" else n_int + 1,)
    cu, _ = interval.hat_solve(kind, w, b, 0.0, 1.0, order, full, rhs, from_load=True,
                               with_const=False)
    load = relu.load_vector(u, w, b, order=8, refine=2) if kind == "mass" else M @ cu
    np.testing.assert_allclose(M @ cu, load, rtol=0, atol=1e-10 * np.abs(load).max())
    # the public solver is this path plus sorting and the degenerate-neuron check
    perm = rng.permutation(n)
    cp, _ = interval.solve_1d(kind, w[perm], b[perm], 0.0, 1.0, u=None, f=f[perm],
                              include_c0=False, order=10, refine=1, func="t")
    np.testing.assert_allclose(cp, c[perm], rtol=0, atol=1e-9 * np.abs(c).max())


def test_hat_solve_status_raises() -> None:
    from nnla.relu import interval

    w, b = np.array([1.0, -1.0]), np.array([-0.5, 0.5])  # the same breakpoint twice
    with pytest.raises(nnla.errors.DegenerateNeuronsError, match="^mine: .*linearly dependent"):
        interval.hat_solve("mass", w, b, 0.0, 1.0, np.array([0, 1]), np.zeros(0, np.int64),
                           np.ones(2), from_load=False, with_const=False, func="mine")


def test_polygon_internal_api() -> None:
    from nnla._validate import as_polygon
    from nnla.relu import polygon

    w, b = _layer_2d(12, 9)
    v = as_polygon(((0.0, 1.0), (0.0, 1.5)))
    A, H, G = polygon.assemble_2d_all(w, b, v, n_threads=1)
    A2, G2 = polygon.assemble_2d_kinds(("mass", "gauss_newton"), w, b, v, n_threads=2)
    np.testing.assert_array_equal(A2, A)
    np.testing.assert_array_equal(G2, G)
    (H2,) = polygon.assemble_2d_kinds(["heaviside"], w, b, v, n_threads=1)
    np.testing.assert_array_equal(H2, H)
    # active polygons + fan triangles + the reference rule integrate sigma_i exactly
    xy, val, off = polygon.active_polygons(w, b, v)
    assert off.shape == (13,)
    assert xy.shape == (off[-1], 2)
    assert val.shape == (off[-1],)
    owner, corners = polygon.fan_triangles(off)
    bary, wts = polygon.reference_rule(0)
    p = xy[corners]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    assert (area >= 0).all()
    pts = np.einsum("pk,tkj->tpj", bary, p)
    ones = polygon.eval_target(lambda q: np.ones(len(q)), pts.reshape(-1, 2))
    ones = ones.reshape(pts.shape[:2])
    sig = np.maximum(np.einsum("tpj,tj->tp", pts, w[owner]) + b[owner][:, None], 0.0)
    integral = np.bincount(owner, weights=area * np.sum(ones * sig * wts, axis=1), minlength=12)
    const = polygon.assemble_2d("mass", np.vstack([w, [0.0, 0.0]]), np.append(b, 1.0), v,
                                n_threads=1)[-1, :-1]
    np.testing.assert_allclose(integral, const, rtol=1e-13, atol=1e-15)
    assert polygon.reference_rule(2)[0].shape == (36 * 16, 3)
    with pytest.raises(ValueError, match="u must return an array of shape"):
        polygon.eval_target(lambda q: q, pts.reshape(-1, 2))
    with pytest.raises(ValueError, match="vertices must be a \\(k, 2\\) array"):
        polygon.assemble_2d("mass", w, b, np.zeros((2, 3)), n_threads=1)
    with pytest.raises(ValueError, match=r"w must have shape \(n, 2\) in 2D"):
        polygon.params_2d(np.ones(3), np.ones(3))
