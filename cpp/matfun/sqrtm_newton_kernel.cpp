// Fast path of sqrtm for 3 <= d <= 16 (see sqrtm.hpp): the scaled product form of the
// Denman-Beavers iteration (Higham, "Functions of Matrices", SIAM 2008, eq. (6.17) with the
// determinantal scaling of section 6.5; Cheng, Higham, Kenney & Laub, SIAM J. Matrix Anal. Appl. 22,
// 2001):
//     M_0 = A, X_0 = A,
//     M_{k+1} = (I + (mu_k^2 M_k + mu_k^-2 M_k^-1) / 2) / 2,
//     X_{k+1} = mu_k X_k (I + mu_k^-2 M_k^-1) / 2,
//     mu_k = |det M_k|^(-1/(2d)) while ||M_k - I||_F > 1e-2, mu_k = 1 afterwards;
// M_k = X_k^2 A^-1 -> I and X_k -> A^(1/2), the principal square root, whenever no eigenvalue of A
// lies on the closed negative real axis (real input stays real). Per step one Gauss-Jordan inverse
// (partial pivoting; log2 |det| is the sum of log2 |pivot|) and one product, fused, fixed-size
// (D = 4, 8, 16; a runtime-size variant for the other orders), no BLAS, no allocation.
//
// Stop and bail-out rules (the iteration is only a fast path: any doubt means "not accepted" and the
// caller runs the Schur method on that matrix):
//   * converged when ||M_k - I||_F <= d u (X_k is the root), or after the step from an unscaled
//     M_k with ||M_k - I||_F <= sqrt(u) (then ||M_{k+1} - I|| ~ ||M_k - I||^2 / 4 is below u);
//   * rejected on a zero pivot, a non-finite value, a negative determinant of real A (an odd number
//     of negative real eigenvalues: no real principal root), an unscaled step that does not halve
//     ||M_k - I|| (no quadratic convergence: rounding floor of an ill-conditioned A), ||M_k - I|| >= 1
//     after kLateStep steps (an eigenvalue on or next to the negative real axis: the iteration
//     wanders; e.g. a real pair of negative eigenvalues), kMaxIter steps, or a Frobenius condition
//     number of A above kCondMax (seen at the first inverse);
//   * accepted only if ||X^2 - A||_F <= d u ||X||_F^2 (computed), i.e. a backward error at or below
//     the level the Schur method attains (Higham 2008, section 6.2: the bound with a small constant).
// Upper triangular input is left to the Schur method (it is its own Schur form: exact and cheap).
// The matrix is first scaled by an even power of two (exact; max |a_ij| in [1/2, 2)), so that
// nothing overflows or underflows, and the root is scaled back by the square root of that power.
#include "matfun/sqrtm.hpp"
#include "core/isa.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

#include "core/dense.hpp"

namespace nnla::matfun {
NNLA_ISA_BEGIN
namespace {

constexpr int kMaxD = PlanarOps<0, false>::kMaxD;
constexpr double kU = 0x1p-53;
constexpr int kMaxIter = 10;
constexpr int kLateStep = 6;
// Bail-out after the first inverse when ||A||_F ||A^-1||_F exceeds this: measured on random SPD,
// nonnormal and eigenvalue-conditioned families of orders 4..16, the iteration passed the residual
// test for only a few percent of the matrices above 1e4 (none above ~1e5; SPD: none at 1e4), so
// the steps would mostly be wasted there. Only speed depends on it, not accuracy.
constexpr double kCondMax = 1e4;

// A matrix is a plane of kS doubles (row-major, row stride d), and for complex data a second plane
// (imaginary parts) right after it (core/dense.hpp's PlanarOps: products, Gauss-Jordan inverse).
template <int D, bool C>
struct Newton : PlanarOps<D, C> {
    using Ops = PlanarOps<D, C>;
    using Ops::invert;
    using Ops::kLen;
    using Ops::kS;
    using Ops::mul;
    using Ops::n;
    explicit Newton(int n) : Ops(n) {}

    // Sums of squares accumulate per column (one lane each, vectorised; a fixed order).
    static double lanes_total(const double* acc, int n) {
        double s = 0.0;
        for (int j = 0; j < n; ++j) s += acc[j];
        return s;
    }

    // ||M - I||_F.
    double dist_identity(const double* m) const {
        const int n = this->n();
        double acc[kMaxD] = {};
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                const double v = m[i * n + j] - (j == i ? 1.0 : 0.0);
                acc[j] += v * v;
                if constexpr (C) acc[j] += m[kS + i * n + j] * m[kS + i * n + j];
            }
        return std::sqrt(lanes_total(acc, n));
    }

    // sum of squares of the entries.
    double sumsq(const double* m) const {
        const int n = this->n();
        double acc[kMaxD] = {};
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                acc[j] += m[i * n + j] * m[i * n + j];
                if constexpr (C) acc[j] += m[kS + i * n + j] * m[kS + i * n + j];
            }
        return lanes_total(acc, n);
    }

    // y = alpha y + beta x (whole matrices).
    void axpby(double alpha, double* __restrict y, double beta, const double* __restrict x) const {
        const int nn = n() * n();
        for (int q = 0; q < nn; ++q) y[q] = alpha * y[q] + beta * x[q];
        if constexpr (C)
            for (int q = 0; q < nn; ++q) y[kS + q] = alpha * y[kS + q] + beta * x[kS + q];
    }

    // a: row-major d x d input (complex: interleaved re, im), x: the root in the same layout.
    bool run(const double* in, double* out) const {
        const int n = this->n();
        const int nn = n * n;
        constexpr int kE = C ? 2 : 1;  // doubles per entry
        alignas(64) double A[kLen], X[kLen], M[kLen], Mi[kLen], P[kLen];
        double lane[kMaxD] = {};
        bool finite = true;
        for (int i = 0; i < kE * n; ++i)
            for (int j = 0; j < n; ++j) {
                const double v = std::abs(in[i * n + j]);
                finite = finite && v <= std::numeric_limits<double>::max();  // false for NaN
                lane[j] = lane[j] < v ? v : lane[j];
            }
        double amax = 0.0;
        for (int j = 0; j < n; ++j) amax = std::max(amax, lane[j]);
        if (!finite || !(amax > 0.0)) return false;
        // scale by 2^-e, e even: max |a_ij| 2^-e in [1/2, 2)
        int e = std::ilogb(amax);
        if (e & 1) e += 1;
        // 2^-e and 2^(e/2) as factors (exact products); two factors where 2^-e is not a normal number
        const int e1 = e / 2, e2 = e - e1;
        const double s1 = std::ldexp(1.0, -e1), s2 = std::ldexp(1.0, -e2), sh = std::ldexp(1.0, e / 2);
        for (int q = 0; q < nn; ++q) {
            A[q] = in[kE * q] * s1 * s2;
            if constexpr (C) A[kS + q] = in[kE * q + 1] * s1 * s2;
        }
        {  // upper triangular input is its own Schur form: the Schur method is cheap and exact there
            bool upper = true;
            for (int i = 1; i < n; ++i)
                for (int j = 0; j < i; ++j) {
                    upper = upper && A[i * n + j] == 0.0;
                    if constexpr (C) upper = upper && A[kS + i * n + j] == 0.0;
                }
            if (upper) return false;
        }
        std::memcpy(X, A, sizeof(A));
        std::memcpy(M, A, sizeof(A));
        const double tol_done = n * kU;
        const double tol_last = std::sqrt(kU);
        bool scaling = true, converged = false;
        double prev = std::numeric_limits<double>::infinity();
        for (int k = 0; k < kMaxIter; ++k) {
            const double delta = dist_identity(M);
            if (!std::isfinite(delta)) return false;
            if (delta <= tol_done) {
                converged = true;
                break;
            }
            if (!scaling && delta > 0.5 * prev) return false;  // no quadratic convergence
            if (k >= kLateStep && delta >= 1.0) return false;
            std::memcpy(Mi, M, sizeof(M));
            double log2det = 0.0;
            bool negdet = false;
            if (!invert(Mi, log2det, negdet)) return false;
            if (k == 0) {
                if (!C && negdet) return false;  // odd number of negative real eigenvalues
                // too ill-conditioned to pass the residual test (none did in our measurements)
                if (!(std::sqrt(sumsq(M) * sumsq(Mi)) <= kCondMax)) return false;
            }
            if (scaling && delta < 1e-2) scaling = false;
            double mu = 1.0;
            if (scaling) {
                mu = std::exp2(-log2det / (2.0 * n));
                if (!(std::isfinite(mu) && mu > 0.0)) mu = 1.0;
            }
            mul(X, Mi, P);
            axpby(0.5 * mu, X, 0.5 / mu, P);
            if (!scaling && delta <= tol_last) {
                converged = true;
                break;
            }
            const double g = mu * mu;
            axpby(0.25 * g, M, 0.25 / g, Mi);
            for (int i = 0; i < n; ++i) M[i * n + i] += 0.5;
            prev = delta;
        }
        if (!converged) return false;
        // acceptance: ||X^2 - A||_F <= d u ||X||_F^2
        mul(X, X, P);
        axpby(1.0, P, -1.0, A);
        const double r2 = sumsq(P), x2 = sumsq(X);
        if (!(std::isfinite(r2) && std::isfinite(x2))) return false;
        if (!(std::sqrt(r2) <= n * kU * x2)) return false;
        for (int q = 0; q < nn; ++q) {
            out[kE * q] = X[q] * sh;
            if constexpr (C) out[kE * q + 1] = X[kS + q] * sh;
        }
        for (int q = 0; q < kE * nn; ++q)
            if (!std::isfinite(out[q])) return false;
        return true;
    }
};

template <bool C>
bool newton_dispatch(const double* a, double* x, int d) {
    switch (d) {
        case 4: return Newton<4, C>(4).run(a, x);
        case 8: return Newton<8, C>(8).run(a, x);
        case 16: return Newton<16, C>(16).run(a, x);
        default: return d >= kNewtonMinOrder && d <= kNewtonMaxOrder ? Newton<0, C>(d).run(a, x) : false;
    }
}

}  // namespace

bool sqrtm_newton_isa(const double* a, double* x, int d) { return newton_dispatch<false>(a, x, d); }

bool sqrtm_newton_isa(const std::complex<double>* a, std::complex<double>* x, int d) {
    return newton_dispatch<true>(reinterpret_cast<const double*>(a), reinterpret_cast<double*>(x), d);
}

NNLA_ISA_END
}  // namespace nnla::matfun
