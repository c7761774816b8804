// Matrix sign function by the Newton iteration X_{k+1} = (mu_k X_k + (mu_k X_k)^{-1}) / 2, X_0 = A
// (Higham, "Functions of Matrices", 2008, Algorithm 5.14 and section 5.7):
//   * determinantal scaling mu_k = |det X_k|^(-1/d) (from the LU that also gives X_k^{-1}) while the
//     relative change ||X_{k+1} - X_k||_1 / ||X_{k+1}||_1 exceeds 1e-2, unscaled after that (scaling
//     would spoil the quadratic convergence near the limit);
//   * stop after an unscaled step with ||X_{k+1} - X_k||_1 <= (eta ||X_{k+1}||_1 / ||X_k^{-1}||_1)^(1/2),
//     eta = d u (the quadratic-convergence test, eq. (5.44): then ||X_{k+1} - S|| is about eta);
//   * the sign is undefined for an eigenvalue on the imaginary axis, and numerically undefined close
//     to it; the iteration alone cannot tell (rounding gives the eigenvalue a tiny real part and it
//     converges to a meaningless +-1, measured). So the eigenvalues are computed first (xGEEV, no
//     vectors, about 10 d^3 flops) and |Re lambda| <= sqrt(u) ||A||_1 is reported as kImaginaryAxis.
//     Inside the iteration a zero pivot, ||X_k||_1 ||X_k^{-1}||_1 >= 1 / (10 d u), a non-finite
//     iterate, or max_iter steps without leaving the scaled phase are kImaginaryAxis too;
//     kNotConverged: the scaled phase ended but the tolerance was not met within max_iter steps.
// Real input stays real. Per-matrix work: one LU and one inverse per step (about 2 d^3 flops each).
#include "matfun/signm.hpp"
#include "core/isa.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/batch.hpp"
#include "core/dense.hpp"
#include "core/normest.hpp"
#include "core/status.hpp"
#include "core/traits.hpp"

namespace nnla::matfun {
NNLA_ISA_BEGIN
namespace {

// Newton steps allowed: an eigenvalue at relative distance rho from the axis can need about
// log2(1/rho) steps before the quadratic phase; the cap rejects rho below roughly u^(3/4).
template <class T>
constexpr int max_iter() {
    return std::is_same_v<real_t<T>, double> ? 40 : 20;
}

// An eigenvalue with |Re lambda| <= tau ||A||_1, tau = sqrt(u), counts as (numerically) on the
// imaginary axis: a perturbation of A of relative size tau can move it across, and rounding errors
// alone (u ||A|| times the eigenvalue's condition number) often do.
template <class T>
double axis_tolerance() {
    return std::sqrt(unit_roundoff<T>());
}

template <class T>
struct SWork {
    int n;
    std::size_t nn;
    std::vector<T> buf;
    std::vector<int> ipiv;
    std::vector<double> colsum;
    std::vector<T> wr, wi, work;  // xGEEV: eigenvalues (wi real only) and workspace
    std::vector<real_t<T>> rwork;
    int lwork = 0;
    T *X, *Xn, *F, *Xi, *tmp;
    explicit SWork(int d)
        : n(d), nn(static_cast<std::size_t>(d) * d), buf(5 * static_cast<std::size_t>(d) * d), ipiv(d), colsum(d),
          wr(d), wi(d) {
        X = buf.data();
        Xn = X + nn;
        F = Xn + nn;
        Xi = F + nn;
        tmp = Xi + nn;
        T query(0);
        if constexpr (is_complex_v<T>) {
            rwork.resize(2 * static_cast<std::size_t>(d));
            lapack::geev_values(d, tmp, d, wr.data(), &query, -1, rwork.data());
        } else {
            lapack::geev_values(d, tmp, d, wr.data(), wi.data(), &query, -1);
        }
        lwork = std::max(static_cast<int>(std::real(query)), 4 * d);
        work.resize(static_cast<std::size_t>(lwork));
    }
};

// kOk when no eigenvalue of a is within axis_tolerance() * ||a||_1 of the imaginary axis,
// kImaginaryAxis when one is, kNotConverged when xGEEV fails, kInternal on an argument error.
template <class T>
std::int8_t axis_check(const T* a, int n, double norm_a, SWork<T>& w) {
    T* f = w.tmp;
    std::copy(a, a + w.nn, f);  // the view is A^T: same eigenvalues
    int info;
    if constexpr (is_complex_v<T>) {
        info = lapack::geev_values(n, f, n, w.wr.data(), w.work.data(), w.lwork, w.rwork.data());
    } else {
        info = lapack::geev_values(n, f, n, w.wr.data(), w.wi.data(), w.work.data(), w.lwork);
    }
    if (info != 0) return info > 0 ? kNotConverged : kInternal;
    const double tol = axis_tolerance<T>() * norm_a;
    for (int i = 0; i < n; ++i) {
        if (!(std::abs(static_cast<double>(std::real(w.wr[i]))) > tol)) return kImaginaryAxis;
    }
    return kOk;
}

// ||X - Y||_1 of row-major n x n matrices.
template <int D, class T>
double norm1_diff(const T* x, const T* y, int n, double* colsum) {
    if constexpr (D > 0) n = D;
    for (int j = 0; j < n; ++j) colsum[j] = 0.0;
    for (int i = 0; i < n; ++i) {
        const T* xi = x + static_cast<std::ptrdiff_t>(i) * n;
        const T* yi = y + static_cast<std::ptrdiff_t>(i) * n;
        for (int j = 0; j < n; ++j) colsum[j] += abs_double(xi[j] - yi[j]);
    }
    double m = 0.0;
    for (int j = 0; j < n; ++j) m = std::max(m, colsum[j]);
    return m;
}

template <class T, class Ops>
std::int8_t signm_one(const T* a, T* out, double* resid, const Ops& ops, SWork<T>& w) {
    const int n = ops.d();
    const std::size_t nn = w.nn;
    const double u = unit_roundoff<T>();
    const double eta = n * u;
    const double rcond_min = 10.0 * n * u;
    T *X = w.X, *Xn = w.Xn, *F = w.F, *Xi = w.Xi;
    double* colsum = w.colsum.data();
    {
        const std::int8_t st0 = axis_check(a, n, norm1<Ops::kD>(a, n, colsum), w);
        if (st0 != kOk) {
            std::fill(out, out + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
            if (resid) *resid = std::numeric_limits<double>::quiet_NaN();
            return st0;
        }
    }
    std::copy(a, a + nn, X);
    bool scaling = true;
    std::int8_t st = kNotConverged;
    int k = 0;
    for (; k < max_iter<T>(); ++k) {
        std::copy(X, X + nn, F);
        const int info = ops.lu(F, w.ipiv.data());
        if (info != 0) {
            st = info > 0 ? kImaginaryAxis : kInternal;
            break;
        }
        if (ops.inverse(F, w.ipiv.data(), Xi, w.tmp) != 0) {
            st = kInternal;
            break;
        }
        const double nx = norm1<Ops::kD>(X, n, colsum);
        const double ninv = norm1<Ops::kD>(Xi, n, colsum);
        if (!(nx * ninv * rcond_min < 1.0)) {  // numerically singular (or non-finite) iterate
            st = kImaginaryAxis;
            break;
        }
        double mu = 1.0;
        const bool scaled = scaling;
        if (scaled) {
            mu = std::exp2(-ops.log2_abs_det(F) / n);
            if (!(std::isfinite(mu) && mu > 0.0)) mu = 1.0;
        }
        const real_t<T> c1 = static_cast<real_t<T>>(0.5 * mu), c2 = static_cast<real_t<T>>(0.5 / mu);
        for (std::size_t q = 0; q < nn; ++q) Xn[q] = c1 * X[q] + c2 * Xi[q];
        const double diff = norm1_diff<Ops::kD>(Xn, X, n, colsum);
        const double nxn = norm1<Ops::kD>(Xn, n, colsum);
        std::swap(X, Xn);
        if (!std::isfinite(nxn) || !std::isfinite(diff)) {
            st = kImaginaryAxis;
            break;
        }
        if (!scaled && (diff <= std::sqrt(eta * nxn / ninv) || diff <= eta * nxn)) {
            st = kOk;
            break;
        }
        if (scaled && diff <= 1e-2 * nxn) scaling = false;
    }
    if (k == max_iter<T>()) st = scaling ? kImaginaryAxis : kNotConverged;
    if (st != kOk) {
        std::fill(out, out + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
        if (resid) *resid = std::numeric_limits<double>::quiet_NaN();
        return st;
    }
    std::copy(X, X + nn, out);
    if (resid) {
        T* S2 = w.tmp;
        ops.mul(X, X, S2);
        for (int i = 0; i < n; ++i) S2[static_cast<std::size_t>(i) * n + i] -= T(1);
        const double nx = norm1<Ops::kD>(X, n, colsum);
        *resid = norm1<Ops::kD>(S2, n, colsum) / (nx * nx);
    }
    return kOk;
}

template <class T>
std::int8_t signm_dispatch(const T* a, T* out, double* resid, int d, SWork<T>& w) {
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    for (std::size_t k = 0; k < nn; ++k) {
        if (!is_finite(a[k])) {
            std::fill(out, out + nn, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
            if (resid) *resid = std::numeric_limits<double>::quiet_NaN();
            return kNonFinite;
        }
    }
    switch (d) {
        case 2: return signm_one(a, out, resid, DenseOps<T, 2>(2), w);
        case 3: return signm_one(a, out, resid, DenseOps<T, 3>(3), w);
        case 4: return signm_one(a, out, resid, DenseOps<T, 4>(4), w);
        case 5: return signm_one(a, out, resid, DenseOps<T, 5>(5), w);
        case 6: return signm_one(a, out, resid, DenseOps<T, 6>(6), w);
        case 7: return signm_one(a, out, resid, DenseOps<T, 7>(7), w);
        case 8: return signm_one(a, out, resid, DenseOps<T, 8>(8), w);
        case 16: return signm_one(a, out, resid, DenseOps<T, 16>(16), w);
        default: return signm_one(a, out, resid, DenseOps<T, 0>(d), w);
    }
}

}  // namespace

template <class T>
void signm_batch_isa(const T* a, T* out, double* resid, std::int64_t batch, int d, int n_threads,
                     std::int8_t* status) {
    if (batch <= 0) return;
    if (d == 0) {
        std::fill(status, status + batch, static_cast<std::int8_t>(kOk));
        if (resid) std::fill(resid, resid + batch, 0.0);
        return;
    }
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    batch_for<SWork<T>>(batch, d, split_by_cost(batch, n_threads, 20.0 * d * d * d), status,
                        [&](std::int64_t b, SWork<T>& w) {
                            return signm_dispatch(a + b * nn, out + b * nn, resid ? resid + b : nullptr, d, w);
                        });
}

#define NNLA_INSTANTIATE(T)                                                                       \
    template void signm_batch_isa<T>(const T*, T*, double*, std::int64_t, int, int, std::int8_t*);
NNLA_INSTANTIATE(float)
NNLA_INSTANTIATE(double)
NNLA_INSTANTIATE(std::complex<float>)
NNLA_INSTANTIATE(std::complex<double>)
#undef NNLA_INSTANTIATE

NNLA_ISA_END
}  // namespace nnla::matfun
