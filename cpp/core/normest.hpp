// Matrix 1-norms: exact (max column sum) and the Hager-Higham estimate of ||M_k ... M_1||_1 for a
// product of row-major d x d matrices that is never formed (Higham, "FORTRAN codes for estimating the
// one-norm of a real or complex matrix", ACM TOMS 14, 1988; LAPACK xLACON). Deterministic: the
// starting vectors are fixed, so the estimate depends only on the matrices.
#pragma once

#include "core/isa.hpp"

#include <cmath>
#include <vector>

#include "core/lapack.hpp"
#include "core/traits.hpp"

namespace nnla {
NNLA_ISA_BEGIN

// max_j sum_i |A_ij| of a row-major n x n matrix, accumulated in double (D > 0: n = D at compile time).
template <int D = 0, class T>
double norm1(const T* a, int n, double* colsum) {
    if constexpr (D > 0) n = D;
    for (int j = 0; j < n; ++j) colsum[j] = 0.0;
    for (int i = 0; i < n; ++i) {
        const T* ai = a + static_cast<std::ptrdiff_t>(i) * n;
        for (int j = 0; j < n; ++j) colsum[j] += abs_double(ai[j]);
    }
    double m = 0.0;
    for (int j = 0; j < n; ++j) m = std::max(m, colsum[j]);
    return m;
}

namespace detail {

// y = A x for row-major A: the column-major view of the buffer is A^T, so gemv('T').
template <class T>
void matvec(const T* a, const T* x, T* y, int n) {
    lapack::gemv('T', n, n, T(1), a, n, x, T(0), y);
}
// y = A^H x for row-major A: A^H x = conj(A^T conj(x)), and A^T x is gemv('N') on the view.
template <class T>
void matvec_h(const T* a, const T* x, T* y, int n, T* scratch) {
    if constexpr (is_complex_v<T>) {
        for (int i = 0; i < n; ++i) scratch[i] = std::conj(x[i]);
        lapack::gemv('N', n, n, T(1), a, n, scratch, T(0), y);
        for (int i = 0; i < n; ++i) y[i] = std::conj(y[i]);
    } else {
        (void)scratch;
        lapack::gemv('N', n, n, T(1), a, n, x, T(0), y);
    }
}

}  // namespace detail

// Workspace: 6 n scalars, owned. Matvecs go through BLAS gemv (used for d above the small-kernel size).
template <class T>
class ProductNormEstimator {
public:
    explicit ProductNormEstimator(int n) : n_(n), w_(6 * static_cast<std::size_t>(n)) {}

    // Estimate ||mats[k-1] ... mats[0]||_1 (a lower bound, usually exact).
    double estimate(const T* const* mats, int k) {
        const int n = n_;
        T* x = w_.data();
        T* y = x + n;
        T* z = y + n;
        for (int i = 0; i < n; ++i) x[i] = T(1.0 / n);
        apply(mats, k, x, y);
        double est = norm1v(y);
        if (n == 1) return est;
        int jlast = -1;
        for (int iter = 0; iter < 5; ++iter) {
            for (int i = 0; i < n; ++i) x[i] = sign(y[i]);
            apply_h(mats, k, x, z);  // z = B^H sign(y)
            int j = 0;
            double zmax = -1.0;
            for (int i = 0; i < n; ++i) {
                const double v = std::abs(z[i]);
                if (v > zmax) {
                    zmax = v;
                    j = i;
                }
            }
            if (iter > 0 && j == jlast) break;
            jlast = j;
            for (int i = 0; i < n; ++i) x[i] = T(0);
            x[j] = T(1);
            apply(mats, k, x, y);
            const double e = norm1v(y);
            if (e <= est) break;
            est = e;
        }
        // Higham's extra vector guards against the rare cases the iteration underestimates badly.
        for (int i = 0; i < n; ++i) {
            const double v = 1.0 + static_cast<double>(i) / (n - 1);
            x[i] = T((i % 2 == 0) ? v : -v);
        }
        apply(mats, k, x, y);
        return std::max(est, 2.0 * norm1v(y) / (3.0 * n));
    }

private:
    int n_;
    std::vector<T> w_;

    double norm1v(const T* v) const {
        double s = 0.0;
        for (int i = 0; i < n_; ++i) s += static_cast<double>(std::abs(v[i]));
        return s;
    }
    static T sign(const T& v) {
        const auto a = std::abs(v);
        if (a == 0) return T(1);
        return v / a;
    }
    // out = B in, B = mats[k-1] ... mats[0]; in and out must differ from the scratch s1, s2.
    void apply(const T* const* mats, int k, const T* in, T* out) {
        T* s1 = w_.data() + 3 * static_cast<std::size_t>(n_);
        T* s2 = s1 + n_;
        const T* src = in;
        for (int m = 0; m < k; ++m) {
            T* dst = (m == k - 1) ? out : ((m % 2 == 0) ? s1 : s2);
            detail::matvec(mats[m], src, dst, n_);
            src = dst;
        }
    }
    // out = B^H in
    void apply_h(const T* const* mats, int k, const T* in, T* out) {
        T* s1 = w_.data() + 3 * static_cast<std::size_t>(n_);
        T* s2 = s1 + n_;
        const T* src = in;
        for (int m = k - 1; m >= 0; --m) {
            T* dst = (m == 0) ? out : ((m % 2 == 0) ? s1 : s2);
            detail::matvec_h(mats[m], src, dst, n_, s2 + n_);
            src = dst;
        }
    }
};

NNLA_ISA_END
}  // namespace nnla
