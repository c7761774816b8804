"""Accuracy of the 1D ReLU-network matrices, products, loads and O(n) solvers (nnla.relu).

References: adaptive quadrature (scipy.integrate.quad with every kink as a breakpoint), mpmath
dense solves at 50 digits, the dense matrices themselves (for entries and products), and the
conditioning figures of spec/relu-matrices.md.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import mpmath
import nnla
import numpy as np
import pytest
import scipy.linalg
from nnla import relu
from scipy.integrate import IntegrationWarning, quad

EPS = np.finfo(np.float64).eps


def _random_layer(rng: np.random.Generator, n: int, lo: float, hi: float) -> tuple[np.ndarray, ...]:
    """Mixed orientations, breakpoints inside and outside the domain, two w = 0 neurons."""
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.3, 3.0, n)
    s = rng.uniform(lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo), n)
    b = -w * s
    w[1], b[1] = 0.0, 0.7  # constant neuron
    w[2], b[2] = 0.0, -0.4  # dead constant neuron
    return w, b


def _affine(w: float, b: float):
    """x -> w x + b correctly rounded (exact rational arithmetic): near a kink the naive float
    evaluation is only accurate to eps |b| absolutely, too coarse for a 1e-14 reference."""
    fw, fb = Fraction(w), Fraction(b)
    return lambda x: float(fw * Fraction(x) + fb)


def _sigma(w: float, b: float):
    f = _affine(w, b)
    return lambda x: max(f(x), 0.0)


def _heav(w: float, b: float):
    f = _affine(w, b)
    return lambda x: 1.0 if f(x) > 0 else 0.0


def _quad(f, lo: float, hi: float, pts: list[float]) -> float:
    # at this tolerance QUADPACK may report roundoff; the value is still right (and the
    # entries are checked against mpmath as well)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        return quad(f, lo, hi, points=pts or None, limit=400, epsabs=0, epsrel=1.2e-14)[0]


def _horner(coeffs: object, x: object) -> object:
    """Polynomial with coefficients in descending powers at x (any number type, e.g. mpf)."""
    acc = 0
    for c in coeffs:  # type: ignore[attr-defined]
        acc = acc * x + c
    return acc


@pytest.mark.parametrize("domain", [(0.0, 1.0), (-2.0, 3.5), (-1.0, -0.25)])
def test_closed_forms_vs_quad(domain: tuple[float, float]) -> None:
    rng = np.random.default_rng(11)
    lo, hi = domain
    n = 14
    w, b = _random_layer(rng, n, lo, hi)
    A = relu.mass_matrix(w, b, domain)
    H = relu.heaviside_gram(w, b, domain)
    G = relu.layer_gauss_newton(w, b, domain)
    s = [-bi / wi for wi, bi in zip(w, b) if wi != 0 and lo < -bi / wi < hi]
    for i in range(n):
        for j in range(i, n):
            si, sj = _sigma(w[i], b[i]), _sigma(w[j], b[j])
            hi_, hj = _heav(w[i], b[i]), _heav(w[j], b[j])
            ref_a = _quad(lambda x, si=si, sj=sj: si(x) * sj(x), lo, hi, s)
            ref_h = _quad(lambda x, hi_=hi_, hj=hj: hi_(x) * hj(x), lo, hi, s)
            ref_g = [
                _quad(lambda x, k=k, hi_=hi_, hj=hj: hi_(x) * hj(x) * x**k, lo, hi, s)
                for k in range(3)
            ]
            assert A[i, j] == pytest.approx(ref_a, rel=1e-14, abs=1e-300)
            assert H[i, j] == pytest.approx(ref_h, rel=1e-14, abs=1e-300)
            blk = G[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            ref_blk = [[ref_g[0], ref_g[1]], [ref_g[1], ref_g[2]]]
            np.testing.assert_allclose(blk, ref_blk, rtol=1e-14)
    for M in (A, H, G):
        np.testing.assert_array_equal(M, M.T)
    # and every entry of A against the exact integral (mpmath, 50 digits): 1e-14 relative
    M, _, _, _ = _mp_gram(w, b, lo, hi, "mass")
    for i in range(n):
        for j in range(n):
            assert A[i, j] == pytest.approx(float(M[i, j]), rel=1e-14, abs=1e-300)
    # dead neuron (w = 0, b < 0) has a zero row
    assert not A[2].any()
    assert not H[2].any()
    assert not G[4:6].any()


def test_several_intervals_additive() -> None:
    """A on [a, c] = A on [a, b] + A on [b, c], and the same for H and G."""
    rng = np.random.default_rng(3)
    w, b = _random_layer(rng, 30, 0.0, 2.0)
    for fn in (relu.mass_matrix, relu.heaviside_gram, relu.layer_gauss_newton):
        whole = fn(w, b, (0.0, 2.0))
        parts = fn(w, b, (0.0, 0.7)) + fn(w, b, (0.7, 2.0))
        np.testing.assert_allclose(whole, parts, rtol=0, atol=8 * EPS * np.abs(whole).max())


@pytest.mark.parametrize("kind", ["mass", "heaviside", "gauss_newton"])
def test_entries_and_matvec_agree_with_dense(kind: str) -> None:
    rng = np.random.default_rng(5)
    n, domain = 300, (-1.0, 2.0)
    w, b = _random_layer(rng, n, *domain)
    w[10], b[10] = 1.0, b[11] / w[11]  # the same breakpoint as neuron 11
    w[12], b[12] = -2.0, 2.0 * b[11] / w[11]  # ... and facing left
    dense = {
        "mass": relu.mass_matrix,
        "heaviside": relu.heaviside_gram,
        "gauss_newton": relu.layer_gauss_newton,
    }[kind](w, b, domain)
    ent = {
        "mass": relu.mass_entries,
        "heaviside": relu.heaviside_entries,
        "gauss_newton": relu.gauss_newton_entries,
    }[kind]
    N = dense.shape[0]
    rows, cols = rng.integers(0, N, 40), rng.integers(0, N, 25)
    np.testing.assert_array_equal(ent(w, b, domain, rows, cols), dense[np.ix_(rows, cols)])
    x = rng.standard_normal((N, 3))
    y = relu.matvec(kind, w, b, domain, x)
    tol = 50 * EPS * np.linalg.norm(dense, 2) * np.linalg.norm(x, axis=0)
    assert (np.linalg.norm(y - dense @ x, axis=0) <= tol).all()
    y1 = relu.matvec(kind, w, b, domain, x[:, 1])
    np.testing.assert_array_equal(y1, y[:, 1])


def test_matvec_no_cancellation_far_from_origin() -> None:
    """On [1e4, 1e4 + 1] the entries are O(1) while w x and b are O(1e4): shifted forms."""
    rng = np.random.default_rng(8)
    lo, hi = 1e4, 1e4 + 1.0
    n = 200
    s = rng.uniform(lo, hi, n)
    w = rng.choice([-1.0, 1.0], n)
    b = -w * s
    A = relu.mass_matrix(w, b, (lo, hi))
    x = rng.standard_normal(n)
    y = relu.matvec("mass", w, b, (lo, hi), x)
    assert np.linalg.norm(y - A @ x) <= 1e-13 * np.linalg.norm(A, 2) * np.linalg.norm(x)


def test_load_vector_exact_for_polynomials() -> None:
    rng = np.random.default_rng(2)
    domain = (-0.5, 1.5)
    w, b = _random_layer(rng, 25, *domain)
    u = lambda x: 1.0 - 2.0 * x + 3.0 * x**3  # noqa: E731
    f = relu.load_vector(u, w, b, domain, order=4)
    s = [-bi / wi for wi, bi in zip(w, b) if wi != 0 and domain[0] < -bi / wi < domain[1]]
    for i in range(25):
        si = _sigma(w[i], b[i])
        ref = _quad(lambda x, si=si: u(x) * si(x), *domain, s)
        assert f[i] == pytest.approx(ref, rel=1e-13, abs=1e-14)


def test_load_vector_one_call_and_refine() -> None:
    calls = []

    def u(x: np.ndarray) -> np.ndarray:
        calls.append(x.shape)
        return np.exp(x)

    w, b = np.array([1.0, -2.0, 1.0]), np.array([-0.3, 1.0, 0.0])
    f = relu.load_vector(u, w, b, refine=3, order=8)
    assert len(calls) == 1
    exact = [
        quad(lambda x: np.exp(x) * max(x - 0.3, 0), 0, 1, epsabs=0, epsrel=1.2e-14)[0],
        quad(lambda x: np.exp(x) * max(1 - 2 * x, 0), 0, 1, points=[0.5], epsabs=0, epsrel=1.2e-14)[
            0
        ],
        quad(lambda x: np.exp(x) * x, 0, 1, epsabs=0, epsrel=1.2e-14)[0],
    ]
    np.testing.assert_allclose(f, exact, rtol=1e-14)


# ------------------------------------------------------------------------------------------------
# O(n) solvers against mpmath
# ------------------------------------------------------------------------------------------------

mpmath.mp.dps = 50


def _mp_interval(wi, bi, lo, hi):
    if wi > 0:
        return max(lo, -bi / wi), hi
    if wi < 0:
        return lo, min(hi, -bi / wi)
    return (lo, hi) if bi > 0 else (lo, lo)


def _mp_gram(w, b, lo, hi, kind: str):
    n = len(w)
    ws, bs = [mpmath.mpf(v) for v in w], [mpmath.mpf(v) for v in b]
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    iv = [_mp_interval(ws[i], bs[i], lo, hi) for i in range(n)]
    M = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            lo_, hi_ = max(iv[i][0], iv[j][0]), min(iv[i][1], iv[j][1])
            if hi_ <= lo_:
                continue
            if kind == "heaviside":
                M[i, j] = hi_ - lo_
            else:
                c3, c2, c1 = ws[i] * ws[j] / 3, (ws[i] * bs[j] + ws[j] * bs[i]) / 2, bs[i] * bs[j]
                prim = [c3 * x**3 + c2 * x**2 + c1 * x for x in (lo_, hi_)]
                M[i, j] = prim[1] - prim[0]
    return M, iv, ws, bs


def _mp_loads(poly, iv, ws, bs, kind: str):
    f = mpmath.matrix(len(iv), 1)
    for i, (lo_, hi_) in enumerate(iv):
        if hi_ > lo_:
            g = (
                (lambda x: _horner(poly, x))
                if kind == "heaviside"
                else (lambda x, i=i: _horner(poly, x) * (ws[i] * x + bs[i]))
            )
            f[i] = mpmath.quad(g, [lo_, hi_])
    return f


def _fn_err(c, cref, M) -> float:
    d = mpmath.matrix([float(v) for v in c]) - cref
    return float(mpmath.sqrt((d.T * M * d)[0]) / mpmath.sqrt((cref.T * M * cref)[0]))


SOLVER_CASES = {
    "right": dict(neg=False, full=()),
    "mixed": dict(neg=True, full=()),
    "mixed+full": dict(neg=True, full=((1.0, 0.2),)),
    "left+full": dict(neg="all", full=((-1.5, 2.0),)),
    "mixed+2full": dict(neg=True, full=((1.0, 0.2), (-0.5, 1.5))),
    "mixed+const": dict(neg=True, full=((0.0, 0.8),)),
}


def _solver_layer(case: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    spec = SOLVER_CASES[case]
    n = 12
    s = rng.uniform(0.02, 0.98, n)
    w = rng.uniform(0.5, 2.0, n)
    if spec["neg"] == "all":
        w = -w
    elif spec["neg"]:
        w *= rng.choice([-1.0, 1.0], n)
    b = -w * s
    for k, (wf, bf) in enumerate(spec["full"]):
        w[k], b[k] = wf, bf
    return w, b


@pytest.mark.parametrize("kind", ["mass", "heaviside"])
@pytest.mark.parametrize("case", list(SOLVER_CASES))
def test_hat_solver_vs_mpmath(case: str, kind: str) -> None:
    w, b = _solver_layer(case, 21)
    if kind == "heaviside" and len(SOLVER_CASES[case]["full"]) > 1:
        with pytest.raises(nnla.errors.DegenerateNeuronsError, match="linear"):
            relu.solve_heaviside_1d(w, b, f=np.ones(12))
        return
    solve = relu.solve_mass_1d if kind == "mass" else relu.solve_heaviside_1d
    poly = [3.0, -2.0, 0.5, 1.0]
    u = lambda x: np.polyval(poly, x)  # noqa: E731
    mpoly = [mpmath.mpf(v) for v in poly]
    M, iv, ws, bs = _mp_gram(w, b, 0.0, 1.0, kind)
    # f mode: A c = f with the exact loads of u, against an mpmath dense solve
    f = _mp_loads(mpoly, iv, ws, bs, kind)
    cref = mpmath.lu_solve(M, f)
    c, c0 = solve(w, b, f=np.array([float(v) for v in f]))
    assert c0 == 0.0
    assert _fn_err(c, cref, M) <= 1e-12
    # u mode: the least-squares fit with the constant (when the neurons do not span it)
    spans_const = any(wi == 0 for wi in w) or (
        sum(1 for l_, h_ in iv if l_ == 0 and h_ == 1) >= (1 if kind == "heaviside" else 2)
    )
    we, be = (w, b) if spans_const else (np.append(w, 0.0), np.append(b, 1.0))
    Me, ive, wse, bse = _mp_gram(we, be, 0.0, 1.0, kind)
    ce = mpmath.lu_solve(Me, _mp_loads(mpoly, ive, wse, bse, kind))
    c, c0 = solve(w, b, u=u, order=4)
    got = c if spans_const else np.append(c, c0)
    if spans_const:
        assert c0 == 0.0
    assert _fn_err(got, ce, Me) <= 1e-13


def test_hat_solver_mixed_n40_vs_mpmath() -> None:
    """A larger mixed-orientation layer (kappa(A) ~ 1e9): the u-fit stays at rounding level and
    the f-solve at the limit set by rounding f itself (~ sqrt(kappa) eps relative)."""
    rng = np.random.default_rng(1)
    n = 40
    w = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
    b = -w * rng.uniform(0.02, 0.98, n)
    w[0], b[0] = 1.0, 0.2
    poly = [3.0, -2.0, 0.5, 1.0]
    mpoly = [mpmath.mpf(v) for v in poly]
    we, be = np.append(w, 0.0), np.append(b, 1.0)
    Me, ive, wse, bse = _mp_gram(we, be, 0.0, 1.0, "mass")
    ce = mpmath.lu_solve(Me, _mp_loads(mpoly, ive, wse, bse, "mass"))
    c, c0 = relu.solve_mass_1d(w, b, u=lambda x: np.polyval(poly, x), order=4)
    assert _fn_err(np.append(c, c0), ce, Me) <= 1e-14
    M, iv, ws, bs = _mp_gram(w, b, 0.0, 1.0, "mass")
    f = _mp_loads(mpoly, iv, ws, bs, "mass")
    cf, _ = relu.solve_mass_1d(w, b, f=np.array([float(v) for v in f]))
    kappa = np.linalg.cond(relu.mass_matrix(w, b))
    assert _fn_err(cf, mpmath.lu_solve(M, f), M) <= 10 * EPS * np.sqrt(kappa)


def test_hat_solver_without_c0() -> None:
    """include_c0=False fits with the neurons only: the same as solving with the exact loads."""
    w, b = _solver_layer("mixed", 4)
    u = lambda x: np.cos(3 * x)  # noqa: E731
    c1, c01 = relu.solve_mass_1d(w, b, u=u, include_c0=False, order=12, refine=4)
    c2, _ = relu.solve_mass_1d(w, b, f=relu.load_vector(u, w, b, order=12, refine=4))
    A = relu.mass_matrix(w, b)
    assert c01 == 0.0
    assert np.sqrt((c1 - c2) @ A @ (c1 - c2)) <= 1e-12 * np.sqrt(c2 @ A @ c2)


def test_hat_solver_beats_dense_cholesky_n4096() -> None:
    """Uniform breakpoints s_i = (i-1)/n, w = 1 (spec figures: dense Cholesky loses ~1e-6 at
    n = 4096; the exact route keeps ~1e-15). u is piecewise linear on the breakpoints, so it is
    its own projection and the error of a fit is measured exactly on the nodes."""
    n = 4096
    s = np.arange(n) / n
    w, b = np.ones(n), -s
    nodes = np.append(s, 1.0)
    vals = np.sin(2 * np.pi * nodes) + nodes  # u(0) = 0: u lies in the span of the neurons
    u = lambda x: np.interp(x, nodes, vals)  # noqa: E731
    h = np.diff(nodes)

    def l2_nodal(d: np.ndarray) -> float:  # ||PL function with nodal values d||_L2
        return float(np.sqrt(np.sum(h / 3 * (d[:-1] ** 2 + d[:-1] * d[1:] + d[1:] ** 2))))

    net_err = lambda c, c0: l2_nodal(relu.ShallowNetwork(w, b, c, c0)(nodes) - vals)  # noqa: E731
    c, c0 = relu.solve_mass_1d(w, b, u=u, order=2)
    err_hat = net_err(c, c0) / l2_nodal(vals)
    A = relu.mass_matrix(w, b)
    f = relu.load_vector(u, w, b, order=2)
    cd = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), f)
    err_dense = net_err(cd, 0.0) / l2_nodal(vals)
    assert err_hat <= 1e-13
    assert err_dense >= 1e3 * err_hat


def test_hat_solver_where_dense_cholesky_fails() -> None:
    """Random sorted breakpoints, n = 1024 (kappa(A) ~ 1e21 in the spec): Cholesky of the exact A
    breaks down; the hat route still reproduces a function of its span to ~1e-15."""
    rng = np.random.default_rng(5)
    n = 1024
    s = np.sort(rng.uniform(0, 1, n))
    s[0] = 0.0
    w, b = np.ones(n), -s
    nodes = np.append(s, 1.0)
    vals = np.sin(2 * np.pi * nodes) + nodes
    h = np.diff(nodes)

    def l2_nodal(d: np.ndarray) -> float:
        return float(np.sqrt(np.sum(h / 3 * (d[:-1] ** 2 + d[:-1] * d[1:] + d[1:] ** 2))))

    c, c0 = relu.solve_mass_1d(w, b, u=lambda x: np.interp(x, nodes, vals), order=2)
    err = l2_nodal(relu.ShallowNetwork(w, b, c, c0)(nodes) - vals) / l2_nodal(vals)
    assert err <= 1e-13
    with pytest.raises(np.linalg.LinAlgError):
        scipy.linalg.cho_factor(relu.mass_matrix(w, b))


def test_heaviside_solver_large_n_matches_dense_small_parts() -> None:
    """H^-1 is tridiagonal: compare with a dense solve on a moderately sized, well-posed case."""
    rng = np.random.default_rng(9)
    n = 400
    s = np.sort(rng.uniform(0, 1, n))
    w = rng.choice([-1.0, 1.0], n)
    b = -w * s
    f = rng.standard_normal(n)
    c, _ = relu.solve_heaviside_1d(w, b, f=f)
    H = relu.heaviside_gram(w, b)
    assert np.linalg.norm(H @ c - f) <= 1e-12 * np.linalg.norm(H, 2) * np.linalg.norm(c)


# ------------------------------------------------------------------------------------------------
# conditioning and structure (spec figures)
# ------------------------------------------------------------------------------------------------


def test_condition_number_n1024() -> None:
    n = 1024
    s = np.arange(n) / n
    ev = np.linalg.eigvalsh(relu.mass_matrix(np.ones(n), -s))
    assert ev[-1] / ev[0] == pytest.approx(4.28e12, rel=0.01)
    evh = np.linalg.eigvalsh(relu.heaviside_gram(np.ones(n), -s))
    assert evh[-1] / evh[0] == pytest.approx(1.70e6, rel=0.01)


def _rank(block: np.ndarray, tol: float) -> int:
    sv = np.linalg.svd(block, compute_uv=False)
    return int(np.sum(sv > tol * sv[0])) if sv.size and sv[0] > 0 else 0


def test_offdiagonal_ranks_after_sorting() -> None:
    rng = np.random.default_rng(17)
    n = 256
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2, n)
    b = -w * rng.uniform(0, 1, n)
    net = relu.ShallowNetwork(w, b)
    p = net.order()
    w, b = w[p], b[p]
    A, H = relu.mass_matrix(w, b), relu.heaviside_gram(w, b)
    G = relu.layer_gauss_newton(w, b)
    half = n // 2
    ii, jj = np.arange(half // 2, half), np.arange(half, half + half // 2)
    for lev in (2, 4):
        size = n // lev
        for start in range(0, n, size):
            rows = np.arange(start, start + size)
            rest = np.setdiff1d(np.arange(n), rows)
            sib = np.arange(start + size, start + 2 * size) if start + size < n else rest[:size]
            assert _rank(A[np.ix_(rows, sib)], 1e-12) <= 4
            assert _rank(A[np.ix_(rows, rest)], 1e-12) <= 6
            assert _rank(H[np.ix_(rows, rest)], 1e-12) <= 3
            gr = np.concatenate([2 * rows, 2 * rows + 1])
            grest = np.concatenate([2 * rest, 2 * rest + 1])
            assert _rank(G[np.ix_(gr, grest)], 1e-12) <= 6
    # in random order the same block is far from low rank
    q = rng.permutation(n)
    assert _rank(A[np.ix_(q[ii], q[jj])], 1e-12) > 20


# ------------------------------------------------------------------------------------------------
# degenerate neurons
# ------------------------------------------------------------------------------------------------


def test_degenerate_detection() -> None:
    w = np.array([1.0, 1.0, -1.0, 2.0, 1.0, -1.0, 0.0, 0.0, 1.0, -3.0, 0.0])
    b = np.array([-0.5, -1.0, 0.2, -1.0, 1.0, 2.0, 0.5, 0.2, 3.0, 1.5, -1.0])
    # 0: s=.5; 1: s=1 dead; 2: s=.2 left; 3: s=.5 dup of 0; 4: full; 5: full; 6: const full;
    # 7: const dup of 6; 8: full (beyond two); 9: s=.5 left, dup of 0; 10: dead const
    r = relu.degenerate_neurons(w, b, (0.0, 1.0))
    assert r["dead"].tolist() == [1, 10]
    assert r["duplicate"].tolist() == [3, 7, 9]
    assert r["linear"].tolist() == [6, 8]
    assert all(v.dtype == np.int64 for v in r.values())
    rh = relu.degenerate_neurons(w, b, (0.0, 1.0), kind="heaviside")
    assert rh["linear"].tolist() == [5, 6, 8]
    with pytest.raises(nnla.errors.DegenerateNeuronsError, match="dead") as ei:
        relu.solve_mass_1d(w, b, f=np.ones(w.size))
    assert ei.value.indices.tolist() == [1, 3, 6, 7, 8, 9, 10]
    assert isinstance(ei.value, np.linalg.LinAlgError)
    with pytest.raises(nnla.errors.DegenerateNeuronsError):
        relu.mass_matrix(w, b, check=True)
    A = relu.mass_matrix(w, b)  # without check: the exact (singular) matrix
    assert A.shape == (11, 11)
    clean = relu.degenerate_neurons([1.0, -1.0, 1.0], [-0.2, 0.7, 0.5])
    assert not any(v.size for v in clean.values())
