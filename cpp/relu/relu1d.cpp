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

// Per-neuron data of the closed forms (structure of arrays, all double so that the pair loops
// vectorise). Active interval [l, h] (floating-point breakpoints); len its length computed
// accurately (sigma at the far end over |w|, with one fused multiply-add per neuron: nothing
// cancels against the rounded breakpoint); dir the orientation (+1, -1; 0 for w = 0); nest the
// orientation for the nesting test (0 for neurons active on all of [lo, hi] and dead ones);
// pos/neg = 1/0 by orientation. sigma on [l, h] is written from an anchor at its near end (its
// zero, or the near domain end with the value v there): sigma(x) = v + aw dir (x - anchor).
struct Neurons {
    std::vector<double> l, h, len, dir, anchor, v, aw, nest, pos, neg;
    Neurons(const double* w, const double* b, i64 n, double lo, double hi) {
        for (auto* a : {&l, &h, &len, &dir, &anchor, &v, &aw, &nest, &pos, &neg})
            a->assign(static_cast<std::size_t>(n), 0.0);
        for (i64 i = 0; i < n; ++i) {
            active_interval(w[i], b[i], lo, hi, l[i], h[i]);
            dir[i] = w[i] > 0 ? 1.0 : (w[i] < 0 ? -1.0 : 0.0);
            aw[i] = std::fabs(w[i]);
            pos[i] = w[i] >= 0 ? 1.0 : 0.0;
            neg[i] = w[i] < 0 ? 1.0 : 0.0;
            if (!(h[i] > l[i])) {  // dead: length 0, zero values
                anchor[i] = l[i];
                continue;
            }
            const bool is_full = l[i] == lo && h[i] == hi;
            nest[i] = is_full ? 0.0 : dir[i];
            const double vlo = std::fma(w[i], lo, b[i]), vhi = std::fma(w[i], hi, b[i]);
            if (w[i] >= 0) {
                anchor[i] = l[i];
                v[i] = is_full ? (w[i] > 0 ? std::max(vlo, 0.0) : b[i]) : 0.0;
                len[i] = is_full ? hi - lo : std::max(vhi, 0.0) / w[i];
            } else {
                anchor[i] = h[i];
                v[i] = is_full ? std::max(vhi, 0.0) : 0.0;
                len[i] = is_full ? hi - lo : std::max(vlo, 0.0) / -w[i];
            }
        }
    }
};

// Common active interval of neurons i and j: [lo, hi] and its length L (accurate: the shorter
// own length when both face the same way or one is full, else the difference of breakpoints).
struct Pair {
    double lo, hi, len;
};

inline Pair common(const Neurons& nr, i64 i, i64 j) {
    Pair p;
    p.lo = nr.l[i] > nr.l[j] ? nr.l[i] : nr.l[j];
    p.hi = nr.h[i] < nr.h[j] ? nr.h[i] : nr.h[j];
    const bool nested = nr.nest[i] * nr.nest[j] >= 0;
    const double lmin = nr.len[i] < nr.len[j] ? nr.len[i] : nr.len[j];
    const double d = p.hi - p.lo;
    p.len = nested ? lmin : (d > 0 ? d : 0.0);
    return p;
}

// sigma_k at both ends of a common interval [lo, lo + L] (L > 0 inside k's active interval):
// the value at k's near end (its zero or the near domain end, from the anchor: terms >= 0) and
// the far one as near + |w| L with the accurate L (the shifted form of the spec). The selection
// by orientation is an exact 0/1 blend (x * 1 + y * 0 == x), so the row loop vectorises.
inline void end_values(double lo, double hi, double L, double v, double aw, double dir, double anc,
                       double pos, double neg, double& p, double& q) {
    const double tlo = v + aw * (dir * (lo - anc)), thi = v + aw * (dir * (hi - anc));
    p = pos * tlo + neg * (thi + aw * L);
    q = pos * (tlo + aw * L) + neg * thi;
}

// A_ij = L/6 (2 (p_i p_j + q_i q_j) + (p_i q_j + q_i p_j)): every term is non-negative (nothing
// cancels) and the expression is symmetric in i, j bit for bit.
inline double mass_pair(const Neurons& nr, i64 i, i64 j) {
    const Pair c = common(nr, i, j);
    double pi, qi, pj, qj;
    end_values(c.lo, c.hi, c.len, nr.v[i], nr.aw[i], nr.dir[i], nr.anchor[i], nr.pos[i], nr.neg[i], pi, qi);
    end_values(c.lo, c.hi, c.len, nr.v[j], nr.aw[j], nr.dir[j], nr.anchor[j], nr.pos[j], nr.neg[j], pj, qj);
    return c.len / 6.0 * (2.0 * (pi * pj + qi * qj) + (pi * qj + qi * pj)) + 0.0;
}

inline double heaviside_pair(const Neurons& nr, i64 i, i64 j) { return common(nr, i, j).len; }

// One row segment row[j] = A_ij (mass) or H_ij, j in [j0, j1): the same arithmetic as mass_pair /
// heaviside_pair over restrict pointers (the Heaviside row vectorises; the mass row has too many
// selections for GCC's if-conversion and runs scalar).
template <bool kMassRow>
void pair_row(const Neurons& nr, i64 i, i64 j0, i64 j1, double* __restrict row) {
    const double* __restrict l = nr.l.data();
    const double* __restrict h = nr.h.data();
    const double* __restrict len = nr.len.data();
    const double* __restrict dir = nr.dir.data();
    const double* __restrict nest = nr.nest.data();
    const double* __restrict anc = nr.anchor.data();
    const double* __restrict v = nr.v.data();
    const double* __restrict aw = nr.aw.data();
    const double* __restrict pos = nr.pos.data();
    const double* __restrict neg = nr.neg.data();
    const double li = l[i], hi_ = h[i], leni = len[i], diri = dir[i], nesti = nest[i], anci = anc[i],
                 vi = v[i], awi = aw[i], posi = pos[i], negi = neg[i];
    for (i64 j = j0; j < j1; ++j) {
        const double lj = l[j], hj = h[j], lenj = len[j];
        const double lo = li > lj ? li : lj;
        const double hi = hi_ < hj ? hi_ : hj;
        const double lmin = leni < lenj ? leni : lenj;
        const double d = hi - lo;
        const double dpos = d > 0 ? d : 0.0;
        const double L = nesti * nest[j] >= 0 ? lmin : dpos;
        if constexpr (kMassRow) {
            double pi, qi, pj, qj;
            end_values(lo, hi, L, vi, awi, diri, anci, posi, negi, pi, qi);
            end_values(lo, hi, L, v[j], aw[j], dir[j], anc[j], pos[j], neg[j], pj, qj);
            // L == 0 (disjoint) gives +-0; adding +0.0 makes it +0 (as mass_pair's branch does)
            row[j] = L / 6.0 * (2.0 * (pi * pj + qi * qj) + (pi * qj + qi * pj)) + 0.0;
        } else {
            row[j] = L;
        }
    }
}

// Block (i, j) of the layer Gauss-Newton matrix: [[L, L (hi + lo)/2], [., L (hi^2 + hi lo + lo^2)/3]].
inline void gn_pair(const Neurons& nr, i64 i, i64 j, double* g) {
    const Pair c = common(nr, i, j);
    if (!(c.len > 0)) {
        g[0] = g[1] = g[2] = 0.0;
        return;
    }
    g[0] = c.len;
    g[1] = c.len * (0.5 * (c.hi + c.lo));
    g[2] = c.len * ((c.hi * c.hi + c.hi * c.lo + c.lo * c.lo) / 3.0);
}

// Entry (r, c) of the matrix; i, j are the positions of neurons r / step, c / step in nr.
inline double entry(Kind1d kind, const Neurons& nr, i64 r, i64 c, i64 i, i64 j) {
    if (kind == Kind1d::kMass) return mass_pair(nr, i, j);
    if (kind == Kind1d::kHeaviside) return heaviside_pair(nr, i, j);
    double g[3];
    gn_pair(nr, i, j, g);
    return g[static_cast<int>(r % 2) + static_cast<int>(c % 2)];
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

// z <- M^{-1} z for the tridiagonal mass matrix M of the m + 1 hat functions on cells of lengths
// h[0..m-1]: Thomas algorithm (M is SPD and diagonally dominant, no pivoting needed).
void hat_mass_minv(const double* h, i64 m, double* z) {
    std::vector<double> cp(static_cast<std::size_t>(m + 1));
    double prev_off = 0.0, prev_c = 0.0;
    for (i64 k = 0; k <= m; ++k) {
        const double hl = k > 0 ? h[k - 1] : 0.0, hr = k < m ? h[k] : 0.0;
        const double diag = (hl + hr) / 3.0 - prev_off * prev_c;
        const double off = hr / 6.0;
        z[k] = (z[k] - prev_off * (k > 0 ? z[k - 1] : 0.0)) / diag;
        cp[k] = off / diag;
        prev_off = off;
        prev_c = cp[k];
    }
    for (i64 k = m - 1; k >= 0; --k) z[k] -= cp[k] * z[k + 1];
}

// Mass-matrix solver in the frame. Basis B' = interior neurons (positions 1..m-1 of coef) and two
// affine elements fa[0], fa[1] given as (value at t_0, slope) in the working frame.
struct MassSolver {
    const Frame& fr;
    double fa[2][2];

    // Hat mass matrix M (tridiagonal) solve.
    void minv(std::vector<double>& z) const { hat_mass_minv(fr.h.data(), fr.m, z.data()); }

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

    // Extra affine elements (not in the span of the basis) are removed by a Schur-complement
    // correction: with G' the Gram matrix of basis + extras and Z = G'^{-1} [0; I], the solution is
    // c = y - Z_B Z_X^{-1} eta for [y; eta] = G'^{-1} [f; xi], whatever the extras' loads xi.
    std::vector<int> ex;
    for (int j = 0; j < 2; ++j)
        if (aff[j].id == -2) ex.push_back(j);
    const int kx = static_cast<int>(ex.size());
    std::vector<std::vector<double>> zc(static_cast<std::size_t>(kx)), zq(static_cast<std::size_t>(kx));
    double zd[2][2] = {{0, 0}, {0, 0}}, zx[2][2] = {{0, 0}, {0, 0}};
    for (int e = 0; e < kx; ++e) {
        std::vector<double> r(static_cast<std::size_t>(m + 1), 0.0);
        zq[e].assign(static_cast<std::size_t>(m + 1), 0.0);
        double ra[2] = {0.0, 0.0};
        ra[ex[e]] = 1.0;
        if (!sv.loads(r, ra, zq[e])) return kSingular;
        sv.minv(zq[e]);
        zc[e].assign(static_cast<std::size_t>(m + 1), 0.0);
        if (!sv.coords(zq[e], zc[e], zd[e])) return kSingular;
        for (int f = 0; f < kx; ++f) zx[f][e] = zd[e][ex[f]];
    }
    std::vector<double> z(static_cast<std::size_t>(m + 1)), coef(static_cast<std::size_t>(m + 1), 0.0);
    double d[2];
    double xi[2] = {0.0, 0.0};
    // With f given, a first pass with xi = 0 makes an intermediate function that the correction
    // must cancel; a second pass with xi = the extras' loads of the first solution keeps every
    // intermediate close to the answer (one step of iterative refinement, still O(n)).
    const int passes = (from_load || kx == 0) ? 1 : 2;
    for (int pass = 0; pass < passes; ++pass) {
        if (from_load) {
            for (i64 k = 0; k <= m; ++k) z[k] = fr.mirror ? rhs[m - k] : rhs[k];
        } else {
            std::vector<double> r(static_cast<std::size_t>(m + 1), 0.0);
            for (i64 k = 1; k < m; ++k) r[k] = rhs[fr.nid[k]];
            double ra[2];
            for (int j = 0; j < 2; ++j) ra[j] = aff[j].id >= 0 ? rhs[aff[j].id] : xi[j];
            if (!sv.loads(r, ra, z)) return kSingular;
        }
        sv.minv(z);
        if (!sv.coords(z, coef, d)) return kSingular;
        if (kx == 0) break;
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
            for (i64 k = 0; k <= m; ++k) z[k] -= zq[e][k] * mu[e];
        }
        if (pass + 1 < passes) {
            // xi_j = <v, extra_j> = extra_j(t)^T M z for the nodal values z of the solution v.
            for (int e = 0; e < kx; ++e) {
                const Affine& x = aff[ex[e]];
                double acc = 0.0;
                for (i64 k = 0; k <= m; ++k) {
                    const double hl = k > 0 ? fr.h[k - 1] : 0.0, hr = k < m ? fr.h[k] : 0.0;
                    double mz = (hl + hr) / 3.0 * z[k];
                    if (k > 0) mz += hl / 6.0 * z[k - 1];
                    if (k < m) mz += hr / 6.0 * z[k + 1];
                    acc += (x.f0 + x.f1 * (fr.t[k] - fr.t[0])) * mz;
                }
                xi[ex[e]] = acc;
            }
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
                if (kind != Kind1d::kGaussNewton) {
                    double* row = out + i * N;
                    if (kind == Kind1d::kMass)
                        pair_row<true>(nr, i, js, j1, row);
                    else
                        pair_row<false>(nr, i, js, j1, row);
                    for (i64 j = js; j < j1; ++j) out[j * N + i] = row[j];
                } else {
                    for (i64 j = js; j < j1; ++j) {
                        double g[3];
                        gn_pair(nr, i, j, g);
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
    // Per-neuron data of the requested rows' and columns' neurons only: O(nr + nc), not O(n).
    (void)n;
    const i64 step = kind == Kind1d::kGaussNewton ? 2 : 1;
    std::vector<double> ws(static_cast<std::size_t>(nr + nc)), bs(static_cast<std::size_t>(nr + nc));
    for (i64 r = 0; r < nr; ++r) {
        ws[r] = w[rows[r] / step];
        bs[r] = b[rows[r] / step];
    }
    for (i64 c = 0; c < nc; ++c) {
        ws[nr + c] = w[cols[c] / step];
        bs[nr + c] = b[cols[c] / step];
    }
    const Neurons neu(ws.data(), bs.data(), nr + nc, lo, hi);
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (i64 r = 0; r < nr; ++r)
        for (i64 c = 0; c < nc; ++c) out[r * nc + c] = entry(kind, neu, rows[r], cols[c], r, nr + c);
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

int hat_mass_solve_1d(const double* nodes, std::int64_t m, double* z) {
    if (m < 1) return kSingular;
    std::vector<double> h(static_cast<std::size_t>(m));
    for (i64 k = 0; k < m; ++k) {
        h[k] = nodes[k + 1] - nodes[k];
        if (!(h[k] > 0) || !std::isfinite(h[k])) return kSingular;  // repeated or unordered nodes
    }
    hat_mass_minv(h.data(), m, z);
    for (i64 k = 0; k <= m; ++k)
        if (!std::isfinite(z[k])) return kNaNResult;
    return kOk;
}

}  // namespace nnla::relu
