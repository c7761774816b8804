// The 1D ReLU-network matrices (mass A, Heaviside H, layer Gauss-Newton G; relu1d.hpp) as Gram
// matrices of two-piece affine functions: the generators the exact HSS builder
// (hss::build_gram1d, hss/gram1d.hpp) consumes.
//
// Every index p (a neuron of A or H; a pair (neuron, k) of G, k = 0 <-> b, 1 <-> w) has a function
// f_p on [lo, hi] with M_pq = int f_p f_q and one breakpoint s_p (the neuron's, clamped to
// [lo, hi]; none for w = 0, put at hi) splitting it into two affine pieces alpha + beta x: mass,
// w > 0: 0 left, (b, w) right; w < 0: the reverse; Heaviside: (1, 0) instead of (b, w); G: (1, 0)
// (k = 0) or (0, 1) (k = 1) on the active side; w = 0: the same piece on both sides (active iff
// b > 0). The tree order is `order` (the neurons sorted by breakpoint, w = 0 last; G: index 2 q + k
// <-> 2 order[q] + k); the units are the neurons (G: both indices of a neuron in the same leaf).
#pragma once

#include <cstdint>
#include <vector>

#include "hss/gram1d.hpp"
#include "relu/kind.hpp"

namespace nnla::relu {

class Relu1dGenerator final : public hss::Gram1dGenerator {
public:
    // Pointers must stay valid while the generator is used.
    Relu1dGenerator(Kind kind, const double* w, const double* b, int n_neurons, double lo, double hi,
                    const std::int64_t* order)
        : kind_(kind), w_(w), b_(b), n_(n_neurons), lo_(lo), hi_(hi), order_(order) {}

    double lo() const override { return lo_; }
    double hi() const override { return hi_; }
    int units() const override { return n_; }
    int group() const override { return kind_ == Kind::kGaussNewton ? 2 : 1; }
    bool piecewise_constant() const override { return kind_ == Kind::kHeaviside; }
    void functions(std::vector<hss::TwoPieceFn>& fn) const override;
    void diagonal_block(int first, int m, double* out) const override;

private:
    Kind kind_;
    const double* w_;
    const double* b_;
    int n_;
    double lo_, hi_;
    const std::int64_t* order_;
};

}  // namespace nnla::relu
