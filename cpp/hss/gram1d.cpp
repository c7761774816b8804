// HSS of an exact 1D Gram matrix M_pq = int f_p f_q of two-piece affine functions (gram1d.hpp; the
// 1D ReLU-network matrices mass A, Heaviside H, layer Gauss-Newton G are such, see
// relu/generators.hpp) from analytic generators: the range of every block row exactly, no
// truncation beyond rounding, O(n log n) work.
//
// Every index p (for the ReLU matrices: a neuron of A or H; a pair (neuron, k) of G) has a function
// f_p on [lo, hi] with one breakpoint s_p (clamped to [lo, hi]) splitting it into two affine pieces
// alpha + beta x. The indices are sorted by breakpoint (the generator lists them in tree order), and
// the cluster tree is over units (G: both indices of a neuron in the same leaf).
//
// A node I with breakpoints in [tL, tR] (its first and last): every f_p, p in I, is affine on
// [lo, tL] and on [tR, hi], and every f_q, q outside I, is affine on [tL, tR]. Expanding each
// affine piece around the nearest split point, M(I, ~I) = G_I C with the 6 generator columns
//   G_I(p, :) = [a0_p(tL), beta_p^L, int_{tL}^{tR} f_p, int_{tL}^{tR} (x - c) f_p, a0_p(tR), beta_p^R]
// (a0_p(t) = alpha + beta t of the piece valid at t; c = (tL + tR) / 2; columns of empty
// intervals are zero; piecewise constant functions (Heaviside): column 4 is dropped, the outside
// functions are constant on [tL, tR]). So range(M(I, ~I)) is contained in range(G_I) EXACTLY. The
// row basis U_I is NOT taken from G_I directly (its columns are like monomials in the breakpoints over a short interval:
// ill-conditioned, and a basis computed from them made the ULV solve lose a digit, residual 9e-14
// at n = 2048); instead from G_I R^T, where C^T = Q R for the coefficients C (6 x |~I|) of
// M(I, ~I) = G_I C on a weighted sample of the complement (16 nearest indices on each side, then
// 16 at each doubled stride, weight sqrt(stride)): the left singular vectors of the block row,
// as the dense compression takes them, at O(m + log n) cost per node. Directions below 1e-15
// sigma_1 are dropped (ranks <= 6, <= 3 for H, <= 4 for the mass matrix of w > 0). Nested
// exactly, because range(G_P restricted to a child) lies in the child's range; the translation
// operator is the orthonormal range of [U_c1^T G_P(c1); U_c2^T G_P(c2)] R_P^T.
// Siblings c1 < c2 with split t = tR(c1):
//   M(c1, c2) = X Y^T, X = [int_lo^t f_p, int_lo^t (x - t) f_p, a0_p(t), beta_p^R],
//                      Y = [a0_q(t), beta_q^L, int_t^hi f_q, int_t^hi (x - t) f_q]
// (the local expansion at t keeps the sums free of cancellation for one-sided networks), and
// B = (U_c1^T X)(U_c2^T Y)^T with the full bases. Diagonal leaf blocks: the generator's closed-form
// entries (diagonal_block). The representation is exact to rounding at every tolerance, so it is
// SPD when the matrix is (up to rounding; the ULV Cholesky checks every pivot).
#include <algorithm>
#include <cmath>
#include <vector>

#include "hss/gram1d.hpp"
#include "hss/hss.hpp"
#include "hss/util.hpp"

namespace nnla::hss {

using detail::Mat;

namespace {

// complement columns sampled per node and side: kNear at stride 1, then kNear at each doubled stride
constexpr int kNear = 16;

using Piece = AffinePiece;
using Fn = TwoPieceFn;

// int_u^v (x - c)^k (alpha + beta x) dx, k = 0, 1.
inline double piece_moment(const Piece& pc, double u, double v, double c, int k) {
    if (!(v > u)) return 0.0;
    const double a0 = std::fma(pc.beta, c, pc.alpha);
    const double U = u - c, V = v - c;
    if (k == 0) return a0 * (V - U) + pc.beta * (V * V - U * U) / 2.0;
    return a0 * (V * V - U * U) / 2.0 + pc.beta * (V * V * V - U * U * U) / 3.0;
}

// int_u^v (x - c)^k f(x) dx for the two-piece function f.
inline double moment(const Fn& f, double u, double v, double c, int k) {
    return piece_moment(f.left, u, std::min(v, f.s), c, k) + piece_moment(f.right, std::max(u, f.s), v, c, k);
}

int left_basis(double* z, int s, int p, Mat& u, int& k) {
    // orthonormal range of the s x p matrix z (destroyed): left singular vectors above 1e-15 sigma_1
    k = 0;
    const int mn = std::min(s, p);
    u.clear();
    if (mn <= 0) return 0;
    std::vector<double> sv(mn);
    Mat uu(static_cast<std::size_t>(s) * mn);
    double vt = 0, wq = 0;
    int info = lapack::gesvd('S', 'N', s, p, z, s, sv.data(), uu.data(), s, &vt, 1, &wq, -1);
    if (info != 0) return info;
    std::vector<double> work(std::max(1, static_cast<int>(wq)));
    info = lapack::gesvd('S', 'N', s, p, z, s, sv.data(), uu.data(), s, &vt, 1, work.data(),
                         static_cast<int>(work.size()));
    if (info != 0) return info;
    while (k < mn && sv[k] > 1e-15 * sv[0]) ++k;
    u.assign(uu.begin(), uu.begin() + static_cast<std::size_t>(s) * k);
    return 0;
}


}  // namespace

Fail build_gram1d(const Gram1dGenerator& gen, int leaf_size, int n_threads, HSS& h) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    const int per = gen.group();
    const int n_units = gen.units();
    const int n = n_units * per;
    const double lo = gen.lo(), hi = gen.hi();
    const bool constant = gen.piecewise_constant();
    // the tree over units, indices scaled by per (G: a neuron's two indices stay together)
    Tree tree = make_tree(n_units, std::max(1, leaf_size / per));
    for (auto& v : tree.lo) v *= per;
    for (auto& v : tree.hi) v *= per;
    tree.n = n;
    const int nodes = tree.num_nodes();
    h.tree = tree;
    h.rank.assign(nodes, 0);
    h.D.assign(nodes, {});
    h.U.assign(nodes, {});
    h.B.assign(nodes, {});

    // the functions in tree order
    std::vector<Fn> fn;
    gen.functions(fn);
    auto tl = [&](int node) { return fn[tree.lo[node]].s; };
    auto tr = [&](int node) { return fn[tree.hi[node] - 1].s; };

    // generator G_I (m x 6) of a node
    auto generator = [&](int node, Mat& g, int& gcols) {
        gcols = 6;
        const int a = tree.lo[node], m = tree.hi[node] - a;
        const double L = tl(node), R = tr(node), c = 0.5 * (L + R);
        g.assign(static_cast<std::size_t>(m) * 6, 0.0);
        for (int r = 0; r < m; ++r) {
            const Fn& f = fn[a + r];
            if (L > lo) {
                g[r] = std::fma(f.left.beta, L, f.left.alpha);
                g[r + m] = f.left.beta;
            }
            if (R > L) {
                g[r + 2 * static_cast<std::size_t>(m)] = moment(f, L, R, c, 0);
                // piecewise constant (Heaviside): the functions outside are constant on [tL, tR],
                // one column suffices
                if (!constant) g[r + 3 * static_cast<std::size_t>(m)] = moment(f, L, R, c, 1);
            }
            if (hi > R) {
                g[r + 4 * static_cast<std::size_t>(m)] = std::fma(f.right.beta, R, f.right.alpha);
                g[r + 5 * static_cast<std::size_t>(m)] = f.right.beta;
            }
        }
        // weight by the complement: g <- g R^T with C^T = Q R, C (6 x rest) the coefficients of
        // M(I, ~I) = G C (sampled with weights, see below), so the basis directions are those of
        // the actual block row (as in the dense compression), not of the raw generator
        std::vector<int> qs;
        std::vector<double> qw;
        const int b0 = a, b1 = a + m;
        for (int side = 0; side < 2; ++side) {
            int stride = 1, cnt = 0;
            for (int d = 1;; d += stride) {
                const int q = side == 0 ? b0 - d : b1 - 1 + d;
                if (q < 0 || q >= n) break;
                qs.push_back(q);
                qw.push_back(std::sqrt(static_cast<double>(stride)));
                if (++cnt >= kNear) { stride *= 2; cnt = 0; }
            }
        }
        const int rest = static_cast<int>(qs.size());
        if (rest == 0) return;
        Mat ct(static_cast<std::size_t>(rest) * 6, 0.0);
        for (int r = 0; r < rest; ++r) {
            const Fn& f = fn[qs[r]];
            const Piece& mid = qs[r] < a ? f.right : f.left;
            const double wt = qw[r];
            ct[r] = wt * moment(f, lo, L, L, 0);
            ct[r + rest] = wt * moment(f, lo, L, L, 1);
            ct[r + 2 * static_cast<std::size_t>(rest)] = wt * std::fma(mid.beta, c, mid.alpha);
            ct[r + 3 * static_cast<std::size_t>(rest)] = wt * mid.beta;
            ct[r + 4 * static_cast<std::size_t>(rest)] = wt * moment(f, R, hi, R, 0);
            ct[r + 5 * static_cast<std::size_t>(rest)] = wt * moment(f, R, hi, R, 1);
        }
        Mat rr;
        if (detail::r_factor(ct.data(), rest, 6, rr) != 0) return;
        const int p = std::min(rest, 6);
        Mat gw(static_cast<std::size_t>(m) * p);
        detail::gemm('N', 'T', m, p, 6, 1.0, g.data(), m, rr.data(), p, 0.0, gw.data(), m);
        g.swap(gw);
        gcols = p;
    };

    std::vector<Mat> full(nodes);  // full orthonormal bases (m x k), freed once the parent is built
    Fail fail;
    for (int l = tree.levels; l >= 0; --l) {
        const int f = Tree::first(l), e = Tree::first(l + 1), nb = e - f;
        std::vector<Fail> fails(nb);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int bb = 0; bb < nb; ++bb) {
            const int i = f + bb, a = tree.lo[i], m = tree.hi[i] - a;
            if (tree.is_leaf(i)) {
                // dense diagonal block from the closed forms
                Mat d(static_cast<std::size_t>(m) * m);
                gen.diagonal_block(a, m, d.data());
                // row-major to column-major, symmetrised
                h.D[i].assign(static_cast<std::size_t>(m) * m, 0.0);
                for (int r = 0; r < m; ++r)
                    for (int c = 0; c < m; ++c)
                        h.D[i][r + static_cast<std::size_t>(c) * m] =
                            0.5 * (d[static_cast<std::size_t>(r) * m + c] + d[static_cast<std::size_t>(c) * m + r]);
            } else {
                // coupling of the children: B = (U1^T X)(U2^T Y)^T
                const int c1 = 2 * i + 1, c2 = 2 * i + 2;
                const int a1 = tree.lo[c1], m1 = tree.hi[c1] - a1, a2 = tree.lo[c2], m2 = tree.hi[c2] - a2;
                const int k1 = h.rank[c1], k2 = h.rank[c2];
                const double t = tr(c1);
                Mat X(static_cast<std::size_t>(m1) * 4), Y(static_cast<std::size_t>(m2) * 4);
                for (int r = 0; r < m1; ++r) {
                    const Fn& fp = fn[a1 + r];
                    X[r] = moment(fp, lo, t, t, 0);
                    X[r + m1] = moment(fp, lo, t, t, 1);
                    X[r + 2 * static_cast<std::size_t>(m1)] = std::fma(fp.right.beta, t, fp.right.alpha);
                    X[r + 3 * static_cast<std::size_t>(m1)] = fp.right.beta;
                }
                for (int r = 0; r < m2; ++r) {
                    const Fn& fq = fn[a2 + r];
                    Y[r] = std::fma(fq.left.beta, t, fq.left.alpha);
                    Y[r + m2] = fq.left.beta;
                    Y[r + 2 * static_cast<std::size_t>(m2)] = moment(fq, t, hi, t, 0);
                    Y[r + 3 * static_cast<std::size_t>(m2)] = moment(fq, t, hi, t, 1);
                }
                Mat px(static_cast<std::size_t>(k1) * 4), py(static_cast<std::size_t>(k2) * 4);
                detail::gemm('T', 'N', k1, 4, m1, 1.0, full[c1].data(), m1, X.data(), m1, 0.0, px.data(), k1);
                detail::gemm('T', 'N', k2, 4, m2, 1.0, full[c2].data(), m2, Y.data(), m2, 0.0, py.data(), k2);
                h.B[i].assign(static_cast<std::size_t>(k1) * k2, 0.0);
                detail::gemm('N', 'T', k1, k2, 4, 1.0, px.data(), k1, py.data(), k2, 0.0, h.B[i].data(), k1);
            }
            if (i == 0) continue;
            Mat g;
            int gc = 6;
            generator(i, g, gc);
            int k = 0, info = 0;
            if (tree.is_leaf(i)) {
                info = left_basis(g.data(), m, gc, full[i], k);
                if (info == 0) h.U[i] = full[i];
            } else {
                const int c1 = 2 * i + 1, c2 = 2 * i + 2;
                const int m1 = tree.hi[c1] - tree.lo[c1], m2 = tree.hi[c2] - tree.lo[c2];
                const int k1 = h.rank[c1], k2 = h.rank[c2], s = k1 + k2;
                Mat eg(static_cast<std::size_t>(s) * gc);
                detail::gemm('T', 'N', k1, gc, m1, 1.0, full[c1].data(), m1, g.data(), m, 0.0, eg.data(), s);
                detail::gemm('T', 'N', k2, gc, m2, 1.0, full[c2].data(), m2, g.data() + m1, m, 0.0, eg.data() + k1, s);
                Mat tq;
                info = left_basis(eg.data(), s, gc, tq, k);
                if (info == 0) {
                    h.U[i] = tq;
                    full[i].assign(static_cast<std::size_t>(m) * k, 0.0);
                    detail::gemm('N', 'N', m1, k, k1, 1.0, full[c1].data(), m1, tq.data(), s, 0.0, full[i].data(), m);
                    detail::gemm('N', 'N', m2, k, k2, 1.0, full[c2].data(), m2, tq.data() + k1, s, 0.0,
                                 full[i].data() + m1, m);
                }
            }
            if (info != 0) {
                fails[bb] = {kFailInternal, i, l, info};
                continue;
            }
            h.rank[i] = k;
        }
        for (const Fail& fl : fails)
            if (fl.code != kFailOk) return fl;
        if (l < tree.levels)
            for (int c = Tree::first(l + 1); c < Tree::first(l + 2); ++c) Mat().swap(full[c]);
    }
    return fail;
}

}  // namespace nnla::hss
