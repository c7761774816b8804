// The QR iteration of the real Schur factorization for small matrices (see schur.hpp, kDirectMax):
// a transcription of LAPACK's dlahqr with wantt = wantz (Francis double-shift QR with the same
// shifts, exceptional shifts, Ahues-Kressner deflation and dlanv2 standardisation of the 2x2
// blocks), without its per-call overhead (dlamch, dlarfg / dnrm2 / dlapy2 calls) and with fixed-size
// instances for small orders; and for n <= kHessSmallMax the Householder reduction to Hessenberg
// form with its orthogonal factor (dgehd2 + dorg2r without BLAS calls). Compiled once per ISA
// level (schur.cpp dispatches).
#include "core/isa.hpp"

// No contraction into fused multiply-adds: every ISA variant rounds like the baseline build (and
// like LAPACK's dlahqr), so the computed Schur form does not depend on the CPU.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "core/lapack.hpp"
#include "matfun/schur.hpp"

namespace nnla::matfun::schur {
NNLA_ISA_BEGIN

namespace {

// ---- Hand-written real Schur factorization for small n (no LAPACK call overhead) ----

constexpr double kSafMin = std::numeric_limits<double>::min();
constexpr double kUlp = 0x1p-52;  // dlamch('P')

// sqrt(sum x_k^2) for k < m without spurious overflow / underflow.
inline double norm2(const double* x, int m, int inc) {
    double mx = 0.0;
    for (int k = 0; k < m; ++k) mx = std::max(mx, std::abs(x[k * inc]));
    if (mx == 0.0 || !(mx < std::numeric_limits<double>::infinity())) return mx;
    double s = 0.0;
    if (mx > 0x1p-450 && mx < 0x1p+450) {
        for (int k = 0; k < m; ++k) s += x[k * inc] * x[k * inc];
        return std::sqrt(s);
    }
    for (int k = 0; k < m; ++k) {
        const double v = x[k * inc] / mx;
        s += v * v;
    }
    return mx * std::sqrt(s);
}

// sqrt(a^2 + b^2) without spurious overflow / underflow, as LAPACK's dlapy2 (std::hypot is slow).
inline double hypot2(double a, double b) {
    const double x = std::abs(a), y = std::abs(b);
    const double w = std::max(x, y), zz = std::min(x, y);
    if (zz == 0.0 || !(w < std::numeric_limits<double>::infinity())) return w;
    const double q = zz / w;
    return w * std::sqrt(1.0 + q * q);
}

// dlarfg: H = I - tau [1; v] [1; v]^T with H [alpha; x] = [beta; 0]; alpha <- beta, x <- v.
inline double larfg(int m, double& alpha, double* x, int inc) {
    if (m <= 1) return 0.0;
    double xnorm = norm2(x, m - 1, inc);
    if (xnorm == 0.0) return 0.0;
    double beta = -std::copysign(hypot2(alpha, xnorm), alpha);
    const double safmin = kSafMin / 0x1p-53;
    int knt = 0;
    if (std::abs(beta) < safmin) {
        const double rsafmn = 1.0 / safmin;
        do {
            ++knt;
            for (int k = 0; k < m - 1; ++k) x[k * inc] *= rsafmn;
            beta *= rsafmn;
            alpha *= rsafmn;
        } while (std::abs(beta) < safmin && knt < 20);
        xnorm = norm2(x, m - 1, inc);
        beta = -std::copysign(hypot2(alpha, xnorm), alpha);
    }
    const double tau = (beta - alpha) / beta;
    const double sc = 1.0 / (alpha - beta);
    for (int k = 0; k < m - 1; ++k) x[k * inc] *= sc;
    for (int j = 0; j < knt; ++j) beta *= safmin;
    alpha = beta;
    return tau;
}

// Householder reduction to upper Hessenberg form, A = Z H Z^T (column-major n x n; a is
// overwritten by H with zeros below the subdiagonal). v: scratch of length n.
// dlahqr (LAPACK 3.12) with wantt = wantz = true on the whole matrix: H (upper Hessenberg) <- T,
// the real Schur form with standardised 2x2 blocks (dlanv2), Z <- Z Q. Returns 0, or i + 1 > 0
// (LAPACK's info) if the QR iteration did not converge for eigenvalue i.
template <int N>
int lahqr_small(double* h, double* z, int n_rt) {
    const int n = N > 0 ? N : n_rt;
    auto H = [&](int i, int j) -> double& { return h[i + static_cast<std::size_t>(j) * n]; };
    auto Z = [&](int i, int j) -> double& { return z[i + static_cast<std::size_t>(j) * n]; };
    if (n <= 1) return 0;
    for (int j = 0; j + 3 < n; ++j) {
        H(j + 2, j) = 0.0;
        H(j + 3, j) = 0.0;
    }
    if (n >= 3) H(n - 1, n - 3) = 0.0;
    const int nh = n;
    const double smlnum = kSafMin * (static_cast<double>(nh) / kUlp);
    const int i1 = 0, i2 = n - 1;
    const int itmax = 30 * std::max(10, nh);
    constexpr double dat1 = 0.75, dat2 = -0.4375;
    constexpr int kexsh = 10;
    int kdefl = 0;
    int i = n - 1;
    while (i >= 0) {
        int l = 0;
        bool converged = false;
        for (int its = 0; its <= itmax; ++its) {
            int k;
            for (k = i; k > l; --k) {
                if (std::abs(H(k, k - 1)) <= smlnum) break;
                double tst = std::abs(H(k - 1, k - 1)) + std::abs(H(k, k));
                if (tst == 0.0) {
                    if (k - 2 >= 0) tst += std::abs(H(k - 1, k - 2));
                    if (k + 1 <= n - 1) tst += std::abs(H(k + 1, k));
                }
                if (std::abs(H(k, k - 1)) <= kUlp * tst) {
                    const double ab = std::max(std::abs(H(k, k - 1)), std::abs(H(k - 1, k)));
                    const double ba = std::min(std::abs(H(k, k - 1)), std::abs(H(k - 1, k)));
                    const double aa = std::max(std::abs(H(k, k)), std::abs(H(k - 1, k - 1) - H(k, k)));
                    const double bb = std::min(std::abs(H(k, k)), std::abs(H(k - 1, k - 1) - H(k, k)));
                    const double s = aa + ab;
                    if (ba * (ab / s) <= std::max(smlnum, kUlp * (bb * (aa / s)))) break;
                }
            }
            l = k;
            if (l > 0) H(l, l - 1) = 0.0;
            if (l >= i - 1) {
                converged = true;
                break;
            }
            ++kdefl;
            double h11, h12, h21, h22;
            if (kdefl % (2 * kexsh) == 0) {  // exceptional shift
                const double s = std::abs(H(i, i - 1)) + std::abs(H(i - 1, i - 2));
                h11 = dat1 * s + H(i, i);
                h12 = dat2 * s;
                h21 = s;
                h22 = h11;
            } else if (kdefl % kexsh == 0) {  // exceptional shift
                const double s = std::abs(H(l + 1, l)) + std::abs(H(l + 2, l + 1));
                h11 = dat1 * s + H(l, l);
                h12 = dat2 * s;
                h21 = s;
                h22 = h11;
            } else {  // Francis double shift
                h11 = H(i - 1, i - 1);
                h21 = H(i, i - 1);
                h12 = H(i - 1, i);
                h22 = H(i, i);
            }
            double rt1r, rt1i, rt2r, rt2i;
            {
                const double s = std::abs(h11) + std::abs(h12) + std::abs(h21) + std::abs(h22);
                if (s == 0.0) {
                    rt1r = rt1i = rt2r = rt2i = 0.0;
                } else {
                    h11 /= s;
                    h21 /= s;
                    h12 /= s;
                    h22 /= s;
                    const double tr = (h11 + h22) / 2.0;
                    const double det = (h11 - tr) * (h22 - tr) - h12 * h21;
                    const double rtdisc = std::sqrt(std::abs(det));
                    if (det >= 0.0) {
                        rt1r = tr * s;
                        rt2r = rt1r;
                        rt1i = rtdisc * s;
                        rt2i = -rt1i;
                    } else {
                        rt1r = tr + rtdisc;
                        rt2r = tr - rtdisc;
                        if (std::abs(rt1r - h22) <= std::abs(rt2r - h22)) {
                            rt1r *= s;
                            rt2r = rt1r;
                        } else {
                            rt2r *= s;
                            rt1r = rt2r;
                        }
                        rt1i = rt2i = 0.0;
                    }
                }
            }
            // Two consecutive small subdiagonal elements.
            double v[3];
            int m;
            for (m = i - 2; m >= l; --m) {
                double h21s = H(m + 1, m);
                double s = std::abs(H(m, m) - rt2r) + std::abs(rt2i) + std::abs(h21s);
                h21s = H(m + 1, m) / s;
                v[0] = h21s * H(m, m + 1) + (H(m, m) - rt1r) * ((H(m, m) - rt2r) / s) - rt1i * (rt2i / s);
                v[1] = h21s * (H(m, m) + H(m + 1, m + 1) - rt1r - rt2r);
                v[2] = h21s * H(m + 2, m + 1);
                s = std::abs(v[0]) + std::abs(v[1]) + std::abs(v[2]);
                v[0] /= s;
                v[1] /= s;
                v[2] /= s;
                if (m == l) break;
                const double h00 = std::abs(H(m, m - 1)) * (std::abs(v[1]) + std::abs(v[2]));
                const double h01 = kUlp * std::abs(v[0]) *
                                   (std::abs(H(m - 1, m - 1)) + std::abs(H(m, m)) + std::abs(H(m + 1, m + 1)));
                if (h00 <= h01) break;
            }
            // Double-shift QR step.
            for (int kk = m; kk <= i - 1; ++kk) {
                const int nr = std::min(3, i - kk + 1);
                if (kk > m)
                    for (int r = 0; r < nr; ++r) v[r] = H(kk + r, kk - 1);
                const double t1 = larfg(nr, v[0], v + 1, 1);
                if (kk > m) {
                    H(kk, kk - 1) = v[0];
                    H(kk + 1, kk - 1) = 0.0;
                    if (kk < i - 1) H(kk + 2, kk - 1) = 0.0;
                } else if (m > l) {
                    H(kk, kk - 1) *= (1.0 - t1);
                }
                const double v2 = v[1], t2 = t1 * v2;
                if (nr == 3) {
                    const double v3 = v[2], t3 = t1 * v3;
                    for (int j = kk; j <= i2; ++j) {
                        double* hj = &H(kk, j);
                        const double sum = hj[0] + v2 * hj[1] + v3 * hj[2];
                        hj[0] -= sum * t1;
                        hj[1] -= sum * t2;
                        hj[2] -= sum * t3;
                    }
                    double* c0 = &H(0, kk);
                    double* c1 = &H(0, kk + 1);
                    double* c2 = &H(0, kk + 2);
                    const int jm = std::min(kk + 3, i);
                    for (int j = i1; j <= jm; ++j) {
                        const double sum = c0[j] + v2 * c1[j] + v3 * c2[j];
                        c0[j] -= sum * t1;
                        c1[j] -= sum * t2;
                        c2[j] -= sum * t3;
                    }
                    double* z0 = &Z(0, kk);
                    double* z1 = &Z(0, kk + 1);
                    double* z2 = &Z(0, kk + 2);
                    for (int j = 0; j < n; ++j) {
                        const double sum = z0[j] + v2 * z1[j] + v3 * z2[j];
                        z0[j] -= sum * t1;
                        z1[j] -= sum * t2;
                        z2[j] -= sum * t3;
                    }
                } else if (nr == 2) {
                    for (int j = kk; j <= i2; ++j) {
                        double* hj = &H(kk, j);
                        const double sum = hj[0] + v2 * hj[1];
                        hj[0] -= sum * t1;
                        hj[1] -= sum * t2;
                    }
                    double* c0 = &H(0, kk);
                    double* c1 = &H(0, kk + 1);
                    for (int j = i1; j <= i; ++j) {
                        const double sum = c0[j] + v2 * c1[j];
                        c0[j] -= sum * t1;
                        c1[j] -= sum * t2;
                    }
                    double* z0 = &Z(0, kk);
                    double* z1 = &Z(0, kk + 1);
                    for (int j = 0; j < n; ++j) {
                        const double sum = z0[j] + v2 * z1[j];
                        z0[j] -= sum * t1;
                        z1[j] -= sum * t2;
                    }
                }
            }
        }
        if (!converged) return i + 1;
        if (l == i - 1) {  // a 2x2 block: standardise it (dlanv2) and apply the rotation
            double cs = 1.0, sn = 0.0;
            lapack::lanv2(H(i - 1, i - 1), H(i - 1, i), H(i, i - 1), H(i, i), cs, sn);
            for (int j = i + 1; j <= i2; ++j) {  // rows i-1, i
                const double x = H(i - 1, j), y = H(i, j);
                H(i - 1, j) = cs * x + sn * y;
                H(i, j) = cs * y - sn * x;
            }
            for (int j = i1; j <= i - 2; ++j) {  // columns i-1, i
                const double x = H(j, i - 1), y = H(j, i);
                H(j, i - 1) = cs * x + sn * y;
                H(j, i) = cs * y - sn * x;
            }
            for (int j = 0; j < n; ++j) {
                const double x = Z(j, i - 1), y = Z(j, i);
                Z(j, i - 1) = cs * x + sn * y;
                Z(j, i) = cs * y - sn * x;
            }
        }
        kdefl = 0;
        i = l - 1;
    }
    return 0;
}

// dgehd2 + dorghr (ilo = 1, ihi = n) without LAPACK's per-call overhead (a dlarfg and two dlarf,
// i.e. BLAS gemv/ger calls, per column): A = Z H Z^T with H upper Hessenberg (overwriting a, zeros
// below the subdiagonal) and Z the product of the Householder reflectors (column-major n x n).
// The same reflectors as dgehd2 (larfg); the updates as dlarf's w = C v, C -= tau w v^T (right)
// and w = C^T v, C -= tau v w^T (left), in column-contiguous loops. tau, w: scratch of length n.
void hessenberg_small(double* a, double* z, int n, double* tau, double* w) {
    auto A = [&](int i, int j) -> double& { return a[i + static_cast<std::size_t>(j) * n]; };
    auto Z = [&](int i, int j) -> double& { return z[i + static_cast<std::size_t>(j) * n]; };
    for (int i = 0; i + 2 < n; ++i) {
        // Reflector annihilating A(i+2:n, i); v = [1; A(i+2:n, i)] on rows i+1..n-1.
        const int m = n - i - 1;
        double alpha = A(i + 1, i);
        const double t = larfg(m, alpha, &A(i + 2, i), 1);
        tau[i] = t;
        A(i + 1, i) = alpha;
        if (t == 0.0) continue;
        const double* v = &A(i + 1, i);  // v[0] is implicitly 1
        // Right: A(0:n, i+1:n) -= t (A(0:n, i+1:n) v) v^T.
        for (int r = 0; r < n; ++r) w[r] = A(r, i + 1);
        for (int c = 1; c < m; ++c) {
            const double vc = v[c];
            const double* col = &A(0, i + 1 + c);
            for (int r = 0; r < n; ++r) w[r] += col[r] * vc;
        }
        for (int r = 0; r < n; ++r) A(r, i + 1) -= t * w[r];
        for (int c = 1; c < m; ++c) {
            const double tv = t * v[c];
            double* col = &A(0, i + 1 + c);
            for (int r = 0; r < n; ++r) col[r] -= w[r] * tv;
        }
        // Left: A(i+1:n, i+1:n) -= t v (v^T A(i+1:n, i+1:n)).
        for (int c = i + 1; c < n; ++c) {
            double* col = &A(i + 1, c);
            double sum = col[0];
            for (int r = 1; r < m; ++r) sum += v[r] * col[r];
            const double ts = t * sum;
            col[0] -= ts;
            for (int r = 1; r < m; ++r) col[r] -= v[r] * ts;
        }
    }
    // Z = H(0) H(1) ... H(n-3), accumulated backwards on the identity (as dorg2r).
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) Z(i, j) = i == j ? 1.0 : 0.0;
    for (int i = n - 3; i >= 0; --i) {
        const double t = tau[i];
        if (t == 0.0) continue;
        const int m = n - i - 1;
        const double* v = &A(i + 1, i);
        for (int c = i + 1; c < n; ++c) {
            double* col = &Z(i + 1, c);
            double sum = col[0];
            for (int r = 1; r < m; ++r) sum += v[r] * col[r];
            const double ts = t * sum;
            col[0] -= ts;
            for (int r = 1; r < m; ++r) col[r] -= v[r] * ts;
        }
    }
    for (int j = 0; j < n; ++j)
        for (int i = j + 2; i < n; ++i) A(i, j) = 0.0;
}

}  // namespace

// A = Z T Z^T for column-major n x n a (overwritten by T, the real Schur form, zero below the
// subdiagonal), 2 < n <= kHessSmallMax: hessenberg_small, then lahqr_small. tau, w: scratch of
// length n. Returns 0 or dlahqr's info > 0 (no convergence; a and z are then garbage).
int real_schur_small(double* a, double* z, int n, double* tau, double* w);
int real_hqr_small(double* h, double* z, int n);
int real_schur_small(double* a, double* z, int n, double* tau, double* w) {
    hessenberg_small(a, z, n, tau, w);
    return real_hqr_small(a, z, n);
}

// dlahqr (wantt, wantz) on the upper Hessenberg h (zero below the subdiagonal): h <- T, z <- z Q.
int real_hqr_small(double* h, double* z, int n) {
    switch (n) {  // fixed-size instances for the orders where loop overhead dominates
        case 3: return lahqr_small<3>(h, z, n);
        case 4: return lahqr_small<4>(h, z, n);
        case 5: return lahqr_small<5>(h, z, n);
        case 6: return lahqr_small<6>(h, z, n);
        case 7: return lahqr_small<7>(h, z, n);
        case 8: return lahqr_small<8>(h, z, n);
        case 12: return lahqr_small<12>(h, z, n);
        case 16: return lahqr_small<16>(h, z, n);
        default: return lahqr_small<0>(h, z, n);
    }
}

NNLA_ISA_END
}  // namespace nnla::matfun::schur
