// Exact ReLU-network matrices in 2D on a convex polygon Omega (spec: relu-matrices.md, "2D").
//
// Neuron i: sigma_i(x) = max(r_i . y, 0), y = (1, x1, x2), r_i = (b_i, w_i1, w_i2). For a pair (i, j)
// the region R_ij = {x in Omega : r_i.y > 0, r_j.y > 0} is Omega clipped by two half-planes
// (Sutherland-Hodgman); its moments are integrated exactly by a fan triangulation:
//   H_ij = |R_ij|,  A_ij = int_{R_ij} (r_i.y)(r_j.y),  G block (i, j) = int_{R_ij} y y^T (3 x 3).
// Every entry is computed by the same canonical sequence (clip Omega by min(i, j), then by max(i, j)),
// so assembled matrices, entry blocks and matvecs agree bitwise and do not depend on the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "relu/kind.hpp"

namespace nnla::relu {

using Poly2dKind = Kind;

// The problem: n neurons (w row-major (n, 2), b (n,)) on the convex polygon with k counter-clockwise
// vertices (row-major (k, 2)). Pointers must stay valid while the object is used. Construction clips
// Omega by every neuron once (O(n k) memory), in parallel over neurons.
class Poly2d {
public:
    Poly2d(const double* w, const double* b, std::int64_t n, const double* vertices, int k, int n_threads);

    std::int64_t n() const { return n_; }

    // Dense assembly; each non-null output is filled (A, H: n x n; G: 3n x 3n, neuron-major).
    void assemble(double* A, double* H, double* G, int n_threads) const;

    // out (nr x nc, row-major) = M[rows, cols]; indices into the assembled matrix of `kind`
    // (0 <= index < n for A, H; < 3n for G), already range-checked by the caller.
    void entries(Poly2dKind kind, const std::int64_t* rows, std::int64_t nr, const std::int64_t* cols,
                 std::int64_t nc, double* out, int n_threads) const;

    // y (N x ncol, row-major) = M x without forming M (N = n, or 3n for G); O(n^2) work, O(n) memory.
    void matvec(Poly2dKind kind, const double* x, std::int64_t ncol, double* y, int n_threads) const;

    // Omega clipped to the active half-plane of each neuron: vertices (x, y), the values r_i . y at
    // them (>= 0), and offsets (n + 1) into those arrays. Empty polygons have no vertices.
    void active_polygons(std::vector<double>& xy, std::vector<double>& val,
                         std::vector<std::int64_t>& offsets) const;

    // The moments of one pair: m[0..5] = int 1, x1, x2, x1^2, x1 x2, x2^2 over R_ij, m[6] = A_ij.
    struct Scratch;

private:
    void pair_moments(std::int64_t i, std::int64_t j, Scratch& s, double* m) const;

    const double* w_;
    const double* b_;
    std::int64_t n_;
    const double* v_;
    int k_;
    std::vector<double> px_, py_, pf_;  // Omega clipped by each neuron (packed), values r_i . y
    std::vector<std::int64_t> po_;      // offsets (n + 1) of the clipped polygons in px_, py_, pf_
    std::vector<int> pm_;               // vertex count of each clipped polygon
    int max_m_;                         // largest vertex count (of Omega and the clipped polygons)
};

}  // namespace nnla::relu
