// Exact 2D ReLU-network matrices by polygon clipping; see poly2d.hpp.
//
// Accuracy notes.
//  * Half-plane clipping (Sutherland-Hodgman) keeps vertices with value d >= 0 and inserts the edge
//    crossing only where the two end values have strictly opposite signs, so a line through a vertex
//    adds no duplicate vertex; the crossing parameter t = d_P / (d_P - d_Q) lies in [0, 1]. A polygon
//    with no vertex of positive value is empty (this makes w = 0 active iff b > 0, and a line that only
//    touches Omega at a vertex or along an edge from outside gives an empty region).
//  * The values of the first neuron are carried along the clipping (set to 0 on its own line and
//    interpolated linearly at the second clip), so int sigma_i sigma_j over a triangle is
//    |T| / 12 (sum_k f_k g_k + (sum f)(sum g)) with f, g >= 0 at the vertices: a sum of non-negative
//    terms, no cancellation even where R_ij is a thin sliver along one of the lines (where r_i^T Mom r_j
//    would cancel catastrophically).
//  * Triangle areas are cross products of edge vectors from the fan vertex (the local origin), never a
//    shoelace sum of absolute coordinates. int x x^T over a triangle is |T| / 12 (sum v v^T + s s^T);
//    its diagonal is a positive-definite form of the vertex coordinates (condition number 4).
#include "relu/poly2d.hpp"

#include <algorithm>
#include <cstring>

namespace nnla::relu {

struct Poly2d::Scratch {
    std::vector<double> qx, qy, qf, qg, d;
    explicit Scratch(int cap) : qx(cap), qy(cap), qf(cap), qg(cap), d(cap) {}
};

namespace {

// d[k] = bb + w0 px[k] + w1 py[k]: the values of a neuron at the vertices.
inline void values(const double* px, const double* py, int m, double bb, double w0, double w1,
                   double* d) {
    for (int k = 0; k < m; ++k) d[k] = bb + w0 * px[k] + w1 * py[k];
}

// Clip the polygon (px, py) with m vertices and values d of a neuron to {d > 0}. Writes the kept
// vertices with their values (>= 0) to (qx, qy, qg) and carries the values pf (may be null) to qf
// by linear interpolation. Returns the number of output vertices (0: empty; at most 2m).
inline int clip(const double* px, const double* py, const double* pf, const double* d, int m,
                double* qx, double* qy, double* qf, double* qg) {
    bool anypos = false, anyneg = false;
    for (int k = 0; k < m; ++k) {
        anypos = anypos || (d[k] > 0.0);
        anyneg = anyneg || (d[k] < 0.0);
    }
    if (!anypos) return 0;
    if (!anyneg) {
        std::memcpy(qx, px, sizeof(double) * m);
        std::memcpy(qy, py, sizeof(double) * m);
        if (pf) std::memcpy(qf, pf, sizeof(double) * m);
        std::memcpy(qg, d, sizeof(double) * m);
        return m;
    }
    int o = 0;
    for (int k = 0; k < m; ++k) {
        const int kn = (k + 1 == m) ? 0 : k + 1;
        const double dp = d[k], dq = d[kn];
        if (dp >= 0.0) {
            qx[o] = px[k];
            qy[o] = py[k];
            if (pf) qf[o] = pf[k];
            qg[o] = dp;
            ++o;
        }
        if ((dp > 0.0 && dq < 0.0) || (dp < 0.0 && dq > 0.0)) {
            const double t = dp / (dp - dq);
            qx[o] = px[k] + t * (px[kn] - px[k]);
            qy[o] = py[k] + t * (py[kn] - py[k]);
            if (pf) qf[o] = pf[k] + t * (pf[kn] - pf[k]);
            qg[o] = 0.0;
            ++o;
        }
    }
    return o;
}

// Number of vertices clip() outputs for the values d (m of them): kept vertices plus crossings.
// At most m + 1 for a convex polygon, but up to 2m when rounding makes the values of nearly
// collinear vertices alternate in sign, so buffers are sized from this count, never assumed.
inline int clip_count(const double* d, int m) {
    bool anypos = false, anyneg = false;
    for (int k = 0; k < m; ++k) {
        anypos = anypos || (d[k] > 0.0);
        anyneg = anyneg || (d[k] < 0.0);
    }
    if (!anypos) return 0;
    if (!anyneg) return m;
    int o = 0;
    for (int k = 0; k < m; ++k) {
        const double dp = d[k], dq = d[(k + 1 == m) ? 0 : k + 1];
        o += (dp >= 0.0) + ((dp > 0.0 && dq < 0.0) || (dp < 0.0 && dq > 0.0));
    }
    return o;
}

// Moments of a convex polygon (fan from vertex 0) with vertex values f, g of two linear functions:
// m = {int 1, x, y, x^2, xy, y^2, f g}.
inline void moments(const double* x, const double* y, const double* f, const double* g, int m,
                    double* mom) {
    double s0 = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, sfg = 0;
    const double x0 = x[0], y0 = y[0], f0 = f[0], g0 = g[0];
    for (int t = 1; t + 1 < m; ++t) {
        const double x1 = x[t], y1 = y[t], x2 = x[t + 1], y2 = y[t + 1];
        const double a2 = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
        const double cx = x0 + x1 + x2, cy = y0 + y1 + y2;
        const double f1 = f[t], f2 = f[t + 1], g1 = g[t], g2 = g[t + 1];
        s0 += a2;
        sx += a2 * cx;
        sy += a2 * cy;
        sxx += a2 * (x0 * x0 + x1 * x1 + x2 * x2 + cx * cx);
        sxy += a2 * (x0 * y0 + x1 * y1 + x2 * y2 + cx * cy);
        syy += a2 * (y0 * y0 + y1 * y1 + y2 * y2 + cy * cy);
        sfg += a2 * (f0 * g0 + f1 * g1 + f2 * g2 + (f0 + f1 + f2) * (g0 + g1 + g2));
    }
    mom[0] = s0 / 2.0;
    mom[1] = sx / 6.0;
    mom[2] = sy / 6.0;
    mom[3] = sxx / 24.0;
    mom[4] = sxy / 24.0;
    mom[5] = syy / 24.0;
    mom[6] = sfg / 24.0;
}

// Entry (p, q) of the 3 x 3 block int y y^T from the moments.
inline double block_entry(const double* m, int p, int q) {
    static constexpr int kIdx[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
    return m[kIdx[p][q]];
}

inline double kind_entry(Poly2dKind kind, const double* m, int p, int q) {
    switch (kind) {
        case Poly2dKind::kMass: return m[6];
        case Poly2dKind::kHeaviside: return m[0];
        default: return block_entry(m, p, q);
    }
}

}  // namespace

Poly2d::Poly2d(const double* w, const double* b, std::int64_t n, const double* vertices, int k,
               int n_threads)
    : w_(w), b_(b), n_(n), v_(vertices), k_(k) {
    std::vector<double> ox(k), oy(k);
    for (int t = 0; t < k; ++t) {
        ox[t] = vertices[2 * t];
        oy[t] = vertices[2 * t + 1];
    }
    const int nt = std::max(1, n_threads);
    // Pass 1: the values at Omega's vertices and the vertex count of each clipped polygon;
    // pass 2: the polygons, packed, from the same values (so the counts hold by construction).
    std::vector<double> dv(static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
    pm_.assign(static_cast<std::size_t>(n), 0);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
        double* d = dv.data() + static_cast<std::size_t>(i) * k;
        values(ox.data(), oy.data(), k, b[i], w[2 * i], w[2 * i + 1], d);
        pm_[i] = clip_count(d, k);
    }
    po_.assign(static_cast<std::size_t>(n) + 1, 0);
    max_m_ = k;
    for (std::int64_t i = 0; i < n; ++i) {
        po_[i + 1] = po_[i] + pm_[i];
        max_m_ = std::max(max_m_, pm_[i]);
    }
    const std::size_t total = static_cast<std::size_t>(po_[n]);
    px_.assign(total, 0.0);
    py_.assign(total, 0.0);
    pf_.assign(total, 0.0);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
        const std::size_t off = static_cast<std::size_t>(po_[i]);
        clip(ox.data(), oy.data(), nullptr, dv.data() + static_cast<std::size_t>(i) * k, k,
             px_.data() + off, py_.data() + off, nullptr, pf_.data() + off);
    }
}

void Poly2d::pair_moments(std::int64_t i, std::int64_t j, Scratch& s, double* m) const {
    const std::int64_t a = std::min(i, j), c = std::max(i, j);
    const std::size_t off = static_cast<std::size_t>(po_[a]);
    const int ma = pm_[a];
    if (ma < 3) {
        std::fill(m, m + 7, 0.0);
        return;
    }
    if (a == c) {
        moments(&px_[off], &py_[off], &pf_[off], &pf_[off], ma, m);
        return;
    }
    // The scratch holds 2 * max_m_ + 2 >= 2 ma vertices: enough for any sign pattern.
    values(&px_[off], &py_[off], ma, b_[c], w_[2 * c], w_[2 * c + 1], s.d.data());
    const int mq = clip(&px_[off], &py_[off], &pf_[off], s.d.data(), ma, s.qx.data(), s.qy.data(),
                        s.qf.data(), s.qg.data());
    if (mq < 3) {
        std::fill(m, m + 7, 0.0);
        return;
    }
    moments(s.qx.data(), s.qy.data(), s.qf.data(), s.qg.data(), mq, m);
}

namespace {

// Matrices of at least this order are assembled by their upper triangle and mirrored.
constexpr std::int64_t kMirrorOrder = 1024;

// Copy the upper triangle of the row-major N x N matrix M onto its lower triangle, in square
// tiles (both the read and the write stay in cache; a scattered transposed write per entry in the
// pair loop cost most of the Gauss-Newton assembly: 2.2 s of it at n = 4096).
void mirror_upper(double* M, std::int64_t N, int n_threads) {
    constexpr std::int64_t kTile = 64;
    const std::int64_t nt = (N + kTile - 1) / kTile;
#pragma omp parallel for num_threads(std::max(1, n_threads)) schedule(dynamic, 1)
    for (std::int64_t bi = 0; bi < nt; ++bi) {
        const std::int64_t r0 = bi * kTile, r1 = std::min(N, r0 + kTile);
        for (std::int64_t bj = 0; bj <= bi; ++bj) {
            const std::int64_t c0 = bj * kTile, c1 = std::min(N, c0 + kTile);
            for (std::int64_t r = r0; r < r1; ++r) {
                const std::int64_t cend = std::min(c1, r);  // strictly below the diagonal
                for (std::int64_t c = c0; c < cend; ++c) M[r * N + c] = M[c * N + r];
            }
        }
    }
}

}  // namespace

void Poly2d::assemble(double* A, double* H, double* G, int n_threads) const {
    const std::int64_t n = n_;
    const std::int64_t n3 = 3 * n;
    // Large matrices: the pair loop writes the upper triangles only (row i streams through the
    // columns j >= i) and the lower ones are mirrored afterwards in cache-sized tiles; the
    // scattered transposed write per pair cost most of the assembly there (G at n = 1024:
    // 0.127 s -> 0.039 s). Small ones (in cache anyway) get both writes in the loop, which saves
    // the extra pass (n = 256, A, H and G: 2.8 ms -> 2.3 ms).
    const bool mirror_n = n >= kMirrorOrder, mirror_g = n3 >= kMirrorOrder;
#pragma omp parallel num_threads(std::max(1, n_threads))
    {
        Scratch s(2 * max_m_ + 2);
        double m[7];
#pragma omp for schedule(dynamic, 4)
        for (std::int64_t i = 0; i < n; ++i) {
            for (std::int64_t j = i; j < n; ++j) {
                pair_moments(i, j, s, m);
                if (A) {
                    A[i * n + j] = m[6];
                    if (!mirror_n) A[j * n + i] = m[6];
                }
                if (H) {
                    H[i * n + j] = m[0];
                    if (!mirror_n) H[j * n + i] = m[0];
                }
                if (G) {
                    double* gij = G + 3 * i * n3 + 3 * j;
                    double* gji = G + 3 * j * n3 + 3 * i;
                    for (int p = 0; p < 3; ++p)
                        for (int q = 0; q < 3; ++q) {
                            const double e = block_entry(m, p, q);
                            gij[p * n3 + q] = e;
                            if (!mirror_g) gji[p * n3 + q] = e;
                        }
                }
            }
        }
    }
    // Diagonal 3 x 3 blocks of G are written whole above; their lower parts equal their upper
    // ones (the moments are symmetric), so mirroring the whole upper triangle is exact.
    if (A && mirror_n) mirror_upper(A, n, n_threads);
    if (H && mirror_n) mirror_upper(H, n, n_threads);
    if (G && mirror_g) mirror_upper(G, n3, n_threads);
}

void Poly2d::entries(Poly2dKind kind, const std::int64_t* rows, std::int64_t nr, const std::int64_t* cols,
                     std::int64_t nc, double* out, int n_threads) const {
    const int dim = (kind == Poly2dKind::kGaussNewton) ? 3 : 1;
#pragma omp parallel num_threads(std::max(1, n_threads))
    {
        Scratch s(2 * max_m_ + 2);
        double m[7];
#pragma omp for schedule(dynamic, 4)
        for (std::int64_t r = 0; r < nr; ++r) {
            const std::int64_t i = rows[r] / dim;
            const int p = static_cast<int>(rows[r] % dim);
            std::int64_t last = -1;  // the neuron of the moments in m (consecutive G columns share it)
            for (std::int64_t c = 0; c < nc; ++c) {
                const std::int64_t j = cols[c] / dim;
                const int q = static_cast<int>(cols[c] % dim);
                if (j != last) {
                    pair_moments(i, j, s, m);
                    last = j;
                }
                out[r * nc + c] = kind_entry(kind, m, p, q);
            }
        }
    }
}

void Poly2d::matvec(Poly2dKind kind, const double* x, std::int64_t ncol, double* y, int n_threads) const {
    const std::int64_t n = n_;
    const bool gn = (kind == Poly2dKind::kGaussNewton);
#pragma omp parallel num_threads(std::max(1, n_threads))
    {
        Scratch s(2 * max_m_ + 2);
        double m[7];
        std::vector<double> acc(static_cast<std::size_t>(gn ? 3 * ncol : ncol));
#pragma omp for schedule(dynamic, 4)
        for (std::int64_t i = 0; i < n; ++i) {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::int64_t j = 0; j < n; ++j) {
                pair_moments(i, j, s, m);
                if (!gn) {
                    const double a = (kind == Poly2dKind::kMass) ? m[6] : m[0];
                    if (a == 0.0) continue;
                    const double* xj = x + j * ncol;
                    for (std::int64_t c = 0; c < ncol; ++c) acc[c] += a * xj[c];
                } else {
                    if (m[0] == 0.0) continue;
                    for (int q = 0; q < 3; ++q) {
                        const double* xj = x + (3 * j + q) * ncol;
                        for (int p = 0; p < 3; ++p) {
                            const double a = block_entry(m, p, q);
                            double* ap = acc.data() + p * ncol;
                            for (std::int64_t c = 0; c < ncol; ++c) ap[c] += a * xj[c];
                        }
                    }
                }
            }
            std::copy(acc.begin(), acc.end(), y + (gn ? 3 * i : i) * ncol);
        }
    }
}

void Poly2d::active_polygons(std::vector<double>& xy, std::vector<double>& val,
                             std::vector<std::int64_t>& offsets) const {
    offsets.assign(static_cast<std::size_t>(n_) + 1, 0);
    for (std::int64_t i = 0; i < n_; ++i) offsets[i + 1] = offsets[i] + (pm_[i] >= 3 ? pm_[i] : 0);
    xy.assign(static_cast<std::size_t>(2 * offsets[n_]), 0.0);
    val.assign(static_cast<std::size_t>(offsets[n_]), 0.0);
    for (std::int64_t i = 0; i < n_; ++i) {
        const std::size_t off = static_cast<std::size_t>(po_[i]);
        for (std::int64_t t = 0; t < offsets[i + 1] - offsets[i]; ++t) {
            xy[2 * (offsets[i] + t)] = px_[off + t];
            xy[2 * (offsets[i] + t) + 1] = py_[off + t];
            val[offsets[i] + t] = pf_[off + t];
        }
    }
}

}  // namespace nnla::relu
