// Principal matrix square root by the Schur method (see sqrtm.hpp):
//   * complex Schur form: Bjorck & Hammarling, "A Schur method for the square root of a matrix",
//     Linear Algebra Appl. 52/53, 1983 (column-wise recurrence on the triangular factor);
//   * real Schur form: Higham, "Computing real square roots of a real matrix", Linear Algebra
//     Appl. 88/89, 1987 (1x1 and 2x2 diagonal blocks, small Sylvester equations between blocks).
// Real input with a negative real eigenvalue has no real principal square root: it goes through
// the complex Schur form (rsf2csf of the real one) and the result is complex.
#include "matfun/sqrtm.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "core/batch.hpp"
#include "core/isa.hpp"
#include "core/lapack.hpp"
#include "core/status.hpp"
#include "core/traits.hpp"
#include "matfun/schur.hpp"

namespace nnla::matfun {

using cd = std::complex<double>;
using schur::RouteWork;

int sqrtm_triu(const cd* t, cd* r, int n, double tz, double tc, const unsigned char* up) {
    auto T = [&](int i, int j) { return t[i + static_cast<std::size_t>(j) * n]; };
    auto R = [&](int i, int j) -> cd& { return r[i + static_cast<std::size_t>(j) * n]; };
    for (int j = 0; j < n; ++j) {
        for (int i = j + 1; i < n; ++i) R(i, j) = 0.0;
        R(j, j) = (up != nullptr && up[j]) ? -std::sqrt(T(j, j)) : std::sqrt(T(j, j));
    }
    for (int j = 1; j < n; ++j) {
        const bool zj = std::abs(T(j, j)) <= tz;
        for (int i = j - 1; i >= 0; --i) {
            cd s = T(i, j);
            for (int k = i + 1; k < j; ++k) nnla::mul_acc(s, -R(i, k), R(k, j));
            const cd den = R(i, i) + R(j, j);
            if (zj && std::abs(T(i, i)) <= tz) {  // two (numerically) zero eigenvalues
                if (std::abs(s) > tc) return kNoSquareRoot;
                R(i, j) = den == 0.0 ? cd(0.0) : s / den;
            } else if (den == 0.0) {
                if (std::abs(s) > tc) return kNoSquareRoot;
                R(i, j) = 0.0;
            } else {
                R(i, j) = s / den;
            }
        }
    }
    return kOk;
}

namespace {

// Principal square root of a real 2x2 block with complex-conjugate eigenvalues th +- i mu:
// alpha I + (B - th I) / (2 alpha), alpha = Re sqrt(th + i mu) (Higham 1987, Lemma 2).
void sqrt_block2(double a, double b, double c, double e, double* r) {
    const double th = 0.5 * (a + e), h = 0.5 * (a - e);
    // mu = sqrt(-(h^2 + b c)) on the block scaled to max entry 1 (no underflow / overflow of the
    // squares for blocks of very small or large norm).
    const double sc = std::max(std::max(std::abs(h), std::abs(b)), std::abs(c));
    const double hs = h / sc, bs = b / sc, cs = c / sc;
    const double mu = sc * std::sqrt(std::max(0.0, -(hs * hs + bs * cs)));
    const double rho = std::hypot(th, mu);
    double alpha;
    if (th >= 0.0) {
        alpha = std::sqrt(0.5 * (th + rho));
    } else {
        const double beta = std::sqrt(0.5 * (rho - th));
        alpha = mu / (2.0 * beta);
    }
    const double f = 1.0 / (2.0 * alpha);
    r[0] = alpha + f * (a - th);  // (0, 0)
    r[1] = f * c;                 // (1, 0)
    r[2] = f * b;                 // (0, 1)
    r[3] = alpha + f * (e - th);  // (1, 1)
}

// Solve R_ii X + X R_jj = C for X (p x q, p, q in {1, 2}), column-major small blocks; Gaussian
// elimination with partial pivoting on the Kronecker system. Returns false if it is singular.
bool small_sylvester(const double* rii, int p, const double* rjj, int q, double* c) {
    const int m = p * q;
    double M[16] = {}, x[4];
    for (int b = 0; b < q; ++b)
        for (int a = 0; a < p; ++a) {
            const int row = a + p * b;
            for (int cc = 0; cc < p; ++cc) M[row * 4 + (cc + p * b)] += rii[a + p * cc];
            for (int dd = 0; dd < q; ++dd) M[row * 4 + (a + p * dd)] += rjj[dd + q * b];
            x[row] = c[a + p * b];
        }
    for (int k = 0; k < m; ++k) {
        int piv = k;
        for (int i = k + 1; i < m; ++i)
            if (std::abs(M[i * 4 + k]) > std::abs(M[piv * 4 + k])) piv = i;
        if (M[piv * 4 + k] == 0.0) return false;
        if (piv != k) {
            for (int j = 0; j < m; ++j) std::swap(M[k * 4 + j], M[piv * 4 + j]);
            std::swap(x[k], x[piv]);
        }
        for (int i = k + 1; i < m; ++i) {
            const double l = M[i * 4 + k] / M[k * 4 + k];
            for (int j = k; j < m; ++j) M[i * 4 + j] -= l * M[k * 4 + j];
            x[i] -= l * x[k];
        }
    }
    for (int k = m - 1; k >= 0; --k) {
        double s = x[k];
        for (int j = k + 1; j < m; ++j) s -= M[k * 4 + j] * x[j];
        x[k] = s / M[k * 4 + k];
    }
    for (int k = 0; k < m; ++k) c[k] = x[k];
    return true;
}

}  // namespace

int sqrtm_quasi_triu(const double* t, double* r, int n, double tz, double tc, int* blocks) {
    auto T = [&](int i, int j) { return t[i + static_cast<std::size_t>(j) * n]; };
    auto R = [&](int i, int j) -> double& { return r[i + static_cast<std::size_t>(j) * n]; };
    // Diagonal blocks: start and size.
    int* st = blocks;
    int* sz = blocks + n;
    int nb = 0;
    for (int j = 0; j < n;) {
        const int s = (j + 1 < n && T(j + 1, j) != 0.0) ? 2 : 1;
        st[nb] = j;
        sz[nb] = s;
        ++nb;
        j += s;
    }
    // r starts as the block upper triangle of t (the right-hand sides of the recurrence), zero below
    // the diagonal blocks.
    for (int k = 0; k < nb; ++k) {
        const int j0 = st[k];
        for (int b = 0; b < sz[k]; ++b) {
            const int j = j0 + b;
            for (int i = 0; i < j0; ++i) R(i, j) = T(i, j);
            for (int i = j0; i < n; ++i) R(i, j) = 0.0;
        }
    }
    for (int k = 0; k < nb; ++k) {
        const int j = st[k];
        if (sz[k] == 1) {
            R(j, j) = std::sqrt(T(j, j));  // T(j, j) >= 0 here
        } else {
            double blk[4];
            sqrt_block2(T(j, j), T(j, j + 1), T(j + 1, j), T(j + 1, j + 1), blk);
            R(j, j) = blk[0];
            R(j + 1, j) = blk[1];
            R(j, j + 1) = blk[2];
            R(j + 1, j + 1) = blk[3];
        }
    }
    // Column-oriented recurrence: block column J bottom-up; once the block (I, J) is known, its
    // contribution R(0:i0, I) R(I, J) is subtracted from the rows above (contiguous column axpys,
    // where the row-oriented form R(i, i0+p:j0) R(i0+p:j0, j) strides through R).
    for (int J = 1; J < nb; ++J) {
        const int j0 = st[J], q = sz[J];
        for (int I = J - 1; I >= 0; --I) {
            const int i0 = st[I], p = sz[I];
            double c[4];
            for (int b = 0; b < q; ++b)
                for (int a = 0; a < p; ++a) c[a + p * b] = R(i0 + a, j0 + b);
            if (p == 1 && q == 1) {
                const double den = R(i0, i0) + R(j0, j0);
                const bool zero_pair = std::abs(T(i0, i0)) <= tz && std::abs(T(j0, j0)) <= tz;
                if (zero_pair || den == 0.0) {
                    if (std::abs(c[0]) > tc) return kNoSquareRoot;
                    c[0] = den == 0.0 ? 0.0 : c[0] / den;
                } else {
                    c[0] = c[0] / den;
                }
            } else {
                double rii[4], rjj[4];
                for (int a = 0; a < p; ++a)
                    for (int b = 0; b < p; ++b) rii[a + p * b] = R(i0 + a, i0 + b);
                for (int a = 0; a < q; ++a)
                    for (int b = 0; b < q; ++b) rjj[a + q * b] = R(j0 + a, j0 + b);
                if (!small_sylvester(rii, p, rjj, q, c)) return kNoSquareRoot;
            }
            for (int b = 0; b < q; ++b) {
                double* dst = &R(0, j0 + b);
                for (int a = 0; a < p; ++a) {
                    const double f = c[a + p * b];
                    dst[i0 + a] = f;
                    const double* src = &R(0, i0 + a);
                    for (int i = 0; i < i0; ++i) dst[i] -= src[i] * f;
                }
            }
        }
    }
    return kOk;
}

double zero_eigenvalue_tol(const double* t, int n) {
    // Real quasi-triangular: |lambda| of a 2x2 block is sqrt(det).
    double rho = 0.0;
    for (int j = 0; j < n;) {
        const double a = t[j + static_cast<std::size_t>(j) * n];
        if (j + 1 < n && t[j + 1 + static_cast<std::size_t>(j) * n] != 0.0) {
            const double b = t[j + static_cast<std::size_t>(j + 1) * n];
            const double c = t[j + 1 + static_cast<std::size_t>(j) * n];
            const double e = t[j + 1 + static_cast<std::size_t>(j + 1) * n];
            // |lambda| = sqrt(|det|), on the block scaled to max entry 1 (no overflow / underflow)
            const double sc = std::max(std::max(std::abs(a), std::abs(e)), std::max(std::abs(b), std::abs(c)));
            const double as = a / sc, bs = b / sc, cs = c / sc, es = e / sc;
            rho = std::max(rho, sc * std::sqrt(std::abs(as * es - bs * cs)));
            j += 2;
        } else {
            rho = std::max(rho, std::abs(a));
            j += 1;
        }
    }
    return n * 0x1p-53 * rho;
}

double zero_eigenvalue_tol(const cd* t, int n) {
    double rho = 0.0;
    for (int j = 0; j < n; ++j) rho = std::max(rho, std::abs(t[j + static_cast<std::size_t>(j) * n]));
    return n * 0x1p-53 * rho;
}

double coupling_tol(double fro_norm, int n) { return 4.0 * n * 0x1p-53 * fro_norm; }

namespace {

// Complex route from the complex Schur form in w.ca (T) and w.cz (Z): result in w.cx.
int complex_route(RouteWork& w) {
    const int n = w.n;
    schur::normalise_diagonal(w.ca.data(), n);
    const double tz = zero_eigenvalue_tol(w.ca.data(), n);
    const double tc = coupling_tol(schur::fro_norm(w.ca.data(), n), n);
    schur::cut_branch(w.ca.data(), n, w.up.data(), w.cutw.data());
    const int st = sqrtm_triu(w.ca.data(), w.cx.data(), n, tz, tc, w.up.data());
    if (st != kOk) return st;
    schur::back_transform(w.cz.data(), w.cx.data(), w.ctmp.data(), n);
    return schur::all_finite(w.cx.data(), n) ? kOk : kNaNResult;
}

}  // namespace

namespace {
// Real route: the real quasi-triangular square root of the real Schur form (w.rt, w.rz) -> w.rx.
int real_route(RouteWork& w) {
    const int n = w.n;
    const double tz = zero_eigenvalue_tol(w.rt.data(), n);
    const double tc = coupling_tol(schur::fro_norm(w.rt.data(), n), n);
    const int st = sqrtm_quasi_triu(w.rt.data(), w.rx.data(), n, tz, tc, w.iblk.data());
    if (st != kOk) return st;
    schur::back_transform(w.rz.data(), w.rx.data(), w.rtmp.data(), n);
    return schur::all_finite(w.rx.data(), n) ? kOk : kNaNResult;
}
}  // namespace

namespace {

// sqrt(x^2 + y^2) as LAPACK's dlapy2 (no spurious overflow / underflow).
inline double lapy2(double x, double y) {
    const double xa = std::abs(x), ya = std::abs(y);
    const double w = std::max(xa, ya), z = std::min(xa, ya);
    if (z == 0.0 || !(w <= std::numeric_limits<double>::max())) return w;
    const double q = z / w;
    return w * std::sqrt(1.0 + q * q);
}

// LAPACK's dlanv2 (3.12), transcribed: the Schur factorization of a real 2x2 matrix in standardised
// form, [[a, b], [c, d]] = [[cs, -sn], [sn, cs]] [[aa, bb], [cc, dd]] [[cs, sn], [-sn, cs]] with
// (aa, bb, cc, dd) overwriting (a, b, c, d): cc = 0 (real eigenvalues), or aa = dd and bb cc < 0
// (a complex-conjugate pair). The Fortran routine costs ~80 ns a call here (three dlamch calls with
// their string comparisons), more than the rest of the 2x2 square root together.
void lanv2(double& a, double& b, double& c, double& d, double& cs, double& sn) {
    constexpr double kEps = 0x1p-52;       // dlamch('P')
    constexpr double kSafmn2 = 0x1p-485;   // base^int(log(safmin / eps) / log(base) / 2)
    constexpr double kSafmx2 = 0x1p+485;
    constexpr double kMultpl = 4.0;
    if (c == 0.0) {
        cs = 1.0;
        sn = 0.0;
    } else if (b == 0.0) {  // swap rows and columns
        cs = 0.0;
        sn = 1.0;
        const double temp = d;
        d = a;
        a = temp;
        b = -c;
        c = 0.0;
    } else if (a - d == 0.0 && std::copysign(1.0, b) != std::copysign(1.0, c)) {
        cs = 1.0;
        sn = 0.0;
    } else {
        double temp = a - d;
        double p = 0.5 * temp;
        const double bcmax = std::max(std::abs(b), std::abs(c));
        const double bcmis = std::min(std::abs(b), std::abs(c)) * std::copysign(1.0, b) * std::copysign(1.0, c);
        double scale = std::max(std::abs(p), bcmax);
        double z = (p / scale) * p + (bcmax / scale) * bcmis;
        if (z >= kMultpl * kEps) {  // real eigenvalues: compute a and d
            z = p + std::copysign(std::sqrt(scale) * std::sqrt(z), p);
            a = d + z;
            d = d - (bcmax / z) * bcmis;
            const double tau = lapy2(c, z);
            cs = z / tau;
            sn = c / tau;
            b = b - c;
            c = 0.0;
        } else {  // complex or (almost) equal real eigenvalues: make the diagonal elements equal
            int count = 0;
            double sigma = b + c;
            for (;;) {
                ++count;
                scale = std::max(std::abs(temp), std::abs(sigma));
                if (scale >= kSafmx2) {
                    sigma *= kSafmn2;
                    temp *= kSafmn2;
                    if (count <= 20) continue;
                }
                if (scale <= kSafmn2) {
                    sigma *= kSafmx2;
                    temp *= kSafmx2;
                    if (count <= 20) continue;
                }
                break;
            }
            p = 0.5 * temp;
            double tau = lapy2(sigma, temp);
            cs = std::sqrt(0.5 * (1.0 + std::abs(sigma) / tau));
            sn = -(p / (tau * cs)) * std::copysign(1.0, sigma);
            // [[aa, bb], [cc, dd]] = [[a, b], [c, d]] [[cs, -sn], [sn, cs]]
            const double aa = a * cs + b * sn, bb = -a * sn + b * cs;
            const double cc = c * cs + d * sn, dd = -c * sn + d * cs;
            // [[a, b], [c, d]] = [[cs, sn], [-sn, cs]] [[aa, bb], [cc, dd]]
            a = aa * cs + cc * sn;
            b = bb * cs + dd * sn;
            c = -aa * sn + cc * cs;
            d = -bb * sn + dd * cs;
            temp = 0.5 * (a + d);
            a = temp;
            d = temp;
            if (c != 0.0) {
                if (b != 0.0) {
                    if (std::copysign(1.0, b) == std::copysign(1.0, c)) {  // real: upper triangular
                        const double sab = std::sqrt(std::abs(b)), sac = std::sqrt(std::abs(c));
                        p = std::copysign(sab * sac, c);
                        tau = 1.0 / std::sqrt(std::abs(b + c));
                        a = temp + p;
                        d = temp - p;
                        b = b - c;
                        c = 0.0;
                        const double cs1 = sab * tau, sn1 = sac * tau;
                        temp = cs * cs1 - sn * sn1;
                        sn = cs * sn1 + sn * cs1;
                        cs = temp;
                    }
                } else {
                    b = -c;
                    c = 0.0;
                    temp = cs;
                    cs = -sn;
                    sn = temp;
                }
            }
        }
    }
}

// d = 2, real input (row-major a, x): the real Schur form by one rotation (dlanv2 as above, the
// algorithm of SchurWork::real_schur), the square root of the standardised 2x2 factor (two 1x1 blocks, or one
// block with a complex-conjugate pair: sqrt_block2) and X = Z R Z^T, all in registers: the real
// Schur route of sqrtm_quasi_triu without the per-matrix overhead (workspace, BLAS calls, loops).
// Returns an nnla::Status code, or schur::kComplexNeeded for a negative real eigenvalue.
int sqrtm2_real(const double* a, double* x) {
    double t00 = a[0], t01 = a[1], t10 = a[2], t11 = a[3];
    if (!(std::isfinite(t00) && std::isfinite(t01) && std::isfinite(t10) && std::isfinite(t11)))
        return kNonFinite;
    double cs = 1.0, sn = 0.0;
    lanv2(t00, t01, t10, t11, cs, sn);  // [[a00, a01], [a10, a11]] = Z T Z^T
    double r00, r01, r10, r11;
    if (t10 != 0.0 && t00 < 0.0 && std::sqrt(std::abs(t01)) * std::sqrt(std::abs(t10)) <= -t00) {
        // a pair near the negative real axis: the complex route if it lies on the cut up to rounding
        const double tcol[4] = {t00, t10, t01, t11}, zcol[4] = {cs, sn, -sn, cs};
        cd tc[4], zc[4], work[4];
        unsigned char up[2];
        if (schur::needs_complex_route(tcol, zcol, 2, tc, zc, up, work)) return schur::kComplexNeeded;
    }
    if (t10 != 0.0) {
        double blk[4];
        sqrt_block2(t00, t01, t10, t11, blk);
        r00 = blk[0];
        r10 = blk[1];
        r01 = blk[2];
        r11 = blk[3];
    } else {
        if (t00 < 0.0 || t11 < 0.0) return schur::kComplexNeeded;
        const double tcol[4] = {t00, 0.0, t01, t11};
        const double tz = zero_eigenvalue_tol(tcol, 2);
        const double tc = coupling_tol(schur::fro_norm(tcol, 2), 2);
        r00 = std::sqrt(t00);
        r11 = std::sqrt(t11);
        r10 = 0.0;
        const double den = r00 + r11;
        if ((t00 <= tz && t11 <= tz) || den == 0.0) {
            if (std::abs(t01) > tc) return kNoSquareRoot;
            r01 = den == 0.0 ? 0.0 : t01 / den;
        } else {
            r01 = t01 / den;
        }
    }
    // M = Z R, X = M Z^T with Z = [[cs, -sn], [sn, cs]].
    const double m00 = cs * r00 - sn * r10, m01 = cs * r01 - sn * r11;
    const double m10 = sn * r00 + cs * r10, m11 = sn * r01 + cs * r11;
    x[0] = m00 * cs - m01 * sn;
    x[1] = m00 * sn + m01 * cs;
    x[2] = m10 * cs - m11 * sn;
    x[3] = m10 * sn + m11 * cs;
    const bool finite = std::isfinite(x[0]) && std::isfinite(x[1]) && std::isfinite(x[2]) && std::isfinite(x[3]);
    return finite ? kOk : kNaNResult;
}

template <class R>
void sqrtm2_real_batch(const R* a, R* out, std::int64_t batch, int n_threads, std::int8_t* status) {
    batch_for<NoWork>(batch, 2, split_even(batch, n_threads, 256), status, [&](std::int64_t b, NoWork&) -> int {
        double ab[4], xb[4];
        for (int k = 0; k < 4; ++k) ab[k] = static_cast<double>(a[4 * b + k]);
        const int st = sqrtm2_real(ab, xb);
        if (st == schur::kComplexNeeded) return st;
        if (st == kOk) {
            for (int k = 0; k < 4; ++k) out[4 * b + k] = static_cast<R>(xb[k]);
        } else {
            schur::fill_nan(out + 4 * b, 4);
        }
        return st;
    });
}

}  // namespace

NNLA_ISA_DECLARE(bool sqrtm_newton_isa(const double* a, double* x, int d);
                 bool sqrtm_newton_isa(const cd* a, cd* x, int d);)

bool sqrtm_newton(const double* a, double* x, int d) { return NNLA_ISA_CALL(sqrtm_newton_isa, a, x, d); }
bool sqrtm_newton(const cd* a, cd* x, int d) { return NNLA_ISA_CALL(sqrtm_newton_isa, a, x, d); }

namespace {

// Per-thread workspace of the batches with the Newton fast path: the Schur route's, plus
// double-precision row-major copies of one matrix and of its root.
struct NewtonRouteWork : RouteWork {
    std::vector<cd> in, root;
    explicit NewtonRouteWork(int d) : RouteWork(d), in(static_cast<std::size_t>(d) * d), root(in.size()) {}
};

bool use_newton(int d) { return d >= kNewtonMinOrder && d <= kNewtonMaxOrder; }

// The fast path on matrix a (row-major, nn entries of T): widened to double precision (W = double or
// cd), the root rounded into out. Returns false where the Schur method must decide.
template <class W, class T>
bool try_newton(const T* a, T* out, int d, NewtonRouteWork& w) {
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    W* in = reinterpret_cast<W*>(w.in.data());
    W* root = reinterpret_cast<W*>(w.root.data());
    for (std::size_t q = 0; q < nn; ++q) in[q] = static_cast<W>(a[q]);
    if (!sqrtm_newton(in, root, d)) return false;
    for (std::size_t q = 0; q < nn; ++q) out[q] = static_cast<T>(root[q]);
    return true;
}

// The real pass of sqrtm_real_batch: real results, kComplexNeeded where the root is complex.
template <class R>
void real_pass(const R* a, R* out, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    if (d == 2) return sqrtm2_real_batch(a, out, batch, n_threads, status);
    if (!use_newton(d))
        return schur::real_input_batch<RouteWork>(a, out, batch, d, n_threads, status, real_route);
    // As schur::real_input_batch, with the fast path tried first on each matrix.
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    schur::for_batch<NewtonRouteWork>(batch, d, n_threads, status, [&](std::int64_t b, NewtonRouteWork& w) -> int {
        R* ob = out + b * nn;
        int st;
        if (try_newton<double>(a + b * nn, ob, d, w)) {
            st = kOk;
        } else if (!schur::load_colmajor(a + b * nn, d, w.rt.data())) {
            st = kNonFinite;
        } else {
            const int info = w.schur.real_schur(w.rt.data(), w.rz.data());
            if (info != 0) {
                st = schur::info_status(info);
            } else if (schur::needs_complex_route(w.rt.data(), w.rz.data(), d, w.ca.data(), w.cz.data(),
                                                  w.up.data(), w.cutw.data())) {
                return schur::kComplexNeeded;
            } else {
                st = real_route(w);
                if (st == 0) schur::store_rowmajor(w.rx.data(), d, ob);
            }
        }
        if (st != 0) schur::fill_nan(ob, nn);
        return st;
    });
}

// The complex pass: matrices idx[0..count) of real input, complex output.
template <class R>
void complex_pass(const R* a, std::complex<R>* out, const std::int64_t* idx, std::int64_t count, int d,
                  int n_threads, std::int8_t* status) {
    schur::real_input_complex_batch<RouteWork>(a, out, idx, count, d, n_threads, status, complex_route);
}

}  // namespace

template <class R>
std::complex<R>* sqrtm_real_batch(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                                  std::int8_t* status, const ComplexOut<R>& complex_out) {
    return schur::real_then_complex(a, out, batch, d, n_threads, status, complex_out, real_pass<R>,
                                    complex_pass<R>);
}

template <class T>
void sqrtm_complex_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    if (!use_newton(d))
        return schur::complex_input_batch<RouteWork>(a, out, batch, d, n_threads, status, complex_route);
    // As schur::complex_input_batch, with the fast path tried first on each matrix.
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    schur::for_batch<NewtonRouteWork>(batch, d, n_threads, status, [&](std::int64_t b, NewtonRouteWork& w) -> int {
        T* ob = out + b * nn;
        int st;
        if (try_newton<cd>(a + b * nn, ob, d, w)) {
            st = kOk;
        } else if (!schur::load_colmajor(a + b * nn, d, w.ca.data())) {
            st = kNonFinite;
        } else {
            const int info = w.schur.complex_schur(w.ca.data(), w.cz.data());
            if (info != 0) {
                st = schur::info_status(info);
            } else {
                st = complex_route(w);
                if (st == 0) schur::store_rowmajor(w.cx.data(), d, ob);
            }
        }
        if (st != 0) schur::fill_nan(ob, nn);
        return st;
    });
}

template std::complex<float>* sqrtm_real_batch<float>(const float*, float*, std::int64_t, int, int,
                                                      std::int8_t*, const ComplexOut<float>&);
template cd* sqrtm_real_batch<double>(const double*, double*, std::int64_t, int, int, std::int8_t*,
                                      const ComplexOut<double>&);
template void sqrtm_complex_batch<std::complex<float>>(const std::complex<float>*, std::complex<float>*,
                                                       std::int64_t, int, int, std::int8_t*);
template void sqrtm_complex_batch<cd>(const cd*, cd*, std::int64_t, int, int, std::int8_t*);

}  // namespace nnla::matfun
