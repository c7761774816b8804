// Frechet derivative of the matrix exponential, Al-Mohy & Higham 2009b ("Computing the Frechet
// derivative of the matrix exponential, with an application to condition number estimation", SIAM
// J. Matrix Anal. Appl. 30(4)):
//   * Algorithm 6.4: Pade degrees 3, 5, 7, 9 without scaling when ||A||_1 <= l_m, else degree 13
//     with s = ceil(log2(||A||_1 / l_13)) squarings (the paper's Table 6.1 l_m, double precision;
//     single precision uses the same, more accurate, choice). The derivative of the approximant
//     (L_U, L_V) is evaluated alongside U, V; one LU of Q = V - U serves both solves (for the BLAS
//     sizes Q^{-1} is formed from it and applied by gemm); the pair is
//     squared as (X, L) <- (X^2, X L + L X).
//   * Algorithm 7.4: ||K(A)||_1 of the Kronecker form by the block 1-norm estimator (Higham and
//     Tisseur 2000, t = 2, fixed starting block so results are reproducible), applying L(A, .) and
//     its adjoint L(A^*, .) = L(A, (.)^*)^*; the A-dependent parts (powers, LU, the squares X_k) are
//     computed once per matrix and reused by every application. For d <= 3 the d^2 columns of K are
//     formed exactly (fewer applications than the estimator).
#include "matfun/expm_frechet.hpp"
#include "core/isa.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

#include "core/batch.hpp"
#include "core/dense.hpp"
#include "core/normest.hpp"
#include "core/status.hpp"
#include "core/traits.hpp"
#include "matfun/pade.hpp"

namespace nnla::matfun {
NNLA_ISA_BEGIN
namespace {

using pade::kB3;
using pade::kB5;
using pade::kB7;
using pade::kB9;
using pade::kB13;
// l_m of AMH09b Table 6.1 for m = 3, 5, 7, 9, 13.
constexpr int kDegrees[] = {3, 5, 7, 9};
constexpr double kEllLow[] = {1.08e-2, 2.00e-1, 7.83e-1, 1.78e0};
constexpr double kEll13 = 4.74e0;

// Largest d whose Kronecker form is computed exactly by expm_cond (d^2 applications of L).
constexpr int kExactKronMax = 3;

template <class T>
T R(double x) {
    return T(static_cast<real_t<T>>(x));
}

template <class T>
struct FWork {
    int n;
    std::size_t nn;
    std::vector<T> buf;
    std::vector<T> rseq;  // X_0, ..., X_s: X_0 the Pade approximant, X_{k+1} = X_k^2, X_s = expm(A)
    std::vector<int> ipiv;
    std::vector<double> colsum;
    T *A, *A2, *A4, *A6, *A8, *W1, *Z1, *W, *Q, *Qi, *E, *M2, *M4, *M6, *M8, *Lu, *Lv, *t1, *t2, *tmp;
    int m = 0, s = 0;
    // expm_cond only: the estimator's blocks, allocated on first use.
    std::vector<T> est;
    std::vector<double> h;
    std::vector<int> order;
    std::vector<char> hist;

    explicit FWork(int d)
        : n(d),
          nn(static_cast<std::size_t>(d) * d),
          buf(20 * static_cast<std::size_t>(d) * d),
          ipiv(d),
          colsum(d) {
        T** slots[] = {&A, &A2, &A4, &A6, &A8, &W1, &Z1, &W, &Q, &Qi, &E,
                       &M2, &M4, &M6, &M8, &Lu, &Lv, &t1, &t2, &tmp};
        std::size_t k = 0;
        for (T** p : slots) *p = buf.data() + (k++) * nn;
    }
    T* X(int k) { return rseq.data() + static_cast<std::size_t>(k) * nn; }
};

template <class T>
void add_identity(T* x, int n, double c) {
    for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i) * n + i] += R<T>(c);
}

// x *= 2^-s in two exact steps (2^-s itself may underflow).
template <class T>
void scale_pow2(T* x, std::size_t nn, int s) {
    if (s == 0) return;
    const real_t<T> f1 = static_cast<real_t<T>>(std::ldexp(1.0, -(s / 2)));
    const real_t<T> f2 = static_cast<real_t<T>>(std::ldexp(1.0, -(s - s / 2)));
    for (std::size_t k = 0; k < nn; ++k) x[k] = (x[k] * f1) * f2;
}

template <class T>
std::int8_t finite_status(const T* x, std::size_t nn) {
    bool any_inf = false, any_nan = false;
    for (std::size_t k = 0; k < nn; ++k) {
        if (!is_finite(x[k])) {
            if constexpr (is_complex_v<T>) {
                any_nan = any_nan || std::isnan(x[k].real()) || std::isnan(x[k].imag());
            } else {
                any_nan = any_nan || std::isnan(x[k]);
            }
            any_inf = true;
        }
    }
    return any_nan ? kNaNResult : (any_inf ? kOverflow : kOk);
}

// b <- Q^{-1} b. Fused sizes solve with the LU; the BLAS path multiplies by Q^{-1} (formed once
// by getri in setup()): OpenBLAS's trsm is several times slower than gemm at these sizes, and Q,
// the Pade denominator, is well conditioned by construction.
template <class T, class Ops>
int solve_q(const Ops& ops, FWork<T>& w, T* b) {
    if constexpr (Ops::kD == 0) {
        ops.mul(w.Qi, b, w.tmp);
        std::copy(w.tmp, w.tmp + w.nn, b);
        return 0;
    } else {
        return ops.solve(w.Q, w.ipiv.data(), b, w.tmp);
    }
}

// The A-dependent part: degree m, squarings s, scaled powers, the LU of Q = V - U and
// X_0 = Q^{-1}(V + U), ..., X_s = expm(A). Returns kOk, kSingular or kInternal.
template <class T, class Ops>
std::int8_t setup(const T* ain, const Ops& ops, FWork<T>& w) {
    const int n = ops.d();
    const std::size_t nn = w.nn;
    T *A = w.A, *A2 = w.A2, *A4 = w.A4, *A6 = w.A6, *A8 = w.A8;
    std::copy(ain, ain + nn, A);
    const double norm = norm1<Ops::kD>(A, n, w.colsum.data());
    int m = 0, s = 0;
    for (int i = 0; i < 4; ++i) {
        if (norm <= kEllLow[i]) {
            m = kDegrees[i];
            break;
        }
    }
    if (m == 0) {
        m = 13;
        double lg;
        if (std::isfinite(norm)) {
            lg = std::log2(norm);
        } else {  // the column sums overflowed: bound by the largest entry
            double amax = 0.0;
            for (std::size_t k = 0; k < nn; ++k) amax = std::max(amax, abs_double(A[k]));
            lg = std::log2(amax) + std::log2(static_cast<double>(n));
        }
        s = std::max(0, static_cast<int>(std::ceil(lg - std::log2(kEll13))));
        scale_pow2(A, nn, s);
    }
    w.m = m;
    w.s = s;
    ops.mul(A, A, A2);
    if (m >= 5) ops.mul(A2, A2, A4);
    if (m >= 7) ops.mul(A4, A2, A6);
    if (m == 9) ops.mul(A4, A4, A8);
    T *U = w.Lu, *V = w.Lv;  // scratch here; apply() overwrites them
    if (m == 13) {
        const double* b = kB13;
        for (std::size_t k = 0; k < nn; ++k) {
            w.W1[k] = R<T>(b[13]) * A6[k] + R<T>(b[11]) * A4[k] + R<T>(b[9]) * A2[k];
            w.Z1[k] = R<T>(b[12]) * A6[k] + R<T>(b[10]) * A4[k] + R<T>(b[8]) * A2[k];
            w.W[k] = R<T>(b[7]) * A6[k] + R<T>(b[5]) * A4[k] + R<T>(b[3]) * A2[k];
            V[k] = R<T>(b[6]) * A6[k] + R<T>(b[4]) * A4[k] + R<T>(b[2]) * A2[k];
        }
        add_identity(w.W, n, b[1]);
        add_identity(V, n, b[0]);
        ops.mul_add(A6, w.W1, w.W);  // W = A6 W1 + W2
        ops.mul_add(A6, w.Z1, V);    // V = A6 Z1 + Z2
        ops.mul(A, w.W, U);
    } else {
        const double* b = m == 3 ? kB3 : m == 5 ? kB5 : m == 7 ? kB7 : kB9;
        const T* pw[] = {nullptr, A2, A4, A6, A8};
        const int top = (m - 1) / 2;
        std::fill(w.W1, w.W1 + nn, T(0));  // W1 = sum_j b_{2j+1} A^{2j}
        std::fill(V, V + nn, T(0));        // V  = sum_j b_{2j} A^{2j}
        for (int p = top; p >= 1; --p) {
            const T co = R<T>(b[2 * p + 1]), ce = R<T>(b[2 * p]);
            const T* src = pw[p];
            for (std::size_t k = 0; k < nn; ++k) {
                w.W1[k] += co * src[k];
                V[k] += ce * src[k];
            }
        }
        add_identity(w.W1, n, b[1]);
        add_identity(V, n, b[0]);
        ops.mul(A, w.W1, U);
    }
    const std::size_t need = static_cast<std::size_t>(s + 1) * nn;
    if (w.rseq.size() < need) w.rseq.resize(need);
    T* X0 = w.X(0);
    for (std::size_t k = 0; k < nn; ++k) {
        const T uk = U[k], vk = V[k];
        X0[k] = vk + uk;
        w.Q[k] = vk - uk;
    }
    int info = ops.lu(w.Q, w.ipiv.data());
    if (info != 0) return info > 0 ? kSingular : kInternal;
    if constexpr (Ops::kD == 0) {
        info = ops.inverse(w.Q, w.ipiv.data(), w.Qi, w.tmp);
        if (info != 0) return info > 0 ? kSingular : kInternal;
    }
    info = solve_q(ops, w, X0);
    if (info != 0) return kInternal;
    for (int k = 0; k < s; ++k) ops.mul(w.X(k), w.X(k), w.X(k + 1));
    return kOk;
}

// lout = L(A, ein) (adjoint: L(A^*, ein) = L(A, ein^*)^*) after setup(). Returns kOk or kInternal.
template <class T, class Ops>
std::int8_t apply(const T* ein, T* lout, bool adjoint, const Ops& ops, FWork<T>& w) {
    const int n = ops.d();
    const std::size_t nn = w.nn;
    const int m = w.m, s = w.s;
    T *A = w.A, *A2 = w.A2, *A4 = w.A4, *A6 = w.A6, *E = w.E;
    T *M2 = w.M2, *M4 = w.M4, *M6 = w.M6, *M8 = w.M8, *Lu = w.Lu, *Lv = w.Lv, *t1 = w.t1, *t2 = w.t2;
    if (adjoint) {
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                E[static_cast<std::size_t>(i) * n + j] = conj_val(ein[static_cast<std::size_t>(j) * n + i]);
    } else {
        std::copy(ein, ein + nn, E);
    }
    scale_pow2(E, nn, s);
    ops.mul(A, E, M2);
    ops.mul_add(E, A, M2);
    if (m >= 5) {
        ops.mul(A2, M2, M4);
        ops.mul_add(M2, A2, M4);
    }
    if (m >= 7) {
        ops.mul(A4, M2, M6);
        ops.mul_add(M4, A2, M6);
    }
    if (m == 9) {
        ops.mul(A6, M2, M8);
        ops.mul_add(M6, A2, M8);
    }
    if (m == 13) {
        const double* b = kB13;
        for (std::size_t k = 0; k < nn; ++k) {
            t1[k] = R<T>(b[13]) * M6[k] + R<T>(b[11]) * M4[k] + R<T>(b[9]) * M2[k];  // Lw1
            t2[k] = R<T>(b[7]) * M6[k] + R<T>(b[5]) * M4[k] + R<T>(b[3]) * M2[k];    // Lw2
        }
        ops.mul_add(A6, t1, t2);  // Lw = A6 Lw1 + M6 W1 + Lw2
        ops.mul_add(M6, w.W1, t2);
        ops.mul(A, t2, Lu);  // Lu = A Lw + E W
        ops.mul_add(E, w.W, Lu);
        for (std::size_t k = 0; k < nn; ++k) {
            t1[k] = R<T>(b[12]) * M6[k] + R<T>(b[10]) * M4[k] + R<T>(b[8]) * M2[k];  // Lz1
            Lv[k] = R<T>(b[6]) * M6[k] + R<T>(b[4]) * M4[k] + R<T>(b[2]) * M2[k];    // Lz2
        }
        ops.mul_add(A6, t1, Lv);  // Lv = A6 Lz1 + M6 Z1 + Lz2
        ops.mul_add(M6, w.Z1, Lv);
    } else {
        const double* b = m == 3 ? kB3 : m == 5 ? kB5 : m == 7 ? kB7 : kB9;
        const T* pm[] = {nullptr, M2, M4, M6, M8};
        const int top = (m - 1) / 2;
        std::fill(t1, t1 + nn, T(0));
        std::fill(Lv, Lv + nn, T(0));
        for (int p = top; p >= 1; --p) {
            const T co = R<T>(b[2 * p + 1]), ce = R<T>(b[2 * p]);
            const T* src = pm[p];
            for (std::size_t k = 0; k < nn; ++k) {
                t1[k] += co * src[k];
                Lv[k] += ce * src[k];
            }
        }
        ops.mul(A, t1, Lu);  // Lu = A sum b_{2j+1} M_{2j} + E W1
        ops.mul_add(E, w.W1, Lu);
    }
    // L_0 = Q^{-1} (Lu + Lv + (Lu - Lv) X_0)
    for (std::size_t k = 0; k < nn; ++k) {
        t1[k] = Lu[k] - Lv[k];
        t2[k] = Lu[k] + Lv[k];
    }
    ops.mul_add(t1, w.X(0), t2);
    if (solve_q(ops, w, t2) != 0) return kInternal;
    T* L = t2;
    T* Y = t1;
    for (int k = 0; k < s; ++k) {  // L_{k+1} = X_k L_k + L_k X_k
        ops.mul(w.X(k), L, Y);
        ops.mul_add(L, w.X(k), Y);
        std::swap(L, Y);
    }
    if (adjoint) {
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                lout[static_cast<std::size_t>(i) * n + j] = conj_val(L[static_cast<std::size_t>(j) * n + i]);
    } else {
        std::copy(L, L + nn, lout);
    }
    return kOk;
}

template <class T>
bool all_finite(const T* x, std::size_t nn) {
    for (std::size_t k = 0; k < nn; ++k)
        if (!is_finite(x[k])) return false;
    return true;
}

template <class T, class Ops>
std::int8_t frechet_one(const T* a, const T* e, T* x, T* l, const Ops& ops, FWork<T>& w) {
    const std::size_t nn = w.nn;
    std::int8_t st = setup(a, ops, w);
    if (st == kOk) st = apply(e, l, false, ops, w);
    if (st != kOk) {
        std::fill(x, x + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
        std::fill(l, l + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
        return st;
    }
    std::copy(w.X(w.s), w.X(w.s) + nn, x);
    const std::int8_t sx = finite_status(x, nn), sl = finite_status(l, nn);
    if (sx == kNaNResult || sl == kNaNResult) return kNaNResult;
    return (sx == kOverflow || sl == kOverflow) ? kOverflow : kOk;
}

template <class T>
double sum_abs(const T* x, std::size_t nn) {
    double s = 0.0;
    for (std::size_t k = 0; k < nn; ++k) s += abs_double(x[k]);
    return s;
}

template <class T>
T sign_of(const T& y) {
    if constexpr (is_complex_v<T>) {
        const double a = abs_double(y);
        return a == 0.0 ? T(1) : T(static_cast<real_t<T>>(y.real() / a), static_cast<real_t<T>>(y.imag() / a));
    } else {
        return y >= T(0) ? T(1) : T(-1);
    }
}

// ||K(A)||_1 after setup(): exact for small d, else the block estimator with t = 2 (Higham and
// Tisseur 2000, Algorithm 2.4, without the random resampling of parallel columns).
template <class T, class Ops>
bool kron_norm1(const Ops& ops, FWork<T>& w, double& result) {
    const int n = ops.d();
    const std::size_t N = w.nn;
    if (n <= kExactKronMax) {
        double best = 0.0;
        if (w.est.size() < 2 * N) w.est.resize(2 * N);
        for (std::size_t c = 0; c < N; ++c) {
            T* in = w.est.data();
            T* out = in + N;
            std::fill(in, in + N, T(0));
            in[c] = T(1);
            if (apply(in, out, false, ops, w) != kOk) return false;
            best = std::max(best, sum_abs(out, N));
        }
        result = best;
        return true;
    }
    constexpr int t = 2;
    constexpr int kItMax = 5;
    if (w.est.size() < 5 * t * N) w.est.resize(5 * t * N);
    w.h.resize(N);
    w.order.resize(N);
    w.hist.assign(N, 0);
    T* X = w.est.data();
    T* Y = X + t * N;
    T* S = Y + t * N;
    T* Sold = S + t * N;
    T* Z = Sold + t * N;
    const real_t<T> inv_n = static_cast<real_t<T>>(1.0 / static_cast<double>(N));
    for (std::size_t i = 0; i < N; ++i) {
        X[i] = T(inv_n);
        // a fixed +-1 pattern (golden-ratio hash), never parallel to the first column
        const bool neg = i == 1 || (i > 1 && ((static_cast<std::uint32_t>(i) * 2654435761u) >> 31) != 0);
        X[N + i] = neg ? T(-inv_n) : T(inv_n);
    }
    int ind[t] = {-1, -1};
    int ind_best = -1;
    double est = 0.0, est_old = 0.0;
    for (int k = 1;; ++k) {
        double best = -1.0;
        int jbest = 0;
        for (int j = 0; j < t; ++j) {
            if (apply(X + j * N, Y + j * N, false, ops, w) != kOk) return false;
            const double c = sum_abs(Y + j * N, N);
            if (c > best) {
                best = c;
                jbest = j;
            }
        }
        est = best;
        if (k >= 2 && est <= est_old) {
            est = est_old;
            break;
        }
        if (k >= 2) ind_best = ind[jbest];
        est_old = est;
        if (k >= kItMax) break;
        if (k >= 2) std::copy(S, S + t * N, Sold);
        for (std::size_t i = 0; i < t * N; ++i) S[i] = sign_of(Y[i]);
        if constexpr (!is_complex_v<T>) {
            if (k >= 2) {  // every column of S parallel to a column of S_old: converged
                bool all_par = true;
                for (int j = 0; j < t && all_par; ++j) {
                    bool par = false;
                    for (int jj = 0; jj < t && !par; ++jj) {
                        double dot = 0.0;
                        for (std::size_t i = 0; i < N; ++i) dot += static_cast<double>(S[j * N + i] * Sold[jj * N + i]);
                        par = std::abs(dot) == static_cast<double>(N);
                    }
                    all_par = par;
                }
                if (all_par) break;
            }
        }
        for (int j = 0; j < t; ++j)
            if (apply(S + j * N, Z + j * N, true, ops, w) != kOk) return false;
        double hmax = 0.0;
        for (std::size_t i = 0; i < N; ++i) {
            w.h[i] = std::max(abs_double(Z[i]), abs_double(Z[N + i]));
            hmax = std::max(hmax, w.h[i]);
        }
        if (k >= 2 && hmax == w.h[ind_best]) break;
        std::iota(w.order.begin(), w.order.end(), 0);
        std::stable_sort(w.order.begin(), w.order.end(), [&](int p, int q) { return w.h[p] > w.h[q]; });
        if (w.hist[w.order[0]] && w.hist[w.order[1]]) break;
        int got = 0;
        for (std::size_t r = 0; r < N && got < t; ++r)
            if (!w.hist[w.order[r]]) ind[got++] = w.order[r];
        if (got < t) break;
        for (int j = 0; j < t; ++j) {
            std::fill(X + j * N, X + (j + 1) * N, T(0));
            X[j * N + ind[j]] = T(1);
            w.hist[ind[j]] = 1;
        }
    }
    result = est;
    return true;
}

template <class T, class Ops>
std::int8_t cond_one(const T* a, double* cond, const Ops& ops, FWork<T>& w) {
    const int n = ops.d();
    const std::size_t nn = w.nn;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    *cond = nan;
    const double norm_a = norm1<Ops::kD>(a, n, w.colsum.data());
    std::int8_t st = setup(a, ops, w);
    if (st != kOk) return st;
    if (!all_finite(w.X(w.s), nn)) return kNaNResult;  // expm overflowed: no meaningful ratio
    const double norm_x = norm1<Ops::kD>(w.X(w.s), n, w.colsum.data());
    double kn = 0.0;
    if (!kron_norm1(ops, w, kn)) return kInternal;
    if (!std::isfinite(kn) || !std::isfinite(norm_a)) return kNaNResult;
    *cond = norm_a == 0.0 ? 0.0 : kn * norm_a / norm_x;
    return std::isfinite(*cond) ? kOk : kNaNResult;
}

template <class T>
bool input_finite(const T* a, std::size_t nn) {
    return all_finite(a, nn);
}

template <class T, class F>
std::int8_t with_ops(int d, F&& f) {
    switch (d) {
        case 2: return f(DenseOps<T, 2>(2));
        case 3: return f(DenseOps<T, 3>(3));
        case 4: return f(DenseOps<T, 4>(4));
        case 5: return f(DenseOps<T, 5>(5));
        case 6: return f(DenseOps<T, 6>(6));
        case 7: return f(DenseOps<T, 7>(7));
        case 8: return f(DenseOps<T, 8>(8));
        case 16: return f(DenseOps<T, 16>(16));
        default: return f(DenseOps<T, 0>(d));  // d = 1, 9..15, > 16: BLAS-3 (as expm)
    }
}

// Both entry points: fn(b, work) -> status over the batch, chunks of roughly equal work (weight d^3
// per matrix).
template <class T, class Fn>
void batch_loop(std::int64_t batch, int d, int n_threads, double weight, std::int8_t* status, Fn&& fn) {
    batch_for<FWork<T>>(batch, d, split_by_cost(batch, n_threads, weight * d * d * d), status, fn);
}

}  // namespace

template <class T>
void expm_frechet_batch_isa(const T* a, const T* e, T* x, T* l, std::int64_t batch, int d, int n_threads,
                            std::int8_t* status) {
    if (batch <= 0) return;
    if (d == 0) {
        std::fill(status, status + batch, static_cast<std::int8_t>(kOk));
        return;
    }
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    batch_loop<T>(batch, d, n_threads, 3.0, status, [&](std::int64_t b, FWork<T>& w) -> std::int8_t {
        const T* ab = a + b * nn;
        const T* eb = e + b * nn;
        T* xb = x + b * nn;
        T* lb = l + b * nn;
        if (!input_finite(ab, nn) || !input_finite(eb, nn)) {
            std::fill(xb, xb + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
            std::fill(lb, lb + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
            return kNonFinite;
        }
        return with_ops<T>(d, [&](const auto& ops) { return frechet_one(ab, eb, xb, lb, ops, w); });
    });
}

template <class T>
void expm_cond_batch_isa(const T* a, double* cond, std::int64_t batch, int d, int n_threads,
                         std::int8_t* status) {
    if (batch <= 0) return;
    if (d == 0) {
        std::fill(cond, cond + batch, 0.0);
        std::fill(status, status + batch, static_cast<std::int8_t>(kOk));
        return;
    }
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    batch_loop<T>(batch, d, n_threads, 30.0, status, [&](std::int64_t b, FWork<T>& w) -> std::int8_t {
        const T* ab = a + b * nn;
        if (!input_finite(ab, nn)) {
            cond[b] = std::numeric_limits<double>::quiet_NaN();
            return kNonFinite;
        }
        return with_ops<T>(d, [&](const auto& ops) { return cond_one(ab, cond + b, ops, w); });
    });
}

#define NNLA_INSTANTIATE(T)                                                                        \
    template void expm_frechet_batch_isa<T>(const T*, const T*, T*, T*, std::int64_t, int, int,   \
                                            std::int8_t*);                                       \
    template void expm_cond_batch_isa<T>(const T*, double*, std::int64_t, int, int, std::int8_t*);
NNLA_INSTANTIATE(float)
NNLA_INSTANTIATE(double)
NNLA_INSTANTIATE(std::complex<float>)
NNLA_INSTANTIATE(std::complex<double>)
#undef NNLA_INSTANTIATE

NNLA_ISA_END
}  // namespace nnla::matfun
