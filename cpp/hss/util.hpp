// Small column-major helpers of the HSS code: guarded BLAS/LAPACK calls (zero sizes are no-ops).
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/lapack.hpp"

namespace nnla::hss::detail {

using Mat = std::vector<double>;

// memcpy of count doubles; a no-op for count 0 (the pointers of empty vectors may be null).
inline void copy_n(double* dst, const double* src, std::size_t count) {
    if (count > 0) std::memcpy(dst, src, sizeof(double) * count);
}

// C = alpha op(A) op(B) + beta C; a no-op update (C *= beta) when the inner dimension is 0.
inline void gemm(char ta, char tb, int m, int n, int k, double alpha, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i) c[i + static_cast<std::size_t>(j) * ldc] *= beta;
        return;
    }
    lapack::gemm(ta, tb, m, n, k, alpha, a, std::max(lda, 1), b, std::max(ldb, 1), beta, c,
                 std::max(ldc, 1));
}

// B <- op(L)^{-1} B with L lower triangular (side 'L') or B <- B op(L)^{-1} (side 'R').
inline void trsm_lower(char side, char trans, int m, int n, const double* l, int ldl, double* b,
                       int ldb) {
    if (m <= 0 || n <= 0) return;
    lapack::trsm(side, 'L', trans, 'N', m, n, 1.0, l, std::max(ldl, 1), b, std::max(ldb, 1));
}

// Copy the m x n block at (r0, c0) of a (leading dimension lda) into a dense m x n matrix.
inline Mat block(const double* a, std::size_t lda, int r0, int c0, int m, int n) {
    Mat out(static_cast<std::size_t>(m) * n);
    for (int j = 0; j < n; ++j)
        copy_n(out.data() + static_cast<std::size_t>(j) * m, a + r0 + (static_cast<std::size_t>(c0) + j) * lda,
               static_cast<std::size_t>(m));
    return out;
}

// In-place lower Cholesky; zeroes the strict upper triangle. Returns LAPACK's info.
inline int cholesky(double* a, int n) {
    if (n <= 0) return 0;
    const int info = lapack::potrf('L', n, a, n);
    if (info != 0) return info;
    for (int j = 1; j < n; ++j)
        for (int i = 0; i < j; ++i) a[i + static_cast<std::size_t>(j) * n] = 0.0;
    return 0;
}

// Householder QR of the m x n matrix a (m >= n): on return a holds the explicit m x n Q and r the
// n x n upper triangular R. Returns LAPACK's info (0 on success).
inline int thin_qr(double* a, int m, int n, Mat& r) {
    r.assign(static_cast<std::size_t>(n) * n, 0.0);
    if (m <= 0 || n <= 0) return 0;
    std::vector<double> tau(n);
    double wq = 0;
    int info = lapack::geqrf(m, n, a, m, tau.data(), &wq, -1);
    if (info != 0) return info;
    int lwork = std::max(1, static_cast<int>(wq));
    std::vector<double> work(lwork);
    info = lapack::geqrf(m, n, a, m, tau.data(), work.data(), lwork);
    if (info != 0) return info;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i <= j; ++i)
            r[i + static_cast<std::size_t>(j) * n] = a[i + static_cast<std::size_t>(j) * m];
    info = lapack::orgqr(m, n, n, a, m, tau.data(), &wq, -1);
    if (info != 0) return info;
    lwork = std::max(1, static_cast<int>(wq));
    work.resize(lwork);
    return lapack::orgqr(m, n, n, a, m, tau.data(), work.data(), lwork);
}

// R factor (min(m, n) x n, upper trapezoidal) of the m x n matrix a, destroyed.
inline int r_factor(double* a, int m, int n, Mat& r) {
    const int p = std::min(m, n);
    r.assign(static_cast<std::size_t>(p) * n, 0.0);
    if (p <= 0) return 0;
    std::vector<double> tau(p);
    double wq = 0;
    int info = lapack::geqrf(m, n, a, m, tau.data(), &wq, -1);
    if (info != 0) return info;
    const int lwork = std::max(1, static_cast<int>(wq));
    std::vector<double> work(lwork);
    info = lapack::geqrf(m, n, a, m, tau.data(), work.data(), lwork);
    if (info != 0) return info;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i <= std::min(j, p - 1); ++i)
            r[i + static_cast<std::size_t>(j) * p] = a[i + static_cast<std::size_t>(j) * m];
    return 0;
}

}  // namespace nnla::hss::detail
