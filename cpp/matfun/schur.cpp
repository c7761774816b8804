// Shared Schur-form helpers (see schur.hpp).
#include "matfun/schur.hpp"

#include <cmath>
#include <complex>
#include <limits>

#include "core/isa.hpp"
#include "core/lapack.hpp"
#include "core/status.hpp"

namespace nnla::matfun::schur {

namespace {

// gees scales A when max |a_ij| lies outside [sqrt(safmin) / eps, eps / sqrt(safmin)]; the direct
// path leaves such matrices (and zero ones) to gees.
template <class W>
bool direct_ok(const W* a, int n) {
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    double mx = 0.0;
    for (std::size_t k = 0; k < nn; ++k) mx = std::max(mx, static_cast<double>(std::abs(a[k])));
    const double small = std::sqrt(std::numeric_limits<double>::min()) / 0x1p-53;
    return mx > small && mx < 1.0 / small;
}

// A = Q H Q^H (gehd2), Z = Q (the org2r/ung2r of dorghr with ilo = 1, ihi = n: the reflectors shifted
// one column right, Z(0, 0) = 1), then qr(h, z) (lahqr) on H with the strictly lower part beyond the
// subdiagonal cleared. Returns the first nonzero info (argument errors of gehd2 / org2r as negative).
template <class W, class QR>
int direct_schur(W* a, W* z, int n, W* tau, W* work, QR&& qr) {
    auto A = [&](int i, int j) -> W& { return a[i + static_cast<std::size_t>(j) * n]; };
    auto Z = [&](int i, int j) -> W& { return z[i + static_cast<std::size_t>(j) * n]; };
    int info = lapack::gehd2(n, a, n, tau, work);
    if (info != 0) return info < 0 ? info : -1000;
    for (int j = n - 1; j >= 1; --j) {
        for (int i = 0; i < j; ++i) Z(i, j) = W(0.0);
        for (int i = j + 1; i < n; ++i) Z(i, j) = A(i, j - 1);
        Z(j, j) = W(0.0);
    }
    Z(0, 0) = W(1.0);
    for (int i = 1; i < n; ++i) Z(i, 0) = W(0.0);
    info = lapack::ung2r(n - 1, n - 1, n - 1, z + 1 + n, n, tau, work);
    if (info != 0) return info < 0 ? info : -1000;
    for (int j = 0; j < n; ++j)
        for (int i = j + 2; i < n; ++i) A(i, j) = W(0.0);
    return qr(a, z);
}

}  // namespace

NNLA_ISA_DECLARE(int real_hqr_small(double* h, double* z, int n);
                 int real_schur_small(double* a, double* z, int n, double* tau, double* w);)

namespace {
// The variants of schur_kernel.cpp's real_hqr_small (QR iteration) and real_schur_small (Hessenberg
// reduction, Z, QR iteration) that match this CPU.
int real_hqr_small_dispatch(double* h, double* z, int n) { return NNLA_ISA_CALL(real_hqr_small, h, z, n); }
int real_schur_small_dispatch(double* a, double* z, int n, double* tau, double* w) {
    return NNLA_ISA_CALL(real_schur_small, a, z, n, tau, w);
}
}  // namespace

SchurWork::SchurWork(int n) : n_(n), wr_(n), wi_(n), rwork_(n), w_(n) {
    if (n > 2 && n <= kDirectMax) {
        const std::size_t nn = static_cast<std::size_t>(n) * n;
        dtau_.resize(n);
        dwork1_.resize(n);
        dsave_.resize(nn);
        ztau_.resize(n);
        zwork1_.resize(n);
        zsave_.resize(nn);
    }
    // Workspace queries (lwork = -1) on a dummy matrix; at least the documented minimum.
    const int nn = std::max(1, n);
    double dq = 0.0;
    cd zq = 0.0;
    double da = 0.0, dz = 0.0;
    cd za = 0.0, zz = 0.0;
    int dl = 3 * nn, zl = 2 * nn;
    if (lapack::gees(n, &da, nn, wr_.data(), wi_.data(), &dz, nn, &dq, -1) == 0)
        dl = std::max(dl, static_cast<int>(dq));
    if (lapack::gees(n, &za, nn, w_.data(), &zz, nn, &zq, -1, rwork_.data()) == 0)
        zl = std::max(zl, static_cast<int>(zq.real()));
    dwork_.resize(dl);
    zwork_.resize(zl);
}

int SchurWork::real_schur(double* a, double* z) {
    const int n = n_;
    if (n == 2) {  // no gees overhead (balancing, Hessenberg reduction, workspace) for 2x2
        double cs = 1.0, sn = 0.0;
        lapack::lanv2(a[0], a[2], a[1], a[3], cs, sn);
        z[0] = cs;
        z[1] = sn;
        z[2] = -sn;
        z[3] = cs;
        return 0;
    }
    int info = -1;
    if (n <= kDirectMax && n > 2 && direct_ok(a, n)) {
        std::copy(a, a + static_cast<std::size_t>(n) * n, dsave_.begin());
        if (n <= kHessSmallMax) {
            info = real_schur_small_dispatch(a, z, n, dtau_.data(), dwork1_.data());
        } else {
            info = direct_schur(a, z, n, dtau_.data(), dwork1_.data(),
                                [&](double* h, double* q) { return real_hqr_small_dispatch(h, q, n); });
        }
        if (info != 0) std::copy(dsave_.begin(), dsave_.end(), a);  // gees' dlaqr0 rescue
    }
    if (info != 0)
        info = lapack::gees(n, a, n, wr_.data(), wi_.data(), z, n, dwork_.data(),
                            static_cast<int>(dwork_.size()));
    if (info == 0)
        for (int j = 0; j < n; ++j)
            for (int i = j + 2; i < n; ++i) a[i + static_cast<std::size_t>(j) * n] = 0.0;
    return info;
}

int SchurWork::complex_schur(cd* a, cd* z) {
    const int n = n_;
    if (n == 2) {  // one unitary rotation onto an eigenvector, without gees overhead
        const cd a11 = a[0], a21 = a[1], a12 = a[2], a22 = a[3];
        if (a21 == 0.0) {
            z[0] = 1.0;
            z[1] = 0.0;
            z[2] = 0.0;
            z[3] = 1.0;
            return 0;
        }
        // Eigenvalue lambda = a22 + mu, mu = p +- sqrt(p^2 + a12 a21), p = (a11 - a22)/2, the sign
        // that avoids cancellation; the eigenvector (mu, a21) then solves the second row.
        const cd p = 0.5 * (a11 - a22);
        const cd disc = std::sqrt(p * p + a12 * a21);
        const cd mp = p + disc, mm = p - disc;
        const cd mu = std::abs(mp) >= std::abs(mm) ? mp : mm;
        const double r = std::hypot(std::abs(mu), std::abs(a21));
        const cd v1 = mu / r, v2 = a21 / r;
        // Z = [[v1, -conj(v2)], [v2, conj(v1)]] (unitary), T = Z^H A Z with T21 = 0.
        z[0] = v1;
        z[1] = v2;
        z[2] = -std::conj(v2);
        z[3] = std::conj(v1);
        const cd av1 = a11 * v1 + a12 * v2, av2 = a21 * v1 + a22 * v2;                   // A z1
        const cd aw1 = a11 * z[2] + a12 * z[3], aw2 = a21 * z[2] + a22 * z[3];           // A z2
        a[0] = std::conj(v1) * av1 + std::conj(v2) * av2;
        a[2] = std::conj(v1) * aw1 + std::conj(v2) * aw2;
        a[3] = std::conj(z[2]) * aw1 + std::conj(z[3]) * aw2;
        a[1] = 0.0;
        auto finite = [](cd x) { return std::isfinite(x.real()) && std::isfinite(x.imag()); };
        if (finite(a[0]) && finite(a[2]) && finite(a[3]) && finite(v1) && finite(v2)) return 0;
        // Overflow (entries near the overflow threshold): LAPACK's scaled algorithm instead.
        a[0] = a11;
        a[1] = a21;
        a[2] = a12;
        a[3] = a22;
    }
    int info = -1;
    if (n <= kDirectMax && n > 2 && direct_ok(a, n)) {
        std::copy(a, a + static_cast<std::size_t>(n) * n, zsave_.begin());
        info = direct_schur(a, z, n, ztau_.data(), zwork1_.data(),
                            [&](cd* h, cd* q) { return lapack::lahqr(n, h, n, w_.data(), q, n); });
        if (info != 0) std::copy(zsave_.begin(), zsave_.end(), a);  // gees' zlaqr0 rescue
    }
    if (info != 0)
        info = lapack::gees(n, a, n, w_.data(), z, n, zwork_.data(), static_cast<int>(zwork_.size()),
                            rwork_.data());
    if (info == 0)
        for (int j = 0; j < n; ++j)
            for (int i = j + 1; i < n; ++i) a[i + static_cast<std::size_t>(j) * n] = 0.0;
    return info;
}

void rsf2csf(const double* t, const double* z, cd* tc, cd* zc, int n) {
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    for (std::size_t k = 0; k < nn; ++k) {
        tc[k] = cd(t[k], 0.0);
        zc[k] = cd(z[k], 0.0);
    }
    auto T = [&](int i, int j) -> cd& { return tc[i + static_cast<std::size_t>(j) * n]; };
    auto Z = [&](int i, int j) -> cd& { return zc[i + static_cast<std::size_t>(j) * n]; };
    for (int m = n - 1; m >= 1; --m) {
        const double sub = T(m, m - 1).real();
        if (sub != 0.0 && T(m, m - 1).imag() == 0.0 && T(m - 1, m - 1).imag() == 0.0 &&
            T(m, m).imag() == 0.0) {
            // Eigenvalues of the real 2x2 block [[a, b], [c, e]] (a complex-conjugate pair).
            const double a = T(m - 1, m - 1).real(), b = T(m - 1, m).real(), e = T(m, m).real();
            const double p = 0.5 * (a + e), h = 0.5 * (a - e);
            // disc = h^2 + b sub, computed as sc^2 (hs^2 + bs subs): no underflow / overflow
            const double sc = std::max(std::max(std::abs(h), std::abs(b)), std::abs(sub));
            const double hs = h / sc, bs = b / sc, ss = sub / sc;
            const double disc = hs * hs + bs * ss;
            cd lam;
            if (disc < 0.0) {
                lam = cd(p, sc * std::sqrt(-disc));
            } else {  // not a complex pair (not standardised): a real eigenvalue
                const double r = sc * std::sqrt(disc);
                lam = cd(p + (p >= 0 ? r : -r), 0.0);
            }
            const cd mu = lam - T(m, m);
            const double r = std::hypot(std::abs(mu), sub);
            const cd c = mu / r;
            const double s = sub / r;
            // Rows m-1, m: G = [[conj(c), s], [-s, c]] from the left.
            for (int j = m - 1; j < n; ++j) {
                const cd x = T(m - 1, j), y = T(m, j);
                T(m - 1, j) = std::conj(c) * x + s * y;
                T(m, j) = -s * x + c * y;
            }
            // Columns m-1, m: G^H = [[c, -s], [s, conj(c)]] from the right.
            for (int i = 0; i <= m; ++i) {
                const cd x = T(i, m - 1), y = T(i, m);
                T(i, m - 1) = x * c + y * s;
                T(i, m) = -x * s + y * std::conj(c);
            }
            for (int i = 0; i < n; ++i) {
                const cd x = Z(i, m - 1), y = Z(i, m);
                Z(i, m - 1) = x * c + y * s;
                Z(i, m) = -x * s + y * std::conj(c);
            }
        }
        T(m, m - 1) = 0.0;
    }
}

void back_transform(const cd* z, cd* x, cd* tmp, int n) {
    lapack::gemm('N', 'N', n, n, n, cd(1), z, n, x, n, cd(0), tmp, n);
    lapack::gemm('N', 'C', n, n, n, cd(1), tmp, n, z, n, cd(0), x, n);
}

void back_transform(const double* z, double* x, double* tmp, int n) {
    lapack::gemm('N', 'N', n, n, n, 1.0, z, n, x, n, 0.0, tmp, n);
    lapack::gemm('N', 'T', n, n, n, 1.0, tmp, n, z, n, 0.0, x, n);
}

bool has_negative_real_eigenvalue(const double* t, int n) {
    auto T = [&](int i, int j) { return t[i + static_cast<std::size_t>(j) * n]; };
    int j = 0;
    while (j < n) {
        if (j + 1 < n && T(j + 1, j) != 0.0) {
            j += 2;
        } else {
            if (T(j, j) < 0.0) return true;
            j += 1;
        }
    }
    return false;
}

namespace {

// Lower bound on ||M^-1||_2 >= 1 / sigma_min(M), M = (T - x I) / scale upper triangular: power steps
// on M^-H M^-1 by triangular solves, stopping once the bound reaches stop. Returns +inf for a zero
// pivot or an overflow (M numerically singular).
double inv_norm_lower(const cd* t, int n, double x, double scale, double stop, cd* y, cd* z) {
    const double rs = 1.0 / scale;
    auto M = [&](int i, int j) {
        const cd v = t[i + static_cast<std::size_t>(j) * n];
        return (i == j ? v - x : v) * rs;
    };
    const double inf = std::numeric_limits<double>::infinity();
    for (int i = 0; i < n; ++i) z[i] = cd(1.0 + 0.5 * (i % 3), 0.25 * (i % 2));  // no special structure
    double best = 0.0;
    for (int it = 0; it < 3; ++it) {
        double nz = 0.0;
        for (int i = 0; i < n; ++i) nz += std::norm(z[i]);
        nz = std::sqrt(nz);
        for (int i = n - 1; i >= 0; --i) {  // y = M^-1 (z / ||z||)
            cd s = z[i] / nz;
            for (int k = i + 1; k < n; ++k) s -= M(i, k) * y[k];
            const cd piv = M(i, i);
            if (piv == 0.0) return inf;
            y[i] = s / piv;
        }
        double ny = 0.0;
        for (int i = 0; i < n; ++i) ny += std::norm(y[i]);
        ny = std::sqrt(ny);
        if (!std::isfinite(ny)) return inf;
        best = std::max(best, ny);
        if (best >= stop) return best;
        for (int i = 0; i < n; ++i) {  // z = M^-H (y / ||y||)
            cd s = y[i] / ny;
            for (int k = 0; k < i; ++k) s -= std::conj(M(k, i)) * z[k];
            z[i] = s / std::conj(M(i, i));
        }
        double nz2 = 0.0;
        for (int i = 0; i < n; ++i) nz2 += std::norm(z[i]);
        nz2 = std::sqrt(nz2);
        if (!std::isfinite(nz2)) return inf;
        best = std::max(best, nz2);
        if (best >= stop) return best;
    }
    return best;
}

bool cut_candidate(cd l) { return l.real() < 0.0 && l.imag() < 0.0 && -l.imag() <= -l.real(); }

}  // namespace

int cut_branch(const cd* t, int n, unsigned char* up, cd* work) {
    auto D = [&](int j) { return t[j + static_cast<std::size_t>(j) * n]; };
    int cand = 0;
    for (int j = 0; j < n; ++j) {
        up[j] = 0;
        cand += cut_candidate(D(j)) ? 1 : 0;
    }
    if (cand == 0) return 0;
    double scale = 0.0, mx = 0.0;
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    for (std::size_t k = 0; k < nn; ++k) mx = std::max(mx, std::abs(t[k]));
    if (mx == 0.0 || !std::isfinite(mx)) return 0;
    for (std::size_t k = 0; k < nn; ++k) scale += std::norm(t[k] / mx);
    scale = mx * std::sqrt(scale);  // ||T||_F
    const double eta = kCutBackwardFactor * n * 0x1p-53;  // relative to ||T||_F
    int count = 0;
    for (int j = 0; j < n; ++j) {
        if (!cut_candidate(D(j))) continue;
        if (inv_norm_lower(t, n, D(j).real(), scale, 1.0 / eta, work, work + n) >= 1.0 / eta) {
            up[j] = 1;
            ++count;
        }
    }
    // Cluster closure: a candidate closer to a flagged member than that member is to the axis
    // belongs to its cluster (the pseudospectral component that reaches the axis).
    for (bool changed = count > 0; changed;) {
        changed = false;
        for (int i = 0; i < n; ++i) {
            if (up[i] || !cut_candidate(D(i))) continue;
            for (int j = 0; j < n; ++j)
                if (up[j] && std::abs(D(i) - D(j)) <= -D(j).imag()) {
                    up[i] = 1;
                    ++count;
                    changed = true;
                    break;
                }
        }
    }
    return count;
}

bool needs_complex_route(const double* t, const double* z, int n, cd* tc, cd* zc, unsigned char* up, cd* work) {
    if (has_negative_real_eigenvalue(t, n)) return true;
    auto T = [&](int i, int j) { return t[i + static_cast<std::size_t>(j) * n]; };
    bool pair_near_cut = false;
    for (int j = 0; j + 1 < n && !pair_near_cut; ++j) {
        if (T(j + 1, j) == 0.0) continue;
        // the pair p +- i q of the 2x2 block [[a, b], [c, e]], q^2 = -(h^2 + b c)
        const double a = T(j, j), b = T(j, j + 1), c = T(j + 1, j), e = T(j + 1, j + 1);
        const double p = 0.5 * (a + e), h = 0.5 * (a - e);
        const double sc = std::max(std::max(std::abs(h), std::abs(b)), std::abs(c));
        const double hs = h / sc, bs = b / sc, cs = c / sc;
        const double q = sc * std::sqrt(std::max(0.0, -(hs * hs + bs * cs)));
        pair_near_cut = p < 0.0 && q <= -p;
        ++j;
    }
    if (!pair_near_cut) return false;
    rsf2csf(t, z, tc, zc, n);
    normalise_diagonal(tc, n);
    return cut_branch(tc, n, up, work) > 0;
}

std::int8_t info_status(int info) {
    return static_cast<std::int8_t>(info > 0 ? kNotConverged : kInternal);
}

}  // namespace nnla::matfun::schur
