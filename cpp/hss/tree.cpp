// Cluster tree, geometric bisection, HSS matvec and storage size.
#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "hss/hss.hpp"
#include "hss/util.hpp"

namespace nnla::hss {

Tree make_tree(int n, int leaf_size) {
    if (n < 1 || leaf_size < 1) throw std::invalid_argument("make_tree: n and leaf_size must be >= 1");
    Tree t;
    t.n = n;
    int levels = 0;
    // the largest node of level l has ceil(n / 2^l) indices
    while (((n + (1LL << levels) - 1) >> levels) > leaf_size) ++levels;
    t.levels = levels;
    const int nodes = (1 << (levels + 1)) - 1;
    t.lo.assign(nodes, 0);
    t.hi.assign(nodes, 0);
    t.hi[0] = n;
    for (int p = 0; p < Tree::first(levels); ++p) {
        const int mid = t.lo[p] + (t.hi[p] - t.lo[p]) / 2;
        t.lo[2 * p + 1] = t.lo[p];
        t.hi[2 * p + 1] = mid;
        t.lo[2 * p + 2] = mid;
        t.hi[2 * p + 2] = t.hi[p];
    }
    return t;
}

std::vector<int> bisection_order(const double* points, int n, int dim, int leaf_size) {
    if (dim < 1 || dim > 3) throw std::invalid_argument("bisection_order: points must have 1 to 3 coordinates");
    const Tree t = make_tree(n, leaf_size);
    std::vector<int> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    auto widest = [&](int lo, int hi) {
        std::array<double, 3> mn{}, mx{};
        for (int d = 0; d < dim; ++d) mn[d] = mx[d] = points[static_cast<std::size_t>(perm[lo]) * dim + d];
        for (int i = lo; i < hi; ++i)
            for (int d = 0; d < dim; ++d) {
                const double v = points[static_cast<std::size_t>(perm[i]) * dim + d];
                mn[d] = std::min(mn[d], v);
                mx[d] = std::max(mx[d], v);
            }
        int best = 0;
        for (int d = 1; d < dim; ++d)
            if (mx[d] - mn[d] > mx[best] - mn[best]) best = d;
        return best;
    };
    auto less_on = [&](int d) {
        return [&, d](int a, int b) {
            const double va = points[static_cast<std::size_t>(a) * dim + d];
            const double vb = points[static_cast<std::size_t>(b) * dim + d];
            return va < vb || (va == vb && a < b);
        };
    };
    for (int p = 0; p < t.num_nodes(); ++p) {
        const int lo = t.lo[p], hi = t.hi[p];
        if (hi - lo < 2) continue;
        const int d = widest(lo, hi);
        if (t.is_leaf(p)) {
            std::sort(perm.begin() + lo, perm.begin() + hi, less_on(d));
        } else {
            const int mid = t.lo[2 * p + 2];
            std::nth_element(perm.begin() + lo, perm.begin() + mid, perm.begin() + hi, less_on(d));
        }
    }
    return perm;
}

std::size_t HSS::nbytes() const {
    std::size_t s = 0;
    for (const auto& v : D) s += v.size();
    for (const auto& v : U) s += v.size();
    for (const auto& v : B) s += v.size();
    return s * sizeof(double);
}

void matvec(const HSS& h, const double* x, int nrhs, double* y, int n_threads) {
    const lapack::SerialBlasSection serial_blas;  // tree-level OpenMP; BLAS on one thread
    using detail::gemm;
    const Tree& t = h.tree;
    const int nodes = t.num_nodes();
    const std::size_t ld = static_cast<std::size_t>(t.n);
    std::vector<detail::Mat> xh(nodes), yh(nodes);
    // upward pass: xh_i = U_i^T x_i (leaves), U_p^T [xh_c1; xh_c2]
    for (int l = t.levels; l >= 1; --l) {
        const int f = Tree::first(l), e = Tree::first(l + 1);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int i = f; i < e; ++i) {
            const int k = h.rank[i];
            xh[i].assign(static_cast<std::size_t>(k) * nrhs, 0.0);
            if (t.is_leaf(i)) {
                const int m = t.hi[i] - t.lo[i];
                gemm('T', 'N', k, nrhs, m, 1.0, h.U[i].data(), m, x + t.lo[i], static_cast<int>(ld), 0.0,
                     xh[i].data(), k);
            } else {
                const int c1 = 2 * i + 1, c2 = 2 * i + 2, k1 = h.rank[c1], k2 = h.rank[c2];
                detail::Mat st(static_cast<std::size_t>(k1 + k2) * nrhs);
                for (int j = 0; j < nrhs; ++j) {
                    detail::copy_n(st.data() + static_cast<std::size_t>(j) * (k1 + k2),
                                xh[c1].data() + static_cast<std::size_t>(j) * k1, k1);
                    detail::copy_n(st.data() + static_cast<std::size_t>(j) * (k1 + k2) + k1,
                                xh[c2].data() + static_cast<std::size_t>(j) * k2, k2);
                }
                gemm('T', 'N', k, nrhs, k1 + k2, 1.0, h.U[i].data(), k1 + k2, st.data(), k1 + k2, 0.0,
                     xh[i].data(), k);
            }
        }
    }
    // downward pass: yh_c1 = (U_p yh_p)_top + B_p xh_c2, yh_c2 = (U_p yh_p)_bottom + B_p^T xh_c1
    for (int l = 0; l < t.levels; ++l) {
        const int f = Tree::first(l), e = Tree::first(l + 1);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
        for (int p = f; p < e; ++p) {
            const int c1 = 2 * p + 1, c2 = 2 * p + 2, k1 = h.rank[c1], k2 = h.rank[c2];
            detail::Mat t12(static_cast<std::size_t>(k1 + k2) * nrhs, 0.0);
            if (p != 0)
                gemm('N', 'N', k1 + k2, nrhs, h.rank[p], 1.0, h.U[p].data(), k1 + k2, yh[p].data(),
                     h.rank[p], 0.0, t12.data(), k1 + k2);
            yh[c1].assign(static_cast<std::size_t>(k1) * nrhs, 0.0);
            yh[c2].assign(static_cast<std::size_t>(k2) * nrhs, 0.0);
            for (int j = 0; j < nrhs; ++j) {
                detail::copy_n(yh[c1].data() + static_cast<std::size_t>(j) * k1,
                            t12.data() + static_cast<std::size_t>(j) * (k1 + k2), k1);
                detail::copy_n(yh[c2].data() + static_cast<std::size_t>(j) * k2,
                            t12.data() + static_cast<std::size_t>(j) * (k1 + k2) + k1, k2);
            }
            gemm('N', 'N', k1, nrhs, k2, 1.0, h.B[p].data(), k1, xh[c2].data(), k2, 1.0, yh[c1].data(), k1);
            gemm('T', 'N', k2, nrhs, k1, 1.0, h.B[p].data(), k1, xh[c1].data(), k1, 1.0, yh[c2].data(), k2);
        }
    }
    // leaves: y_i = D_i x_i + U_i yh_i
    const int f = Tree::first(t.levels), e = Tree::first(t.levels + 1);
#pragma omp parallel for schedule(dynamic) num_threads(n_threads)
    for (int i = f; i < e; ++i) {
        const int m = t.hi[i] - t.lo[i];
        gemm('N', 'N', m, nrhs, m, 1.0, h.D[i].data(), m, x + t.lo[i], static_cast<int>(ld), 0.0,
             y + t.lo[i], static_cast<int>(ld));
        if (i != 0)
            gemm('N', 'N', m, nrhs, h.rank[i], 1.0, h.U[i].data(), m, yh[i].data(), h.rank[i], 1.0,
                 y + t.lo[i], static_cast<int>(ld));
    }
}

}  // namespace nnla::hss
