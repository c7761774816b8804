// Principal matrix logarithm: inverse scaling and squaring on the complex Schur form,
// A. H. Al-Mohy and N. J. Higham, "Improved inverse scaling and squaring algorithms for the matrix
// logarithm", SIAM J. Sci. Comput. 34(4), C153-C169, 2012, Algorithm 4.1:
//   * s0 square roots (Bjorck-Hammarling) until the eigenvalues of T^(1/2^s0) lie within theta_7 of 1;
//   * alpha_p = max(||(T - I)^p||^(1/p), ||(T - I)^(p+1)||^(1/(p+1))) (exact 1-norms of triangular
//     powers) select the Pade degree m <= 7 from the theta_m of the paper's Table 2.1, or further
//     square roots;
//   * the diagonal and first superdiagonal of T^(1/2^s) - I are recomputed from the original T
//     (eqs. (5.1)-(5.5): Briggs' product form and the unwinding-number-safe arctanh formula);
//   * r_m(T - I) by the partial-fraction form: sum_k w_k (I + x_k R)^(-1) R, Gauss-Legendre nodes
//     x_k and weights w_k on [0, 1], triangular solves;
//   * U = 2^s r_m; the diagonal (log t_ii) and first superdiagonal recomputed exactly (eq. (4.2)).
// Real input goes through the real Schur form (converted to complex by rsf2csf); when it has no
// negative real eigenvalue the (real) principal logarithm is the real part of the result.
// Eigenvalues on the negative real axis: the diagonal of T is normalised to +0.0 imaginary part, so
// log(-r) = log r + i pi, and every square root is taken on the same side of the cut. Eigenvalues
// that lie on the cut up to rounding (schur::cut_branch: a Jordan block or nonnormal cluster at -r
// split by rounding into members above and below the axis) are all taken from the upper side too:
// the first square root of a flagged l is -sqrt(l), and every formula that uses log l (diagonal,
// superdiagonal, Briggs' roots) gets log l + 2 pi i.
#include "matfun/logm.hpp"

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "core/lapack.hpp"
#include "core/status.hpp"
#include "core/traits.hpp"
#include "matfun/schur.hpp"
#include "matfun/sqrtm.hpp"

namespace nnla::matfun {

using cd = std::complex<double>;

namespace {

constexpr double kPi = 3.14159265358979323846;
// theta_m of Al-Mohy & Higham 2012, Table 2.1 (double precision), m = 1..7.
constexpr double kTheta[8] = {0.0, 1.59e-5, 2.31e-3, 1.94e-2, 6.21e-2, 1.28e-1, 2.06e-1, 2.88e-1};
constexpr int kMaxRoots = 64;

// Gauss-Legendre nodes and weights on [0, 1] by Newton's method on P_m.
void gauss_legendre01(int m, double* x, double* w) {
    for (int i = 0; i < m; ++i) {
        double z = std::cos(kPi * (i + 0.75) / (m + 0.5));
        double dp = 1.0;
        for (int it = 0; it < 100; ++it) {
            double p0 = 1.0, p1 = z;
            for (int k = 2; k <= m; ++k) {
                const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = m * (z * p1 - p0) / (z * z - 1.0);
            const double dz = p1 / dp;
            z -= dz;
            if (std::abs(dz) < 1e-17) break;
        }
        x[i] = 0.5 + 0.5 * z;
        w[i] = 1.0 / ((1.0 - z * z) * dp * dp);  // 0.5 * 2 / ((1 - z^2) P_m'(z)^2)
    }
}

struct LogWork : schur::RouteWork {
    std::vector<cd> T, Tn, R, U, Y;
    std::vector<cd> pw[6];  // (T - I)^p, p = 1..5, valid up to npw
    int npw = 0;
    double gx[8][8], gw[8][8];
    explicit LogWork(int d) : RouteWork(d), T(ca.size()), Tn(ca.size()), R(ca.size()), U(ca.size()), Y(ca.size()) {
        for (int p = 1; p <= 5; ++p) pw[p].resize(ca.size());
        for (int m = 1; m <= 7; ++m) gauss_legendre01(m, gx[m], gw[m]);
    }
};

// C = A B for upper triangular A, B (column-major).
void tri_mul(const cd* a, const cd* b, cd* c, int n) {
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) c[i + static_cast<std::size_t>(j) * n] = 0.0;
        for (int k = 0; k <= j; ++k) {
            const cd bkj = b[k + static_cast<std::size_t>(j) * n];
            const cd* ak = a + static_cast<std::size_t>(k) * n;
            cd* cj = c + static_cast<std::size_t>(j) * n;
            for (int i = 0; i <= k; ++i) nnla::mul_acc(cj[i], ak[i], bkj);
        }
    }
}

double tri_norm1(const cd* a, int n) {
    double mx = 0.0;
    for (int j = 0; j < n; ++j) {
        double s = 0.0;
        for (int i = 0; i <= j; ++i) s += std::abs(a[i + static_cast<std::size_t>(j) * n]);
        mx = std::max(mx, s);
    }
    return mx;
}

// ||(T - I)^p||_1^(1/p), powers formed lazily for the current T.
double alpha_norm(LogWork& w, int p) {
    const int n = w.n;
    if (w.npw == 0) {
        std::copy(w.T.begin(), w.T.end(), w.pw[1].begin());
        for (int j = 0; j < n; ++j) w.pw[1][j + static_cast<std::size_t>(j) * n] -= 1.0;
        w.npw = 1;
    }
    while (w.npw < p) {
        tri_mul(w.pw[w.npw].data(), w.pw[1].data(), w.pw[w.npw + 1].data(), n);
        ++w.npw;
    }
    return std::pow(tri_norm1(w.pw[p].data(), n), 1.0 / p);
}

// T <- T^(1/2); up (the first root only): the cut_branch flags.
void sqrt_step(LogWork& w, const unsigned char* up = nullptr) {
    sqrtm_triu(w.T.data(), w.Tn.data(), w.n, 0.0, 0.0, up);  // nonzero diagonal: cannot fail
    std::swap(w.T, w.Tn);
    w.npw = 0;
}

// log a on its branch: principal, or (up) from the upper side of the cut, log a + 2 pi i for a
// flagged eigenvalue below the axis (imaginary part just above pi).
cd log_branch(cd a, bool up) { return up ? std::log(a) + cd(0.0, 2.0 * kPi) : std::log(a); }

int unwind(cd z) { return static_cast<int>(std::ceil((z.imag() - kPi) / (2.0 * kPi))); }

// a^(1/2^k) - 1 without cancellation (Al-Mohy & Higham 2012, Algorithm 5.1 / eq. (5.1)); up: the
// first root from the upper side of the cut (-sqrt(a)), as sqrt_step takes it.
cd briggs(cd a, int k, bool up = false) {
    if (up && k >= 1) return briggs(-std::sqrt(a), k - 1);
    if (k == 0) return a - 1.0;
    if (k == 1) return std::sqrt(a) - 1.0;
    int kh = k;
    if (std::arg(a) >= kPi / 2) {
        a = std::sqrt(a);
        kh = k - 1;
    }
    const cd z0 = a - 1.0;
    a = std::sqrt(a);
    cd r = 1.0 + a;
    for (int j = 1; j < kh; ++j) {
        a = std::sqrt(a);
        r *= 1.0 + a;
    }
    return z0 / r;
}

// (1,2) entry of [[l1, t12], [0, l2]]^p (eq. (5.5)); ll1, ll2: log l1, log l2 on their branches
// (log_branch), which fix the branch of the power and the unwinding number.
cd frac_superdiag(cd l1, cd l2, cd ll1, cd ll2, cd t12, double p) {
    if (l1 == l2) return t12 * p * std::exp((p - 1.0) * ll1);
    if (std::abs(l2 - l1) > std::abs(l1 + l2) / 2)
        return t12 * (std::exp(p * ll2) - std::exp(p * ll1)) / (l2 - l1);
    const cd z = (l2 - l1) / (l2 + l1);
    const cd ta = t12 * std::exp((p / 2) * (ll2 + ll1));
    const int u = unwind(ll2 - ll1);
    const cd b = p * (std::atanh(z) + cd(0.0, kPi * u));
    return ta * (2.0 * std::sinh(b) / (l2 - l1));
}

// (1,2) entry of log([[l1, t12], [0, l2]]) (eq. (4.2)); ll1, ll2 as for frac_superdiag.
cd log_superdiag(cd l1, cd l2, cd ll1, cd ll2, cd t12) {
    if (l1 == l2) return t12 / l1;
    if (std::abs(l2 - l1) > std::abs(l1 + l2) / 2) return t12 * (ll2 - ll1) / (l2 - l1);
    const cd z = (l2 - l1) / (l2 + l1);
    const int u = unwind(ll2 - ll1);
    return t12 * 2.0 * (std::atanh(z) + cd(0.0, kPi * u)) / (l2 - l1);
}

// U = log(t0) for the upper triangular t0 (column-major) with a nonzero diagonal normalised by
// schur::normalise_diagonal; up: the schur::cut_branch flags of its diagonal. Returns kOk or
// kNotConverged.
int logm_triu(const cd* t0, cd* u, int n, const unsigned char* up, LogWork& w) {
    auto T0 = [&](int i, int j) { return t0[i + static_cast<std::size_t>(j) * n]; };
    auto LL = [&](int j) { return log_branch(T0(j, j), up[j] != 0); };
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    // s0: the eigenvalues of T^(1/2^s0) within theta_7 of 1.
    int s0 = 0;
    {
        std::vector<cd>& dg = w.Y;  // scratch
        for (int j = 0; j < n; ++j) dg[j] = T0(j, j);
        for (;;) {
            double dev = 0.0;
            for (int j = 0; j < n; ++j) dev = std::max(dev, std::abs(dg[j] - 1.0));
            if (dev <= kTheta[7]) break;
            if (++s0 > kMaxRoots) return kNotConverged;
            for (int j = 0; j < n; ++j) dg[j] = (s0 == 1 && up[j]) ? -std::sqrt(dg[j]) : std::sqrt(dg[j]);
        }
    }
    std::copy(t0, t0 + nn, w.T.begin());
    w.npw = 0;
    for (int i = 0; i < s0; ++i) sqrt_step(w, i == 0 ? up : nullptr);
    int s = s0, k = 0, m = 0;
    double d3 = alpha_norm(w, 3);
    const double a2 = std::max(alpha_norm(w, 2), d3);
    for (int i = 1; i <= 2 && m == 0; ++i)
        if (a2 <= kTheta[i]) m = i;
    while (m == 0) {
        if (s > s0) d3 = alpha_norm(w, 3);
        const double d4 = alpha_norm(w, 4);
        const double a3 = std::max(d3, d4);
        if (a3 <= kTheta[7]) {
            int j1 = 7;
            for (int i = 3; i <= 7; ++i)
                if (a3 <= kTheta[i]) {
                    j1 = i;
                    break;
                }
            if (j1 <= 6) {
                m = j1;
                break;
            }
            if (a3 / 2 <= kTheta[5] && k < 2) {
                ++k;
                if (++s > kMaxRoots) return kNotConverged;
                sqrt_step(w);
                continue;
            }
        }
        const double d5 = alpha_norm(w, 5);
        const double a4 = std::max(d4, d5);
        const double eta = std::min(a3, a4);
        for (int i = 6; i <= 7 && m == 0; ++i)
            if (eta <= kTheta[i]) m = i;
        if (m != 0) break;
        if (++s > kMaxRoots) return kNotConverged;
        sqrt_step(w);
    }
    // R = T^(1/2^s) - I with the diagonal and first superdiagonal recomputed from T0.
    cd* R = w.R.data();
    std::copy(w.T.begin(), w.T.end(), R);
    const double p = std::ldexp(1.0, -s);
    for (int j = 0; j < n; ++j) R[j + static_cast<std::size_t>(j) * n] = briggs(T0(j, j), s, up[j] != 0);
    for (int j = 0; j + 1 < n; ++j)
        R[j + static_cast<std::size_t>(j + 1) * n] =
            frac_superdiag(T0(j, j), T0(j + 1, j + 1), LL(j), LL(j + 1), T0(j, j + 1), p);
    // U = 2^s sum_k w_k (I + x_k R)^(-1) R.
    std::fill(u, u + nn, cd(0.0));
    cd* Y = w.Y.data();
    for (int q = 0; q < m; ++q) {
        const double x = w.gx[m][q], wt = w.gw[m][q];
        for (int j = 0; j < n; ++j) {
            cd* yj = Y + static_cast<std::size_t>(j) * n;
            const cd* rj = R + static_cast<std::size_t>(j) * n;
            for (int i = j; i >= 0; --i) {
                cd sum = rj[i];
                cd acc = 0.0;
                for (int kk = i + 1; kk <= j; ++kk) nnla::mul_acc(acc, R[i + static_cast<std::size_t>(kk) * n], yj[kk]);
                sum -= x * acc;
                yj[i] = sum / (1.0 + x * R[i + static_cast<std::size_t>(i) * n]);
            }
            cd* uj = u + static_cast<std::size_t>(j) * n;
            for (int i = 0; i <= j; ++i) uj[i] += wt * yj[i];
        }
    }
    const double scale = std::ldexp(1.0, s);
    for (std::size_t kk = 0; kk < nn; ++kk) u[kk] *= scale;
    for (int j = 0; j < n; ++j) u[j + static_cast<std::size_t>(j) * n] = LL(j);
    for (int j = 0; j + 1 < n; ++j)
        u[j + static_cast<std::size_t>(j + 1) * n] =
            log_superdiag(T0(j, j), T0(j + 1, j + 1), LL(j), LL(j + 1), T0(j, j + 1));
    return kOk;
}

// Complex route from the complex Schur form in w.ca (T) and w.cz (Z): result in w.cx.
int complex_route(LogWork& w) {
    const int n = w.n;
    schur::normalise_diagonal(w.ca.data(), n);
    const double tz = zero_eigenvalue_tol(w.ca.data(), n);  // n u max |lambda_j|
    for (int j = 0; j < n; ++j)
        if (std::abs(w.ca[j + static_cast<std::size_t>(j) * n]) <= tz) return kNoSquareRoot;
    schur::cut_branch(w.ca.data(), n, w.up.data(), w.cutw.data());
    const int st = logm_triu(w.ca.data(), w.cx.data(), n, w.up.data(), w);
    if (st != kOk) return st;
    schur::back_transform(w.cz.data(), w.cx.data(), w.ctmp.data(), n);
    return schur::all_finite(w.cx.data(), n) ? kOk : kNaNResult;
}

// Real route (no negative real eigenvalue): the complex route from rsf2csf of the real Schur form;
// the principal logarithm is real, so the O(u) imaginary part is dropped.
int real_route(LogWork& w) {
    const int n = w.n;
    schur::rsf2csf(w.rt.data(), w.rz.data(), w.ca.data(), w.cz.data(), n);
    const int st = complex_route(w);
    if (st != kOk) return st;
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    for (std::size_t k = 0; k < nn; ++k) w.rx[k] = w.cx[k].real();
    return kOk;
}

}  // namespace

namespace {

template <class R>
void real_pass(const R* a, R* out, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    schur::real_input_batch<LogWork>(a, out, batch, d, n_threads, status, real_route);
}

template <class R>
void complex_pass(const R* a, std::complex<R>* out, const std::int64_t* idx, std::int64_t count, int d,
                  int n_threads, std::int8_t* status) {
    schur::real_input_complex_batch<LogWork>(a, out, idx, count, d, n_threads, status, complex_route);
}

}  // namespace

template <class R>
std::complex<R>* logm_real_batch(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                                 std::int8_t* status, const ComplexOut<R>& complex_out) {
    return schur::real_then_complex(a, out, batch, d, n_threads, status, complex_out, real_pass<R>,
                                    complex_pass<R>);
}

template <class T>
void logm_complex_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    schur::complex_input_batch<LogWork>(a, out, batch, d, n_threads, status, complex_route);
}

template std::complex<float>* logm_real_batch<float>(const float*, float*, std::int64_t, int, int,
                                                     std::int8_t*, const ComplexOut<float>&);
template cd* logm_real_batch<double>(const double*, double*, std::int64_t, int, int, std::int8_t*,
                                     const ComplexOut<double>&);
template void logm_complex_batch<std::complex<float>>(const std::complex<float>*, std::complex<float>*,
                                                      std::int64_t, int, int, std::int8_t*);
template void logm_complex_batch<cd>(const cd*, cd*, std::int64_t, int, int, std::int8_t*);

}  // namespace nnla::matfun
