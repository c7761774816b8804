// ULV-type Cholesky factorization of a symmetric HSS matrix H (+ shift I), Chandrasekaran-Gu-Pals
// (2006) / Xia-Chandrasekaran-Gu-Li (2010), in the scaled form of Xia & Gu (2010).
//
// Level by level, bottom-up: at node i the current diagonal block K_i (leaf: D_i + shift I;
// non-leaf: [[I, R_c1 B_i R_c2^T], [., I]]) is factored K_i = L_i L_i^T (potrf, info checked), and
// the scaled basis of its block row is orthogonalised: L_i^{-1} U~_i = Q_i R_i (U~_i = U_i at a
// leaf, diag(R_c1, R_c2) U_i above). With Lambda = diag(L_i) and P = diag(Q_i Q_i^T),
//     K = Lambda ((I - P) + Q K' Q^T) Lambda^T   exactly,
// because every scaled off-diagonal block lies in range(Q_i) on both sides; K' (the next level) has
// identity diagonal blocks and couplings R_c1 B R_c2^T. The orthogonal complement of range(Q_i)
// is decoupled (the "U" of ULV zeroes it out of the off-diagonal basis) and eliminated by the
// identity; the rest is merged into the parent. Hence
//     solve: y_i = L_i^{-1} b_i, c_i = Q_i^T y_i up the tree; w = K'^{-1} c; x_i = L_i^{-T}(y_i + Q_i (w_i - c_i)),
//     logdet = 2 sum over all nodes of log diag(L_i)   (a sum of logs, never a product).
// Cost O(n r^2) to factor, O(n r) per right-hand side to solve; no explicit inverses. When H is SPD
// (as the SPD-preserving compression guarantees) every K_i is SPD; a failing potrf means H + shift I
// is not (numerically) positive definite and is reported, never ignored.
#include <cmath>
#include <cstring>

#include "hss/hss.hpp"
#include "hss/util.hpp"

namespace nnla::hss {

using detail::Mat;

std::size_t ULV::nbytes() const {
    std::size_t s = 0;
    for (const auto& v : L) s += v.size();
    for (const auto& v : Q) s += v.size();
    for (const auto& v : R) s += v.size();
    return s * sizeof(double);
}

double ULV::logdet() const {
    double s = 0;
    for (std::size_t i = 0; i < L.size(); ++i) {
        const int m = size[i];
        for (int j = 0; j < m; ++j) s += std::log(L[i][j + static_cast<std::size_t>(j) * m]);
    }
    return 2.0 * s;
}

Fail factor(const HSS& h, double shift, int n_threads, ULV& f) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    const Tree& t = h.tree;
    const int nodes = t.num_nodes();
    f.tree = t;
    f.size.assign(nodes, 0);
    f.rank.assign(nodes, 0);
    f.L.assign(nodes, {});
    f.Q.assign(nodes, {});
    f.R.assign(nodes, {});
    for (int l = t.levels; l >= 0; --l) {
        const int fi = Tree::first(l), e = Tree::first(l + 1);
        std::vector<Fail> fails(e - fi);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int i = fi; i < e; ++i) {
            const bool leaf = t.is_leaf(i);
            const int c1 = 2 * i + 1, c2 = 2 * i + 2;
            const int k1 = leaf ? 0 : h.rank[c1], k2 = leaf ? 0 : h.rank[c2];
            const int s = leaf ? t.hi[i] - t.lo[i] : k1 + k2;
            const int k = (i == 0) ? 0 : h.rank[i];
            f.size[i] = s;
            f.rank[i] = k;
            Mat& lm = f.L[i];
            if (leaf) {
                lm = h.D[i];
                for (int j = 0; j < s; ++j) lm[j + static_cast<std::size_t>(j) * s] += shift;
            } else {
                lm.assign(static_cast<std::size_t>(s) * s, 0.0);
                for (int j = 0; j < s; ++j) lm[j + static_cast<std::size_t>(j) * s] = 1.0;
                // R_c1 B R_c2^T into the (1, 2) block; the factorization reads the lower triangle only
                Mat tmp(static_cast<std::size_t>(k1) * k2);
                detail::gemm('N', 'N', k1, k2, k1, 1.0, f.R[c1].data(), k1, h.B[i].data(), k1, 0.0, tmp.data(), k1);
                Mat cpl(static_cast<std::size_t>(k1) * k2);
                detail::gemm('N', 'T', k1, k2, k2, 1.0, tmp.data(), k1, f.R[c2].data(), k2, 0.0, cpl.data(), k1);
                for (int j = 0; j < k2; ++j)
                    for (int q = 0; q < k1; ++q)
                        lm[(k1 + j) + static_cast<std::size_t>(q) * s] = cpl[q + static_cast<std::size_t>(j) * k1];
            }
            const int info = detail::cholesky(lm.data(), s);
            if (info != 0) {
                fails[i - fi] = {info > 0 ? kFailNotPositiveDefinite : kFailInternal, i, l, info};
                continue;
            }
            if (i == 0) continue;
            // W = L^{-1} U~ (s x k), U~ = U (leaf) or diag(R_c1, R_c2) U
            Mat wm(static_cast<std::size_t>(s) * k);
            if (leaf) {
                wm = h.U[i];
            } else {
                detail::gemm('N', 'N', k1, k, k1, 1.0, f.R[c1].data(), k1, h.U[i].data(), s, 0.0, wm.data(), s);
                detail::gemm('N', 'N', k2, k, k2, 1.0, f.R[c2].data(), k2, h.U[i].data() + k1, s, 0.0, wm.data() + k1, s);
            }
            detail::trsm_lower('L', 'N', s, k, lm.data(), s, wm.data(), s);
            const int qinfo = detail::thin_qr(wm.data(), s, k, f.R[i]);
            if (qinfo != 0) {
                fails[i - fi] = {kFailInternal, i, l, qinfo};
                continue;
            }
            f.Q[i].swap(wm);
        }
        for (const Fail& fl : fails)
            if (fl.code != kFailOk) return fl;
    }
    return {};
}

void solve(const ULV& f, double* x, int nrhs, int n_threads) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    const Tree& t = f.tree;
    const int nodes = t.num_nodes();
    const std::size_t ld = static_cast<std::size_t>(t.n);
    std::vector<Mat> y(nodes), c(nodes), w(nodes);
    // up: y_i = L_i^{-1} b_i, c_i = Q_i^T y_i
    for (int l = t.levels; l >= 0; --l) {
        const int fi = Tree::first(l), e = Tree::first(l + 1);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int i = fi; i < e; ++i) {
            const int s = f.size[i], k = f.rank[i];
            Mat& yi = y[i];
            yi.resize(static_cast<std::size_t>(s) * nrhs);
            if (t.is_leaf(i)) {
                for (int j = 0; j < nrhs; ++j)
                    detail::copy_n(yi.data() + static_cast<std::size_t>(j) * s, x + t.lo[i] + j * ld, s);
            } else {
                const int c1 = 2 * i + 1, c2 = 2 * i + 2, k1 = f.rank[c1], k2 = f.rank[c2];
                for (int j = 0; j < nrhs; ++j) {
                    detail::copy_n(yi.data() + static_cast<std::size_t>(j) * s, c[c1].data() + static_cast<std::size_t>(j) * k1, k1);
                    detail::copy_n(yi.data() + static_cast<std::size_t>(j) * s + k1,
                                c[c2].data() + static_cast<std::size_t>(j) * k2, k2);
                }
            }
            detail::trsm_lower('L', 'N', s, nrhs, f.L[i].data(), s, yi.data(), s);
            if (i == 0) continue;
            c[i].assign(static_cast<std::size_t>(k) * nrhs, 0.0);
            detail::gemm('T', 'N', k, nrhs, s, 1.0, f.Q[i].data(), s, yi.data(), s, 0.0, c[i].data(), k);
        }
    }
    // down: x_i = L_i^{-T} (y_i + Q_i (w_i - c_i)); the root has w = c = 0
    for (int l = 0; l <= t.levels; ++l) {
        const int fi = Tree::first(l), e = Tree::first(l + 1);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int i = fi; i < e; ++i) {
            const int s = f.size[i], k = f.rank[i];
            Mat& z = y[i];
            if (i != 0) {
                for (std::size_t q = 0; q < w[i].size(); ++q) w[i][q] -= c[i][q];
                detail::gemm('N', 'N', s, nrhs, k, 1.0, f.Q[i].data(), s, w[i].data(), k, 1.0, z.data(), s);
            }
            detail::trsm_lower('L', 'T', s, nrhs, f.L[i].data(), s, z.data(), s);
            if (t.is_leaf(i)) {
                for (int j = 0; j < nrhs; ++j)
                    detail::copy_n(x + t.lo[i] + j * ld, z.data() + static_cast<std::size_t>(j) * s, s);
            } else {
                const int c1 = 2 * i + 1, c2 = 2 * i + 2, k1 = f.rank[c1], k2 = f.rank[c2];
                w[c1].resize(static_cast<std::size_t>(k1) * nrhs);
                w[c2].resize(static_cast<std::size_t>(k2) * nrhs);
                for (int j = 0; j < nrhs; ++j) {
                    detail::copy_n(w[c1].data() + static_cast<std::size_t>(j) * k1, z.data() + static_cast<std::size_t>(j) * s, k1);
                    detail::copy_n(w[c2].data() + static_cast<std::size_t>(j) * k2,
                                z.data() + static_cast<std::size_t>(j) * s + k1, k2);
                }
            }
            Mat().swap(y[i]);
        }
    }
}

}  // namespace nnla::hss
