// HSS build + ULV factorization + solve against a dense LAPACK solve of the same SPD matrix:
//  - a kernel matrix on 2D points (sampled interpolative decomposition, build_sampled, and the
//    SPD-preserving compression of the dense matrix, compress_dense);
//  - the exact 1D ReLU mass and layer Gauss-Newton matrices from their analytic generators
//    (relu::Relu1dGenerator -> hss::build_gram1d), with a diagonal shift.
// Also matvec against the dense product and logdet against the dense LU.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "blas.hpp"
#include "check.hpp"
#include "dense.hpp"
#include "hss/hss.hpp"
#include "relu/generators.hpp"
#include "relu/relu1d.hpp"

namespace {

using nnla::test::rel_diff;
constexpr int kThreads = 2;

double dense_logdet(std::vector<double> a, int n) {
    std::vector<nnla::lapack::lapack_int> ipiv(n);
    if (nnla::lapack::getrf(n, n, a.data(), n, ipiv.data()) != 0) return NAN;
    double s = 0;
    for (int i = 0; i < n; ++i) s += std::log(std::abs(a[static_cast<std::size_t>(i) * n + i]));
    return s;
}

// matvec, factor, solve and logdet of h against the dense symmetric a + shift I (n x n)
void check_against_dense(const nnla::hss::HSS& h, std::vector<double> a, int n, double shift, double tol_mv,
                         double tol_solve, const char* what) {
    std::mt19937 gen(7);
    std::normal_distribution<double> normal;
    const int k = 3;
    std::vector<double> x(static_cast<std::size_t>(n) * k), y(x.size()), y_ref(x.size(), 0.0);
    for (double& v : x) v = normal(gen);
    nnla::hss::matvec(h, x.data(), k, y.data(), kThreads);
    for (int c = 0; c < k; ++c)
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < n; ++i)
                y_ref[i + static_cast<std::size_t>(c) * n] += a[i + static_cast<std::size_t>(j) * n] * x[j + static_cast<std::size_t>(c) * n];
    std::printf("%s: matvec %.2e", what, rel_diff(y, y_ref));
    CHECK_LE(rel_diff(y, y_ref), tol_mv, what);

    for (int i = 0; i < n; ++i) a[i + static_cast<std::size_t>(i) * n] += shift;
    nnla::hss::ULV f;
    const nnla::hss::Fail fl = nnla::hss::factor(h, shift, kThreads, f);
    CHECK(fl.code == nnla::hss::kFailOk);
    if (fl.code != nnla::hss::kFailOk) return;
    std::vector<double> sol = x, ref = x;
    nnla::hss::solve(f, sol.data(), k, kThreads);
    CHECK(nnla::test::dense_solve(a, ref, n, k) == 0);
    std::printf(", solve %.2e, cond_1 %.2e\n", rel_diff(sol, ref), nnla::test::cond1(a, n));
    CHECK_LE(rel_diff(sol, ref), tol_solve, what);
    const double ld = dense_logdet(a, n);
    CHECK_LE(std::abs(f.logdet() - ld) / std::abs(ld), tol_solve, what);
}

void kernel_matrix() {
    const int n = 600, dim = 2, leaf = 32;
    std::mt19937 gen(3);
    std::uniform_real_distribution<double> unif(0.0, 1.0);
    std::vector<double> raw(static_cast<std::size_t>(n) * dim);
    for (double& v : raw) v = unif(gen);
    const std::vector<int> perm = nnla::hss::bisection_order(raw.data(), n, dim, leaf);
    std::vector<double> pts(raw.size());
    for (int i = 0; i < n; ++i)
        for (int d = 0; d < dim; ++d) pts[static_cast<std::size_t>(i) * dim + d] = raw[static_cast<std::size_t>(perm[i]) * dim + d];
    nnla::hss::KernelSource src(pts.data(), n, dim, nnla::hss::Kernel::kGaussian, 0.5, 0.1);
    std::vector<double> a(static_cast<std::size_t>(n) * n);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) a[i + static_cast<std::size_t>(j) * n] = src.entry(i, j);
    const nnla::hss::Tree tree = nnla::hss::make_tree(n, leaf);

    nnla::hss::HSS h;
    CHECK(nnla::hss::build_sampled(tree, src, 1e-12, dim, kThreads, h).code == nnla::hss::kFailOk);
    check_against_dense(h, a, n, 0.0, 1e-10, 1e-9, "HSS (sampled ID) of a Gaussian kernel matrix");

    nnla::hss::HSS hd;
    CHECK(nnla::hss::compress_dense(a.data(), tree, 1e-12, true, kThreads, hd).code == nnla::hss::kFailOk);
    check_against_dense(hd, a, n, 0.0, 1e-10, 1e-9, "HSS (compressed dense) of a Gaussian kernel matrix");
}

void relu_matrix(nnla::relu::Kind kind) {
    const int n = 500;
    const double lo = -1.0, hi = 1.0;
    std::mt19937 gen(5);
    std::uniform_real_distribution<double> unif(-1.0, 1.0);
    std::vector<double> w(n), b(n), s(n);
    for (int i = 0; i < n; ++i) {
        w[i] = unif(gen) < 0 ? -1.0 - unif(gen) * 0.5 : 1.0 + unif(gen) * 0.5;
        s[i] = 0.98 * unif(gen);
        b[i] = -w[i] * s[i];
    }
    std::vector<std::int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t p, std::int64_t q) { return s[p] < s[q]; });
    const int per = kind == nnla::relu::Kind::kGaussNewton ? 2 : 1, N = n * per;

    // the dense matrix in the tree order (G: index 2 q + k <-> 2 order[q] + k)
    std::vector<double> full(static_cast<std::size_t>(N) * N), a(full.size());
    nnla::relu::assemble_1d(kind, w.data(), b.data(), n, lo, hi, full.data(), kThreads);
    auto orig = [&](int p) { return per * order[p / per] + p % per; };
    double dmax = 0;
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i) {
            a[i + static_cast<std::size_t>(j) * N] = full[orig(i) * N + orig(j)];
            if (i == j) dmax = std::max(dmax, a[i + static_cast<std::size_t>(i) * N]);
        }

    const nnla::relu::Relu1dGenerator g(kind, w.data(), b.data(), n, lo, hi, order.data());
    nnla::hss::HSS h;
    CHECK(nnla::hss::build_gram1d(g, 16, kThreads, h).code == nnla::hss::kFailOk);
    CHECK(*std::max_element(h.rank.begin(), h.rank.end()) <= 6);
    check_against_dense(h, a, N, 1e-3 * dmax, 2e-14, 1e-10,
                        kind == nnla::relu::Kind::kMass ? "HSS of the 1D ReLU mass matrix"
                                                         : "HSS of the 1D ReLU Gauss-Newton matrix");
}

}  // namespace

int main() {
    nnla::test::install_blas();
    kernel_matrix();
    relu_matrix(nnla::relu::Kind::kMass);
    relu_matrix(nnla::relu::Kind::kGaussNewton);
    return nnla::test::report("test_hss");
}
