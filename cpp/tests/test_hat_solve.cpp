// The exact O(n) hat-basis solvers of the 1D ReLU mass and Heaviside matrices (relu1d.hpp,
// hat_solve_1d) against a dense LAPACK solve of the same matrix (assemble_1d): neurons with
// distinct interior breakpoints in shuffled order, plus the neurons active on the whole interval.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "blas.hpp"
#include "check.hpp"
#include "core/status.hpp"
#include "dense.hpp"
#include "relu/relu1d.hpp"

namespace {

using nnla::relu::Kind1d;

// The forward error of both solves is bounded by about cond(A) eps (the mass matrix's condition
// number grows fast with n): the check is |c - x| / |x| <= tol_factor cond_1(A) eps.
void check_solver(Kind1d kind, int n_int, std::uint32_t seed, double tol_factor) {
    const double lo = -1.0, hi = 2.0;
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> unif(0.0, 1.0);
    // interior neurons: breakpoints jittered on a uniform grid (distinct), random slopes and signs
    std::vector<double> w, b, s;
    for (int j = 0; j < n_int; ++j) {
        const double sj = lo + (hi - lo) * (j + 0.2 + 0.6 * unif(gen)) / n_int;
        const double wj = (0.5 + 1.5 * unif(gen)) * (unif(gen) < 0.5 ? -1.0 : 1.0);
        w.push_back(wj);
        b.push_back(-wj * sj);
        s.push_back(sj);
    }
    // neurons active on all of [lo, hi]: two for the mass matrix (they span the affine functions),
    // one for the Heaviside matrix (the constant)
    w.push_back(0.7), b.push_back(1.3);  // 0.7 x + 1.3 > 0 on [-1, 2]
    if (kind == Kind1d::kMass) w.push_back(-1.1), b.push_back(2.5);  // -1.1 x + 2.5 > 0 on [-1, 2]
    const int n = static_cast<int>(w.size());
    // shuffle the neurons so that order is a real permutation
    std::vector<int> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), gen);
    std::vector<double> ws(n), bs(n);
    for (int i = 0; i < n; ++i) ws[i] = w[perm[i]], bs[i] = b[perm[i]];
    std::vector<std::int64_t> order, full;
    std::vector<int> where(n);
    for (int i = 0; i < n; ++i) where[perm[i]] = i;
    for (int j = 0; j < n_int; ++j) order.push_back(where[j]);  // interior, sorted by breakpoint
    for (int j = n_int; j < n; ++j) full.push_back(where[j]);

    std::vector<double> f(n);
    for (double& v : f) v = unif(gen) - 0.5;

    std::vector<double> c(n, 0.0);
    double c0 = 0;
    const int st = nnla::relu::hat_solve_1d(kind, ws.data(), bs.data(), n, lo, hi, order.data(), n_int,
                                            full.data(), static_cast<std::int64_t>(full.size()), f.data(),
                                            false, false, c.data(), &c0);
    CHECK(st == nnla::kOk);

    std::vector<double> a(static_cast<std::size_t>(n) * n);
    nnla::relu::assemble_1d(kind, ws.data(), bs.data(), n, lo, hi, a.data(), 2);
    std::vector<double> x = f;
    CHECK(nnla::test::dense_solve(a, x, n) == 0);
    const double tol = tol_factor * nnla::test::cond1(a, n) * 2.220446049250313e-16;
    std::printf("%s n = %d: cond_1 %.2e, |c - x| / |x| = %.2e\n", kind == Kind1d::kMass ? "mass" : "heaviside", n,
                nnla::test::cond1(a, n), nnla::test::rel_diff(c, x));
    CHECK_LE(nnla::test::rel_diff(c, x), tol,
             kind == Kind1d::kMass ? "hat_solve_1d(mass) vs dense solve" : "hat_solve_1d(heaviside) vs dense solve");

    // a repeated breakpoint is refused (kSingular), not solved
    if (n_int >= 2) {
        std::vector<double> w2 = ws, b2 = bs;
        const std::int64_t p = order[0], q = order[1];
        w2[q] = w2[p], b2[q] = b2[p];  // neuron q becomes a copy of neuron p: a repeated breakpoint
        const int st2 = nnla::relu::hat_solve_1d(kind, w2.data(), b2.data(), n, lo, hi, order.data(), n_int,
                                                 full.data(), static_cast<std::int64_t>(full.size()), f.data(),
                                                 false, false, c.data(), &c0);
        CHECK(st2 == nnla::kSingular);
    }
}

}  // namespace

int main() {
    nnla::test::install_blas();
    for (int n_int : {1, 5, 40, 300}) {
        check_solver(Kind1d::kMass, n_int, 11u + n_int, 1.0);
        check_solver(Kind1d::kHeaviside, n_int, 23u + n_int, 1.0);
    }
    return nnla::test::report("test_hat_solve");
}
