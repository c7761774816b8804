// Dense d x d row-major operations shared by the Frechet-derivative (expm_frechet_kernel.cpp) and
// matrix-sign (signm_kernel.cpp) kernels: products, an LU factorization that is kept and reused for
// several right-hand sides, solves Q X = B with a general (non-commuting) B, and the inverse.
//   LuOps<T, D>, D > 0: compile-time size, SmallOps products and a hand-written LU (no BLAS calls);
//   LuOps<T, 0>:        runtime size, BLAS gemm and LAPACK getrf/getrs.
// Included only by *_kernel.cpp files (it lives in the per-ISA namespace).
#pragma once

#include "core/isa.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "core/dense.hpp"
#include "core/lapack.hpp"
#include "core/traits.hpp"

namespace nnla::matfun {
NNLA_ISA_BEGIN

template <class T, int D>
struct LuOps {
    static constexpr int kD = D;
    int n_;
    explicit LuOps(int n) : n_(D > 0 ? D : n) {}
    int d() const { return D > 0 ? D : n_; }

    // C = A B (no aliasing).
    void mul(const T* a, const T* b, T* c) const {
        if constexpr (D > 0) {
            SmallOps<T, D>{}.mul(a, b, c);
        } else {
            lapack::gemm('N', 'N', n_, n_, n_, T(1), b, n_, a, n_, T(0), c, n_);
        }
    }
    // C += A B (no aliasing).
    void mul_add(const T* a, const T* b, T* c) const {
        if constexpr (D > 0) {
            SmallOps<T, D>{}.mul_add(a, b, c);
        } else {
            lapack::gemm('N', 'N', n_, n_, n_, T(1), b, n_, a, n_, T(1), c, n_);
        }
    }

    // LU factorization with partial pivoting, in place. Returns 0, k + 1 if the k-th pivot is
    // exactly zero, or LAPACK's negative info (an argument error). D > 0 factors Q itself (row
    // pivoting); D = 0 factors the column-major view Q^T. Either way the product of the diagonal of
    // the factor is +-det(Q), and solve()/inverse() know which factor they hold.
    int lu(T* q, int* ipiv) const {
        if constexpr (D > 0) {
            constexpr int n = D;
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
                ipiv[k] = piv;
                if (best == real_t<T>(0)) return k + 1;
                if (piv != k) std::swap_ranges(q + k * n, q + (k + 1) * n, q + piv * n);
                const T inv = T(1) / q[k * n + k];
                for (int i = k + 1; i < n; ++i) {
                    const T l = nnla::mul(q[i * n + k], inv);
                    q[i * n + k] = l;
                    if (l == T(0)) continue;
                    const T ml = -l;
                    for (int j = k + 1; j < n; ++j) mul_acc(q[i * n + j], ml, q[k * n + j]);
                }
            }
            return 0;
        } else {
            return lapack::getrf(n_, n_, q, n_, ipiv);
        }
    }

    // B <- Q^{-1} B from the factor of lu(); tmp is d x d scratch (D = 0 only). Returns 0 or
    // LAPACK's info.
    int solve(const T* f, const int* ipiv, T* b, T* tmp) const {
        if constexpr (D > 0) {
            (void)tmp;
            constexpr int n = D;
            for (int k = 0; k < n; ++k)
                if (ipiv[k] != k) std::swap_ranges(b + k * n, b + (k + 1) * n, b + ipiv[k] * n);
            for (int i = 1; i < n; ++i) {  // forward: unit lower L
                T* bi = b + i * n;
                for (int k = 0; k < i; ++k) {
                    const T ml = -f[i * n + k];
                    const T* bk = b + k * n;
                    for (int j = 0; j < n; ++j) mul_acc(bi[j], ml, bk[j]);
                }
            }
            for (int i = n - 1; i >= 0; --i) {  // backward: U
                T* bi = b + i * n;
                for (int k = i + 1; k < n; ++k) {
                    const T mu = -f[i * n + k];
                    const T* bk = b + k * n;
                    for (int j = 0; j < n; ++j) mul_acc(bi[j], mu, bk[j]);
                }
                const T piv = f[i * n + i];
                for (int j = 0; j < n; ++j) bi[j] = bi[j] / piv;
            }
            return 0;
        } else {
            // The factor is of Q^T; getrs('T') solves Q Y = C for a column-major C: pass B transposed.
            const int n = n_;
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                    tmp[static_cast<std::size_t>(j) * n + i] = b[static_cast<std::size_t>(i) * n + j];
            const int info = lapack::getrs('T', n, n, f, n, ipiv, tmp, n);
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                    b[static_cast<std::size_t>(i) * n + j] = tmp[static_cast<std::size_t>(j) * n + i];
            return info;
        }
    }

    // out = Q^{-1} from the factor of lu(); tmp is d x d scratch. Returns 0 or LAPACK's info.
    int inverse(const T* f, const int* ipiv, T* out, T* tmp) const {
        const int n = d();
        const std::size_t nn = static_cast<std::size_t>(n) * n;
        if constexpr (D > 0) {
            std::fill(out, out + nn, T(0));
            for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i) * n + i] = T(1);
            return solve(f, ipiv, out, tmp);
        } else {
            // getri on the factor of Q^T gives Q^{-T} column-major, which is Q^{-1} row-major.
            std::copy(f, f + nn, out);
            return lapack::getri(n, out, n, ipiv, tmp, static_cast<int>(nn));
        }
    }

    // log2 |det Q| from the factor, or -inf for a zero pivot.
    double log2_abs_det(const T* f) const {
        const int n = d();
        double s = 0.0;
        for (int i = 0; i < n; ++i) s += std::log2(abs_double(f[static_cast<std::size_t>(i) * n + i]));
        return s;
    }
};

NNLA_ISA_END
}  // namespace nnla::matfun
