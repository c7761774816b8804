"""The 2D ReLU-network matrices of ``nnla.relu.polygon`` (exact polygon clipping).

Accuracy against an independent integration (tests/relu2d_reference.py: horizontal slicing, exact
Gauss-Legendre on every piece between kinks), structure (symmetry, positive semidefiniteness),
agreement of entries/matvec with the dense matrices, bitwise thread invariance, the load vector
against an independent quadrature, ordering, degenerate neurons and bad input.
"""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest
import relu2d_reference as ref
from nnla._native import _core
from nnla._validate import as_polygon
from nnla.errors import ConvergenceError, NonFiniteResultError
from nnla.relu import polygon as r2

DOMAINS = {
    "unit_square": None,
    "box": ((-1.0, 2.0), (0.5, 1.5)),
    "triangle": [[0.0, 0.0], [2.0, 0.3], [0.4, 1.7]],
    "pentagon_cw": [[0.0, 0.0], [-0.3, 0.9], [0.5, 1.4], [1.2, 0.8], [1.0, -0.2]],
}


def _lines_through(
    rng: np.random.Generator, v: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """n random lines through random points of the polygon v, random orientation and scale."""
    th = rng.uniform(0, 2 * np.pi, n)
    w = np.column_stack([np.cos(th), np.sin(th)]) * rng.uniform(0.5, 3.0, n)[:, None]
    lam = rng.dirichlet(np.ones(len(v)), n)
    p = lam @ v
    return w, -np.sum(w * p, axis=1)


def _special_neurons(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertical, horizontal, dead, full, through vertices, w = 0, nearly parallel, repeated."""
    c = v.mean(axis=0)
    lo, hi = v.min(axis=0), v.max(axis=0)
    rows = [
        ((1.0, 0.0), -c[0]),  # vertical x = cx, active right
        ((-2.0, 0.0), 2.0 * c[0]),  # vertical, active left
        ((0.0, 1.0), -c[1]),  # horizontal
        ((0.0, -0.5), 0.5 * (0.3 * lo[1] + 0.7 * hi[1])),  # horizontal, active below
        ((1.0, 1.0), -(hi[0] + hi[1]) - 1.0),  # dead
        ((1.0, 1.0), -(lo[0] + lo[1]) + 1.0),  # full
        ((0.0, 0.0), 1.5),  # w = 0, b > 0: full constant
        ((0.0, 0.0), -1.0),  # w = 0, b < 0: dead
        ((0.0, 0.0), 0.0),  # w = 0, b = 0: dead
        ((1.0, 0.0), -v[0, 0]),  # vertical line through vertex 0
        ((0.0, 1.0), -v[1, 1]),  # horizontal line through vertex 1
    ]
    # the line through vertices 0 and 2 (a diagonal), both orientations
    d = v[2] - v[0]
    nrm = np.array([-d[1], d[0]])
    rows.append((tuple(nrm), -float(nrm @ v[0])))
    rows.append((tuple(-nrm), float(nrm @ v[0])))
    # two nearly parallel lines through the centre
    for eps in (0.0, 1e-9):
        dd = np.array([np.cos(0.7 + eps), np.sin(0.7 + eps)])
        rows.append((tuple(dd), -float(dd @ c)))
    w = np.array([r[0] for r in rows], dtype=float)
    b = np.array([r[1] for r in rows], dtype=float)
    return w, b


def _network(name: str, n_random: int = 6, seed: int = 0):
    v = as_polygon(DOMAINS[name])
    rng = np.random.default_rng(seed)
    ws, bs = _special_neurons(v)
    wr, br = _lines_through(rng, v, n_random)
    return np.vstack([ws, wr]), np.concatenate([bs, br]), v


def _scale(v: np.ndarray) -> float:
    """max |y|^2 over the domain (y = (1, x)): the scale of the moment entries per unit area."""
    return float(1.0 + np.max(np.sum(v**2, axis=1)))


# ------------------------------------------------------------------------------------------------
# Accuracy against the independent slicing integration
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DOMAINS))
def test_moments_match_independent_integration(name: str) -> None:
    w, b, v = _network(name)
    n = len(b)
    A, H, G = r2.assemble_2d_all(w, b, v, n_threads=2)
    s = _scale(v)
    area = ref.pair_moments(np.zeros(2), 1.0, np.zeros(2), 1.0, v)[0]
    idx = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    for i in range(n):
        for j in range(i, n):
            m = ref.pair_moments(w[i], b[i], w[j], b[j], v)
            # H and A: non-negative integrands, relative accuracy (absolute 1e-15 |Omega| for empty)
            assert abs(H[i, j] - m[0]) <= 1e-13 * m[0] + 1e-15 * area, (i, j)
            assert abs(A[i, j] - m[6]) <= 1e-13 * m[6] + 1e-15 * area * np.abs(A).max(), (i, j)
            blk = G[3 * i : 3 * i + 3, 3 * j : 3 * j + 3]
            for p, q in idx:
                e = m[[0, 1, 2, 3, 4, 5]][idx.index((p, q))]
                assert abs(blk[p, q] - e) <= 1e-13 * (abs(e) + s * m[0]) + 1e-15 * area * s, (
                    i,
                    j,
                    p,
                    q,
                )


def test_closed_forms_on_unit_square() -> None:
    """Hand-computable entries: sigma = x - 1/2 and y - 1/2, a vertical and a horizontal line."""
    w = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([-0.5, -0.5])
    A, H, G = r2.assemble_2d_all(w, b, as_polygon(None), n_threads=1)
    np.testing.assert_allclose(A, [[1 / 24, 1 / 64], [1 / 64, 1 / 24]], rtol=2e-16, atol=0)
    np.testing.assert_allclose(H, [[0.5, 0.25], [0.25, 0.5]], rtol=0, atol=0)
    blk01 = [[1 / 4, 3 / 16, 3 / 16], [3 / 16, 7 / 48, 9 / 64], [3 / 16, 9 / 64, 7 / 48]]
    np.testing.assert_allclose(G[:3, 3:], blk01, rtol=3e-16, atol=0)


def test_sliver_entries_keep_relative_accuracy() -> None:
    """A thin sliver between two nearly parallel, oppositely oriented lines: A_ij ~ 1e-19 is
    accurate to the conditioning of the data (the values ~1e-6 of each neuron on the sliver carry
    relative errors ~eps / 1e-6), whereas the quadratic form r_i^T Mom r_j loses ~5 digits."""
    v = as_polygon(None)
    w = np.array([[1.0, 0.3], [-1.0, -0.3 - 1e-7]])
    b = np.array([-0.5, 0.5 + 1e-6])
    A, _, G = r2.assemble_2d_all(w, b, v, n_threads=1)
    m = ref.pair_moments(w[0], b[0], w[1], b[1], v)
    assert 0 < m[6] < 1e-17
    assert abs(A[0, 1] - m[6]) <= 1e-9 * m[6]
    quad_form = np.r_[b[0], w[0]] @ G[0:3, 3:6] @ np.r_[b[1], w[1]]
    assert abs(quad_form - m[6]) > 1e3 * abs(A[0, 1] - m[6])  # the route the kernel avoids


# ------------------------------------------------------------------------------------------------
# Structure, consistency, threads
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def random_net():
    rng = np.random.default_rng(11)
    v = as_polygon(DOMAINS["pentagon_cw"])
    w, b = _lines_through(rng, v, 70)
    return w, b, v


def test_symmetric_and_positive_semidefinite(random_net) -> None:
    w, b, v = random_net
    for M in r2.assemble_2d_all(w, b, v, n_threads=2):
        assert np.array_equal(M, M.T)
        lam = np.linalg.eigvalsh(M)
        assert lam.min() >= -50 * np.finfo(float).eps * lam.max()


def test_all_equals_single_kinds_and_threads_bitwise(random_net) -> None:
    w, b, v = random_net
    ref3 = r2.assemble_2d_all(w, b, v, n_threads=1)
    for kind, M in zip(("mass", "heaviside", "gauss_newton"), ref3):
        for nt in (1, 2, 3):
            assert np.array_equal(r2.assemble_2d(kind, w, b, v, n_threads=nt), M)
    for nt in (2, 3):
        for M1, M2 in zip(ref3, r2.assemble_2d_all(w, b, v, n_threads=nt)):
            assert np.array_equal(M1, M2)


@pytest.mark.parametrize("kind", ["mass", "heaviside", "gauss_newton"])
def test_assemble_into_out(random_net, kind: str) -> None:
    w, b, v = random_net
    ref = r2.assemble_2d(kind, w, b, v, n_threads=1)
    out = np.full(ref.shape, np.nan)
    got = r2.assemble_2d(kind, w, b, v, n_threads=3, out=out)
    assert got is out
    assert np.array_equal(out, ref)
    size = ref.shape[0]
    ro = np.empty_like(ref)
    ro.flags.writeable = False
    bad = [np.empty((size + 1, size)), np.empty((size, size), order="F"),
           np.empty((size, size), np.float32), np.empty((size, 2 * size))[:, ::2], ro,
           [[0.0] * size] * size]
    for o in bad:
        with pytest.raises(ValueError, match="out must be"):
            r2.assemble_2d(kind, w, b, v, n_threads=1, out=o)


@pytest.mark.parametrize("kind", ["mass", "heaviside", "gauss_newton"])
def test_entries_equal_dense_bitwise(random_net, kind: str) -> None:
    w, b, v = random_net
    M = r2.assemble_2d(kind, w, b, v, n_threads=2)
    rng = np.random.default_rng(5)
    N = M.shape[0]
    rows = rng.integers(0, N, 40)
    cols = np.concatenate([rng.permutation(N)[:30], [0, 0, N - 1]])
    for nt in (1, 2):
        blk = r2.entries_2d(kind, w, b, v, rows, cols, n_threads=nt)
        assert np.array_equal(blk, M[np.ix_(rows, cols)])
    assert r2.entries_2d(kind, w, b, v, [], cols, n_threads=1).shape == (0, cols.size)


@pytest.mark.parametrize("kind", ["mass", "heaviside", "gauss_newton"])
def test_matvec_matches_dense(random_net, kind: str) -> None:
    w, b, v = random_net
    M = r2.assemble_2d(kind, w, b, v, n_threads=2)
    rng = np.random.default_rng(6)
    for shape in ((M.shape[0],), (M.shape[0], 3)):
        x = rng.standard_normal(shape)
        y = r2.matvec_2d(kind, w, b, v, x, n_threads=2)
        assert y.shape == shape
        bound = 4 * M.shape[0] * np.finfo(float).eps * (np.abs(M) @ np.abs(x))
        assert np.all(np.abs(y - M @ x) <= bound)
        assert np.array_equal(y, r2.matvec_2d(kind, w, b, v, x, n_threads=1))
        assert np.array_equal(y, r2.matvec_2d(kind, w, b, v, x, n_threads=3))


def test_empty_network() -> None:
    v = as_polygon(None)
    A, H, G = r2.assemble_2d_all(np.zeros((0, 2)), np.zeros(0), v, n_threads=2)
    assert A.shape == H.shape == (0, 0)
    assert G.shape == (0, 0)
    assert r2.load_vector_2d(np.sin, np.zeros((0, 2)), np.zeros(0), v).shape == (0,)
    assert r2.order_2d(np.zeros((0, 2)), np.zeros(0), v).shape == (0,)


# ------------------------------------------------------------------------------------------------
# Load vector
# ------------------------------------------------------------------------------------------------


def _u_smooth(p: np.ndarray) -> np.ndarray:
    return np.sin(2 * p[:, 0] + p[:, 1]) * np.exp(0.5 * p[:, 1]) + np.cos(3 * p[:, 0] * p[:, 1])


def _u_poly(p: np.ndarray) -> np.ndarray:
    x, y = p[:, 0], p[:, 1]
    return 1.0 - 2.0 * x + 0.5 * y + 3.0 * x * y - x**2 * y + 0.25 * y**3 + x**4 * y**2


@pytest.mark.parametrize("name", ["unit_square", "triangle", "pentagon_cw"])
def test_load_vector_smooth_u(name: str) -> None:
    w, b, v = _network(name, n_random=4, seed=3)
    f = r2.load_vector_2d(_u_smooth, w, b, v, tol=1e-12)
    for i in range(len(b)):
        e = ref.load(_u_smooth, w[i], b[i], v, order=24)
        scale = ref.load(lambda p: np.abs(_u_smooth(p)), w[i], b[i], v, order=24)
        assert abs(f[i] - e) <= 1e-10 * scale + 1e-300, i


@pytest.mark.parametrize("name", ["unit_square", "box", "triangle"])
def test_load_vector_polynomial_u_exact(name: str) -> None:
    w, b, v = _network(name, n_random=4, seed=4)
    f = r2.load_vector_2d(_u_poly, w, b, v)
    for i in range(len(b)):
        e = ref.load(_u_poly, w[i], b[i], v, order=8)  # exact: degree 7 in x, 9 in y per piece
        scale = ref.load(lambda p: np.abs(_u_poly(p)), w[i], b[i], v, order=40)
        assert abs(f[i] - e) <= 2e-14 * scale + 1e-300, i


def test_load_vector_rejects_bad_u_and_tol() -> None:
    w, b, v = np.array([[1.0, 0.0]]), np.array([-0.5]), as_polygon(None)
    with pytest.raises(ValueError, match="u must return an array of shape"):
        r2.load_vector_2d(lambda p: p, w, b, v)
    with pytest.raises(ValueError, match="u returned NaN"):
        r2.load_vector_2d(lambda p: np.where(p[:, 0] > 0.75, np.nan, 1.0), w, b, v)
    with pytest.raises(ValueError, match="tol"):
        r2.load_vector_2d(np.sin, w, b, v, tol=0.0)
    with pytest.raises(ValueError, match="u must be a callable"):
        r2.load_vector_2d(3.0, w, b, v)  # type: ignore[arg-type]


def test_load_vector_nonsmooth_u_does_not_converge() -> None:
    w, b, v = np.array([[1.0, 0.0]]), np.array([-0.1]), as_polygon(None)
    with pytest.raises(ConvergenceError, match="did not reach tol"):
        r2.load_vector_2d(lambda p: np.sign(p[:, 0] + p[:, 1] - 0.77), w, b, v, tol=1e-12)


# ------------------------------------------------------------------------------------------------
# Ordering and degenerate neurons
# ------------------------------------------------------------------------------------------------


def _offdiag_rank(M: np.ndarray, rtol: float) -> int:
    h = M.shape[0] // 2
    s = np.linalg.svd(M[:h, h:], compute_uv=False)
    return int(np.sum(s > rtol * s[0]))


def test_order_is_a_permutation_and_reduces_ranks() -> None:
    rng = np.random.default_rng(8)
    v = as_polygon(None)
    w, b = _lines_through(rng, v, 512)
    perm = r2.order_2d(w, b, v)
    assert perm.dtype == np.int64
    assert np.array_equal(np.sort(perm), np.arange(512))
    assert np.array_equal(perm, r2.order_2d(w, b, v))
    shuffled = rng.permutation(512)
    # top-level off-diagonal ranks (measured: A 52 vs 90 at 1e-6, H 47 vs 103 at 1e-4)
    for kind, rtol, factor in (("mass", 1e-6, 0.75), ("heaviside", 1e-4, 0.6)):
        M = r2.assemble_2d(kind, w[perm], b[perm], v, n_threads=2)
        Mr = r2.assemble_2d(kind, w[shuffled], b[shuffled], v, n_threads=2)
        assert _offdiag_rank(M, rtol) < factor * _offdiag_rank(Mr, rtol)


def test_degenerate_constructed_cases() -> None:
    v = as_polygon(((0.0, 2.0), (0.0, 1.0)))
    w = np.array(
        [
            [1.0, 0.0],  # 0: x > 1
            [0.0, 1.0],  # 1: y > 1 (touches the top edge only): dead
            [-2.5, 0.0],  # 2: x < 1, the line of 0 reversed: duplicate
            [1.0, 1.0],  # 3: x + y > -1: full
            [0.0, 0.0],  # 4: constant 2: full
            [2.0, 0.0],  # 5: x > 1 again, scaled: duplicate
            [0.0, -1.0],  # 6: y < 1.5: full
            [1.0, -1.0],  # 7: line through the vertices (0, 0) and (1, 1)
            [0.0, 0.0],  # 8: another constant: duplicate of 4
            [1.0, 2.0],  # 9: full, the 4th one: linear
            [1.0, 0.0],  # 10: x > 2 (touches the right edge only): dead
            [0.0, 0.0],  # 11: w = 0, b = 0: dead
        ]
    )
    b = np.array([-1.0, -1.0, 2.5, 1.0, 2.0, -2.0, 1.5, 0.0, 0.5, 0.1, -2.0, 0.0])
    d = r2.degenerate_2d(w, b, v)
    assert d["dead"].tolist() == [1, 10, 11]
    assert d["duplicate"].tolist() == [2, 5, 8]
    assert d["linear"].tolist() == [9]
    assert all(a.dtype == np.int64 for a in d.values())
    clean = r2.degenerate_2d(w[[0, 3, 7]], b[[0, 3, 7]], v)
    assert all(a.size == 0 for a in clean.values())
    # for H and G, every full neuron after the first has the same h = 1 on the domain
    for kind in ("heaviside", "gauss_newton"):
        assert r2.degenerate_2d(w, b, v, kind=kind)["linear"].tolist() == [4, 6, 9]


def test_degenerate_dependent_full_neurons() -> None:
    """Three full neurons whose affine functions are dependent: the third is reported."""
    v = as_polygon(None)
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    b = np.array([1.0, 2.0, 3.0, 0.5])  # r_2 = r_0 + r_1 (all full); neuron 3 cuts the square
    d = r2.degenerate_2d(w, b, v)
    assert d["linear"].tolist() == [2]
    A = r2.assemble_2d("mass", w, b, v, n_threads=1)
    lam = np.linalg.eigvalsh(A)
    assert lam[0] <= 1e-15 * lam[-1]  # singular indeed
    assert r2.degenerate_2d(w[[0, 1, 3]], b[[0, 1, 3]], v)["linear"].size == 0


# ------------------------------------------------------------------------------------------------
# Domains and bad input
# ------------------------------------------------------------------------------------------------


def test_domain_forms() -> None:
    sq = as_polygon(None)
    assert sq.tolist() == [[0, 0], [1, 0], [1, 1], [0, 1]]
    assert as_polygon(((0, 2), (-1, 1))).tolist() == [[0, -1], [2, -1], [2, 1], [0, 1]]
    cw = np.array(DOMAINS["pentagon_cw"])
    assert np.array_equal(as_polygon(cw), cw[::-1])
    # a collinear vertex (midpoint of an edge) is allowed and changes no matrix entry
    w, b = _lines_through(np.random.default_rng(2), sq, 5)
    with_mid = np.array([[0, 0], [0.5, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    A1 = r2.assemble_2d("mass", w, b, sq, n_threads=1)
    A2 = r2.assemble_2d("mass", w, b, as_polygon(with_mid), n_threads=1)
    np.testing.assert_allclose(A1, A2, rtol=1e-14, atol=1e-17)


@pytest.mark.parametrize(
    ("domain", "match"),
    [
        ([[0, 0], [1, 1]], "x0 < x1"),  # a (2, 2) array is a box: ((0, 0), (1, 1)) is empty
        (((1.0, 0.0), (0.0, 1.0)), "inverted or empty box"),
        (((0.0, 1.0), (0.0, 0.0)), "inverted or empty box"),
        ([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]], "not a convex polygon"),  # concave
        ([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2]], "not a convex polygon"),
        ([[0, 0], [1, 0], [2, 0]], "zero area"),
        ([[0, 0], [1, 0], [1, 1], [1, 0]], "repeated vertices"),
        ([[0, 0], [1, 0], [np.nan, 1]], "NaN or Inf"),
        ([[0, 0], [1, 0], [np.inf, 1]], "NaN or Inf"),
        ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], "shape"),
        ([0.0, 1.0], "shape"),
        ([["a", "b"], ["c", "d"], ["e", "f"]], "real numbers"),
        (
            # a pentagram: every turn is to the left, but the boundary winds twice
            [[np.cos(a), np.sin(a)] for a in np.pi / 2 + 4 * np.pi / 5 * np.arange(5)],
            "winds more than once",
        ),
    ],
)
def test_bad_domain(domain: object, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        as_polygon(domain)
    assert "domain" in str(info.value)


def test_bad_arguments() -> None:
    v = as_polygon(None)
    w, b = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([-0.5, -0.5])
    with pytest.raises(ValueError, match="kind must be one of"):
        r2.assemble_2d("stiffness", w, b, v, n_threads=1)
    with pytest.raises(ValueError, match="b contains NaN or Inf"):
        r2.assemble_2d("mass", w, np.array([np.nan, 0.0]), v, n_threads=1)
    with pytest.raises(ValueError, match="b must have shape"):
        r2.assemble_2d("mass", w, b[:1], v, n_threads=1)
    with pytest.raises(ValueError, match=r"w must have shape \(n, 2\)"):
        r2.assemble_2d("mass", w[:, :1], b, v, n_threads=1)
    with pytest.raises(ValueError, match=r"rows has indices outside 0\.\.1"):
        r2.entries_2d("mass", w, b, v, [2], [0], n_threads=1)
    with pytest.raises(ValueError, match=r"cols has indices outside 0\.\.5"):
        r2.entries_2d("gauss_newton", w, b, v, [5], [-1], n_threads=1)
    with pytest.raises(ValueError, match="rows must be an integer index array"):
        r2.entries_2d("mass", w, b, v, [0.5], [0], n_threads=1)
    with pytest.raises(ValueError, match=r"x must have shape \(6,\)"):
        r2.matvec_2d("gauss_newton", w, b, v, np.ones(2), n_threads=1)
    with pytest.raises(ValueError, match="x contains NaN"):
        r2.matvec_2d("mass", w, b, v, np.array([1.0, np.nan]), n_threads=1)


def test_rounding_alternating_signs_along_an_edge() -> None:
    """Regression: vertices nearly on a neuron's line whose values alternate in sign (rounding-level
    non-collinearity) make Sutherland-Hodgman output up to 2m vertices, not m + 1; buffers must
    hold them. The integrals are those of the unit square to rounding."""
    xs = np.arange(1, 20) / 20
    bottom = np.column_stack([xs, 1e-17 * (-1.0) ** np.arange(1, 20)])
    v = as_polygon(np.vstack([[[0.0, 0.0]], bottom, [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]))
    w = np.array([[0.0, 1.0], [0.0, -1.0], [1.0, 0.0], [0.0, 1.0]])
    b = np.array([0.0, 0.0, -0.5, -1e-17])
    A, H, G = r2.assemble_2d_all(w, b, v, n_threads=2)
    sq = as_polygon(None)
    A0, H0, G0 = r2.assemble_2d_all(w, b, sq, n_threads=1)
    np.testing.assert_allclose(H, H0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(A, A0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(G, G0, rtol=0, atol=1e-15)
    assert H[0, 0] == pytest.approx(1.0, abs=1e-15)
    f = r2.load_vector_2d(lambda p: np.ones(len(p)), w, b, v)
    np.testing.assert_allclose(f, [0.5, 0.0, 0.125, 0.5], rtol=0, atol=1e-15)
    y = r2.matvec_2d("gauss_newton", w, b, v, np.ones(12), n_threads=1)
    np.testing.assert_allclose(y, G.sum(axis=1), rtol=1e-15, atol=1e-16)
    xy, _, off = _core.relu2d_active_polygons(w, b, v, 1)
    assert off[1] - off[0] > len(v) + 1  # more vertices than a convex clip could give


def test_overflow_raises() -> None:
    """Huge parameters overflow float64: an error, never silent Inf/NaN."""
    v = as_polygon(None)
    w, b = np.array([[1e200, 0.0], [0.0, 1e200]]), np.array([-0.5e200, -0.5e200])
    with pytest.raises(NonFiniteResultError, match="overflowed"):
        r2.assemble_2d("mass", w, b, v, n_threads=1)
    with pytest.raises(NonFiniteResultError, match="overflowed"):
        r2.assemble_2d_all(w, b, v, n_threads=1)
    with pytest.raises(NonFiniteResultError, match="overflowed"):
        r2.entries_2d("mass", w, b, v, [0], [1], n_threads=1)
    with pytest.raises(NonFiniteResultError, match="overflowed"):
        r2.matvec_2d("mass", w, b, v, np.ones(2), n_threads=1)
    # H and G do not involve the scale of the parameters
    assert np.isfinite(r2.assemble_2d("heaviside", w, b, v, n_threads=1)).all()


def test_concurrent_python_threads(random_net) -> None:
    """The GIL is released: concurrent calls from Python threads give the serial results."""
    w, b, v = random_net
    serial = r2.assemble_2d("mass", w, b, v, n_threads=1)
    x = np.arange(len(b), dtype=float)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futs = [pool.submit(r2.assemble_2d, "mass", w, b, v, n_threads=2) for _ in range(4)]
        futs += [pool.submit(r2.matvec_2d, "mass", w, b, v, x, n_threads=1) for _ in range(2)]
        res = [f.result() for f in futs]
    for M in res[:4]:
        assert np.array_equal(M, serial)
    for y in res[4:]:
        assert np.array_equal(y, res[4])
