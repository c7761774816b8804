// Shared Schur-form helpers of the Schur-based matrix functions (sqrtm, logm): LAPACK gees with
// per-thread workspace, the real-to-complex Schur conversion, the back transformation Z X Z^H, and
// the batch driver that runs a per-matrix function over the batch with OpenMP.
//
// Everything here works in double precision (double / complex<double>), on column-major n x n
// buffers; single-precision input is widened on load and the result rounded on store.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/batch.hpp"
#include "core/status.hpp"
#include "matfun/real_complex.hpp"

namespace nnla::matfun::schur {

using cd = std::complex<double>;

// Per-thread LAPACK workspace for real and complex Schur factorizations of order n.
class SchurWork {
public:
    explicit SchurWork(int n);
    // a (column-major, overwritten by T), z (the Schur vectors). T is quasi-triangular (real; entries
    // below the first subdiagonal are set to zero) or upper triangular (complex; the strictly lower
    // part is set to zero). Returns LAPACK's info.
    int real_schur(double* a, double* z);
    int complex_schur(cd* a, cd* z);

private:
    int n_;
    std::vector<double> wr_, wi_, rwork_;
    std::vector<double> dwork_;
    std::vector<cd> w_, zwork_;
    // Direct path (gehd2 + org2r/ung2r + lahqr) for 2 < n <= kDirectMax: reflector scalars, the
    // work vector of length n, and a copy of the input for the gees fallback.
    std::vector<double> dtau_, dwork1_, dsave_;
    std::vector<cd> ztau_, zwork1_, zsave_;
};

// Up to this order gees runs the unblocked gehd2 / org2r and dlahqr itself (dgehrd and dorgqr
// switch to blocked code at 128, dhseqr to dlaqr0 at 75), so calling them directly computes the
// same factorization without gees' per-call overhead (ilaenv string queries, workspace queries,
// balancing, dhseqr dispatch). For real matrices the QR iteration is a hand-written transcription
// of dlahqr (schur_kernel.cpp): the same algorithm without LAPACK's per-call overhead.
constexpr int kDirectMax = 74;

// Up to this order the real Hessenberg reduction and its orthogonal factor are hand-written too
// (schur_kernel.cpp: dgehd2's reflectors, the updates in column-contiguous loops, Z accumulated as
// dorg2r does), 2-6x faster than gehd2 + org2r for n <= 16, whose two BLAS-2 calls per column
// cost more than the arithmetic; above it LAPACK's gemv / ger kernels win (measured: equal at 32,
// 1.2-2x faster at 64).
constexpr int kHessSmallMax = 32;


// Load matrix b of a row-major stack into a column-major double buffer (the transpose of the
// row-major view), widening single precision. Returns false if an entry is NaN or Inf.
template <class T, class W>
bool load_colmajor(const T* a, int n, W* out) {
    bool finite = true;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            const T v = a[static_cast<std::size_t>(i) * n + j];
            out[i + static_cast<std::size_t>(j) * n] = static_cast<W>(v);
            if constexpr (std::is_same_v<W, cd>) {
                finite = finite && std::isfinite(std::real(out[i + static_cast<std::size_t>(j) * n])) &&
                         std::isfinite(std::imag(out[i + static_cast<std::size_t>(j) * n]));
            } else {
                finite = finite && std::isfinite(out[i + static_cast<std::size_t>(j) * n]);
            }
        }
    return finite;
}

// Real Schur form (t, z) -> complex Schur form (tc upper triangular, zc unitary) with
// A = zc tc zc^H, by one complex Givens rotation per 2x2 block (as scipy.linalg.rsf2csf).
void rsf2csf(const double* t, const double* z, cd* tc, cd* zc, int n);

// x <- z x z^H (complex) or z x z^T (real); tmp is n x n scratch.
void back_transform(const cd* z, cd* x, cd* tmp, int n);
void back_transform(const double* z, double* x, double* tmp, int n);

// True if the real quasi-triangular t has a 1x1 diagonal block (a real eigenvalue) < 0.
bool has_negative_real_eigenvalue(const double* t, int n);

// Eigenvalues on the branch cut (the negative real axis) up to rounding.
//
// A Jordan block of order k at -r, or a cluster of eigenvalues at -r in a nonnormal basis, is
// split by the rounding errors of the Schur factorization (backward error E, ||E|| = O(n u ||A||))
// into eigenvalues on a circle of radius about (||E|| ...)^(1/k) around -r, some above the cut and
// some below it. The principal logarithm / square root of that cluster then takes values on both
// sides of the cut (log differs by 2 pi i), and the divided differences of the function between
// members, (f(l_i) - f(l_j)) / (l_i - l_j) with |l_i - l_j| tiny, make the result huge where the
// exact matrix has a moderate one.
//
// Criterion. An eigenvalue l of the triangular Schur factor T with Re l < 0 and Im l < 0 (within
// 45 degrees of the negative axis) is "on the cut up to rounding" when the point x = Re l of the
// negative real axis lies in the eta-pseudospectrum of T:
//     sigma_min(T - x I) <= eta,   eta = kCutBackwardFactor * n * u * ||T||_F,
// i.e. some matrix within a backward error eta of A has the real eigenvalue x. Why this catches a
// whole cluster at once: the eigenvalues of T are exact for A + E, and for a cluster at -r of
// (local) nonnormality N the eta-pseudospectrum around -r contains the disk |z + r| <= rho(eta)
// that holds every member of the rounding-split cluster once eta >= 2 ||E||, and with them the
// projections x of the members onto the axis. A pair -r +- i eps that is well conditioned
// (sigma_min(T + r I) ~ eps >> eta) is not flagged: its principal function is what the data
// determine. A nonnormal pair (sigma_min ~ eps^2 / |t12| <= eta) is flagged, and then the
// principal function of the exact matrix is itself of size |t12| / eps, ill conditioned at the
// level of the rounding.
//
// Flagged eigenvalues are taken on the upper side of the cut (Im log = +pi, sqrt = +i sqrt(r)),
// the side where the eigenvalues with Im >= +0 (and a real matrix's negative eigenvalues) already
// are, so that the whole cluster lies on one branch of an analytic function. sigma_min is estimated
// from below (three power steps on (T - xI)^-1, two triangular solves each: O(n^2) per candidate).
constexpr double kCutBackwardFactor = 8.0;
// up[j] = 1 for the flagged diagonal entries of the upper triangular t (column-major, n x n),
// 0 otherwise; work: 2 n entries. Returns the number flagged.
int cut_branch(const cd* t, int n, unsigned char* up, cd* work);
// Real Schur form (t, z): true if some eigenvalue needs the complex route: a negative real one,
// or a complex pair flagged by cut_branch (its complex Schur form is left in tc, zc).
bool needs_complex_route(const double* t, const double* z, int n, cd* tc, cd* zc, unsigned char* up, cd* work);

// Store column-major x (n x n) into row-major out, rounding to O. For real O from complex x the
// imaginary part is dropped.
template <class O, class W>
void store_rowmajor(const W* x, int n, O* out) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            const W v = x[i + static_cast<std::size_t>(j) * n];
            O& o = out[static_cast<std::size_t>(i) * n + j];
            if constexpr (std::is_same_v<W, cd> && !std::is_same_v<O, std::complex<float>> &&
                          !std::is_same_v<O, cd>) {
                o = static_cast<O>(v.real());
            } else {
                o = static_cast<O>(v);
            }
        }
}

template <class O>
void fill_nan(O* out, std::size_t count) {
    using R = decltype(std::real(O{}));
    std::fill(out, out + count, O(std::numeric_limits<R>::quiet_NaN()));
}

// Diagonal entries with a zero imaginary part get +0.0 there, so that a negative real eigenvalue
// lies on the upper side of the branch cut: sqrt(-2 + 0i) = +i sqrt(2), log(-2 + 0i) = log 2 + i pi
// (numpy's convention), whatever the sign of zero LAPACK produced.
inline void normalise_diagonal(cd* t, int n) {
    for (int j = 0; j < n; ++j) {
        cd& v = t[j + static_cast<std::size_t>(j) * n];
        if (v.imag() == 0.0) v = cd(v.real(), 0.0);
    }
}

// Frobenius norm of n x n x (no overflow for finite entries of moderate size; the callers only use
// it for thresholds).
template <class W>
double fro_norm(const W* x, int n) {
    double s = 0.0, mx = 0.0;
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    for (std::size_t k = 0; k < nn; ++k) mx = std::max(mx, static_cast<double>(std::abs(x[k])));
    if (mx == 0.0 || !std::isfinite(mx)) return mx;
    for (std::size_t k = 0; k < nn; ++k) {
        const double v = std::abs(x[k]) / mx;
        s += v * v;
    }
    return mx * std::sqrt(s);
}

// Any NaN or Inf in n x n x?
template <class W>
bool all_finite(const W* x, int n) {
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    for (std::size_t k = 0; k < nn; ++k)
        if (!std::isfinite(std::real(x[k])) || !std::isfinite(std::imag(x[k]))) return false;
    return true;
}

// Workspace of one thread for the per-matrix Schur route: LAPACK workspace, complex and real n x n
// buffers.
struct RouteWork {
    int n;
    SchurWork schur;
    std::vector<cd> ca, cz, cx, ctmp;
    std::vector<double> rt, rz, rx, rtmp;
    std::vector<int> iblk;
    std::vector<unsigned char> up;  // cut_branch flags
    std::vector<cd> cutw;           // cut_branch workspace
    explicit RouteWork(int d)
        : n(d),
          schur(d),
          ca(static_cast<std::size_t>(d) * d),
          cz(ca.size()),
          cx(ca.size()),
          ctmp(ca.size()),
          rt(ca.size()),
          rz(ca.size()),
          rx(ca.size()),
          rtmp(ca.size()),
          iblk(2 * static_cast<std::size_t>(d)),
          up(static_cast<std::size_t>(d)),
          cutw(2 * static_cast<std::size_t>(d)) {}
};

// status[b] = one(b, work) for every b < batch (core/batch.hpp's loop), each thread with its own
// Work(d); the split of the Schur functions (about 30 d^3 per matrix, chunks of 50000).
template <class Work, class F>
void for_batch(std::int64_t batch, int d, int n_threads, std::int8_t* status, F&& one) {
    const double per = static_cast<double>(d) * d * d * 30.0;
    batch_for<Work>(batch, d, split_by_cost(batch, n_threads, per, 50000.0), status, one);
}

// Marker status of real_input_batch for a matrix with a negative real eigenvalue (its principal
// square root / logarithm is complex); real_then_complex then computes it with
// real_input_complex_batch. Never leaves the core.
constexpr std::int8_t kComplexNeeded = -1;

std::int8_t info_status(int info);  // LAPACK info -> kNotConverged / kInternal

// Real input, real output: per matrix the real Schur form (w.rt, w.rz), then real_f(w) computes
// the result column-major into w.rx and returns a status. Matrices with a negative real eigenvalue
// get status kComplexNeeded and an untouched output slice.
template <class Work, class R, class RealF>
void real_input_batch(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                      std::int8_t* status, RealF&& real_f) {
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    for_batch<Work>(batch, d, n_threads, status, [&](std::int64_t b, Work& w) -> int {
        R* ob = out + b * nn;
        int st;
        if (!load_colmajor(a + b * nn, d, w.rt.data())) {
            st = kNonFinite;
        } else {
            const int info = w.schur.real_schur(w.rt.data(), w.rz.data());
            if (info != 0) {
                st = info_status(info);
            } else if (needs_complex_route(w.rt.data(), w.rz.data(), d, w.ca.data(), w.cz.data(),
                                           w.up.data(), w.cutw.data())) {
                return kComplexNeeded;
            } else {
                st = real_f(w);
                if (st == 0) store_rowmajor(w.rx.data(), d, ob);
            }
        }
        if (st != 0) fill_nan(ob, nn);
        return st;
    });
}

// Real input, complex output, for the matrices idx[0..count) of the stack: the real Schur form
// converted to the complex one (w.ca, w.cz), then complex_f(w) computes the result into w.cx.
template <class Work, class R, class ComplexF>
void real_input_complex_batch(const R* a, std::complex<R>* out, const std::int64_t* idx,
                              std::int64_t count, int d, int n_threads, std::int8_t* status,
                              ComplexF&& complex_f) {
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    std::vector<std::int8_t> st_idx(static_cast<std::size_t>(count));
    for_batch<Work>(count, d, n_threads, st_idx.data(), [&](std::int64_t k, Work& w) -> int {
        const std::int64_t b = idx[k];
        std::complex<R>* ob = out + b * nn;
        int st;
        if (!load_colmajor(a + b * nn, d, w.rt.data())) {
            st = kInternal;  // the first pass saw this matrix finite
        } else {
            const int info = w.schur.real_schur(w.rt.data(), w.rz.data());
            if (info != 0) {
                st = info_status(info);
            } else {
                rsf2csf(w.rt.data(), w.rz.data(), w.ca.data(), w.cz.data(), d);
                st = complex_f(w);
                if (st == 0) store_rowmajor(w.cx.data(), d, ob);
            }
        }
        if (st != 0) fill_nan(ob, nn);
        return st;
    });
    for (std::int64_t k = 0; k < count; ++k) status[idx[k]] = st_idx[static_cast<std::size_t>(k)];
}

// Real input: real_pass(a, out, batch, d, n_threads, status) over the stack; where it left
// kComplexNeeded, the output becomes complex: complex_out() gives it, the real results are copied
// into it and complex_pass(a, cout, idx, count, d, n_threads, status) computes the matrices idx[0..count).
// Returns the complex output, or nullptr when every result is real (then in out).
template <class R, class RealPass, class ComplexPass>
std::complex<R>* real_then_complex(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                                   std::int8_t* status, const ComplexOut<R>& complex_out,
                                   RealPass&& real_pass, ComplexPass&& complex_pass) {
    real_pass(a, out, batch, d, n_threads, status);
    std::vector<std::int64_t> idx;
    for (std::int64_t b = 0; b < batch; ++b)
        if (status[b] == kComplexNeeded) idx.push_back(b);
    if (idx.empty()) return nullptr;
    std::complex<R>* cout = complex_out();
    const std::size_t total = static_cast<std::size_t>(batch) * d * d;
    for (std::size_t k = 0; k < total; ++k) cout[k] = std::complex<R>(out[k], R(0));
    complex_pass(a, cout, idx.data(), static_cast<std::int64_t>(idx.size()), d, n_threads, status);
    return cout;
}

// Complex input: complex Schur form (w.ca, w.cz), then complex_f(w) computes the result into w.cx.
template <class Work, class T, class ComplexF>
void complex_input_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads,
                         std::int8_t* status, ComplexF&& complex_f) {
    const std::size_t nn = static_cast<std::size_t>(d) * d;
    for_batch<Work>(batch, d, n_threads, status, [&](std::int64_t b, Work& w) -> int {
        T* ob = out + b * nn;
        int st;
        if (!load_colmajor(a + b * nn, d, w.ca.data())) {
            st = kNonFinite;
        } else {
            const int info = w.schur.complex_schur(w.ca.data(), w.cz.data());
            if (info != 0) {
                st = info_status(info);
            } else {
                st = complex_f(w);
                if (st == 0) store_rowmajor(w.cx.data(), d, ob);
            }
        }
        if (st != 0) fill_nan(ob, nn);
        return st;
    });
}

}  // namespace nnla::matfun::schur
