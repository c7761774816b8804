// The 1D ReLU-network matrices as two-piece affine Gram generators (generators.hpp).
#include "relu/generators.hpp"

#include <algorithm>

#include "relu/relu1d.hpp"

namespace nnla::relu {

void Relu1dGenerator::functions(std::vector<hss::TwoPieceFn>& fn) const {
    const int per = group();
    fn.assign(static_cast<std::size_t>(n_) * per, {});
    for (int q = 0; q < n_; ++q) {
        const std::int64_t i = order_[q];
        const double wi = w_[i], bi = b_[i];
        for (int k = 0; k < per; ++k) {
            hss::AffinePiece act;
            if (kind_ == Kind::kMass) act = {bi, wi};
            else if (kind_ == Kind::kHeaviside || k == 0) act = {1.0, 0.0};
            else act = {0.0, 1.0};
            hss::TwoPieceFn f;
            if (wi == 0) {
                f.s = hi_;
                if (bi > 0) f.left = f.right = act;
            } else {
                f.s = std::min(hi_, std::max(lo_, -bi / wi));
                (wi > 0 ? f.right : f.left) = act;
            }
            fn[static_cast<std::size_t>(q) * per + k] = f;
        }
    }
}

void Relu1dGenerator::diagonal_block(int first, int m, double* out) const {
    // the closed-form entries at the original indices of tree positions first .. first + m - 1
    const int per = group();
    std::vector<std::int64_t> idx(m);
    for (int r = 0; r < m; ++r) {
        const int a = first + r;
        idx[r] = per == 1 ? order_[a] : 2 * order_[a / 2] + (a % 2);
    }
    entries_1d(kind_, w_, b_, n_, lo_, hi_, idx.data(), m, idx.data(), m, out, 1);
}

}  // namespace nnla::relu
