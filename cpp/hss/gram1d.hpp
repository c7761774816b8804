// What the exact 1D Gram-matrix HSS builder (gram1d.cpp) consumes: a family of functions on
// [lo, hi], each affine on the two sides of one breakpoint, whose Gram matrix M_pq = int f_p f_q is
// to be represented. hss defines this interface; the ReLU-network matrices implement it
// (cpp/relu/generators.hpp), so hss never depends on relu.
#pragma once

#include <vector>

namespace nnla::hss {

struct AffinePiece {
    double alpha = 0, beta = 0;  // alpha + beta x
};

// f(x) = left(x) for x < s, right(x) for x > s; s is clamped to [lo, hi].
struct TwoPieceFn {
    double s = 0;
    AffinePiece left, right;
};

class Gram1dGenerator {
public:
    virtual ~Gram1dGenerator() = default;
    virtual double lo() const = 0;
    virtual double hi() const = 0;
    // the number of tree units (neurons); group() consecutive indices per unit stay in one leaf
    virtual int units() const = 0;
    virtual int group() const = 0;
    // true when every f_p is constant on each side of its breakpoint (fewer generator columns)
    virtual bool piecewise_constant() const = 0;
    // f_p for the units() * group() indices in tree order (sorted by breakpoint), into fn
    virtual void functions(std::vector<TwoPieceFn>& fn) const = 0;
    // the dense block M[first:first+m, first:first+m] (tree positions), row-major m x m, from the
    // closed forms; called concurrently from the OpenMP threads of the builder
    virtual void diagonal_block(int first, int m, double* out) const = 0;
};

}  // namespace nnla::hss
