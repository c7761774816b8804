// HSS (hierarchically semiseparable) symmetric matrices over a perfect binary cluster tree, their
// construction (SPD-preserving compression of a dense array; interpolative decomposition on sampled
// entries), matvec, and the ULV-type Cholesky factorization (solve, logdet).
//
// Storage: everything is in the permuted ("tree") order. Nodes are numbered heap-style: the root is
// 0, the children of p are 2p+1 and 2p+2, the nodes of level l are [2^l - 1, 2^(l+1) - 1) and the
// leaves are the nodes of the deepest level. For symmetric HSS, U = V:
//   leaf i:      D[i] (m_i x m_i dense diagonal block), U[i] (m_i x k_i) basis of its block row;
//   non-leaf p:  U[p] ((k_c1 + k_c2) x k_p) translation operator (none at the root),
//                B[p] (k_c1 x k_c2) coupling, A(c1, c2) = U_c1 B_p U_c2^T with nested bases.
// Real float64 only. Matrices are column-major.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nnla::hss {

struct Tree {
    int n = 0;
    int levels = 0;            // depth of the leaves (0: the root is the only leaf)
    std::vector<int> lo, hi;   // index range [lo, hi) of each node in the permuted order
    int num_nodes() const { return static_cast<int>(lo.size()); }
    static int first(int level) { return (1 << level) - 1; }
    bool is_leaf(int node) const { return node >= first(levels); }
};

// Balanced tree: node [lo, hi) splits at lo + (hi - lo) / 2, down to the first depth at which every
// leaf has at most leaf_size indices.
Tree make_tree(int n, int leaf_size);

// Geometric bisection of points (n x dim, row-major, dim 1..3): each node's points are split at the
// median of their widest coordinate into the two halves of make_tree; returns the ordering
// perm (tree position -> original index). Deterministic (ties broken by index).
std::vector<int> bisection_order(const double* points, int n, int dim, int leaf_size);

struct HSS {
    Tree tree;
    std::vector<int> rank;                    // k_i per node (0 at the root)
    std::vector<std::vector<double>> D, U, B;
    std::size_t nbytes() const;
};

// Why a construction or factorization stopped (exported to Python as _core.HssFail).
enum FailCode : int {
    kFailOk = 0,
    kFailNotPositiveDefinite = 1,  // a diagonal block (of the matrix or of a reduced matrix) is not SPD
    kFailInternal = 4,             // internal LAPACK error
};
struct Fail {
    int code = kFailOk;
    int node = -1;
    int level = -1;
    int info = 0;
};

// Compression of a dense symmetric matrix (n x n, column-major, permuted already), see
// compress.cpp: compensated = true is the SPD-preserving Xia-Gu scaled block-row compression,
// false the plain orthogonal compression in the same (scaled) generators. Fills h; on failure h is
// partial.
Fail compress_dense(const double* a, const Tree& tree, double tol, bool compensated, int n_threads, HSS& h);

// One block of entries: rows x cols (permuted indices), filled column-major into out.
struct BlockRequest {
    std::vector<int> rows, cols;
    std::vector<double> out;
};

// A source of matrix entries by blocks. fill() is called from serial code, never inside an OpenMP
// region (a Python callable may run there); a native source may parallelise inside fill().
class BlockSource {
public:
    virtual ~BlockSource() = default;
    virtual void fill(std::vector<BlockRequest>& reqs, int n_threads) = 0;
};

// Native kernel entries k(|x_i - x_j|) + nugget [i == j] on points (n x dim, row-major, permuted).
enum class Kernel { kGaussian = 0, kExponential = 1, kMatern32 = 2 };
class KernelSource final : public BlockSource {
public:
    KernelSource(const double* points, int n, int dim, Kernel kernel, double length_scale, double nugget)
        : p_(points), n_(n), dim_(dim), kernel_(kernel), ls_(length_scale), nugget_(nugget) {}
    void fill(std::vector<BlockRequest>& reqs, int n_threads) override;
    double entry(int i, int j) const;
    // out (m x k, column-major) = A(rows, :) x for x n x k column-major (a posteriori checks).
    void rows_times(const std::vector<int>& rows, const double* x, int k, double* out, int n_threads) const;

private:
    const double* p_;
    int n_, dim_;
    Kernel kernel_;
    double ls_, nugget_;
};

// Interpolative-decomposition construction from entries on sampled columns (see compress.cpp);
// dim: the dimension of the points that ordered the tree (1 also when there are none); effort >= 1
// multiplies the numbers of random and sibling sample columns (the retry after a failed check).
Fail build_sampled(const Tree& tree, BlockSource& src, double tol, int dim, int n_threads, HSS& h,
                   int effort = 1);

// Randomized HSS compression (Martinsson, "A fast randomized algorithm for computing a hierarchically
// semiseparable representation of a matrix", SIMAX 2011), symmetric form: omega and y = A omega
// (n x s, column-major, tree order) sample every off-diagonal block row; entries only for the
// diagonal leaf blocks and the skeleton couplings. Row ID of each node's local sample (its block
// row times omega, the contributions inside the node removed through the children's generators)
// with |R_kk| > max(abs_thr, 1e-15 |R_11|). U_i = interpolation matrices, B_p = A(S_c1, S_c2).
Fail build_randomized(const Tree& tree, BlockSource& src, const double* omega, const double* y, int s,
                      double abs_thr, int n_threads, HSS& h);

class Gram1dGenerator;  // hss/gram1d.hpp

// Exact HSS of the Gram matrix of two-piece affine functions (the 1D ReLU-network matrices,
// relu/generators.hpp) from analytic generators (see gram1d.cpp), in the generator's tree order;
// the tree is over its units (leaf_size indices; leaf_size / group() units). Ranks <= 6; exact to
// rounding at every tolerance.
Fail build_gram1d(const Gram1dGenerator& gen, int leaf_size, int n_threads, HSS& h);

// Y = H X for X, Y column-major n x nrhs (leading dimension n).
void matvec(const HSS& h, const double* x, int nrhs, double* y, int n_threads);

// ULV-type Cholesky of H + shift I (see ulv.cpp).
struct ULV {
    Tree tree;
    std::vector<int> size, rank;              // s_i (rows of the reduced diagonal block), k_i
    std::vector<std::vector<double>> L, Q, R; // s x s lower Cholesky factor, s x k orthonormal, k x k
    std::size_t nbytes() const;
    double logdet() const;
};

Fail factor(const HSS& h, double shift, int n_threads, ULV& f);

// X <- (H + shift I)^{-1} X in place, X column-major n x nrhs.
void solve(const ULV& f, double* x, int nrhs, int n_threads);

}  // namespace nnla::hss
