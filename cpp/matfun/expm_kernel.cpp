// Matrix exponential: Al-Mohy & Higham 2009 ("A new scaling and squaring algorithm for the matrix
// exponential", Algorithm 6.1), with
//   * Pade degrees 3, 5, 7, 9, 13 (double) or 3, 5, 7 (single; thetas from Higham 2005, Table 2.3),
//   * d_k = ||A^k||^(1/k) exact for small d, Hager-Higham estimates of products for larger d, so only
//     the products the chosen approximant needs are formed,
//   * the ell-correction against overscaling, with || |A|^p ||_1 computed exactly by p matvecs,
//   * exact recomputation of the diagonal and first superdiagonal at every squaring for upper
//     triangular input (Code Fragment 2.1), and of the 2x2 diagonal blocks for real quasi-triangular
//     input; lower triangular input is transposed into upper.
#include "matfun/expm.hpp"
#include "core/isa.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
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

// 1/|c_{2m+1}| of the backward-error series h_{2m+1} (AMH09 eq. (5.1)); used by ell().
double ell_coeff(int m) {
    switch (m) {
        case 3: return 100800.0;
        case 5: return 10059033600.0;
        case 7: return 4487938430976000.0;
        case 9: return 5914384781877411840000.0;
        default: return 113250775606021113483283660800000000.0;
    }
}

// log2 of ell_coeff(m), precomputed.
double log2_ell_coeff(int m) {
    switch (m) {
        case 3: return 16.62113611327464;   // log2(100800)
        case 5: return 33.227772656854164;    // log2(10059033600)
        case 7: return 51.994974307382165;   // log2(4487938430976000)
        case 9: return 72.32471809893495;    // log2(5914384781877411840000)
        default: return 116.447004251763;  // log2(113250775606021113483283660800000000)
    }
}

struct Thetas {
    double t3, t5, t7, t9, t13;
    int m_max;
};
template <class T>
constexpr Thetas thetas() {
    if constexpr (std::is_same_v<real_t<T>, double>) {
        return {1.495585217958292e-2, 2.539398330063230e-1, 9.504178996162932e-1, 2.097847961257068e0,
                4.25, 13};
    } else {
        return {4.258730016922831e-1, 1.880152677804762e0, 3.925724783138660e0, 0.0, 0.0, 7};
    }
}

// Largest d with exact norms of matrix powers (a d^3 product is cheaper than the estimator there).
constexpr int kExactNormMax = 64;

enum class Structure { kGeneral, kDiagonal, kUpper, kQuasiUpper };

// log2 || |A|^p ||_1 for p = 1, 2, ..., by the row-vector iteration v <- v |A| (exact for a
// nonnegative matrix): p matvecs. When ||A||_1 lies in [2^-30, 2^30] nothing can over- or underflow
// in 27 steps and the iteration runs without rescaling; otherwise v is renormalised every step.
// D > 0 fixes the size at compile time; large d uses BLAS gemv.
template <int D>
class AbsPowerNorms {
public:
    AbsPowerNorms(const double* absa, int n, double* v, double* v2) : a_(absa), n_(D > 0 ? D : n), v_(v), v2_(v2) {}
    double log2norm(int q) {
        advance(q);
        const double mx = max_v();
        return mx == 0.0 ? -std::numeric_limits<double>::infinity() : std::log2(mx) + exp2_;
    }

    // Two-sided bounds on log2 || |A|^q ||_1 after at most three steps. With v_k = 1^T |A|^k and
    // r_min <= v_{k+1} / v_k <= r_max componentwise, r_min^(q-k-1) v_{k+1} <= v_q <= r_max^(q-k-1) v_{k+1}
    // because |A| >= 0 (Collatz-Wielandt). Returns false when no bounds are available.
    bool log2bounds(int q, double& lo, double& hi) {
        const double ninf = -std::numeric_limits<double>::infinity();
        if (p_ < std::min(q, 3)) advance(std::min(q, 3));
        if (p_ > q || rescale_) return false;
        const double base = max_v() == 0.0 ? ninf : std::log2(max_v());
        if (p_ == q || base == ninf) {
            lo = hi = base;
            return true;
        }
        double rmin = std::numeric_limits<double>::infinity(), rmax = 0.0;
        for (int j = 0; j < n_; ++j) {
            const double prev = v2_[j], cur = v_[j];
            if (prev > 0.0) {
                rmin = std::min(rmin, cur / prev);
                rmax = std::max(rmax, cur / prev);
            } else if (cur > 0.0) {
                rmax = std::numeric_limits<double>::infinity();
            }
        }
        const double rem = q - p_;
        lo = rmin > 0.0 ? base + rem * std::log2(rmin) : ninf;
        hi = base + rem * std::log2(rmax);
        return true;
    }

private:
    void advance(int q) {
        if (q < p_) p_ = 0;  // restart (not needed by the callers, kept for safety)
        if (p_ == 0) {
            for (int j = 0; j < n_; ++j) v_[j] = 1.0;
            exp2_ = 0;
            step();
            double l1 = max_v();
            rescale_ = !(l1 >= 0x1p-30 && l1 <= 0x1p30);
        }
        while (p_ < q) step();
    }

    const double* a_;
    int n_;
    double* v_;
    double* v2_;
    int p_ = 0;
    int exp2_ = 0;  // v holds (1^T |A|^p) * 2^-exp2_
    bool rescale_ = true;

    double max_v() const {
        double mx = 0.0;
        for (int j = 0; j < n_; ++j) mx = std::max(mx, v_[j]);
        return mx;
    }
    void step() {
        const int n = D > 0 ? D : n_;
        if (D == 0 && n > 64) {
            lapack::gemv('N', n, n, 1.0, a_, n, v_, 0.0, v2_);  // the view of |A| is |A|^T
        } else if constexpr (D > 0) {
            double acc[D > 0 ? D : 1];
            for (int j = 0; j < D; ++j) acc[j] = 0.0;
#pragma GCC unroll 1
            for (int i = 0; i < D; ++i) {
                const double vi = v_[i];
#pragma omp simd
                for (int j = 0; j < D; ++j) acc[j] += vi * a_[i * D + j];
            }
            for (int j = 0; j < D; ++j) v2_[j] = acc[j];
        } else {
            // Blocks of 32 columns accumulated in registers (a load-add-store chain through memory
            // per row would be latency bound).
            const double* __restrict a = a_;
            const double* __restrict v = v_;
            double* __restrict w = v2_;
            constexpr int kB = 32;
            for (int j0 = 0; j0 < n; j0 += kB) {
                const int nb = std::min(kB, n - j0);
                double acc[kB] = {};
                for (int i = 0; i < n; ++i) {
                    const double vi = v[i];
                    const double* __restrict ai = a + static_cast<std::ptrdiff_t>(i) * n + j0;
                    if (nb == kB) {
#pragma omp simd
                        for (int j = 0; j < kB; ++j) acc[j] += vi * ai[j];
                    } else {
                        for (int j = 0; j < nb; ++j) acc[j] += vi * ai[j];
                    }
                }
                for (int j = 0; j < nb; ++j) w[j0 + j] = acc[j];
            }
        }
        std::swap(v_, v2_);
        ++p_;
        if (rescale_ && p_ > 1) {
            const double mx = max_v();
            if (mx != 0.0) {
                int e = 0;
                std::frexp(mx, &e);
                for (int j = 0; j < n; ++j) v_[j] = std::ldexp(v_[j], -e);
                exp2_ += e;
            }
        }
    }
};

template <class T>
struct Work {
    int n;
    std::vector<T> buf;
    std::vector<double> dbuf;
    std::vector<int> ipiv;
    ProductNormEstimator<T> est;
    T *A, *A2, *A4, *A6, *A8, *U, *V, *tmp;
    double *absA, *v, *v2, *colsum;

    explicit Work(int d)
        : n(d),
          buf(8 * static_cast<std::size_t>(d) * d),
          dbuf(static_cast<std::size_t>(d) * d + 3 * static_cast<std::size_t>(d)),
          ipiv(d),
          est(d) {
        const std::size_t nn = static_cast<std::size_t>(d) * d;
        T* p = buf.data();
        A = p;
        A2 = p + nn;
        A4 = p + 2 * nn;
        A6 = p + 3 * nn;
        A8 = p + 4 * nn;
        U = p + 5 * nn;
        V = p + 6 * nn;
        tmp = p + 7 * nn;
        absA = dbuf.data();
        v = absA + nn;
        v2 = v + d;
        colsum = v2 + d;
    }
};

// ||A||_1 (colsum[j] = sum_i |a_ij|). For complex data |z| = sqrt(re^2 + im^2) in a loop that
// vectorises; where the squares could over- or underflow (a column sum outside [1e-140, 1e140]) it
// falls back to norm1's hypot-guarded modulus.
template <int D, class T>
double norm1_exact(const T* a, int n, double* colsum) {
    if constexpr (!is_complex_v<T> || D == 0) {
        return norm1<D>(a, n, colsum);
    } else {
        const real_t<T>* p = reinterpret_cast<const real_t<T>*>(a);  // std::complex is array-compatible
        double r[D * D];
        for (int k = 0; k < D * D; ++k) {
            const double re = p[2 * k], im = p[2 * k + 1];
            r[k] = std::sqrt(re * re + im * im);
        }
        for (int j = 0; j < D; ++j) colsum[j] = r[j];
        for (int i = 1; i < D; ++i)
            for (int j = 0; j < D; ++j) colsum[j] += r[i * D + j];
        double mx = 0.0, mn = std::numeric_limits<double>::infinity();
        for (int j = 0; j < D; ++j) {
            mx = std::max(mx, colsum[j]);
            mn = std::min(mn, colsum[j]);
        }
        if (mx < 1e140 && mn > 1e-140) return mx;
        return norm1<D>(a, n, colsum);
    }
}

// absa[k] = |a[k]| in double, as abs_double; the complex modulus vectorised, with abs_double's
// guarded form where an entry lies outside [1e-150, 1e150].
template <class T>
void abs_entries(const T* a, double* absa, std::size_t nn) {
    if constexpr (!is_complex_v<T>) {
        for (std::size_t k = 0; k < nn; ++k) absa[k] = std::abs(static_cast<double>(a[k]));
    } else {
        int bad = 0;
        for (std::size_t k = 0; k < nn; ++k) {
            const double re = a[k].real(), im = a[k].imag();
            const double r = std::sqrt(re * re + im * im);
            absa[k] = r;
            bad |= static_cast<int>(r >= 1e150) | static_cast<int>(r <= 1e-150 && r != 0.0);
        }
        if (bad)
            for (std::size_t k = 0; k < nn; ++k) absa[k] = abs_double(a[k]);
    }
}

// t12 * (exp(l1) - exp(l2)) / (l1 - l2), the superdiagonal of exp([[l1, t12], [0, l2]]), evaluated in
// double (complex double) precision without cancellation or spurious overflow:
//   |b| < 1:  t12 exp(a) sinch(b), a = (l1 + l2)/2, b = (l1 - l2)/2  (Higham, Functions of Matrices,
//             eq. (10.42));
//   |b| >= 1: t12 exp(h) (1 - exp(l - h)) / (h - l), h the argument of larger real part, so that
//             exp(h) overflows only where the result does.
template <class T>
T exp_superdiag(T l1, T l2, T t12) {
    if (t12 == T(0)) return T(0);
    if constexpr (is_complex_v<T>) {  // real data in a complex type: real arithmetic keeps inf clean
        if (l1.imag() == 0 && l2.imag() == 0 && t12.imag() == 0)
            return T(exp_superdiag(l1.real(), l2.real(), t12.real()));
    }
    using W = std::conditional_t<is_complex_v<T>, std::complex<double>, double>;
    const W x1 = static_cast<W>(l1), x2 = static_cast<W>(l2), t = static_cast<W>(t12);
    const W a = 0.5 * (x1 + x2), b = 0.5 * (x1 - x2);
    if (std::abs(b) < 1.0) {
        const W sinch = (b == W(0)) ? W(1) : W(std::sinh(b) / b);
        return static_cast<T>(t * std::exp(a) * sinch);
    }
    const bool first = std::real(x1) >= std::real(x2);
    const W h = first ? x1 : x2, l = first ? x2 : x1;
    W one_minus;
    if constexpr (is_complex_v<T>) {
        one_minus = W(1) - std::exp(l - h);
    } else {
        one_minus = -std::expm1(l - h);
    }
    return static_cast<T>(t * (std::exp(h) * (one_minus / (h - l))));
}

template <class T>
T exp_scalar(T x) {
    if constexpr (is_complex_v<T>) {
        if (x.imag() == 0) return T(std::exp(static_cast<double>(x.real())));  // exp(1000 + 0i) = inf + 0i
        return T(std::exp(std::complex<double>(x)));
    } else {
        return T(std::exp(static_cast<double>(x)));
    }
}

// Overwrite the diagonal (blocks) and first superdiagonal of X with their exact values for
// exp(scale * A), A upper (quasi-)triangular.
template <class T>
void recompute_diagonal(const T* a, T* x, int n, double scale, Structure st) {
    auto A = [&](int i, int j) { return a[static_cast<std::ptrdiff_t>(i) * n + j]; };
    auto X = [&](int i, int j) -> T& { return x[static_cast<std::ptrdiff_t>(i) * n + j]; };
    const real_t<T> sc = static_cast<real_t<T>>(scale);
    auto block_start = [&](int j) {  // a 2x2 block starts at j
        if constexpr (is_complex_v<T>) {
            return false;
        } else {
            return st == Structure::kQuasiUpper && j + 1 < n && A(j + 1, j) != T(0);
        }
    };
    int j = 0;
    while (j < n) {
        if (block_start(j)) {
            if constexpr (!is_complex_v<T>) {
                const double a11 = scale * A(j, j), a12 = scale * A(j, j + 1);
                const double a21 = scale * A(j + 1, j), a22 = scale * A(j + 1, j + 1);
                const double mu = 0.5 * (a11 + a22), h = 0.5 * (a11 - a22);
                const double disc = h * h + a12 * a21;
                if (disc < 0.0) {  // complex conjugate pair: exp = e^mu (cos(del) I + sinc(del) (B - mu I))
                    const double del = std::sqrt(-disc);
                    const double e = std::exp(mu), c = std::cos(del);
                    const double sc_ = (del == 0.0) ? 1.0 : std::sin(del) / del;
                    X(j, j) = T(e * (c + sc_ * h));
                    X(j, j + 1) = T(e * sc_ * a12);
                    X(j + 1, j) = T(e * sc_ * a21);
                    X(j + 1, j + 1) = T(e * (c - sc_ * h));
                }
            }
            j += 2;
        } else {
            X(j, j) = exp_scalar(T(sc * A(j, j)));
            if (j + 1 < n && !block_start(j + 1))
                X(j, j + 1) = exp_superdiag(T(sc * A(j, j)), T(sc * A(j + 1, j + 1)), T(sc * A(j, j + 1)));
            j += 1;
        }
    }
}

// exp of a general 2x2 matrix in closed form (Higham, Functions of Matrices, eq. (10.42) and the
// paragraph after it): with mu = tr(A)/2, h = (a11 - a22)/2 and delta^2 = h^2 + a12 a21,
//   exp(A) = c0 I + c1 (A - mu I),  c0 = e^mu cosh(delta),  c1 = e^mu sinh(delta)/delta
// (cos and sin for a real matrix with delta^2 < 0: exactly recompute_diagonal's formula for a 2x2
// block). |c0| <= rho(exp(A)) and ||c1 (A - mu I)|| <= ||exp(A)|| + sqrt(2)|c0|, so the rounding
// errors are a few ulps of ||exp(A)||; the error of delta^2 (a few ulps of |h|^2 + |a12 a21|) acts as
// a componentwise backward error of a few ulps in A. For Re(delta) >= 1, e^(mu +- delta) are formed
// separately, so that e^mu neither underflows nor overflows where exp(A) does not. Computed in double
// (complex double). Returns false, leaving x unspecified, where a coefficient is not finite (exp(A)
// overflows, or nearly): the caller then runs scaling and squaring, which handles that case.
// sqrt(z), principal (real part >= 0), without hypot where |z| is moderate.
inline std::complex<double> sqrt_principal(std::complex<double> z) {
    const double x = z.real(), y = z.imag();
    const double r = std::sqrt(x * x + y * y);
    if (!(r < 1e150 && r > 1e-150)) return std::sqrt(z);
    const double t = std::sqrt(0.5 * (std::abs(x) + r));
    if (x >= 0.0) return {t, y / (2.0 * t)};
    return {std::abs(y) / (2.0 * t), std::copysign(t, y)};
}

template <class T>
bool expm_2x2_closed(const T* a, T* x) {
    double c0r, c0i = 0.0, c1r, c1i = 0.0;
    double hr, hi = 0.0;
    if constexpr (is_complex_v<T>) {
        using C = std::complex<double>;
        const C a11(a[0]), a12(a[1]), a21(a[2]), a22(a[3]);
        const C mu = 0.5 * (a11 + a22), h = 0.5 * (a11 - a22);
        hr = h.real();
        hi = h.imag();
        const C d2 = mul(h, h) + mul(a12, a21);
        const C E = std::polar(1.0, mu.imag());  // e^(i Im mu)
        C c0, c1;
        if (d2 == C(0)) {  // A - mu I nilpotent
            c0 = c1 = std::exp(mu.real()) * E;
        } else {
            const C del = sqrt_principal(d2);
            const double p = del.real(), q = del.imag();
            const double sq = std::sin(q), cq = std::cos(q);
            C ch, sh;  // e^(Re mu) cosh(del), e^(Re mu) sinh(del)
            if (p >= 1.0) {  // e^(Re mu +- p) separately: neither under- nor overflows alone
                const double ep = std::exp(mu.real() + p), em = std::exp(mu.real() - p);
                const double cp = 0.5 * (ep + em), spp = 0.5 * (ep - em);
                ch = C(cp * cq, spp * sq);
                sh = C(spp * cq, cp * sq);
            } else {
                const double e = std::exp(mu.real()), em1 = std::expm1(p), ep1 = em1 + 1.0;
                const double cp = e * (0.5 * (ep1 + 1.0 / ep1)), spp = e * (0.5 * (em1 + em1 / ep1));
                ch = C(cp * cq, spp * sq);
                sh = C(spp * cq, cp * sq);
            }
            c0 = mul(E, ch);
            if (std::abs(p) + std::abs(q) < 0x1p-30) {  // sinh(del)/del = 1 + del^2/6 + O(del^4)
                c1 = mul(E, std::exp(mu.real()) * (C(1) + mul(d2, C(1.0 / 6.0))));
            } else {
                c1 = mul(E, mul(sh, recip(del)));
            }
        }
        c0r = c0.real();
        c0i = c0.imag();
        c1r = c1.real();
        c1i = c1.imag();
    } else {
        const double a11 = a[0], a12 = a[1], a21 = a[2], a22 = a[3];
        const double mu = 0.5 * (a11 + a22), h = 0.5 * (a11 - a22);
        hr = h;
        const double d2 = h * h + a12 * a21;
        if (d2 < 0.0) {  // complex conjugate pair, as recompute_diagonal
            const double del = std::sqrt(-d2);
            const double e = std::exp(mu), c = std::cos(del);
            const double sc = (del == 0.0) ? 1.0 : std::sin(del) / del;
            x[0] = T(e * (c + sc * h));
            x[1] = T(e * sc * a12);
            x[2] = T(e * sc * a21);
            x[3] = T(e * (c - sc * h));
            return is_finite(x[0]) && is_finite(x[1]) && is_finite(x[2]) && is_finite(x[3]);
        }
        const double del = std::sqrt(d2);
        if (del >= 1.0) {
            const double ep = std::exp(mu + del), em = std::exp(mu - del);
            c0r = 0.5 * (ep + em);
            c1r = (0.5 * (ep - em)) / del;
        } else {
            const double e = std::exp(mu), em1 = std::expm1(del), ep1 = em1 + 1.0;
            c0r = e * (0.5 * (ep1 + 1.0 / ep1));
            c1r = e * (del == 0.0 ? 1.0 : (0.5 * (em1 + em1 / ep1)) / del);
        }
    }
    if (!std::isfinite(c0r) || !std::isfinite(c0i) || !std::isfinite(c1r) || !std::isfinite(c1i)) return false;
    // x = c0 I + c1 (A - mu I), A - mu I = [[h, a12], [a21, -h]]
    const double tr = c1r * hr - c1i * hi, ti = c1r * hi + c1i * hr;
    auto prod = [&](const T& z) {
        if constexpr (is_complex_v<T>) {
            const double zr = z.real(), zi = z.imag();
            return T(static_cast<real_t<T>>(c1r * zr - c1i * zi), static_cast<real_t<T>>(c1r * zi + c1i * zr));
        } else {
            return T(c1r * z);
        }
    };
    if constexpr (is_complex_v<T>) {
        using R = real_t<T>;
        x[0] = T(static_cast<R>(c0r + tr), static_cast<R>(c0i + ti));
        x[3] = T(static_cast<R>(c0r - tr), static_cast<R>(c0i - ti));
    } else {
        x[0] = T(c0r + tr);
        x[3] = T(c0r - tr);
    }
    x[1] = prod(a[1]);
    x[2] = prod(a[2]);
    return is_finite(x[0]) && is_finite(x[1]) && is_finite(x[2]) && is_finite(x[3]);
}

template <class T>
Structure classify(const T* a, int n) {
    bool diag = true, upper = true, quasi = true;
    bool prev_sub = false;
    for (int i = 1; i < n && (upper || quasi); ++i) {
        const T* ai = a + static_cast<std::ptrdiff_t>(i) * n;
        for (int j = 0; j < i - 1; ++j)
            if (ai[j] != T(0)) {
                upper = quasi = false;
                break;
            }
        const bool sub = ai[i - 1] != T(0);
        if (sub) upper = false;
        if (sub && prev_sub) quasi = false;
        prev_sub = sub;
    }
    if (upper) {
        for (int i = 0; i < n && diag; ++i)
            for (int j = i + 1; j < n; ++j)
                if (a[static_cast<std::ptrdiff_t>(i) * n + j] != T(0)) {
                    diag = false;
                    break;
                }
        return diag ? Structure::kDiagonal : Structure::kUpper;
    }
    if (quasi && !is_complex_v<T>) return Structure::kQuasiUpper;
    return Structure::kGeneral;
}

template <class T>
bool strictly_upper_zero(const T* a, int n) {
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j)
            if (a[static_cast<std::ptrdiff_t>(i) * n + j] != T(0)) return false;
    return true;
}

// ---- parameter selection: the Pade degree m and the scaling 2^-s (AMH09 Algorithm 6.1) ----------

// The degree m and scaling s, and whether the powers of A overflowed (then s comes from the entries).
struct PadeParams {
    int m = 0;
    int s = 0;
    bool overflowed = false;
};

// Chooses m and s from N_k = ||A^k||_1, exact (small d) or estimated (d_k = N_k^(1/k) <= theta is
// tested as N_k <= theta^k; logarithms only where scaling is needed). Forms the even powers in w
// (A2 always; A4, A6, A8 where the choice needs them or the approximant uses them), unscaled.
template <class T, class Ops>
class ParamSelection {
public:
    ParamSelection(const Ops& ops, Work<T>& w)
        : ops_(ops), w_(w), n_(ops.d()), nn_(static_cast<std::size_t>(n_) * n_), th_(thetas<T>()),
          u_(unit_roundoff<T>()), exact_(n_ <= kExactNormMax), absnorm_(w.absA, n_, w.v, w.v2) {}

    PadeParams select() {
        init_norms();
        PadeParams p;
        if (below(N4_, 4, th_.t3) && below(N6_, 6, th_.t3) && ell0(3)) {
            p.m = 3;
            return p;
        }
        if (!have4_) ops_.mul(w_.A2, w_.A2, w_.A4);
        if (!exact_) N4_ = norm1_exact<Ops::kD>(w_.A4, n_, w_.colsum);  // exact: computed already
        if (below(N4_, 4, th_.t5) && below(N6_, 6, th_.t5) && ell0(5)) {
            p.m = 5;
            return p;
        }
        if (!have6_) ops_.mul(w_.A4, w_.A2, w_.A6);
        if (!exact_) N6_ = norm1_exact<Ops::kD>(w_.A6, n_, w_.colsum);
        // ||A^8|| and ||A^10|| start as the free bounds ||A^4||^2 and ||A^4|| ||A^6||; they are
        // refined (exact product for small d, estimate for large d) only when the bounds leave a
        // decision open: a cheaper approximant, or fewer squarings.
        N8_ = N4_ * N4_;
        N10_ = N4_ * N6_;
        if (!try_low_degree(p.m) && !(eta_log2() <= std::log2(top_theta()))) {
            refine_high_norms();
            try_low_degree(p.m);
        }
        if (p.m == 0) {
            p.m = th_.m_max;
            p.s = scaling(p.overflowed);
        }
        return p;
    }

private:
    // N4, N6 (A4 and A6 formed for small d), ||A||_1 and its smallest column sum.
    void init_norms() {
        T *A = w_.A, *A2 = w_.A2;
        ops_.mul(A, A, A2);
        if (exact_) {
            ops_.mul(A2, A2, w_.A4);
            ops_.mul(w_.A4, A2, w_.A6);
            have4_ = have6_ = true;
            N4_ = norm1_exact<Ops::kD>(w_.A4, n_, w_.colsum);
            N6_ = norm1_exact<Ops::kD>(w_.A6, n_, w_.colsum);
        } else {
            const T* m2[] = {A2, A2};
            const T* m3[] = {A2, A2, A2};
            N4_ = w_.est.estimate(m2, 2);
            N6_ = w_.est.estimate(m3, 3);
        }
        norm_a_ = norm1_exact<Ops::kD>(A, n_, w_.colsum);
        cmin_ = w_.colsum[0];
        for (int j = 1; j < n_; ++j) cmin_ = std::min(cmin_, w_.colsum[j]);
    }

    static bool below(double nk, int k, double theta) {
        double tk = 1.0;
        for (int i = 0; i < k; ++i) tk *= theta;
        return nk <= tk;
    }
    double top_theta() const { return th_.m_max == 13 ? th_.t13 : th_.t7; }

    // Degree 7 or (double) 9 where eta_3 = max(d6, d8) allows it and ell(m, 0) = 0; forms A8 for 9.
    bool try_low_degree(int& m) {
        auto eta3_below = [&](double theta) { return below(N6_, 6, theta) && below(N8_, 8, theta); };
        if (eta3_below(th_.t7) && ell0(7)) {
            m = 7;
        } else if (th_.m_max == 13 && eta3_below(th_.t9) && ell0(9)) {
            m = 9;
            if (!have8_) ops_.mul(w_.A4, w_.A4, w_.A8);
        }
        return m != 0;
    }

    // log2 of eta = min(max(d6, d8), max(d8, d10)) (double) or max(d6, d8) (single).
    double eta_log2() const {
        const double l6 = std::log2(N6_) / 6.0, l8 = std::log2(N8_) / 8.0;
        if (th_.m_max == 13) return std::min(std::max(l6, l8), std::max(l8, std::log2(N10_) / 10.0));
        return std::max(l6, l8);
    }

    // ||A^8||, ||A^10||: exact products for small d (A8 kept), estimates for large d.
    void refine_high_norms() {
        T *A4 = w_.A4, *A6 = w_.A6;
        if (exact_) {
            ops_.mul(A4, A4, w_.A8);
            have8_ = true;
            N8_ = norm1_exact<Ops::kD>(w_.A8, n_, w_.colsum);
            if (th_.m_max == 13) {
                ops_.mul(A4, A6, w_.tmp);
                N10_ = norm1_exact<Ops::kD>(w_.tmp, n_, w_.colsum);
            }
        } else {
            const T* m44[] = {A4, A4};
            N8_ = std::min(N8_, w_.est.estimate(m44, 2));
            if (th_.m_max == 13) {
                const T* m46[] = {A4, A6};
                N10_ = std::min(N10_, w_.est.estimate(m46, 2));
            }
        }
    }

    // s for the top degree: from eta (or, where the powers overflowed, from the entries), then
    // the ell correction.
    int scaling(bool& overflowed) {
        const double theta = top_theta();
        double eta = std::exp2(eta_log2());
        overflowed = !std::isfinite(eta);
        if (overflowed) {  // powers overflowed: scale from the entries instead
            double amax = 0.0;
            for (std::size_t k = 0; k < nn_; ++k) amax = std::max(amax, w_.absA[k]);
            eta = amax * n_;
            if (!std::isfinite(eta)) eta = std::numeric_limits<double>::max();
        }
        int s = (eta == 0.0) ? 0 : std::max(0, static_cast<int>(std::ceil(std::log2(eta) - std::log2(theta))));
        return s + ell(th_.m_max, s);
    }

    // ell(m, s) = max(0, ceil(log2(alpha / u) / (2m))), alpha = || |A_s|^(2m+1) || / (c_m ||A_s||),
    // A_s = 2^-s A. For the nonnegative |A|, min_j colsum_j(|A|) <= rho(|A|), so
    //   cmin^(2m+1) <= || |A|^(2m+1) ||_1 <= ||A||_1^(2m+1),
    // and these free bounds settle ell for most matrices; the exact iteration (2m+1 matvecs) runs
    // only when they disagree.
    int ell_of(double log2_alpha, int m) const {
        const double log2_u = std::is_same_v<real_t<T>, double> ? -53.0 : -24.0;
        const double v = std::ceil((log2_alpha - log2_u) / (2.0 * m));
        return v > 0 ? static_cast<int>(std::min(v, 1.0e4)) : 0;
    }
    bool ell_upper_zero(int m, int s) const {  // ||A_s||^(2m) <= u c_m, by multiplication only
        const double x = std::ldexp(norm_a_, -s);
        double p = 1.0;
        for (int i = 0; i < 2 * m; ++i) p *= x;
        return p <= u_ * ell_coeff(m);
    }
    bool ell0(int m) { return ell(m, 0) == 0; }
    int ell(int m, int s) {
        if (ell_upper_zero(m, s)) return 0;
        if (!have_logs_) {
            log2_norm_a_ = std::log2(norm_a_);
            log2_cmin_ = cmin_ > 0.0 ? std::log2(cmin_) : 0.0;
            have_logs_ = true;
        }
        const double lc = log2_ell_coeff(m);
        const double ln = log2_norm_a_ - s;
        const int hi = ell_of(2.0 * m * ln - lc, m);
        const int lo = cmin_ > 0.0 ? ell_of((2.0 * m + 1) * (log2_cmin_ - s) - ln - lc, m) : 0;
        if (lo == hi) return hi;
        double blo, bhi;  // tighter bounds from three steps of the iteration
        if (absnorm_.log2bounds(2 * m + 1, blo, bhi)) {
            const double shift = (2.0 * m + 1) * s + ln + lc;
            const int l2 = ell_of(blo - shift, m), h2 = ell_of(bhi - shift, m);
            if (l2 == h2) return l2;
        }
        const double lp = absnorm_.log2norm(2 * m + 1);
        if (std::isinf(lp) && lp < 0) return 0;
        return ell_of(lp - (2.0 * m + 1) * s - ln - lc, m);
    }

    const Ops& ops_;
    Work<T>& w_;
    int n_;
    std::size_t nn_;
    Thetas th_;
    double u_;
    bool exact_;
    AbsPowerNorms<Ops::kD> absnorm_;
    bool have4_ = false, have6_ = false, have8_ = false;
    double N4_ = 0.0, N6_ = 0.0, N8_ = 0.0, N10_ = 0.0;
    double norm_a_ = 0.0, cmin_ = 0.0;
    double log2_norm_a_ = 0.0, log2_cmin_ = 0.0;  // computed once, when first needed
    bool have_logs_ = false;
};

// ---- evaluation: the Pade approximant r_m(2^-s A) = Q^{-1} P --------------------------------------

// A, A2, A4, A6 <- 2^-s times themselves (recomputed from the scaled A where they overflowed). For
// structured input the unscaled A is kept in A8 (unused by the scaled, degree-13 approximant) and
// returned; otherwise A.
template <class T, class Ops>
const T* scale_powers(const Ops& ops, Work<T>& w, int s, bool overflowed, bool structured) {
    const std::size_t nn = static_cast<std::size_t>(ops.d()) * ops.d();
    T *A = w.A, *A2 = w.A2, *A4 = w.A4, *A6 = w.A6;
    const T* Aorig = A;
    if (structured && s > 0) {
        std::copy(A, A + nn, w.A8);
        Aorig = w.A8;
    }
    const real_t<T> f1 = static_cast<real_t<T>>(std::ldexp(1.0, -s));
    for (std::size_t k = 0; k < nn; ++k) A[k] *= f1;
    if (overflowed) {
        ops.mul(A, A, A2);
        ops.mul(A2, A2, A4);
        ops.mul(A4, A2, A6);
    } else {
        const real_t<T> f2 = static_cast<real_t<T>>(std::ldexp(1.0, -2 * s));
        const real_t<T> f4 = static_cast<real_t<T>>(std::ldexp(1.0, -4 * s));
        const real_t<T> f6 = static_cast<real_t<T>>(std::ldexp(1.0, -6 * s));
        for (std::size_t k = 0; k < nn; ++k) {
            A2[k] *= f2;
            A4[k] *= f4;
            A6[k] *= f6;
        }
    }
    return Aorig;
}

// dst = sum over the even powers A^{2k} (identity included) of coefficient c[2k + odd], for the
// degree-m approximant (m in {3, 5, 7, 9}); real coefficients, so no complex multiply.
template <class T>
void pade_lincomb(const Work<T>& w, int n, T* dst, const double* c, int m, bool odd) {
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    const T* pw[] = {nullptr, w.A2, w.A4, w.A6, w.A8};
    const int top = (m - 1) / 2;  // highest power index 2*top
    for (std::size_t k = 0; k < nn; ++k) dst[k] = T(0);
    for (int p = 1; p <= top; ++p) {
        const real_t<T> cp = static_cast<real_t<T>>(c[2 * p + odd]);
        const T* src = pw[p];
        for (std::size_t k = 0; k < nn; ++k) dst[k] += cp * src[k];
    }
    const real_t<T> c0 = static_cast<real_t<T>>(c[odd]);
    for (int i = 0; i < n; ++i) dst[static_cast<std::size_t>(i) * n + i] += c0;
}

// U (odd part) and V (even part) of the degree-13 approximant, AMH09 eq. (2.6)-(2.7) order.
// W = A6 W1 + W2 is formed as the product A6 W1 first, W2 added to it afterwards (as
// scipy.sparse.linalg.expm does), not as a product accumulated onto W2: W2 holds b_1 I (b_0 I for
// V), which dominates, and an accumulator started at it rounds each of the d partial sums at the
// size of b_1, d roundings of u b_1 on the diagonal where one suffices (measured on the fixed-size
// kernels, d = 3..7: 1.2-2.3x the median error of scipy.sparse.linalg.expm, now 1.1-1.5x, within
// the rounding noise between two sound implementations). Same flops as before.
template <class T, class Ops>
void pade13_uv(const Ops& ops, Work<T>& w) {
    const int n = ops.d();
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    const double* b = pade::kB13;
    const T *A2 = w.A2, *A4 = w.A4, *A6 = w.A6;
    T *U = w.U, *V = w.V, *tmp = w.tmp;
    auto R = [](double x) { return static_cast<real_t<T>>(x); };  // real coefficients
    for (std::size_t k = 0; k < nn; ++k) tmp[k] = R(b[13]) * A6[k] + R(b[11]) * A4[k] + R(b[9]) * A2[k];
    ops.mul(A6, tmp, V);  // A6 W1
    for (std::size_t k = 0; k < nn; ++k) V[k] += R(b[7]) * A6[k] + R(b[5]) * A4[k] + R(b[3]) * A2[k];
    for (int i = 0; i < n; ++i) V[static_cast<std::size_t>(i) * n + i] += R(b[1]);  // V holds W for now
    ops.mul(w.A, V, U);
    for (std::size_t k = 0; k < nn; ++k) tmp[k] = R(b[12]) * A6[k] + R(b[10]) * A4[k] + R(b[8]) * A2[k];
    ops.mul(A6, tmp, V);  // A6 Z1
    for (std::size_t k = 0; k < nn; ++k) V[k] += R(b[6]) * A6[k] + R(b[4]) * A4[k] + R(b[2]) * A2[k];
    for (int i = 0; i < n; ++i) V[static_cast<std::size_t>(i) * n + i] += R(b[0]);
}

// X = Q^{-1} P into w.U, P = V + U, Q = V - U from the (scaled) powers. Returns 0 or the solve's
// info (> 0: Q exactly singular).
template <class T, class Ops>
int pade_evaluate(const Ops& ops, Work<T>& w, int m) {
    const int n = ops.d();
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    T *U = w.U, *V = w.V;
    if (m == 13) {
        pade13_uv(ops, w);
    } else {
        const double* c = m == 3 ? pade::kB3 : m == 5 ? pade::kB5 : m == 7 ? pade::kB7 : pade::kB9;
        pade_lincomb(w, n, w.tmp, c, m, true);
        ops.mul(w.A, w.tmp, U);
        pade_lincomb(w, n, V, c, m, false);
    }
    for (std::size_t k = 0; k < nn; ++k) {
        const T uk = U[k], vk = V[k];
        U[k] = vk + uk;
        V[k] = vk - uk;
    }
    return ops.solve_commuting(V, U, w.ipiv.data());
}

// ---- squaring: X <- X^(2^s), the exact diagonal restored for (quasi-)triangular input ------------

// Squares the approximant in w.U s times; for structured input (Aorig the unscaled, (quasi-)upper
// triangular A; w.A the scaled one) the structure is imposed and the diagonal (blocks) and first
// superdiagonal recomputed at every step (AMH09 Code Fragment 2.1). Returns the buffer holding X.
template <class T, class Ops>
T* square(const Ops& ops, Work<T>& w, int s, const T* Aorig, Structure st) {
    const int n = ops.d();
    const bool structured = st == Structure::kUpper || st == Structure::kQuasiUpper;
    T* X = w.U;
    if (structured) {  // exp keeps the (quasi-)triangular structure exactly; pivoting may not
        const T* A = w.A;
        for (int i = 1; i < n; ++i)
            for (int j = 0; j < i; ++j)
                if (j < i - 1 || A[static_cast<std::size_t>(i) * n + j] == T(0))
                    X[static_cast<std::size_t>(i) * n + j] = T(0);
        recompute_diagonal(Aorig, X, n, std::ldexp(1.0, -s), st);
    }
    T* Y = w.tmp;
    for (int i = s - 1; i >= 0; --i) {
        ops.mul(X, X, Y);
        std::swap(X, Y);
        if (structured) recompute_diagonal(Aorig, X, n, std::ldexp(1.0, -i), st);
    }
    return X;
}

// out = X (or X^T for transposed input); the status from X's entries (inf: overflow, NaN).
template <class T>
std::int8_t store_result(const T* X, T* out, int n, bool transpose) {
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    bool any_inf = false, any_nan = false;
    // x - x is 0 for finite x and NaN otherwise: one vectorised pass decides whether to look closer.
    const real_t<T>* xs = reinterpret_cast<const real_t<T>*>(X);
    real_t<T> probe = 0;
    for (std::size_t k = 0; k < (is_complex_v<T> ? 2 : 1) * nn; ++k) probe += xs[k] - xs[k];
    for (std::size_t k = 0; probe != 0 && k < nn; ++k) {  // NaN != 0
        if (!is_finite(X[k])) {
            if constexpr (is_complex_v<T>) {
                any_nan = any_nan || std::isnan(X[k].real()) || std::isnan(X[k].imag());
            } else {
                any_nan = any_nan || std::isnan(X[k]);
            }
            any_inf = true;
        }
    }
    if (transpose) {
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) out[static_cast<std::size_t>(i) * n + j] = X[static_cast<std::size_t>(j) * n + i];
    } else {
        std::copy(X, X + nn, out);
    }
    return any_nan ? kNaNResult : (any_inf ? kOverflow : kOk);
}

// exp of a diagonal matrix.
template <class T>
std::int8_t expm_diagonal(const T* A, T* out, int n) {
    std::fill(out, out + static_cast<std::size_t>(n) * n, T(0));
    bool finite = true;
    for (int i = 0; i < n; ++i) {
        out[static_cast<std::size_t>(i) * n + i] = exp_scalar(A[static_cast<std::size_t>(i) * n + i]);
        finite = finite && is_finite(out[static_cast<std::size_t>(i) * n + i]);
    }
    return finite ? kOk : kOverflow;
}

// out = exp(a) for one finite d x d matrix (row-major); w holds the workspace for this d.
template <class T, class Ops>
std::int8_t expm_one(const T* ain, T* out, const Ops& ops, Work<T>& w) {
    const int n = ops.d();
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    // Lower triangular input is handled as its (upper triangular) transpose: expm(A^T) = expm(A)^T.
    const bool transpose = n > 1 && strictly_upper_zero(ain, n) && !(classify(ain, n) == Structure::kDiagonal);
    T* A = w.A;
    if (transpose) {
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) A[static_cast<std::size_t>(j) * n + i] = ain[static_cast<std::size_t>(i) * n + j];
    } else {
        std::copy(ain, ain + nn, A);
    }
    const Structure st = classify(A, n);
    if (st == Structure::kDiagonal) return expm_diagonal(A, out, n);
    // A general (not triangular) 2x2 matrix: closed form, unless it overflows (real 2x2 matrices
    // are classified quasi-triangular).
    if constexpr (Ops::kD == 2) {
        if ((st == Structure::kGeneral || st == Structure::kQuasiUpper) && expm_2x2_closed(A, out)) return kOk;
    }
    abs_entries(A, w.absA, nn);
    const PadeParams p = ParamSelection<T, Ops>(ops, w).select();
    const bool structured = st == Structure::kUpper || st == Structure::kQuasiUpper;
    const T* Aorig = A;  // the unscaled matrix, for the exact diagonal of structured input
    if (p.s > 0 || p.overflowed) Aorig = scale_powers(ops, w, p.s, p.overflowed, structured);
    const int info = pade_evaluate(ops, w, p.m);
    if (info != 0) {
        std::fill(out, out + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
        return info > 0 ? kSingular : kInternal;
    }
    return store_result(square(ops, w, p.s, Aorig, st), out, n, transpose);
}

template <class T>
std::int8_t expm_dispatch(const T* a, T* out, int d, Work<T>& w) {
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    for (std::size_t k = 0; k < nn; ++k) {
        if (!is_finite(a[k])) {
            std::fill(out, out + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
            return kNonFinite;
        }
    }
    switch (d) {
        case 2: return expm_one(a, out, FusedOps<T, 2>{}, w);
        case 3: return expm_one(a, out, DenseOps<T, 3>(), w);
        case 4: return expm_one(a, out, FusedOps<T, 4>{}, w);
        case 5: return expm_one(a, out, DenseOps<T, 5>(), w);
        case 6: return expm_one(a, out, DenseOps<T, 6>(), w);
        case 7: return expm_one(a, out, DenseOps<T, 7>(), w);
        case 8: return expm_one(a, out, FusedOps<T, 8>{}, w);
        case 16:
#if !defined(__AVX512F__)
            // Without AVX-512 the 8-wide double vectors of FusedOps<double, 16> are split in two and
            // BLAS-3 is 3-5x faster for real and complex double (AVX2: 52-79 us against 15-18 us).
            if constexpr (!std::is_same_v<real_t<T>, float>) return expm_one(a, out, DenseOps<T, 0>(d), w);
#endif
            return expm_one(a, out, FusedOps<T, 16>{}, w);
        default:  // d = 9..15 and d > 16: BLAS-3 was measured faster than the fused kernel there
            return expm_one(a, out, DenseOps<T, 0>(d), w);
    }
}

}  // namespace

template <class T>
void expm_batch_isa(const T* a, T* out, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    if (batch <= 0) return;
    if (d == 0) {
        std::fill(status, status + batch, static_cast<std::int8_t>(kOk));
        return;
    }
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    batch_for<Work<T>>(batch, d, split_by_cost(batch, n_threads, static_cast<double>(d) * d * d), status,
                       [&](std::int64_t b, Work<T>& w) { return expm_dispatch(a + b * nn, out + b * nn, d, w); });
}

template void expm_batch_isa<float>(const float*, float*, std::int64_t, int, int, std::int8_t*);
template void expm_batch_isa<double>(const double*, double*, std::int64_t, int, int, std::int8_t*);
template void expm_batch_isa<std::complex<float>>(const std::complex<float>*, std::complex<float>*,
                                              std::int64_t, int, int, std::int8_t*);
template void expm_batch_isa<std::complex<double>>(const std::complex<double>*, std::complex<double>*,
                                               std::int64_t, int, int, std::int8_t*);

NNLA_ISA_END
}  // namespace nnla::matfun
