// Dense references for the C++ tests: LU solve through the core's LAPACK table.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/lapack.hpp"

namespace nnla::test {

// x = A^{-1} b for A n x n column-major (a row-major symmetric matrix is the same); 0 on success.
inline int dense_solve(std::vector<double> a, std::vector<double>& b, int n, int nrhs = 1) {
    std::vector<lapack::lapack_int> ipiv(n);
    const int info = lapack::getrf(n, n, a.data(), n, ipiv.data());
    if (info != 0) return info;
    return lapack::getrs('N', n, nrhs, a.data(), n, ipiv.data(), b.data(), n);
}

// 1-norm condition number ||A||_1 ||A^{-1}||_1 of A n x n column-major (inf when singular)
inline double cond1(const std::vector<double>& a, int n) {
    std::vector<double> inv(static_cast<std::size_t>(n) * n, 0.0);
    for (int i = 0; i < n; ++i) inv[i + static_cast<std::size_t>(i) * n] = 1.0;
    if (dense_solve(a, inv, n, n) != 0) return HUGE_VAL;
    auto norm1 = [n](const std::vector<double>& m) {
        double best = 0;
        for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int i = 0; i < n; ++i) s += std::abs(m[i + static_cast<std::size_t>(j) * n]);
            best = std::max(best, s);
        }
        return best;
    };
    return norm1(a) * norm1(inv);
}

// max |x - y| / max |y|
inline double rel_diff(const std::vector<double>& x, const std::vector<double>& y) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        num = std::max(num, std::abs(x[i] - y[i]));
        den = std::max(den, std::abs(y[i]));
    }
    return num / den;
}

}  // namespace nnla::test
