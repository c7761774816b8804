// Small dense d x d row-major kernels used inside the per-matrix algorithms: one family, one
// interface (d(), kD, mul, mul_add, solve_commuting; DenseOps also lu, solve, inverse, log2_abs_det).
//   DenseOps<T, D>, D > 0  hand-written loops with d = D fixed at compile time: no BLAS call
//                          overhead, the whole working set in L1.
//   DenseOps<T, 0>         runtime d: BLAS-3 (OpenBLAS gemm) and LAPACK getrf/getrs/getri.
//   FusedOps<T, D>         D in {2, 4, 8, 16}: the fast path of the expm kernel, products and the
//                          commuting solve register-blocked with GCC vector extensions, complex data
//                          in real and imaginary planes.
//   PlanarOps<D, C>        double data in planar storage (real plane, imaginary plane): products and
//                          a Gauss-Jordan inverse with log2 |det|, for sqrtm's Denman-Beavers
//                          iteration; D in {4, 8, 16} vectorised, D = 0 runtime d <= 16.
// Called from inside OpenMP regions; nothing here allocates or touches global state. In the per-ISA
// namespace: included by the kernel files (compiled once per ISA level).
#pragma once

#include "core/isa.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

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

// 1 / x in real arithmetic (no call to the library's NaN-recovering complex division); x finite,
// nonzero and not near the limits of the exponent range (a pivot of the Pade denominator).
template <class T>
inline T recip(const T& x) {
    if constexpr (is_complex_v<T>) {
        using R = real_t<T>;
        const R xr = x.real(), xi = x.imag();
        const R den = xr * xr + xi * xi;
        if (den > R(1e-30) && den < R(1e30)) {  // no scaling needed
            const R r = R(1) / den;
            return T(xr * r, -xi * r);
        }
        const R s = std::max(std::abs(xr), std::abs(xi));
        const R yr = xr / s, yi = xi / s;
        const R r = R(1) / (s * (yr * yr + yi * yi));
        return T(yr * r, -yi * r);
    } else {
        return T(1) / x;
    }
}

template <class T, int D>
struct DenseOps {
    static_assert(D >= 0, "DenseOps<T, D>: D > 0 fixed size, D = 0 runtime size");
    static constexpr int kD = D;
    int n_;
    explicit DenseOps(int n = D) : n_(D > 0 ? D : n) {}
    int d() const { return D > 0 ? D : n_; }

    // C = A B (C must not alias A or B). Row-major C = A B is column-major C^T = B^T A^T, so BLAS
    // gets the operands swapped.
    void mul(const T* __restrict a, const T* __restrict b, T* __restrict c) const {
        if constexpr (D > 0) {
            product<false>(a, b, c);
        } else {
            lapack::gemm('N', 'N', n_, n_, n_, T(1), b, n_, a, n_, T(0), c, n_);
        }
    }
    // C += A B (no aliasing).
    void mul_add(const T* __restrict a, const T* __restrict b, T* __restrict c) const {
        if constexpr (D > 0) {
            product<true>(a, b, c);
        } else {
            lapack::gemm('N', 'N', n_, n_, n_, T(1), b, n_, a, n_, T(1), c, n_);
        }
    }

    // P <- Q^{-1} P for commuting Q and P (then also P Q^{-1}), Q overwritten. Returns 0, k + 1 if
    // the k-th pivot is exactly zero (LAPACK's info convention), or LAPACK's negative info.
    //   D > 0: Gaussian elimination with partial pivoting on Q and P side by side.
    //   D = 0: LAPACK sees the transposes Q^T, P^T of the row-major buffers and returns
    //          Q^{-T} P^T = (P Q^{-1})^T, i.e. P Q^{-1} row-major; ipiv holds d entries.
    int solve_commuting(T* __restrict q, T* __restrict p, int* ipiv) const {
        if constexpr (D > 0) {
            (void)ipiv;
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
        } else {
            const int info = lapack::getrf(n_, n_, q, n_, ipiv);
            if (info != 0) return info;
            return lapack::getrs('N', n_, n_, q, n_, ipiv, p, n_);
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

private:
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

};

// FusedOps: products and the commuting solve (the LU solve of the Pade denominator) for d = D fixed
// at compile time, the fast path of the expm kernel (measured faster there than DenseOps<T, D>):
//   * real: GCC vector extensions, a block of RB rows of C held in registers while k runs, so each
//     row of B is loaded once per block (a single-row loop is load bound);
//   * complex: the operands are split into real and imaginary planes, and the products are four
//     real ones in plain FMAs (interleaved std::complex arithmetic needs shuffles, and the library
//     complex multiply/divide carries NaN-recovery branches);
//   * the LU updates whole rows (length D, vectorised; the columns left of the pivot are dead).
// The order of operations for each entry is fixed, so results do not depend on the thread or batch.
template <class R, int W>
struct VecOf {
    typedef R type __attribute__((vector_size(W * sizeof(R))));
};

template <class T, int D>
struct FusedOps {
    static constexpr int kD = D;
    static constexpr int d() { return D; }
    using R = real_t<T>;
    static constexpr int W = D >= 8 ? 8 : D;  // vector width (entries of one row per vector)
    static constexpr int NV = D / W;          // vectors per row
    static_assert(D % W == 0, "FusedOps needs D in {2, 4, 8, 16}");
    using V = typename VecOf<R, W>::type;

    static V load(const R* p) {
        V v;
        std::memcpy(&v, p, sizeof(V));
        return v;
    }
    static void store(R* p, const V& v) { std::memcpy(p, &v, sizeof(V)); }

    void mul(const T* __restrict a, const T* __restrict b, T* __restrict c) const { product<false>(a, b, c); }
    void mul_add(const T* __restrict a, const T* __restrict b, T* __restrict c) const {
        product<true>(a, b, c);
    }

    template <bool kAdd>
    static void product(const T* __restrict a, const T* __restrict b, T* __restrict c) {
        if constexpr (is_complex_v<T>) {
            alignas(64) R br[D * D], bi[D * D], cr[D * D], ci[D * D];
            split(b, br, bi);
            if constexpr (kAdd) split(c, cr, ci);
            constexpr int RB = D >= 16 ? 2 : D >= 4 ? 4 : D;
            static_assert(D % RB == 0);
#pragma GCC unroll 1
            for (int i0 = 0; i0 < D; i0 += RB) {
                V accr[RB][NV], acci[RB][NV];
#pragma GCC unroll 16
                for (int r = 0; r < RB; ++r)
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) {
                        accr[r][v] = kAdd ? load(cr + (i0 + r) * D + v * W) : V{};
                        acci[r][v] = kAdd ? load(ci + (i0 + r) * D + v * W) : V{};
                    }
#pragma GCC unroll 2
                for (int k = 0; k < D; ++k) {
                    V bkr[NV], bki[NV];
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) {
                        bkr[v] = load(br + k * D + v * W);
                        bki[v] = load(bi + k * D + v * W);
                    }
#pragma GCC unroll 16
                    for (int r = 0; r < RB; ++r) {
                        const T x = a[(i0 + r) * D + k];
                        const R xr = x.real(), xi = x.imag();
#pragma GCC unroll 16
                        for (int v = 0; v < NV; ++v) {
                            accr[r][v] += xr * bkr[v];
                            accr[r][v] -= xi * bki[v];
                            acci[r][v] += xr * bki[v];
                            acci[r][v] += xi * bkr[v];
                        }
                    }
                }
#pragma GCC unroll 16
                for (int r = 0; r < RB; ++r)
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) {
                        store(cr + (i0 + r) * D + v * W, accr[r][v]);
                        store(ci + (i0 + r) * D + v * W, acci[r][v]);
                    }
            }
            merge(cr, ci, c);
        } else {
            constexpr int RB = D >= 16 ? 4 : D;
#pragma GCC unroll 1
            for (int i0 = 0; i0 < D; i0 += RB) {
                V acc[RB][NV];
#pragma GCC unroll 16
                for (int r = 0; r < RB; ++r)
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) acc[r][v] = kAdd ? load(c + (i0 + r) * D + v * W) : V{};
#pragma GCC unroll 2
                for (int k = 0; k < D; ++k) {
                    V bk[NV];
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) bk[v] = load(b + k * D + v * W);
#pragma GCC unroll 16
                    for (int r = 0; r < RB; ++r) {
                        const R x = a[(i0 + r) * D + k];
#pragma GCC unroll 16
                        for (int v = 0; v < NV; ++v) acc[r][v] += x * bk[v];
                    }
                }
#pragma GCC unroll 16
                for (int r = 0; r < RB; ++r)
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) store(c + (i0 + r) * D + v * W, acc[r][v]);
            }
        }
    }

    // std::complex<R> is array-compatible with R[2]
    static void split(const T* __restrict x, R* __restrict xr, R* __restrict xi) {
        const R* __restrict p = reinterpret_cast<const R*>(x);
        for (int k = 0; k < D * D; ++k) {
            xr[k] = p[2 * k];
            xi[k] = p[2 * k + 1];
        }
    }
    static void merge(const R* __restrict xr, const R* __restrict xi, T* __restrict x) {
        R* __restrict p = reinterpret_cast<R*>(x);
        for (int k = 0; k < D * D; ++k) {
            p[2 * k] = xr[k];
            p[2 * k + 1] = xi[k];
        }
    }

    // P <- Q^{-1} P by Gaussian elimination with partial pivoting (Q is overwritten); Q and P commute,
    // so this is also P Q^{-1}. Returns 0, or k+1 if the k-th pivot is exactly zero.
    // Q is factored first (multipliers kept in L, whose rows move with Q's); then P is permuted and
    // each of its rows is updated in registers, L's and then U's rows applied in order: the same
    // sequence of operations on each entry as eliminating Q and P side by side.
    int solve_commuting(T* __restrict q, T* __restrict p, int* /*ipiv*/) const {
        constexpr bool kC = is_complex_v<T>;
        alignas(64) R qr[D * D], pr[D * D], lr[D * D] = {};
        alignas(64) R qi[kC ? D * D : 1], pi[kC ? D * D : 1], li[kC ? D * D : 1] = {};
        if constexpr (kC) {
            split(q, qr, qi);
            split(p, pr, pi);
        } else {
            std::memcpy(qr, q, sizeof(qr));
            std::memcpy(pr, p, sizeof(pr));
        }
        int piv[D];
        R invr[D], invi[D];
        for (int k = 0; k < D; ++k) {
            int pk = k;
            auto mag = [&](int i) {
                if constexpr (kC) {
                    return std::abs(qr[i * D + k]) + std::abs(qi[i * D + k]);
                } else {
                    return std::abs(qr[i * D + k]);
                }
            };
            R best = mag(k);
            for (int i = k + 1; i < D; ++i) {
                const R v = mag(i);
                if (v > best) {
                    best = v;
                    pk = i;
                }
            }
            if (best == R(0)) return k + 1;
            piv[k] = pk;
            if (pk != k) {
                swap_rows(qr, k, pk);
                swap_rows(lr, k, pk);
                if constexpr (kC) {
                    swap_rows(qi, k, pk);
                    swap_rows(li, k, pk);
                }
            }
            if constexpr (kC) {
                const T inv = recip(T(qr[k * D + k], qi[k * D + k]));
                invr[k] = inv.real();
                invi[k] = inv.imag();
                for (int i = k + 1; i < D; ++i) {
                    const R ar = qr[i * D + k], ai = qi[i * D + k];
                    const R l_r = ar * invr[k] - ai * invi[k];
                    const R l_i = ar * invi[k] + ai * invr[k];
                    lr[i * D + k] = l_r;
                    li[i * D + k] = l_i;
                    if (l_r == R(0) && l_i == R(0)) continue;
                    axpy_c(-l_r, -l_i, qr + k * D, qi + k * D, qr + i * D, qi + i * D);
                }
            } else {
                invr[k] = R(1) / qr[k * D + k];
                for (int i = k + 1; i < D; ++i) {
                    const R l = qr[i * D + k] * invr[k];
                    lr[i * D + k] = l;
                    if (l == R(0)) continue;
                    axpy(-l, qr + k * D, qr + i * D);
                }
            }
        }
        for (int k = 0; k < D; ++k) {
            if (piv[k] != k) {
                swap_rows(pr, k, piv[k]);
                if constexpr (kC) swap_rows(pi, k, piv[k]);
            }
        }
        // forward: P_i -= sum_{k<i} L_ik P_k
        for (int i = 1; i < D; ++i) {
            V ar_[NV], ai_[NV];
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) {
                ar_[v] = load(pr + i * D + v * W);
                if constexpr (kC) ai_[v] = load(pi + i * D + v * W);
            }
#pragma GCC unroll 16
            for (int k = 0; k < i; ++k) {
                if constexpr (kC) {
                    const R cr = -lr[i * D + k], ci = -li[i * D + k];
                    if (cr == R(0) && ci == R(0)) continue;
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) cmac(ar_[v], ai_[v], cr, ci, pr + k * D + v * W, pi + k * D + v * W);
                } else {
                    const R c = -lr[i * D + k];
                    if (c == R(0)) continue;
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) ar_[v] += c * load(pr + k * D + v * W);
                }
            }
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) {
                store(pr + i * D + v * W, ar_[v]);
                if constexpr (kC) store(pi + i * D + v * W, ai_[v]);
            }
        }
        // backward: P_k = (P_k - sum_{i>k} U_ki P_i) / U_kk
        for (int k = D - 1; k >= 0; --k) {
            V ar_[NV], ai_[NV];
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) {
                ar_[v] = load(pr + k * D + v * W);
                if constexpr (kC) ai_[v] = load(pi + k * D + v * W);
            }
#pragma GCC unroll 16
            for (int i = k + 1; i < D; ++i) {
                if constexpr (kC) {
                    const R cr = -qr[k * D + i], ci = -qi[k * D + i];
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) cmac(ar_[v], ai_[v], cr, ci, pr + i * D + v * W, pi + i * D + v * W);
                } else {
                    const R c = -qr[k * D + i];
#pragma GCC unroll 16
                    for (int v = 0; v < NV; ++v) ar_[v] += c * load(pr + i * D + v * W);
                }
            }
#pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) {
                if constexpr (kC) {
                    const V a = ar_[v], b = ai_[v];
                    store(pr + k * D + v * W, invr[k] * a - invi[k] * b);
                    store(pi + k * D + v * W, invr[k] * b + invi[k] * a);
                } else {
                    store(pr + k * D + v * W, ar_[v] / qr[k * D + k]);
                }
            }
        }
        if constexpr (kC) {
            merge(pr, pi, p);
        } else {
            std::memcpy(p, pr, sizeof(pr));
        }
        return 0;
    }

    // (re + i im) += (cr + i ci)(x + i y), x and y one vector of a row
    static void cmac(V& re, V& im, R cr, R ci, const R* x, const R* y) {
        const V a = load(x), b = load(y);
        re += cr * a;
        re -= ci * b;
        im += cr * b;
        im += ci * a;
    }

    static void swap_rows(R* x, int i, int j) {
#pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) {
            const V a = load(x + i * D + v * W), b = load(x + j * D + v * W);
            store(x + i * D + v * W, b);
            store(x + j * D + v * W, a);
        }
    }
    // y += alpha x over a whole row
    static void axpy(R alpha, const R* __restrict x, R* __restrict y) {
#pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) store(y + v * W, load(y + v * W) + alpha * load(x + v * W));
    }
    // (yr + i yi) += (ar + i ai)(xr + i xi) over a whole row
    static void axpy_c(R ar, R ai, const R* __restrict xr, const R* __restrict xi, R* __restrict yr,
                       R* __restrict yi) {
#pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) {
            const V a = load(xr + v * W), b = load(xi + v * W);
            V re = load(yr + v * W), im = load(yi + v * W);
            re += ar * a;
            re -= ai * b;
            im += ar * b;
            im += ai * a;
            store(yr + v * W, re);
            store(yi + v * W, im);
        }
    }
};

template <int W>
struct VecD {
    typedef double type __attribute__((vector_size(W * sizeof(double))));
    // for loads and stores at any double-aligned address (no vector returned from a function: that
    // would change the ABI between the ISA variants)
    typedef double unaligned __attribute__((vector_size(W * sizeof(double)), aligned(8), may_alias));
};

// PlanarOps<D, C>: double-precision d x d matrices in planar storage, for the Denman-Beavers
// iteration of sqrtm (sqrtm_newton_kernel.cpp): a matrix is a plane of kS doubles (row-major, row
// stride d), and for complex data (C) a second plane (imaginary parts) right after it. Products and
// the Gauss-Jordan inverse with log2 |det|; D in {4, 8, 16} vectorised, D = 0 runtime d <= kMaxD.
template <int D, bool C>
struct PlanarOps {
    static constexpr int kMaxD = 16;
    static constexpr int kS = D > 0 ? D * D : kMaxD * kMaxD;
    static constexpr int kLen = C ? 2 * kS : kS;
    static constexpr bool kVec = D == 4 || D == 8 || D == 16;
    int n_;
    explicit PlanarOps(int n) : n_(D > 0 ? D : n) {}
    int n() const {
        if constexpr (D > 0) {
            return D;
        } else {
            return n_;
        }
    }

    // c = a b.
    void mul(const double* __restrict a, const double* __restrict b, double* __restrict c) const {
        if constexpr (kVec) {
            vec_mul(a, b, c);
        } else {
            const int n = this->n();
            for (int i = 0; i < n; ++i) {
                double accr[kMaxD], acci[kMaxD];
                for (int j = 0; j < n; ++j) accr[j] = acci[j] = 0.0;
                for (int k = 0; k < n; ++k) {
                    const double xr = a[i * n + k];
                    const double* br = b + k * n;
                    if constexpr (C) {
                        const double xi = a[kS + i * n + k];
                        const double* bi = b + kS + k * n;
                        for (int j = 0; j < n; ++j) {
                            accr[j] += xr * br[j];
                            accr[j] -= xi * bi[j];
                            acci[j] += xr * bi[j];
                            acci[j] += xi * br[j];
                        }
                    } else {
                        for (int j = 0; j < n; ++j) accr[j] += xr * br[j];
                    }
                }
                for (int j = 0; j < n; ++j) c[i * n + j] = accr[j];
                if constexpr (C)
                    for (int j = 0; j < n; ++j) c[kS + i * n + j] = acci[j];
            }
        }
    }

    // Products for D in {4, 8, 16} with GCC vector extensions: a block of RB rows of C in registers
    // while k runs (as the expm kernel's FusedOps), complex data as real and imaginary planes.
    static void vec_mul(const double* __restrict a, const double* __restrict b, double* __restrict c) {
        constexpr int W = D >= 8 ? 8 : D;
        constexpr int NV = D / W;
        constexpr int RB = C ? (D >= 16 ? 2 : 4) : (D >= 16 ? 4 : D);
        using V = typename VecD<W>::type;
        using VU = typename VecD<W>::unaligned;
        auto load = [](const double* p) -> const VU& { return *reinterpret_cast<const VU*>(p); };
        auto store = [](double* p, const V& v) { *reinterpret_cast<VU*>(p) = v; };
#pragma GCC unroll 1
        for (int i0 = 0; i0 < D; i0 += RB) {
            V accr[RB][NV], acci[C ? RB : 1][NV];
#pragma GCC unroll 16
            for (int r = 0; r < RB; ++r)
#pragma GCC unroll 16
                for (int v = 0; v < NV; ++v) {
                    accr[r][v] = V{};
                    if constexpr (C) acci[r][v] = V{};
                }
#pragma GCC unroll 2
            for (int k = 0; k < D; ++k) {
                V br[NV], bi[NV];
#pragma GCC unroll 16
                for (int v = 0; v < NV; ++v) {
                    br[v] = load(b + k * D + v * W);
                    if constexpr (C) bi[v] = load(b + kS + k * D + v * W);
                }
#pragma GCC unroll 16
                for (int r = 0; r < RB; ++r) {
                    const double xr = a[(i0 + r) * D + k];
                    if constexpr (C) {
                        const double xi = a[kS + (i0 + r) * D + k];
#pragma GCC unroll 16
                        for (int v = 0; v < NV; ++v) {
                            accr[r][v] += xr * br[v];
                            accr[r][v] -= xi * bi[v];
                            acci[r][v] += xr * bi[v];
                            acci[r][v] += xi * br[v];
                        }
                    } else {
#pragma GCC unroll 16
                        for (int v = 0; v < NV; ++v) accr[r][v] += xr * br[v];
                    }
                }
            }
#pragma GCC unroll 16
            for (int r = 0; r < RB; ++r)
#pragma GCC unroll 16
                for (int v = 0; v < NV; ++v) {
                    store(c + (i0 + r) * D + v * W, accr[r][v]);
                    if constexpr (C) store(c + kS + (i0 + r) * D + v * W, acci[r][v]);
                }
        }
    }

    // Gauss-Jordan step k on the (already pivoted) w, D in {4, 8, 16}: the pivot row, with entry k
    // replaced by 1, times (ir + i ii) = 1 / pivot; every other row i minus w_ik times it, with entry
    // k replaced by 0 first. Whole rows as vectors; entry k is replaced by a select, never by a
    // scalar store ahead of the vector loads (those would stall on store forwarding).
    static void vec_eliminate(double* __restrict w, int k, double ir, double ii) {
        constexpr int W = D >= 8 ? 8 : D;
        constexpr int NV = D / W;
        using V = typename VecD<W>::type;
        using VU = typename VecD<W>::unaligned;
        auto load = [](const double* p) -> const VU& { return *reinterpret_cast<const VU*>(p); };
        auto store = [](double* p, const V& v) { *reinterpret_cast<VU*>(p) = v; };
        const V zero = V{};
        const V kk = zero + static_cast<double>(k);
        V col[NV];  // column index of each lane
        for (int v = 0; v < NV; ++v)
            for (int l = 0; l < W; ++l) col[v][l] = static_cast<double>(v * W + l);
        V rkr[NV], rki[NV];
        for (int v = 0; v < NV; ++v) {
            const V xr = col[v] == kk ? zero + 1.0 : load(w + k * D + v * W);
            if constexpr (C) {
                const V xi = col[v] == kk ? zero : load(w + kS + k * D + v * W);
                rkr[v] = xr * ir - xi * ii;
                rki[v] = xr * ii + xi * ir;
                store(w + kS + k * D + v * W, rki[v]);
            } else {
                (void)ii;
                rkr[v] = xr * ir;
            }
            store(w + k * D + v * W, rkr[v]);
        }
        for (int i = 0; i < D; ++i) {
            if (i == k) continue;
            const double fr = w[i * D + k];
            if constexpr (C) {
                const double fi = w[kS + i * D + k];
#pragma GCC unroll 16
                for (int v = 0; v < NV; ++v) {
                    V xr = col[v] == kk ? zero : load(w + i * D + v * W);
                    V xi = col[v] == kk ? zero : load(w + kS + i * D + v * W);
                    xr -= fr * rkr[v];
                    xr += fi * rki[v];
                    xi -= fr * rki[v];
                    xi -= fi * rkr[v];
                    store(w + i * D + v * W, xr);
                    store(w + kS + i * D + v * W, xi);
                }
            } else {
#pragma GCC unroll 16
                for (int v = 0; v < NV; ++v) {
                    V x = col[v] == kk ? zero : load(w + i * D + v * W);
                    x -= fr * rkr[v];
                    store(w + i * D + v * W, x);
                }
            }
        }
    }

    // w <- w^{-1} by Gauss-Jordan elimination with partial pivoting (the pivots of LU with partial
    // pivoting; rows are swapped as they are chosen, and the columns of the result are swapped back
    // in reverse order at the end). log2det = log2 |det w|; negdet: det w < 0 (real data). Returns
    // false for a zero (or NaN) pivot.
    bool invert(double* __restrict w, double& log2det, bool& negdet) const {
        const int n = this->n();
        double* wr = w;
        double* wi = w + kS;
        int piv[kMaxD];
        double l2 = 0.0;
        bool neg = false;
        for (int k = 0; k < n; ++k) {
            int p = k;
            auto mag = [&](int i) {
                if constexpr (C) {
                    return std::abs(wr[i * n + k]) + std::abs(wi[i * n + k]);
                } else {
                    return std::abs(wr[i * n + k]);
                }
            };
            double best = mag(k);
            for (int i = k + 1; i < n; ++i) {
                const double v = mag(i);
                if (v > best) {
                    best = v;
                    p = i;
                }
            }
            if (!(best > 0.0) || !std::isfinite(best)) return false;
            piv[k] = p;
            if (p != k) {
                neg = !neg;
                std::swap_ranges(wr + k * n, wr + (k + 1) * n, wr + p * n);
                if constexpr (C) std::swap_ranges(wi + k * n, wi + (k + 1) * n, wi + p * n);
            }
            double rkr[kMaxD], rki[kMaxD];
            const double pr = wr[k * n + k];
            if constexpr (C) {
                const double pi = wi[k * n + k];
                l2 += std::log2(std::hypot(pr, pi));
                // 1 / (pr + i pi), scaled so that neither square overflows nor underflows
                const double s = std::max(std::abs(pr), std::abs(pi));
                const double yr = pr / s, yi = pi / s;
                const double t = 1.0 / (s * (yr * yr + yi * yi));
                const double ir = yr * t, ii = -yi * t;
                if constexpr (kVec) {
                    vec_eliminate(wr, k, ir, ii);
                } else {
                    for (int j = 0; j < n; ++j) {
                        const double xr = j == k ? 1.0 : wr[k * n + j], xi = j == k ? 0.0 : wi[k * n + j];
                        rkr[j] = xr * ir - xi * ii;
                        rki[j] = xr * ii + xi * ir;
                    }
                    for (int j = 0; j < n; ++j) {
                        wr[k * n + j] = rkr[j];
                        wi[k * n + j] = rki[j];
                    }
                    for (int i = 0; i < n; ++i) {
                        if (i == k) continue;
                        const double fr = wr[i * n + k], fi = wi[i * n + k];
                        double* xr = wr + i * n;
                        double* xi = wi + i * n;
                        // entry k of the row becomes 0 - f rk[k] (a select, not a scalar store before
                        // the loads of the row: that would stall on store forwarding)
                        for (int j = 0; j < n; ++j) {
                            double vr = j == k ? 0.0 : xr[j];
                            double vi = j == k ? 0.0 : xi[j];
                            vr -= fr * rkr[j];
                            vr += fi * rki[j];
                            vi -= fr * rki[j];
                            vi -= fi * rkr[j];
                            xr[j] = vr;
                            xi[j] = vi;
                        }
                    }
                }
            } else {
                l2 += std::log2(std::abs(pr));
                if (pr < 0.0) neg = !neg;
                const double inv = 1.0 / pr;
                if constexpr (kVec) {
                    vec_eliminate(wr, k, inv, 0.0);
                } else {
                    for (int j = 0; j < n; ++j) rkr[j] = (j == k ? 1.0 : wr[k * n + j]) * inv;
                    for (int j = 0; j < n; ++j) wr[k * n + j] = rkr[j];
                    for (int i = 0; i < n; ++i) {
                        if (i == k) continue;
                        const double f = wr[i * n + k];
                        double* x = wr + i * n;
                        for (int j = 0; j < n; ++j) x[j] = (j == k ? 0.0 : x[j]) - f * rkr[j];
                    }
                }
            }
        }
        for (int k = n - 1; k >= 0; --k) {
            if (piv[k] == k) continue;
            const int p = piv[k];
            for (int i = 0; i < n; ++i) {
                std::swap(wr[i * n + k], wr[i * n + p]);
                if constexpr (C) std::swap(wi[i * n + k], wi[i * n + p]);
            }
        }
        log2det = l2;
        negdet = neg;
        return true;
    }
};

NNLA_ISA_END
}  // namespace nnla
