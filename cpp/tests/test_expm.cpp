// expm against closed forms: the rotation generator [[0, -t], [t, 0]] -> [[cos t, -sin t],
// [sin t, cos t]], a Jordan block (lambda I + c N) -> e^lambda sum_k (c N)^k / k!, diagonal
// matrices in float, double, complex<float>, complex<double>; batched, with the status codes.
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

#include "blas.hpp"
#include "check.hpp"
#include "core/status.hpp"
#include "matfun/expm.hpp"

namespace {

using nnla::matfun::expm_batch;

// max |x - y| / max |y| over a d x d matrix (row-major)
template <class T>
double rel_err(const std::vector<T>& x, const std::vector<T>& y) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        num = std::max(num, static_cast<double>(std::abs(x[i] - y[i])));
        den = std::max(den, static_cast<double>(std::abs(y[i])));
    }
    return num / den;
}

template <class T>
double eps() {
    return std::numeric_limits<decltype(std::abs(T()))>::epsilon();
}

void rotation() {
    // a batch of 2x2 rotation generators, computed in one call on 2 threads
    const std::vector<double> ts = {1e-3, 0.1, 1.0, 2.5, 3.0};
    const int d = 2, nb = static_cast<int>(ts.size());
    std::vector<double> a(4 * nb), out(4 * nb);
    for (int k = 0; k < nb; ++k) {
        const double t = ts[k];
        a[4 * k + 0] = 0, a[4 * k + 1] = -t, a[4 * k + 2] = t, a[4 * k + 3] = 0;
    }
    std::vector<std::int8_t> st(nb, -1);
    expm_batch<double>(a.data(), out.data(), nb, d, 2, st.data());
    for (int k = 0; k < nb; ++k) {
        const double t = ts[k];
        const std::vector<double> want = {std::cos(t), -std::sin(t), std::sin(t), std::cos(t)};
        const std::vector<double> got(out.begin() + 4 * k, out.begin() + 4 * k + 4);
        CHECK(st[k] == nnla::kOk);
        CHECK_LE(rel_err(got, want), 1e-14, "expm(rotation generator) double");
    }
}

// lambda I + c N (N the d x d shift) in scalar type T; exp = e^lambda sum_k (c N)^k / k!
template <class T>
void jordan(T lambda, T c, int d, double tol) {
    std::vector<T> a(static_cast<std::size_t>(d) * d, T(0)), out(a.size()), want(a.size(), T(0));
    for (int i = 0; i < d; ++i) {
        a[i * d + i] = lambda;
        if (i + 1 < d) a[i * d + i + 1] = c;
    }
    // (c N)^k / k! puts c^k / k! on the k-th superdiagonal
    T term = std::exp(lambda);
    for (int k = 0; k < d; ++k) {
        for (int i = 0; i + k < d; ++i) want[i * d + i + k] = term;
        term = term * c / T(static_cast<double>(k + 1));
    }
    std::int8_t st = -1;
    expm_batch<T>(a.data(), out.data(), 1, d, 1, &st);
    CHECK(st == nnla::kOk);
    CHECK_LE(rel_err(out, want), tol, "expm(Jordan block)");
}

template <class T>
void diagonal(const std::vector<T>& lam, double tol) {
    const int d = static_cast<int>(lam.size());
    std::vector<T> a(static_cast<std::size_t>(d) * d, T(0)), out(a.size()), want(a.size(), T(0));
    for (int i = 0; i < d; ++i) {
        a[i * d + i] = lam[i];
        want[i * d + i] = std::exp(lam[i]);
    }
    std::int8_t st = -1;
    expm_batch<T>(a.data(), out.data(), 1, d, 1, &st);
    CHECK(st == nnla::kOk);
    // entrywise relative on the diagonal (the exponentials span several orders of magnitude)
    double err = 0, off = 0;
    for (int i = 0; i < d; ++i)
        for (int j = 0; j < d; ++j) {
            const double e = std::abs(out[i * d + j] - want[i * d + j]);
            if (i == j) err = std::max(err, e / std::abs(want[i * d + i]));
            else off = std::max(off, e);
        }
    CHECK_LE(err, tol, "expm(diagonal): diagonal entries");
    CHECK_LE(off, 0.0, "expm(diagonal): off-diagonal entries are exactly zero");
}

void non_finite() {
    // a NaN input gives status kNonFinite and a NaN output slice; its neighbour in the batch is unaffected
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> a = {0, -1, 1, 0, 1, nan, 0, 1}, out(8);
    std::vector<std::int8_t> st(2, -1);
    expm_batch<double>(a.data(), out.data(), 2, 2, 2, st.data());
    CHECK(st[0] == nnla::kOk);
    CHECK(st[1] == nnla::kNonFinite);
    CHECK(std::isnan(out[4]));
    CHECK_LE(std::abs(out[0] - std::cos(1.0)), 1e-15, "expm: the finite member of a batch with a NaN one");
}

}  // namespace

int main() {
    nnla::test::install_blas();
    using cd = std::complex<double>;
    using cf = std::complex<float>;
    rotation();
    jordan<double>(0.5, 1.0, 5, 1e-14);
    jordan<double>(-1.0, 3.0, 4, 1e-14);
    jordan<cd>(cd(0.3, 2.0), cd(1.0, -0.5), 4, 1e-14);
    jordan<float>(0.5f, 1.0f, 5, 20 * eps<float>());
    diagonal<double>({-3.0, -0.5, 0.0, 0.25, 1.0, 4.0}, 1e-14);
    diagonal<float>({-3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 4.0f}, 20 * eps<float>());
    diagonal<cd>({cd(1, 2), cd(-3, 0.5), cd(0, 3), cd(0.5, -1)}, 1e-14);
    diagonal<cf>({cf(1, 2), cf(-3, 0.5), cf(0, 3), cf(0.5, -1)}, 20 * eps<cf>());
    non_finite();
    return nnla::test::report("test_expm");
}
