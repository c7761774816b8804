// Exact 1D matrices of a shallow ReLU network on an interval [a, b] (spec: relu-matrices.md).
//
// Neuron i: sigma_i(x) = max(w_i x + b_i, 0). Three Gram-type matrices:
//   mass A_ij = int sigma_i sigma_j, Heaviside H_ij = int h_i h_j (h = 1{w x + b > 0}),
//   layer Gauss-Newton G (2n x 2n, neuron-major: index 2i + k, k = 0 <-> b_i, k = 1 <-> w_i),
//   block (i, j) = int_{R_ij} (1, x)(1, x)^T dx.
// Closed forms in the shifted, cancellation-free form of the spec. Every routine takes raw
// pointers, validated sizes and the OpenMP thread count; none throws mid-loop, none calls Python.
#pragma once

#include <cstdint>

#include "relu/kind.hpp"

namespace nnla::relu {

using Kind1d = Kind;

// Size of the matrix of `kind` for n neurons (n, n, 2n).
inline std::int64_t matrix_size_1d(Kind1d kind, std::int64_t n) {
    return kind == Kind1d::kGaussNewton ? 2 * n : n;
}

// Dense matrix (row-major, matrix_size_1d x matrix_size_1d) into out.
void assemble_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
                 double* out, int n_threads);

// out[r, c] = M[rows[r], cols[c]] (row-major nr x nc); indices already checked in range.
void entries_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
                const std::int64_t* rows, std::int64_t nr, const std::int64_t* cols, std::int64_t nc,
                double* out, int n_threads);

// y = M x without forming M, for k right-hand sides: x is (N, k) row-major, y (N, k),
// N = matrix_size_1d. O(n log n) per column (sort, prefix sums); OpenMP over the columns.
void matvec_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo, double hi,
               const double* x, std::int64_t k, double* y, int n_threads);

// Load vector y_i = int u sigma_i from per-cell moments of u on the mesh nodes[0..m] (strictly
// increasing, nodes[0] = lo, nodes[m] = hi, containing every breakpoint inside (lo, hi)):
// m0[c] = int_cell u, ml[c] = int_cell (x - nodes[c]) u, mr[c] = int_cell (nodes[c+1] - x) u.
void load_from_moments_1d(const double* w, const double* b, std::int64_t n, const double* nodes,
                          std::int64_t m, const double* m0, const double* ml, const double* mr,
                          double* y);

// The exact O(n) hat-basis solvers (mass: A = P M P^T with M the tridiagonal hat mass matrix;
// Heaviside: H = P D P^T with D the cell lengths). `order` lists the neurons with a breakpoint
// strictly inside (lo, hi), sorted by breakpoint (distinct); `full` the neurons active on all of
// [lo, hi] (at most 2 for the mass matrix, 1 for the Heaviside one); all other neurons are dead
// and get coefficient 0 (the caller has refused degenerate input before).
//  - from_load: rhs are the loads of the target u on the mesh (mass: int u psi_l for the m + 1
//    hat functions of nodes (lo, sorted breakpoints, hi); Heaviside: int u over the m cells); the
//    result is the L2 projection of u on span{sigma_i} (+ constants if with_const).
//  - else: rhs = f (n,), and c solves A c = f (H c = f); with_const must be false.
// Returns 0 (kOk) or kSingular (degenerate structure found: a repeated node, a dependent set of
// affine functions); c (n,) and *c0 are written on success.
int hat_solve_1d(Kind1d kind, const double* w, const double* b, std::int64_t n, double lo,
                 double hi, const std::int64_t* order, std::int64_t n_int, const std::int64_t* full,
                 std::int64_t n_full, const double* rhs, bool from_load, bool with_const, double* c,
                 double* c0);

// The P1 (hat-function) L2 projection on a given mesh: z <- M^{-1} z in place, where M is the
// tridiagonal mass matrix of the m + 1 hat functions on nodes[0..m] (strictly increasing) and z
// holds the loads int u psi_l on entry, the nodal values of the projection on return. O(m).
// Returns 0 (kOk), kSingular (m < 1, or nodes not strictly increasing and finite) or kNaNResult
// (z not finite).
int hat_mass_solve_1d(const double* nodes, std::int64_t m, double* z);

}  // namespace nnla::relu
