// HSS construction.
//
// 1. compress_dense, level by level bottom-up on dense reduced matrices (at the leaves: A).
//    Bases: for every node, the dominant left singular vectors (sigma_j > tol sigma_1) of its
//    off-diagonal block row in the UNSCALED reduced matrix ch (orthonormal nested bases, so its
//    errors are errors in A; computed from the R factor of the QR of the block column). The
//    generators are kept in the scaled form of Xia & Gu: the diagonal block C_ii = L_i L_i^T is
//    factored first and the basis is orthogonalised after scaling, L_i^{-1} Dh_i Uh_i = Q_i R^_i
//    (Dh_i = diag(R^_c1, R^_c2) maps the children's unscaled coordinates to scaled ones). Then
//    U_i = L_i Q_i (leaf: rows of A; non-leaf: translation operator), D_i = A_ii, and the coupling
//    B_p = C'(c1, c2) of the next reduced matrix C'. Two variants of C':
//    - compensated = false (tried first): C'_ij = R^_i ch'_ij R^_j^T with ch' = Uh^T ch Uh, i.e.
//      the plain orthogonal compression of A; accurate to rounding in ||A||, but at a loose tol
//      on an ill-conditioned A it can be indefinite (a reduced Cholesky fails). Its generators
//      are stored in the orthonormal form (U_i = Uh_i, B_p = ch'(c1, c2)): the same matrix as the
//      scaled form, without the rounding errors that cond(L) amplifies there;
//    - compensated = true: the SPD-preserving (Schur-compensated) compression of Xia & Gu,
//      "Robust approximate Cholesky factorization of rank-structured symmetric positive definite
//      matrices" (SIMAX 2010): C' = V^T C V with V_i = L_i^{-T} Q_i. With Lambda = diag(L_i),
//      M = Lambda^{-1} C Lambda^{-T} (identity diagonal blocks) and P = diag(Q_i Q_i^T), the
//      compressed matrix is C~ = Lambda ((I - P) + P M P) Lambda^T, and for x = x1 + x2 with x1
//      in range(P) and x2 orthogonal to it, x^T((I - P) + P M P)x = |x2|^2 + x1^T M x1 > 0: C~ is
//      SPD whenever C is, at EVERY tolerance and for ANY orthogonal projector P (an unscaled
//      truncation subtracts an error ~tol ||A|| that can exceed lambda_min(A) ~ 1e-16 ||A||).
//      C' is SPD again (V has full column rank), with identity diagonal blocks. The projection
//      is orthogonal in the scaled coordinates but oblique in A's: T (I - P) T^{-1}, T = Dh^{-1} L;
//      the rank grows until that amplification times the first dropped singular value stays
//      below tol sigma_1.
//    Cost O(n^2 r) (a QR of every leaf's block column).
//
// 2. build_sampled: interpolative decomposition (ID) on sampled entries, never forming the matrix.
//    Bottom-up, each node's candidate rows (its indices at a leaf, its children's skeleton rows
//    above) are sampled against a set of columns outside the node: every index within leaf_size
//    positions of the node in the tree order, indices at geometrically growing distances on both
//    sides (factor 1.3), max(leaf_size/2, r) random indices from the whole complement (r: the
//    number of candidate rows; 2r for points in 2D/3D), and for points in 2D/3D max(leaf_size, r)
//    random indices from each sibling of the node and of its first three ancestors (its
//    geometric neighbours, which the tree order separates) (per-node seeded generators, so the result does not depend on the thread
//    count). A column-pivoted QR of that block (geqp3, preceded by a
//    plain QR when the sample is wide) gives the skeleton rows S_i and the interpolation matrix
//    T_i (T_i(S_i, :) = I) with |R_jj| > tol |R_11|; U_i = T_i, B_p = A(S_c1, S_c2), D_i = A_ii.
//    The entries are requested level by level in blocks, so a Python callable is called from
//    serial code only. O(n r s) entries and O(n s r^2)-ish flops for s sampled columns.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "hss/hss.hpp"
#include "hss/util.hpp"

namespace nnla::hss {

using detail::Mat;

namespace {

// Left singular vectors u (s x min(s, p)) and singular values of the s x p matrix z (destroyed).
int left_svd(double* z, int s, int p, Mat& u, Mat& sv) {
    const int mn = std::min(s, p);
    sv.assign(std::max(mn, 0), 0.0);
    u.assign(static_cast<std::size_t>(s) * std::max(mn, 0), 0.0);
    if (mn <= 0) return 0;
    double vt = 0, wq = 0;
    int info = lapack::gesvd('S', 'N', s, p, z, s, sv.data(), u.data(), s, &vt, 1, &wq, -1);
    if (info != 0) return info;
    const int lwork = std::max(1, static_cast<int>(wq));
    std::vector<double> work(lwork);
    return lapack::gesvd('S', 'N', s, p, z, s, sv.data(), u.data(), s, &vt, 1, work.data(), lwork);
}

// Largest singular value of the s x s matrix e (destroyed).
int spectral_norm(double* e, int s, double& out) {
    out = 0;
    if (s <= 0) return 0;
    std::vector<double> sv(s);
    double dummy = 0, wq = 0;
    int info = lapack::gesvd('N', 'N', s, s, e, s, sv.data(), &dummy, 1, &dummy, 1, &wq, -1);
    if (info != 0) return info;
    const int lwork = std::max(1, static_cast<int>(wq));
    std::vector<double> work(lwork);
    info = lapack::gesvd('N', 'N', s, s, e, s, sv.data(), &dummy, 1, &dummy, 1, work.data(), lwork);
    out = sv[0];
    return info;
}

struct Splitmix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
};

// Sampled columns outside [a, b) for node `node` (see the header comment).
std::vector<int> sample_columns(const Tree& tree, int w, int node, int dim, int rows, int effort) {
    const int n = tree.n, a = tree.lo[node], b = tree.hi[node];
    std::vector<int> j;
    // w random indices from the sibling of the node and of its first three ancestors: the
    // geometric neighbours of a bisection tree in 2D/3D, which the tree order separates
    {
        Splitmix rng{0xB15EC7ULL + static_cast<std::uint64_t>(node) * 0x100000001B3ULL};
        int c = node;
        const int per = std::max(w, rows) * effort;
        for (int up = 0; up < 4 * effort && c > 0 && dim > 1; ++up) {
            const int sib = (c % 2 == 1) ? c + 1 : c - 1;
            const int len = tree.hi[sib] - tree.lo[sib];
            for (int r = 0; r < per && len > 0; ++r)
                j.push_back(tree.lo[sib] + static_cast<int>(rng.next() % static_cast<std::uint64_t>(len)));
            c = (c - 1) / 2;
        }
    }
    for (int t = std::max(0, a - w); t < a; ++t) j.push_back(t);
    for (int t = b; t < std::min(n, b + w); ++t) j.push_back(t);
    for (double d = w; d < n; d *= 1.3) {
        const int off = static_cast<int>(d);
        if (a - 1 - off >= 0) j.push_back(a - 1 - off);
        if (b + off < n) j.push_back(b + off);
    }
    const int outside = n - (b - a);
    if (outside > 0) {
        Splitmix rng{0x5EEDULL + static_cast<std::uint64_t>(node) * 0x1000193ULL};
        const int nrand = std::max(w / 2, dim > 1 ? 2 * rows : rows) * effort;
        for (int r = 0; r < nrand; ++r) {
            int t = static_cast<int>(rng.next() % static_cast<std::uint64_t>(outside));
            j.push_back(t < a ? t : t + (b - a));
        }
    }
    std::sort(j.begin(), j.end());
    j.erase(std::unique(j.begin(), j.end()), j.end());
    return j;
}

// Row ID of the r x s matrix f (column-major): f ~ T f(skel, :). Returns info; fills t (r x k) and
// skel (local row indices, k of them).
int row_id(const double* f, int r, int s, double tol, Mat& t, std::vector<int>& skel, double abs_thr = 0.0) {
    skel.clear();
    t.clear();
    if (r <= 0 || s <= 0) return 0;
    // g = f^T (s x r); compress to its R factor first when the sample is wide
    Mat g(static_cast<std::size_t>(s) * r);
    for (int j = 0; j < s; ++j)
        for (int i = 0; i < r; ++i) g[j + static_cast<std::size_t>(i) * s] = f[i + static_cast<std::size_t>(j) * r];
    int rows = s;
    if (s > r) {
        Mat rr;
        const int info = detail::r_factor(g.data(), s, r, rr);
        if (info != 0) return info;
        g.swap(rr);
        rows = r;
    }
    std::vector<int> jpvt(r, 0);
    std::vector<double> tau(std::min(rows, r));
    double wq = 0;
    int info = lapack::geqp3(rows, r, g.data(), rows, jpvt.data(), tau.data(), &wq, -1);
    if (info != 0) return info;
    const int lwork = std::max(1, static_cast<int>(wq));
    std::vector<double> work(lwork);
    info = lapack::geqp3(rows, r, g.data(), rows, jpvt.data(), tau.data(), work.data(), lwork);
    if (info != 0) return info;
    const int mn = std::min(rows, r);
    // |R_kk| > tol_id |R_11| with tol_id = max(tol / 100, 1e-15): the ID error carries the size of
    // the interpolation coefficients and the sampled block underestimates the block row, so the
    // plain tol left ||A - H|| ~ 10-30 tol ||A|| (measured); the floor stays above rounding.
    const double r00 = std::abs(g[0]);
    const double tol_id = std::max(tol * 1e-2, 1e-15);
    const double thr = std::max(tol_id * r00, abs_thr);
    int k = 0;
    if (r00 > 0)
        while (k < mn && std::abs(g[k + static_cast<std::size_t>(k) * rows]) > thr) ++k;
    // X = R11^{-1} R12 (k x (r - k))
    Mat x(static_cast<std::size_t>(k) * (r - k));
    for (int j = 0; j < r - k; ++j)
        for (int i = 0; i < k; ++i) x[i + static_cast<std::size_t>(j) * k] = g[i + static_cast<std::size_t>(k + j) * rows];
    if (k > 0 && r - k > 0) lapack::trsm('L', 'U', 'N', 'N', k, r - k, 1.0, g.data(), rows, x.data(), k);
    t.assign(static_cast<std::size_t>(r) * k, 0.0);
    for (int j = 0; j < k; ++j) {
        t[(jpvt[j] - 1) + static_cast<std::size_t>(j) * r] = 1.0;
        skel.push_back(jpvt[j] - 1);
    }
    for (int c = 0; c < r - k; ++c)
        for (int j = 0; j < k; ++j) t[(jpvt[k + c] - 1) + static_cast<std::size_t>(j) * r] = x[j + static_cast<std::size_t>(c) * k];
    return 0;
}

// Compress node i (level l) of the current reduced matrices: its diagonal block c(o:o+s, o:o+s)
// is Cholesky-factored (L), the rank and basis come from the unscaled block column ch(~b, b) (see
// the header comment); fills h.D (leaves), h.rank[i], h.U[i], rhat[i], the scaled reduction
// v = L^{-T} Q and the unscaled one vh (the orthonormal basis). y: the caller's scratch.
Fail compress_node(const double* c, const double* ch, std::size_t N, int o, int s, int i, int l, const Tree& tree,
                   double tol, bool compensated, std::vector<Mat>& rhat, HSS& h, Mat& y, Mat& v, Mat& vh) {
    Mat lmat = detail::block(c, N, o, o, s, s);
    if (l == tree.levels) h.D[i] = lmat;
    int info = detail::cholesky(lmat.data(), s);
    if (info != 0) {
        return {info > 0 ? kFailNotPositiveDefinite : kFailInternal, i, l, info};
    }
    if (l == 0) return {};
    // Rank and basis from the UNSCALED reduced matrix (orthonormal nested bases, so its
    // errors are errors in A): y = ch(~b, b), the block column without its own rows;
    // ch(b, ~b) = y^T = R^T Qy^T, so range(ch(b, ~b)) = range(R^T).
    const int rest = static_cast<int>(N) - s;
    y.resize(static_cast<std::size_t>(rest) * s);
    for (int j = 0; j < s; ++j) {
        const double* col = ch + (static_cast<std::size_t>(o) + j) * N;
        double* dst = y.data() + static_cast<std::size_t>(j) * rest;
        std::copy(col, col + o, dst);
        std::copy(col + o + s, col + N, dst + o);
    }
    Mat r;
    info = detail::r_factor(y.data(), rest, s, r);
    const int p = std::min(rest, s);
    Mat z(static_cast<std::size_t>(s) * p);
    for (int j = 0; j < p; ++j)
        for (int q = 0; q < s; ++q) z[q + static_cast<std::size_t>(j) * s] = r[j + static_cast<std::size_t>(q) * p];
    Mat uall, sv;
    if (info == 0) info = left_svd(z.data(), s, p, uall, sv);
    if (info != 0) {
        return {kFailInternal, i, l, info};
    }
    const int mn = static_cast<int>(sv.size());
    // T^{-1} = L^{-1} Dh maps the unscaled reduced coordinates of this node to the scaled
    // ones (Dh = diag(R^_c1, R^_c2), I at a leaf); T = Dh^{-1} L back.
    Mat dh(static_cast<std::size_t>(s) * s, 0.0);
    if (tree.is_leaf(i)) {
        for (int j = 0; j < s; ++j) dh[j + static_cast<std::size_t>(j) * s] = 1.0;
    } else {
        const int c1 = 2 * i + 1, c2 = 2 * i + 2, k1 = h.rank[c1], k2 = h.rank[c2];
        for (int j = 0; j < k1; ++j)
            for (int q = 0; q <= j; ++q) dh[q + static_cast<std::size_t>(j) * s] = rhat[c1][q + static_cast<std::size_t>(j) * k1];
        for (int j = 0; j < k2; ++j)
            for (int q = 0; q <= j; ++q)
                dh[k1 + q + (static_cast<std::size_t>(k1) + j) * s] = rhat[c2][q + static_cast<std::size_t>(j) * k2];
    }
    Mat tinv = dh;
    detail::trsm_lower('L', 'N', s, s, lmat.data(), s, tinv.data(), s);
    Mat tm = lmat;
    if (s > 0) lapack::trsm('L', 'U', 'N', 'N', s, s, 1.0, dh.data(), s, tm.data(), s);
    bool tfinite = true;
    for (double t : tm) tfinite = tfinite && std::isfinite(t);
    // Rank: the smallest k with sigma_k > tol sigma_1 whose truncation error, amplified by
    // the oblique projector T (I - P) T^{-1} of the scaled projection, stays below
    // tol sigma_1 (the projection is orthogonal in the scaled coordinates, not in A's).
    int k = 0;
    const double thr = mn > 0 ? tol * sv[0] : 0.0;
    while (k < mn && sv[k] > thr) ++k;
    Mat qb;
    for (;;) {
        qb.assign(static_cast<std::size_t>(s) * k, 0.0);
        detail::gemm('N', 'N', s, k, s, 1.0, tinv.data(), s, uall.data(), s, 0.0, qb.data(), s);
        info = detail::thin_qr(qb.data(), s, k, rhat[i]);
        if (info != 0 || k >= mn) break;
        if (!compensated) break;
        if (!tfinite) {
            k = mn;
            continue;
        }
        // E = I - (T Q)(Q^T T^{-1})
        Mat tq(static_cast<std::size_t>(s) * k), qt(static_cast<std::size_t>(k) * s);
        Mat em(static_cast<std::size_t>(s) * s, 0.0);
        for (int j = 0; j < s; ++j) em[j + static_cast<std::size_t>(j) * s] = 1.0;
        detail::gemm('N', 'N', s, k, s, 1.0, tm.data(), s, qb.data(), s, 0.0, tq.data(), s);
        detail::gemm('T', 'N', k, s, s, 1.0, qb.data(), s, tinv.data(), s, 0.0, qt.data(), k);
        detail::gemm('N', 'N', s, s, k, -1.0, tq.data(), s, qt.data(), k, 1.0, em.data(), s);
        double amp = 0;
        info = spectral_norm(em.data(), s, amp);
        if (info != 0) break;
        if (amp * sv[k] <= thr) break;
        k = std::min(mn, k + 1 + k / 8);
    }
    if (info != 0) {
        return {kFailInternal, i, l, info};
    }
    Mat uh(uall.begin(), uall.begin() + static_cast<std::size_t>(s) * k);
    vh.swap(uh);
    h.rank[i] = k;
    if (compensated) {
        h.U[i].assign(static_cast<std::size_t>(s) * k, 0.0);
        detail::gemm('N', 'N', s, k, s, 1.0, lmat.data(), s, qb.data(), s, 0.0, h.U[i].data(), s);
    } else {
        // the plain compression is stored with its orthonormal (unscaled) bases: the
        // scaled ones (L Q, with couplings R^ ch' R^^T) represent the same matrix but
        // lose accuracy to the conditioning of L in floating point
        h.U[i] = vh;
    }
    v = qb;
    detail::trsm_lower('L', 'T', s, k, lmat.data(), s, v.data(), s);
    return {};
}

// The next reduced matrix vv^T cc vv (K x K; vv block diagonal, node b's block vv[b] of size
// sz[b] x nsz[b] at rows off[b] / columns noff[b]), symmetrised; with identity diagonal blocks
// when `identity` (the compensated reduction, whose diagonal blocks are I in exact arithmetic).
Mat reduce_matrix(const double* cc, std::size_t N, const std::vector<int>& off, const std::vector<int>& sz,
                  const std::vector<int>& noff, const std::vector<int>& nsz, int K, const std::vector<Mat>& vv,
                  bool identity, int n_threads) {
    const int nb = static_cast<int>(sz.size());
    Mat w(N * static_cast<std::size_t>(K));
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
    for (int b = 0; b < nb; ++b)
        detail::gemm('N', 'N', static_cast<int>(N), nsz[b], sz[b], 1.0, cc + static_cast<std::size_t>(off[b]) * N,
                     static_cast<int>(N), vv[b].data(), sz[b], 0.0, w.data() + static_cast<std::size_t>(noff[b]) * N,
                     static_cast<int>(N));
    Mat cn(static_cast<std::size_t>(K) * K);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
    for (int b = 0; b < nb; ++b)
        detail::gemm('T', 'N', nsz[b], K, sz[b], 1.0, vv[b].data(), sz[b], w.data() + off[b], static_cast<int>(N),
                     0.0, cn.data() + noff[b], K);
    for (int j = 0; j < K; ++j)
        for (int q = j + 1; q < K; ++q) {
            const double v = 0.5 * (cn[q + static_cast<std::size_t>(j) * K] + cn[j + static_cast<std::size_t>(q) * K]);
            cn[q + static_cast<std::size_t>(j) * K] = v;
            cn[j + static_cast<std::size_t>(q) * K] = v;
        }
    if (identity)
        for (int b = 0; b < nb; ++b)
            for (int j = 0; j < nsz[b]; ++j)
                for (int q = 0; q < nsz[b]; ++q)
                    cn[noff[b] + q + (static_cast<std::size_t>(noff[b]) + j) * K] = (q == j) ? 1.0 : 0.0;
    return cn;
}

// The scaled couplings of the plain (orthogonal) compression, R^_i ch'_ij R^_j^T (identity
// diagonal blocks), accurate to rounding in A's norm; rhat_f: rhat of the level's first node.
Mat plain_couplings(const Mat& chn, int K, const std::vector<int>& noff, const std::vector<int>& nsz,
                    const Mat* rhat_f, int n_threads) {
    const int nb = static_cast<int>(nsz.size());
    Mat cn(static_cast<std::size_t>(K) * K, 0.0);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
    for (int bj = 0; bj < nb; ++bj) {
        const int kj = nsz[bj];
        Mat tmp(static_cast<std::size_t>(K) * kj);
        // tmp = ch'(:, bj) R^_j^T
        detail::gemm('N', 'T', K, kj, kj, 1.0, chn.data() + static_cast<std::size_t>(noff[bj]) * K, K,
                     rhat_f[bj].data(), kj, 0.0, tmp.data(), K);
        for (int bi = 0; bi < nb; ++bi) {
            if (bi == bj) {
                for (int j = 0; j < kj; ++j) cn[noff[bj] + j + (static_cast<std::size_t>(noff[bj]) + j) * K] = 1.0;
                continue;
            }
            detail::gemm('N', 'N', nsz[bi], kj, nsz[bi], 1.0, rhat_f[bi].data(), nsz[bi], tmp.data() + noff[bi],
                         K, 0.0, cn.data() + noff[bi] + static_cast<std::size_t>(noff[bj]) * K, K);
        }
    }
    return cn;
}

}  // namespace

Fail compress_dense(const double* a, const Tree& tree, double tol, bool compensated, int n_threads, HSS& h) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    const int nodes = tree.num_nodes();
    h.tree = tree;
    h.rank.assign(nodes, 0);
    h.D.assign(nodes, {});
    h.U.assign(nodes, {});
    h.B.assign(nodes, {});
    Fail fail;

    // current reduced matrix: c (N x N); at the leaves it is a itself
    Mat cbuf, chbuf;
    const double* c = a;   // scaled reduced matrix (SPD-preserving approximant)
    const double* ch = a;  // unscaled reduced matrix (orthonormal nested bases: rank decisions)
    std::vector<Mat> rhat(nodes);  // y_scaled = rhat_i y_unscaled in node i's reduced coordinates
    std::size_t N = static_cast<std::size_t>(tree.n);
    std::vector<int> off, sz;  // blocks of the current level (offset, size) in c
    {
        const int f = Tree::first(tree.levels), e = Tree::first(tree.levels + 1);
        for (int i = f; i < e; ++i) {
            off.push_back(tree.lo[i]);
            sz.push_back(tree.hi[i] - tree.lo[i]);
        }
    }
    for (int l = tree.levels; l >= 0; --l) {
        const int f = Tree::first(l), e = Tree::first(l + 1), nb = e - f;
        std::vector<Mat> V(nb), Vh(nb);
        std::vector<Fail> fails(nb);
#pragma omp parallel num_threads(n_threads)
        {
        // per-thread scratch for the block columns, reused across nodes (a fresh large buffer
        // per node costs more in page faults than the QR itself)
        Mat y;
#pragma omp for schedule(dynamic)
        for (int b = 0; b < nb; ++b)
            fails[b] = compress_node(c, ch, N, off[b], sz[b], f + b, l, tree, tol, compensated, rhat, h, y, V[b], Vh[b]);
        }
        for (const Fail& fl : fails)
            if (fl.code != kFailOk) return fl;
        if (l == 0) break;

        // next reduced matrix c' = V^T c V (K x K) with identity diagonal blocks
        std::vector<int> noff(nb), nsz(nb);
        int K = 0;
        for (int b = 0; b < nb; ++b) {
            noff[b] = K;
            nsz[b] = h.rank[f + b];
            K += nsz[b];
        }
        Mat chn = reduce_matrix(ch, N, off, sz, noff, nsz, K, Vh, false, n_threads);
        Mat cn = compensated ? reduce_matrix(c, N, off, sz, noff, nsz, K, V, true, n_threads)
                             : plain_couplings(chn, K, noff, nsz, rhat.data() + f, n_threads);
        // couplings of the parents and the blocks of the next level
        std::vector<int> poff, psz;
        for (int b = 0; b < nb; b += 2) {
            const int p = (f + b - 1) / 2;
            h.B[p] = detail::block(compensated ? cn.data() : chn.data(), K, noff[b], noff[b + 1], nsz[b], nsz[b + 1]);
            poff.push_back(noff[b]);
            psz.push_back(nsz[b] + nsz[b + 1]);
        }
        cbuf.swap(cn);
        c = cbuf.data();
        chbuf.swap(chn);
        ch = chbuf.data();
        N = static_cast<std::size_t>(K);
        off.swap(poff);
        sz.swap(psz);
    }
    return fail;
}

Fail build_sampled(const Tree& tree, BlockSource& src, double tol, int dim, int n_threads, HSS& h, int effort) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    const int nodes = tree.num_nodes();
    h.tree = tree;
    h.rank.assign(nodes, 0);
    h.D.assign(nodes, {});
    h.U.assign(nodes, {});
    h.B.assign(nodes, {});
    std::vector<std::vector<int>> skel(nodes);  // skeleton rows (permuted indices) of each node
    const int w = std::max(1, (tree.hi[Tree::first(tree.levels)] - tree.lo[Tree::first(tree.levels)]));
    // Levels are processed in chunks of nodes, so the sampled blocks of only one chunk are held
    // in memory at a time (a whole leaf level of n = 10^6 would be ~2 GB).
    constexpr int kChunk = 1024;
    for (int l = tree.levels; l >= 0; --l)
    for (int f = Tree::first(l); f < Tree::first(l + 1); f += kChunk) {
        const int e = std::min(Tree::first(l + 1), f + kChunk), nb = e - f;
        std::vector<BlockRequest> req(nb);
        std::vector<int> ncand(nb);
        for (int b = 0; b < nb; ++b) {
            const int i = f + b;
            std::vector<int> cand;
            if (tree.is_leaf(i)) {
                for (int t = tree.lo[i]; t < tree.hi[i]; ++t) cand.push_back(t);
            } else {
                cand = skel[2 * i + 1];
                cand.insert(cand.end(), skel[2 * i + 2].begin(), skel[2 * i + 2].end());
            }
            ncand[b] = static_cast<int>(cand.size());
            req[b].rows = cand;
            req[b].cols = cand;
            if (i != 0) {
                const std::vector<int> j = sample_columns(tree, w, i, dim, ncand[b], effort);
                req[b].cols.insert(req[b].cols.end(), j.begin(), j.end());
            }
        }
        src.fill(req, n_threads);
        std::vector<Fail> fails(nb);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int b = 0; b < nb; ++b) {
            const int i = f + b, r = ncand[b];
            const double* e0 = req[b].out.data();
            if (tree.is_leaf(i)) {
                h.D[i] = detail::block(e0, r, 0, 0, r, r);
            } else {
                const int k1 = h.rank[2 * i + 1], k2 = h.rank[2 * i + 2];
                h.B[i] = detail::block(e0, r, 0, k1, k1, k2);
            }
            if (i == 0) continue;
            const int s = static_cast<int>(req[b].cols.size()) - r;
            std::vector<int> loc;
            const int info = row_id(e0 + static_cast<std::size_t>(r) * r, r, s, tol, h.U[i], loc);
            if (info != 0) {
                fails[b] = {kFailInternal, i, l, info};
                continue;
            }
            h.rank[i] = static_cast<int>(loc.size());
            for (int q : loc) skel[i].push_back(req[b].rows[q]);
        }
        for (const Fail& fl : fails)
            if (fl.code != kFailOk) return fl;
    }
    return {};
}

Fail build_randomized(const Tree& tree, BlockSource& src, const double* omega, const double* y, int s,
                      double abs_thr, int n_threads, HSS& h) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    const int nodes = tree.num_nodes();
    const std::size_t ld = static_cast<std::size_t>(tree.n);
    h.tree = tree;
    h.rank.assign(nodes, 0);
    h.D.assign(nodes, {});
    h.U.assign(nodes, {});
    h.B.assign(nodes, {});
    std::vector<std::vector<int>> skel(nodes);  // skeleton rows (permuted indices) of each node
    // per node: ysk = the local sample on its skeleton rows (k x s), om = U^T Omega(I) (k x s);
    // released once the parent has used them
    std::vector<Mat> ysk(nodes), om(nodes);
    constexpr int kChunk = 1024;
    for (int l = tree.levels; l >= 0; --l)
    for (int f = Tree::first(l); f < Tree::first(l + 1); f += kChunk) {
        const int e = std::min(Tree::first(l + 1), f + kChunk), nb = e - f;
        std::vector<BlockRequest> req(nb);
        for (int b = 0; b < nb; ++b) {
            const int i = f + b;
            std::vector<int> cand;
            if (tree.is_leaf(i)) {
                for (int t = tree.lo[i]; t < tree.hi[i]; ++t) cand.push_back(t);
            } else {
                cand = skel[2 * i + 1];
                cand.insert(cand.end(), skel[2 * i + 2].begin(), skel[2 * i + 2].end());
            }
            req[b].rows = cand;
            req[b].cols = cand;
        }
        src.fill(req, n_threads);
        std::vector<Fail> fails(nb);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int b = 0; b < nb; ++b) {
            const int i = f + b;
            const int r = static_cast<int>(req[b].rows.size());
            const double* e0 = req[b].out.data();
            Mat yl(static_cast<std::size_t>(r) * s), os(static_cast<std::size_t>(r) * s);
            if (tree.is_leaf(i)) {
                const int lo = tree.lo[i];
                h.D[i] = detail::block(e0, r, 0, 0, r, r);
                for (int j = 0; j < s; ++j) {
                    detail::copy_n(yl.data() + static_cast<std::size_t>(j) * r, y + lo + j * ld, r);
                    detail::copy_n(os.data() + static_cast<std::size_t>(j) * r, omega + lo + j * ld, r);
                }
                // the sample of the off-diagonal block row: Y(I) - A(I, I) Omega(I)
                detail::gemm('N', 'N', r, s, r, -1.0, h.D[i].data(), r, os.data(), r, 1.0, yl.data(), r);
            } else {
                const int c1 = 2 * i + 1, c2 = 2 * i + 2, k1 = h.rank[c1], k2 = h.rank[c2];
                h.B[i] = detail::block(e0, r, 0, k1, k1, k2);
                for (int j = 0; j < s; ++j) {
                    detail::copy_n(yl.data() + static_cast<std::size_t>(j) * r, ysk[c1].data() + static_cast<std::size_t>(j) * k1, k1);
                    detail::copy_n(yl.data() + static_cast<std::size_t>(j) * r + k1, ysk[c2].data() + static_cast<std::size_t>(j) * k2, k2);
                    detail::copy_n(os.data() + static_cast<std::size_t>(j) * r, om[c1].data() + static_cast<std::size_t>(j) * k1, k1);
                    detail::copy_n(os.data() + static_cast<std::size_t>(j) * r + k1, om[c2].data() + static_cast<std::size_t>(j) * k2, k2);
                }
                // remove the sibling's contribution: A(S_c1, I_c2) Omega(I_c2) = B om_c2, and B^T om_c1
                detail::gemm('N', 'N', k1, s, k2, -1.0, h.B[i].data(), k1, om[c2].data(), k2, 1.0, yl.data(), r);
                detail::gemm('T', 'N', k2, s, k1, -1.0, h.B[i].data(), k1, om[c1].data(), k1, 1.0, yl.data() + k1, r);
                Mat().swap(ysk[c1]);
                Mat().swap(ysk[c2]);
                Mat().swap(om[c1]);
                Mat().swap(om[c2]);
            }
            if (i == 0) continue;
            std::vector<int> loc;
            const int info = row_id(yl.data(), r, s, 0.0, h.U[i], loc, abs_thr);
            if (info != 0) {
                fails[b] = {kFailInternal, i, l, info};
                continue;
            }
            const int k = static_cast<int>(loc.size());
            h.rank[i] = k;
            for (int q : loc) skel[i].push_back(req[b].rows[q]);
            ysk[i].assign(static_cast<std::size_t>(k) * s, 0.0);
            for (int j = 0; j < s; ++j)
                for (int q = 0; q < k; ++q)
                    ysk[i][q + static_cast<std::size_t>(j) * k] = yl[loc[q] + static_cast<std::size_t>(j) * r];
            om[i].assign(static_cast<std::size_t>(k) * s, 0.0);
            detail::gemm('T', 'N', k, s, r, 1.0, h.U[i].data(), r, os.data(), r, 0.0, om[i].data(), k);
        }
        for (const Fail& fl : fails)
            if (fl.code != kFailOk) return fl;
    }
    return {};
}

void KernelSource::fill(std::vector<BlockRequest>& reqs, int n_threads) {
    const int nr = static_cast<int>(reqs.size());
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
    for (int q = 0; q < nr; ++q) {
        BlockRequest& rq = reqs[q];
        const std::size_t m = rq.rows.size(), nc = rq.cols.size();
        rq.out.resize(m * nc);
        for (std::size_t j = 0; j < nc; ++j)
            for (std::size_t i = 0; i < m; ++i) rq.out[i + j * m] = entry(rq.rows[i], rq.cols[j]);
    }
}

void KernelSource::rows_times(const std::vector<int>& rows, const double* x, int k, double* out,
                              int n_threads) const {
    const int m = static_cast<int>(rows.size());
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
    for (int q = 0; q < m; ++q) {
        // compensated (Kahan) sums: the check compares with H x to ~tol, and a plain sum of n
        // terms would carry ~sqrt(n) eps of its own (1e-13 at n = 2^20)
        std::vector<double> acc(k, 0.0), comp(k, 0.0);
        for (int j = 0; j < n_; ++j) {
            const double a = entry(rows[q], j);
            for (int c = 0; c < k; ++c) {
                const double yv = a * x[j + static_cast<std::size_t>(c) * n_] - comp[c];
                const double t = acc[c] + yv;
                comp[c] = (t - acc[c]) - yv;
                acc[c] = t;
            }
        }
        for (int c = 0; c < k; ++c) out[q + static_cast<std::size_t>(c) * m] = acc[c];
    }
}

double KernelSource::entry(int i, int j) const {
    double r2 = 0;
    for (int d = 0; d < dim_; ++d) {
        const double t = p_[static_cast<std::size_t>(i) * dim_ + d] - p_[static_cast<std::size_t>(j) * dim_ + d];
        r2 += t * t;
    }
    double v;
    switch (kernel_) {
        case Kernel::kGaussian: v = std::exp(-r2 / (ls_ * ls_)); break;
        case Kernel::kExponential: v = std::exp(-std::sqrt(r2) / ls_); break;
        default: {
            const double s = std::sqrt(3.0 * r2) / ls_;
            v = (1.0 + s) * std::exp(-s);
        }
    }
    return i == j ? v + nugget_ : v;
}

}  // namespace nnla::hss
