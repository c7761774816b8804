// Exact 1D ReLU-network matrices, their entries and products, and the O(n) hat-basis solvers.
#include "relu/relu1d.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/status.hpp"

namespace nnla::relu {

namespace {

using i64 = std::int64_t;

// Active interval [l, h] of sigma(w x + b) in [lo, hi]; h == l when it is empty.
inline void active_interval(double w, double b, double lo, double hi, double& l, double& h) {
    if (w > 0) {
        const double s = -b / w;
        l = s > lo ? s : lo;
        h = hi;
    } else if (w < 0) {
        const double s = -b / w;
        l = lo;
        h = s < hi ? s : hi;
    } else {
        l = lo;
        h = b > 0 ? hi : lo;
    }
    if (!(h > l)) h = l;
}

// Per-neuron data of the closed forms.
struct Neurons {
    std::vector<double> w, b, l, h;
    Neurons(const double* w_, const double* b_, i64 n, double lo, double hi)
        : w(w_, w_ + n), b(b_, b_ + n), l(static_cast<std::size_t>(n)), h(static_cast<std::size_t>(n)) {
        for (i64 i = 0; i < n; ++i) active_interval(w[i], b[i], lo, hi, l[i], h[i]);
    }
};

// A_ij in the shifted form: p_k = w_k lo + b_k is sigma_k at the left end of the common interval.
inline double mass_pair(double wi, double bi, double li, double hi_, double wj, double bj, double lj,
                        double hj) {
    const double lo = li > lj ? li : lj;
    const double hi = hi_ < hj ? hi_ : hj;
    const double len = hi - lo;
    if (!(len > 0)) return 0.0;
    const double pi = wi * lo + bi;
    const double pj = wj * lo + bj;
    return len * (pi * pj + (pi * wj + pj * wi) * (0.5 * len) + wi * wj * (len * len / 3.0));
}

inline double heaviside_pair(double li, double hi_, double lj, double hj) {
    const double lo = li > lj ? li : lj;
    const double hi = hi_ < hj ? hi_ : hj;
    const double len = hi - lo;
    return len > 0 ? len : 0.0;
}

// Block (i, j) of the layer Gauss-Newton matrix: [[L, L (hi + lo)/2], [., L (hi^2 + hi lo + lo^2)/3]].
inline void gn_pair(double li, double hi_, double lj, double hj, double* g) {
    const double lo = li > lj ? li : lj;
    const double hi = hi_ < hj ? hi_ : hj;
    const double len = hi - lo;
    if (!(len > 0)) {
        g[0] = g[1] = g[2] = 0.0;
        return;
    }
    g[0] = len;
    g[1] = len * (0.5 * (hi + lo));
    g[2] = len * ((hi * hi + hi * lo + lo * lo) / 3.0);
}

inline double entry(Kind1d kind, const Neurons& nr, i64 r, i64 c) {
    if (kind == Kind1d::kMass)
        return mass_pair(nr.w[r], nr.b[r], nr.l[r], nr.h[r], nr.w[c], nr.b[c], nr.l[c], nr.h[c]);
    if (kind == Kind1d::kHeaviside) return heaviside_pair(nr.l[r], nr.h[r], nr.l[c], nr.h[c]);
    const i64 i = r / 2, j = c / 2;
    double g[3];
    gn_pair(nr.l[i], nr.h[i], nr.l[j], nr.h[j], g);
    const int k = static_cast<int>(r % 2) + static_cast<int>(c % 2);
    return g[k];
}

// Breakpoint classes in [lo, hi]: interior (lo < s < hi, w != 0), full (active on all of it),
// dead (active on a null set).
enum Cls : int { kDead = 0, kInterior = 1, kFull = 2 };

inline Cls classify(double w, double b, double lo, double hi) {
    if (w == 0) return b > 0 ? kFull : kDead;
    const double s = -b / w;
    if (s > lo && s < hi) return kInterior;
    if (w > 0) return s <= lo ? kFull : kDead;
    return s >= hi ? kFull : kDead;
}

// Sorted mesh of all interior breakpoints (with repeats): nodes t[0..m], node[i] the index of
// neuron i's breakpoint (0 or m for full neurons by orientation, -1 dead), at[k] the neuron at
// interior node k (1..m-1).
struct Mesh {
    std::vector<double> t;
    std::vector<i64> node, at;
    i64 m = 1;
};

Mesh build_mesh(const double* w, const double* b, i64 n, double lo, double hi) {
    Mesh ms;
    ms.node.assign(static_cast<std::size_t>(n), -1);
    std::vector<i64> inter;
    std::vector<double> s(static_cast<std::size_t>(n), 0.0);
    for (i64 i = 0; i < n; ++i) {
        const Cls c = classify(w[i], b[i], lo, hi);
        if (c == kInterior) {
            s[i] = -b[i] / w[i];
            inter.push_back(i);
        }
    }
    std::sort(inter.begin(), inter.end(), [&](i64 x, i64 y) { return s[x] < s[y] || (s[x] == s[y] && x < y); });
    const i64 ni = static_cast<i64>(inter.size());
    ms.m = ni + 1;
    ms.t.resize(static_cast<std::size_t>(ni + 2));
    ms.at.assign(static_cast<std::size_t>(ni + 2), -1);
    ms.t[0] = lo;
    ms.t[ni + 1] = hi;
    for (i64 k = 0; k < ni; ++k) {
        ms.t[k + 1] = s[inter[k]];
        ms.at[k + 1] = inter[k];
        ms.node[inter[k]] = k + 1;
    }
    for (i64 i = 0; i < n; ++i) {
        if (ms.node[i] >= 0) continue;
        if (classify(w[i], b[i], lo, hi) == kFull) ms.node[i] = w[i] < 0 ? ms.m : 0;
    }
    return ms;
}

// y_i = int sigma_i g (mass) from the cell moments of g; node[i] as in Mesh. Shifted recurrences:
// F[K] = sum_{c >= K} int_c (x - t_K) g, G[K] = sum_{c < K} int_c (t_K - x) g (no cancellation
// beyond the sign changes of g itself).
void mass_from_moments(const double* w, const double* b, i64 n, const double* t, i64 m, const i64* node,
                       const double* m0, const double* ml, const double* mr, double* y) {
    std::vector<double> zs(static_cast<std::size_t>(m + 1)), zp(static_cast<std::size_t>(m + 1)),
        f(static_cast<std::size_t>(m + 1)), g(static_cast<std::size_t>(m + 1));
    zs[m] = 0.0;
    f[m] = 0.0;
    for (i64 k = m - 1; k >= 0; --k) {
        const double hk = t[k + 1] - t[k];
        f[k] = ml[k] + f[k + 1] + hk * zs[k + 1];
        zs[k] = zs[k + 1] + m0[k];
    }
    zp[0] = 0.0;
    g[0] = 0.0;
    for (i64 k = 0; k < m; ++k) {
        const double hk = t[k + 1] - t[k];
        g[k + 1] = g[k] + hk * zp[k] + mr[k];
        zp[k + 1] = zp[k] + m0[k];
    }
    for (i64 i = 0; i < n; ++i) {
        const i64 K = node[i];
        if (K < 0) {
            y[i] = 0.0;
            continue;
        }
        const double p = w[i] * t[K] + b[i];  // sigma_i at t_K (0 at its own breakpoint)
        if (w[i] > 0)
            y[i] = w[i] * f[K] + p * zs[K];
        else if (w[i] < 0)
            y[i] = -w[i] * g[K] + p * zp[K];
        else
            y[i] = b[i] * zs[0];
    }
}

void matvec_column(Kind1d kind, const double* w, const double* b, i64 n, const Mesh& ms, const double* x,
                   i64 ldx, double* y, i64 ldy) {
    const i64 m = ms.m;
    const double* t = ms.t.data();
    std::vector<double> m0(static_cast<std::size_t>(m)), ml(static_cast<std::size_t>(m)),
        mr(static_cast<std::size_t>(m));
    if (kind == Kind1d::kMass) {
        // g = sum x_j sigma_j: the w > 0 part from the left, the w < 0 part from the right.
        double base_p = 0, val_p = 0, base_n = 0, val_n = 0, cst = 0;
        for (i64 j = 0; j < n; ++j) {
            const double xj = x[j * ldx];
            if (ms.node[j] < 0 || ms.at[ms.node[j]] == j) continue;  // dead or interior
            if (w[j] > 0) {
                base_p += xj * w[j];
                val_p += xj * (w[j] * t[0] + b[j]);
            } else if (w[j] < 0) {
                base_n += xj * w[j];
                val_n += xj * (w[j] * t[m] + b[j]);
            } else {
                cst += xj * b[j];
            }
        }
        std::vector<double> gp(static_cast<std::size_t>(m + 1)), gn(static_cast<std::size_t>(m + 1));
        gp[0] = val_p;
        double sl = base_p;
        for (i64 k = 0; k < m; ++k) {
            if (k >= 1) {
                const i64 j = ms.at[k];
                if (w[j] > 0) sl += x[j * ldx] * w[j];
            }
            gp[k + 1] = gp[k] + sl * (t[k + 1] - t[k]);
        }
        gn[m] = val_n;
        sl = base_n;
        for (i64 k = m - 1; k >= 0; --k) {
            if (k + 1 <= m - 1) {
                const i64 j = ms.at[k + 1];
                if (w[j] < 0) sl += x[j * ldx] * w[j];
            }
            gn[k] = gn[k + 1] - sl * (t[k + 1] - t[k]);
        }
        for (i64 k = 0; k < m; ++k) {
            const double h = t[k + 1] - t[k];
            const double gl = gp[k] + gn[k] + cst, gr = gp[k + 1] + gn[k + 1] + cst;
            m0[k] = h * 0.5 * (gl + gr);
            ml[k] = h * h * (gl + 2.0 * gr) / 6.0;
            mr[k] = h * h * (2.0 * gl + gr) / 6.0;
        }
        std::vector<double> out(static_cast<std::size_t>(n));
        mass_from_moments(w, b, n, t, m, ms.node.data(), m0.data(), ml.data(), mr.data(), out.data());
        for (i64 i = 0; i < n; ++i) y[i * ldy] = out[i];
        return;
    }
    // Heaviside and Gauss-Newton: g = sum_j h_j (x_j0 + x_j1 t) (x_j1 = 0 for Heaviside), piecewise
    // linear with jumps; active sums by prefix (w > 0) and suffix (w < 0) over the cells.
    const bool gn = kind == Kind1d::kGaussNewton;
    const i64 step = gn ? 2 : 1;
    double p0 = 0, p1 = 0, n0 = 0, n1 = 0;
    for (i64 j = 0; j < n; ++j) {
        if (ms.node[j] < 0 || ms.at[ms.node[j]] == j) continue;
        const double a0 = x[j * step * ldx], a1 = gn ? x[(j * step + 1) * ldx] : 0.0;
        if (w[j] < 0) {
            n0 += a0;
            n1 += a1;
        } else {
            p0 += a0;
            p1 += a1;
        }
    }
    std::vector<double> c0(static_cast<std::size_t>(m)), c1(static_cast<std::size_t>(m));
    for (i64 k = 0; k < m; ++k) {
        if (k >= 1) {
            const i64 j = ms.at[k];
            if (w[j] > 0) {
                p0 += x[j * step * ldx];
                if (gn) p1 += x[(j * step + 1) * ldx];
            }
        }
        c0[k] = p0;
        c1[k] = p1;
    }
    for (i64 k = m - 1; k >= 0; --k) {
        if (k + 1 <= m - 1) {
            const i64 j = ms.at[k + 1];
            if (w[j] < 0) {
                n0 += x[j * step * ldx];
                if (gn) n1 += x[(j * step + 1) * ldx];
            }
        }
        c0[k] += n0;
        c1[k] += n1;
    }
    // m0 = int_c g, ml = int_c t g (reused as the first moment for Gauss-Newton).
    for (i64 k = 0; k < m; ++k) {
        const double tl = t[k], tr = t[k + 1], h = tr - tl;
        const double i0 = h, i1 = h * 0.5 * (tl + tr), i2 = h * (tl * tl + tl * tr + tr * tr) / 3.0;
        m0[k] = c0[k] * i0 + c1[k] * i1;
        ml[k] = c0[k] * i1 + c1[k] * i2;
    }
    std::vector<double> zs0(static_cast<std::size_t>(m + 1)), zs1(static_cast<std::size_t>(m + 1)),
        zp0(static_cast<std::size_t>(m + 1)), zp1(static_cast<std::size_t>(m + 1));
    zs0[m] = zs1[m] = 0.0;
    for (i64 k = m - 1; k >= 0; --k) {
        zs0[k] = zs0[k + 1] + m0[k];
        zs1[k] = zs1[k + 1] + ml[k];
    }
    zp0[0] = zp1[0] = 0.0;
    for (i64 k = 0; k < m; ++k) {
        zp0[k + 1] = zp0[k] + m0[k];
        zp1[k + 1] = zp1[k] + ml[k];
    }
    for (i64 i = 0; i < n; ++i) {
        const i64 K = ms.node[i];
        double r0 = 0, r1 = 0;
        if (K >= 0) {
            if (w[i] < 0) {
                r0 = zp0[K];
                r1 = zp1[K];
            } else if (w[i] > 0) {
                r0 = zs0[K];
                r1 = zs1[K];
            } else {
                r0 = zs0[0];
                r1 = zs1[0];
            }
        }
        y[i * step * ldy] = r0;
        if (gn) y[(i * step + 1) * ldy] = r1;
    }
}

// ---- the O(n) hat-basis solvers ---------------------------------------------------------------

// Working frame of the solvers: nodes t[0..m] ascending, interior node k (1..m-1) owned by neuron
// nid[k] with |w| = scale[k]; opp[k] when the neuron faces left (w < 0 in the working frame).
// The frame is mirrored (x -> -x) when more interior neurons face left than right, so the
// affine remainder is read off at the end with fewer opposite neurons.
struct Frame {
    i64 m = 1;
    bool mirror = false;
    std::vector<double> t, h, scale;
    std::vector<i64> nid;
    std::vector<char> opp;
};

bool build_frame(const double* w, const double* b, double lo, double hi, const i64* order, i64 n_int,
                 Frame& fr) {
    i64 neg = 0;
    for (i64 k = 0; k < n_int; ++k) neg += w[order[k]] < 0 ? 1 : 0;
    fr.mirror = 2 * neg > n_int;
    fr.m = n_int + 1;
    const i64 m = fr.m;
    fr.t.resize(static_cast<std::size_t>(m + 1));
    fr.h.resize(static_cast<std::size_t>(m));
    fr.scale.assign(static_cast<std::size_t>(m + 1), 0.0);
    fr.nid.assign(static_cast<std::size_t>(m + 1), -1);
    fr.opp.assign(static_cast<std::size_t>(m + 1), 0);
    std::vector<double> orig(static_cast<std::size_t>(m + 1));
    orig[0] = lo;
    orig[m] = hi;
    for (i64 k = 0; k < n_int; ++k) {
        const i64 i = order[k];
        if (w[i] == 0) return false;
        orig[k + 1] = -b[i] / w[i];
    }
    for (i64 k = 0; k <= m; ++k) fr.t[k] = fr.mirror ? -orig[m - k] : orig[k];
    for (i64 k = 1; k < m; ++k) {
        const i64 i = fr.mirror ? order[n_int - k] : order[k - 1];
        const double ww = fr.mirror ? -w[i] : w[i];
        fr.nid[k] = i;
        fr.scale[k] = std::fabs(w[i]);
        fr.opp[k] = ww < 0 ? 1 : 0;
    }
    for (i64 k = 0; k < m; ++k) {
        fr.h[k] = fr.t[k + 1] - fr.t[k];
        if (!(fr.h[k] > 0) || !std::isfinite(fr.h[k])) return false;  // repeated or outside nodes
    }
    return true;
}

// Solve a 2x2 system [[a, b], [c, d]] x = r; false when singular.
inline bool solve2(double a, double b, double c, double d, const double* r, double* x) {
    const double det = a * d - b * c;
    if (det == 0 || !std::isfinite(det)) return false;
    x[0] = (d * r[0] - b * r[1]) / det;
    x[1] = (a * r[1] - c * r[0]) / det;
    return true;
}

// Mass-matrix solver in the frame. Basis B' = interior neurons (positions 1..m-1 of coef) and two
// affine elements fa[0], fa[1] given as (value at t_0, slope) in the working frame.
struct MassSolver {
    const Frame& fr;
    double fa[2][2];

    // Hat mass matrix M (tridiagonal) solve, Thomas algorithm (M is SPD and diagonally dominant).
    void minv(std::vector<double>& z) const {
        const i64 m = fr.m;
        std::vector<double> cp(static_cast<std::size_t>(m + 1));
        double prev_off = 0.0, prev_c = 0.0;
        for (i64 k = 0; k <= m; ++k) {
            const double hl = k > 0 ? fr.h[k - 1] : 0.0, hr = k < m ? fr.h[k] : 0.0;
            const double diag = (hl + hr) / 3.0 - prev_off * prev_c;
            const double off = hr / 6.0;
            z[k] = (z[k] - prev_off * (k > 0 ? z[k - 1] : 0.0)) / diag;
            cp[k] = off / diag;
            prev_off = off;
            prev_c = cp[k];
        }
        for (i64 k = m - 1; k >= 0; --k) z[k] -= cp[k] * z[k + 1];
    }

    // Nodal values z -> coordinates in B': coef[1..m-1] (interior), d[0..1] (affine elements).
    bool coords(const std::vector<double>& z, std::vector<double>& coef, double* d) const {
        const i64 m = fr.m;
        const double* t = fr.t.data();
        double prev = (z[1] - z[0]) / fr.h[0];
        const double slope0 = prev;
        double r0 = z[0], r1 = slope0;
        for (i64 k = 1; k < m; ++k) {
            const double sl = (z[k + 1] - z[k]) / fr.h[k];
            const double gam = sl - prev;
            prev = sl;
            coef[k] = gam / fr.scale[k];
            if (fr.opp[k]) {
                r0 -= gam * (t[k] - t[0]);
                r1 += gam;
            }
        }
        const double r[2] = {r0, r1};
        return solve2(fa[0][0], fa[1][0], fa[0][1], fa[1][1], r, d);
    }

    // Functional values r on B' (interior positions 1..m-1 and ra[2]) -> nodal loads q.
    bool loads(const std::vector<double>& r, const double* ra, std::vector<double>& q) const {
        const i64 m = fr.m;
        const double* t = fr.t.data();
        double qa[2];  // q(1), q(x - t_0)
        if (!solve2(fa[0][0], fa[0][1], fa[1][0], fa[1][1], ra, qa)) return false;
        std::vector<double> s(static_cast<std::size_t>(m + 1));
        s[0] = qa[1];
        s[m] = 0.0;
        for (i64 k = 1; k < m; ++k) {
            double v = r[k];
            if (fr.opp[k]) v -= fr.scale[k] * ((t[k] - t[0]) * qa[0] - qa[1]);
            s[k] = v / fr.scale[k];
        }
        double dprev = (s[0] - s[1]) / fr.h[0];
        q[0] = qa[0] - dprev;
        for (i64 l = 1; l <= m; ++l) {
            const double dl = l < m ? (s[l] - s[l + 1]) / fr.h[l] : 0.0;
            q[l] = dprev - dl;
            dprev = dl;
        }
        return true;
    }
};

// Heaviside solver in the frame: cells 0..m-1 with piecewise-constant values; the one affine
// element is the constant function.
struct HeavisideSolver {
    const Frame& fr;
    void coords(const std::vector<double>& z, std::vector<double>& coef, double* d) const {
        double r = z[0];
        for (i64 k = 1; k < fr.m; ++k) {
            const double jump = z[k] - z[k - 1];
            coef[k] = fr.opp[k] ? -jump : jump;
            if (fr.opp[k]) r += jump;
        }
        *d = r;
    }
    void loads(const std::vector<double>& r, double ra, std::vector<double>& q) const {
        const i64 m = fr.m;
        std::vector<double> s(static_cast<std::size_t>(m + 1));
        s[0] = ra;
        s[m] = 0.0;
        for (i64 k = 1; k < m; ++k) s[k] = fr.opp[k] ? ra - r[k] : r[k];
        for (i64 l = 0; l < m; ++l) q[l] = s[l] - s[l + 1];
    }
    void dinv(std::vector<double>& z) const {
        for (i64 l = 0; l < fr.m; ++l) z[l] /= fr.h[l];
    }
};

// Affine element of the mass solver: a full neuron (id >= 0), the constant (-1) or an extra (-2).
struct Affine {
    double f0, f1;
    i64 id;
};

int mass_solve(const double* w, const double* b, i64 n, double lo, double hi, const Frame& fr,
               const i64* full, i64 n_full, const double* rhs, bool from_load, bool with_const, double* c,
               double* c0) {
    const i64 m = fr.m;
    const double x0 = fr.mirror ? hi : lo;  // original coordinate of t_0
    std::vector<Affine> aff;
    bool const_in_span = n_full >= 2;
    for (i64 j = 0; j < n_full; ++j) {
        const i64 i = full[j];
        const double ww = fr.mirror ? -w[i] : w[i];
        aff.push_back({w[i] * x0 + b[i], ww, i});
        if (w[i] == 0) const_in_span = true;
    }
    if (with_const && !const_in_span) aff.push_back({1.0, 0.0, -1});
    if (aff.size() > 2) return kSingular;
    const double len = fr.t[m] - fr.t[0];
    if (aff.empty()) {
        aff.push_back({1.0, 0.0, -2});
        aff.push_back({0.0, 1.0, -2});
    } else if (aff.size() == 1) {
        const bool use_slope = std::fabs(aff[0].f0) >= std::fabs(aff[0].f1) * len;
        aff.push_back(use_slope ? Affine{0.0, 1.0, -2} : Affine{1.0, 0.0, -2});
    }
    MassSolver sv{fr, {{aff[0].f0, aff[0].f1}, {aff[1].f0, aff[1].f1}}};
    if (aff[0].f0 * aff[1].f1 - aff[1].f0 * aff[0].f1 == 0) return kSingular;

    std::vector<double> z(static_cast<std::size_t>(m + 1)), coef(static_cast<std::size_t>(m + 1), 0.0);
    double d[2];
    if (from_load) {
        for (i64 k = 0; k <= m; ++k) z[k] = fr.mirror ? rhs[m - k] : rhs[k];
    } else {
        std::vector<double> r(static_cast<std::size_t>(m + 1), 0.0);
        for (i64 k = 1; k < m; ++k) r[k] = rhs[fr.nid[k]];
        double ra[2];
        for (int j = 0; j < 2; ++j) ra[j] = aff[j].id >= 0 ? rhs[aff[j].id] : 0.0;
        if (!sv.loads(r, ra, z)) return kSingular;
    }
    sv.minv(z);
    if (!sv.coords(z, coef, d)) return kSingular;

    // Schur correction for the extra affine elements (not in the span of the basis).
    std::vector<int> ex;
    for (int j = 0; j < 2; ++j)
        if (aff[j].id == -2) ex.push_back(j);
    if (!ex.empty()) {
        const int kx = static_cast<int>(ex.size());
        std::vector<std::vector<double>> zc(static_cast<std::size_t>(kx));
        double zd[2][2], zx[2][2];
        for (int e = 0; e < kx; ++e) {
            std::vector<double> r(static_cast<std::size_t>(m + 1), 0.0), q(static_cast<std::size_t>(m + 1));
            double ra[2] = {0.0, 0.0};
            ra[ex[e]] = 1.0;
            if (!sv.loads(r, ra, q)) return kSingular;
            sv.minv(q);
            zc[e].assign(static_cast<std::size_t>(m + 1), 0.0);
            if (!sv.coords(q, zc[e], zd[e])) return kSingular;
            for (int f = 0; f < kx; ++f) zx[f][e] = zd[e][ex[f]];
        }
        double mu[2];
        double pi[2] = {d[ex[0]], kx > 1 ? d[ex[1]] : 0.0};
        if (kx == 1) {
            if (zx[0][0] == 0) return kSingular;
            mu[0] = pi[0] / zx[0][0];
        } else if (!solve2(zx[0][0], zx[0][1], zx[1][0], zx[1][1], pi, mu)) {
            return kSingular;
        }
        for (int e = 0; e < kx; ++e) {
            for (i64 k = 1; k < m; ++k) coef[k] -= zc[e][k] * mu[e];
            for (int j = 0; j < 2; ++j) d[j] -= zd[e][j] * mu[e];
        }
    }
    for (i64 i = 0; i < n; ++i) c[i] = 0.0;
    *c0 = 0.0;
    for (i64 k = 1; k < m; ++k) c[fr.nid[k]] = coef[k];
    for (int j = 0; j < 2; ++j) {
        if (aff[j].id >= 0) c[aff[j].id] = d[j];
        if (aff[j].id == -1) *c0 = d[j];
    }
    return kOk;
}

int heaviside_solve(i64 n, const Frame& fr, const i64* full, i64 n_full, const double* rhs, bool from_load,
                    bool with_const, double* c, double* c0) {
    const i64 m = fr.m;
    if (n_full > 1) return kSingular;
    const i64 aff_id = n_full == 1 ? full[0] : (with_const ? -1 : -2);
    HeavisideSolver sv{fr};
    std::vector<double> z(static_cast<std::size_t>(m)), coef(static_cast<std::size_t>(m + 1), 0.0);
    double d;
    if (from_load) {
        for (i64 k = 0; k < m; ++k) z[k] = fr.mirror ? rhs[m - 1 - k] : rhs[k];
    } else {
        std::vector<double> r(static_cast<std::size_t>(m + 1), 0.0);
        for (i64 k = 1; k < m; ++k) r[k] = rhs[fr.nid[k]];
        sv.loads(r, aff_id >= 0 ? rhs[aff_id] : 0.0, z);
    }
    sv.dinv(z);
    sv.coords(z, coef, &d);
    if (aff_id == -2) {
        std::vector<double> r(static_cast<std::size_t>(m + 1), 0.0), q(static_cast<std::size_t>(m)),
            zc(static_cast<std::size_t>(m + 1), 0.0);
        double zd;
        sv.loads(r, 1.0, q);
        sv.dinv(q);
        sv.coords(q, zc, &zd);
        if (zd == 0) return kSingular;
        const double mu = d / zd;
        for (i64 k = 1; k < m; ++k) coef[k] -= zc[k] * mu;
        d = 0.0;
    }
    for (i64 i = 0; i < n; ++i) c[i] = 0.0;
    *c0 = 0.0;
    for (i64 k = 1; k < m; ++k) c[fr.nid[k]] = coef[k];
    if (aff_id >= 0) c[aff_id] = d;
    if (aff_id == -1) *c0 = d;
    return kOk;
}

}  // namespace

void assemble_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
                 double* out, int n_threads) {
    const Neurons nr(w, b, n, lo, hi);
    const i64 tile = 64;
    const i64 nt = (n + tile - 1) / tile;
    const i64 N = matrix_size_1d(kind, n);
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (i64 I = 0; I < nt; ++I) {
        const i64 i0 = I * tile, i1 = std::min(n, i0 + tile);
        for (i64 J = I; J < nt; ++J) {
            const i64 j0 = J * tile, j1 = std::min(n, j0 + tile);
            for (i64 i = i0; i < i1; ++i) {
                const i64 js = I == J ? i : j0;
                if (kind == Kind1d::kMass) {
                    const double wi = nr.w[i], bi = nr.b[i], li = nr.l[i], hi_ = nr.h[i];
                    double* row = out + i * N;
                    for (i64 j = js; j < j1; ++j)
                        row[j] = mass_pair(wi, bi, li, hi_, nr.w[j], nr.b[j], nr.l[j], nr.h[j]);
                    for (i64 j = js; j < j1; ++j) out[j * N + i] = row[j];
                } else if (kind == Kind1d::kHeaviside) {
                    const double li = nr.l[i], hi_ = nr.h[i];
                    double* row = out + i * N;
                    for (i64 j = js; j < j1; ++j) row[j] = heaviside_pair(li, hi_, nr.l[j], nr.h[j]);
                    for (i64 j = js; j < j1; ++j) out[j * N + i] = row[j];
                } else {
                    for (i64 j = js; j < j1; ++j) {
                        double g[3];
                        gn_pair(nr.l[i], nr.h[i], nr.l[j], nr.h[j], g);
                        double* r0 = out + (2 * i) * N + 2 * j;
                        double* r1 = out + (2 * i + 1) * N + 2 * j;
                        double* s0 = out + (2 * j) * N + 2 * i;
                        double* s1 = out + (2 * j + 1) * N + 2 * i;
                        r0[0] = g[0];
                        r0[1] = g[1];
                        r1[0] = g[1];
                        r1[1] = g[2];
                        s0[0] = g[0];
                        s0[1] = g[1];
                        s1[0] = g[1];
                        s1[1] = g[2];
                    }
                }
            }
        }
    }
}

void entries_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
                const std::int64_t* rows, std::int64_t nr, const std::int64_t* cols, std::int64_t nc,
                double* out, int n_threads) {
    const Neurons neu(w, b, n, lo, hi);
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (i64 r = 0; r < nr; ++r)
        for (i64 c = 0; c < nc; ++c) out[r * nc + c] = entry(kind, neu, rows[r], cols[c]);
}

void matvec_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
               const double* x, std::int64_t k, double* y, int n_threads) {
    const Mesh ms = build_mesh(w, b, n, lo, hi);
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (i64 col = 0; col < k; ++col) matvec_column(kind, w, b, n, ms, x + col, k, y + col, k);
}

void load_from_moments_1d(const double* w, const double* b, std::int64_t n, const double* nodes,
                          std::int64_t m, const double* m0, const double* ml, const double* mr,
                          double* y) {
    const double lo = nodes[0], hi = nodes[m];
    std::vector<i64> node(static_cast<std::size_t>(n), -1);
    for (i64 i = 0; i < n; ++i) {
        const Cls c = classify(w[i], b[i], lo, hi);
        if (c == kFull) {
            node[i] = w[i] < 0 ? m : 0;
        } else if (c == kInterior) {
            const double s = -b[i] / w[i];
            node[i] = std::lower_bound(nodes, nodes + m + 1, s) - nodes;
        }
    }
    mass_from_moments(w, b, n, nodes, m, node.data(), m0, ml, mr, y);
}

int hat_solve_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
                 const std::int64_t* order, std::int64_t n_int, const std::int64_t* full,
                 std::int64_t n_full, const double* rhs, bool from_load, bool with_const, double* c,
                 double* c0) {
    Frame fr;
    if (!build_frame(w, b, lo, hi, order, n_int, fr)) return kSingular;
    int st = kind == Kind1d::kHeaviside
                 ? heaviside_solve(n, fr, full, n_full, rhs, from_load, with_const, c, c0)
                 : mass_solve(w, b, n, lo, hi, fr, full, n_full, rhs, from_load, with_const, c, c0);
    if (st != kOk) return st;
    bool finite = std::isfinite(*c0);
    for (i64 i = 0; i < n; ++i) finite = finite && std::isfinite(c[i]);
    return finite ? kOk : kNaNResult;
}

}  // namespace nnla::relu
