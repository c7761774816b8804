// Dense d x d row-major kernels used inside per-matrix algorithms, in two flavours with one interface:
//   SmallOps<T, D>  hand-written loops with d = D fixed at compile time; no BLAS call overhead, the
//                   whole working set stays in L1.
//   BlasOps<T>      BLAS-3 (OpenBLAS gemm, getrf/getrs) for larger d.
// Both are called from inside OpenMP regions; nothing here allocates or touches global state.
#pragma once

#include "core/isa.hpp"

#include <algorithm>
#include <cstdint>

#include "core/lapack.hpp"
#include "core/traits.hpp"

namespace nnla {
NNLA_ISA_BEGIN

using index_t = std::int64_t;

// |x| proxy used for pivot search, as LAPACK's i?amax: |re| + |im| for complex.
template <class T>
inline real_t<T> abs1(const T& x) {
    if constexpr (is_complex_v<T>) {
        return std::abs(x.real()) + std::abs(x.imag());
    } else {
        return std::abs(x);
    }
}

template <class T, int D>
struct SmallOps {
    static_assert(D > 0, "SmallOps needs the size at compile time");
    static constexpr int d() { return D; }

    static constexpr int kD = D;

    // C = A * B  (C must not alias A or B).
    void mul(const T* __restrict a, const T* __restrict b, T* __restrict c) const { product<false>(a, b, c); }
    // C += A * B
    void mul_add(const T* __restrict a, const T* __restrict b, T* __restrict c) const {
        product<true>(a, b, c);
    }

    // C (+)= A * B, each row of C accumulated in registers.
    template <bool kAdd>
    void product(const T* __restrict a, const T* __restrict b, T* __restrict c) const {
        if constexpr (D >= 8) {
            // One vectorised row at a time (full unrolling makes GCC interleave rows with shuffles).
#pragma GCC unroll 1
            for (int i = 0; i < D; ++i) {
                T acc[D];
                for (int j = 0; j < D; ++j) acc[j] = kAdd ? c[i * D + j] : T(0);
                for (int k = 0; k < D; ++k) {
                    const T aik = a[i * D + k];
#pragma omp simd
                    for (int j = 0; j < D; ++j) mul_acc(acc[j], aik, b[k * D + j]);
                }
                for (int j = 0; j < D; ++j) c[i * D + j] = acc[j];
            }
        } else {
            for (int i = 0; i < D; ++i) {
                T acc[D];
                for (int j = 0; j < D; ++j) acc[j] = kAdd ? c[i * D + j] : T(0);
                for (int k = 0; k < D; ++k) {
                    const T aik = a[i * D + k];
                    for (int j = 0; j < D; ++j) mul_acc(acc[j], aik, b[k * D + j]);
                }
                for (int j = 0; j < D; ++j) c[i * D + j] = acc[j];
            }
        }
    }

    // P <- Q^{-1} P by Gaussian elimination with partial pivoting (Q is overwritten).
    // Returns 0, or k+1 if the k-th pivot is exactly zero (LAPACK's info convention).
    int solve_commuting(T* __restrict q, T* __restrict p, int* /*ipiv*/) const {
        const int n = d();
        for (int k = 0; k < n; ++k) {
            int piv = k;
            real_t<T> best = abs1(q[k * n + k]);
            for (int i = k + 1; i < n; ++i) {
                const real_t<T> v = abs1(q[i * n + k]);
                if (v > best) {
                    best = v;
                    piv = i;
                }
            }
            if (best == real_t<T>(0)) return k + 1;
            if (piv != k) {
                std::swap_ranges(q + k * n, q + (k + 1) * n, q + piv * n);
                std::swap_ranges(p + k * n, p + (k + 1) * n, p + piv * n);
            }
            const T inv = T(1) / q[k * n + k];
            for (int i = k + 1; i < n; ++i) {
                const T l = nnla::mul(q[i * n + k], inv);
                if (l == T(0)) continue;
                const T ml = -l;
                for (int j = k + 1; j < n; ++j) mul_acc(q[i * n + j], ml, q[k * n + j]);
                for (int j = 0; j < n; ++j) mul_acc(p[i * n + j], ml, p[k * n + j]);
            }
        }
        for (int k = n - 1; k >= 0; --k) {
            T* pk = p + k * n;
            for (int i = k + 1; i < n; ++i) {
                const T mq = -q[k * n + i];
                const T* pi = p + i * n;
                for (int j = 0; j < n; ++j) mul_acc(pk[j], mq, pi[j]);
            }
            const T piv = q[k * n + k];
            for (int j = 0; j < n; ++j) pk[j] = pk[j] / piv;
        }
        return 0;
    }
};

template <class T>
struct BlasOps {
    static constexpr int kD = 0;
    int d_;
    explicit BlasOps(int d) : d_(d) {}
    int d() const { return d_; }

    // Row-major C = A B is column-major C^T = B^T A^T: swap the operands.
    void mul(const T* a, const T* b, T* c) const {
        lapack::gemm('N', 'N', d_, d_, d_, T(1), b, d_, a, d_, T(0), c, d_);
    }
    void mul_add(const T* a, const T* b, T* c) const {
        lapack::gemm('N', 'N', d_, d_, d_, T(1), b, d_, a, d_, T(1), c, d_);
    }
    // P <- Q^{-1} P for commuting Q and P (then Q^{-1} P = P Q^{-1}). LAPACK sees the transposes
    // Q^T, P^T of the row-major buffers and returns Q^{-T} P^T = (P Q^{-1})^T, i.e. P Q^{-1} row-major.
    // Returns LAPACK's info (> 0: exactly singular, < 0: argument error).
    int solve_commuting(T* q, T* p, int* ipiv) const {
        int info = lapack::getrf(d_, d_, q, d_, ipiv);
        if (info != 0) return info;
        return lapack::getrs('N', d_, d_, q, d_, ipiv, p, d_);
    }
};

NNLA_ISA_END
}  // namespace nnla
