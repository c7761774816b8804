// Principal matrix square root by the Schur method: Bjorck-Hammarling on the complex Schur form,
// Higham's real Schur method (1987) for real input whose eigenvalues avoid the negative real axis.
// Batched over row-major (..., d, d) stacks; computed in double precision for every dtype.
//
// Fast path, a deliberate deviation from "the Schur method" for speed: for orders
// kNewtonMinOrder..kNewtonMaxOrder each matrix is first given to the scaled product-form
// Denman-Beavers iteration (sqrtm_newton_kernel.cpp: Higham, "Functions of Matrices", 2008,
// eq. (6.17) with determinantal scaling; one Gauss-Jordan inverse and one product per step, about
// 4 d^3 flops, typically 4-6 steps, where the Schur method's QR iteration alone costs ~25 d^3 flops
// with little vectorisation). Its result X is used only if the iteration converged (quadratic-
// convergence test on ||M_k - I||_F; bail-outs on a negative determinant of real input, stagnation,
// a small step cap) AND ||X^2 - A||_F <= d u ||X||_F^2, a backward error no larger than the Schur
// method's (Higham 1987; 2008, section 6.2: ||X^2 - A||_F <= gamma ||X||_F^2; measured on random
// matrices the Schur method gives 0.5-6 d u ||X||_F^2). Otherwise (ill-conditioned, highly
// nonnormal, singular or near-singular matrices, eigenvalues on or near the negative real axis, real
// input with a negative eigenvalue, ...) that matrix takes the Schur method. A converged iteration
// gives the principal root; real input gives a real root. The decision is per matrix and depends
// only on that matrix, so results stay bitwise identical for any thread count and batch split.
#pragma once

#include <complex>
#include <cstdint>

#include "matfun/real_complex.hpp"

namespace nnla::matfun {

constexpr int kNewtonMinOrder = 3;
constexpr int kNewtonMaxOrder = 16;

// The fast path on one matrix of order kNewtonMinOrder..kNewtonMaxOrder (row-major, double
// precision): true and x = the principal square root when the iteration converged and passed the
// residual test, false (x unspecified) when the Schur method must decide.
bool sqrtm_newton(const double* a, double* x, int d);
bool sqrtm_newton(const std::complex<double>* a, std::complex<double>* x, int d);

// r = principal sqrt of the upper triangular t (column-major, n x n). A diagonal entry with
// |t_ii| <= tz is "numerically zero"; a coupling |t_ij - sum| > tc between two such entries (a
// nontrivial Jordan block at 0) means no square root exists: returns kNoSquareRoot, else kOk.
// up (optional): diagonal entries flagged by schur::cut_branch take the root from the upper side of
// the cut, -sqrt(t_jj) (~ +i sqrt(r)), so that a cluster split across the cut stays on one branch.
int sqrtm_triu(const std::complex<double>* t, std::complex<double>* r, int n, double tz, double tc,
               const unsigned char* up = nullptr);

// r = principal (real) sqrt of the real quasi-triangular t whose real eigenvalues are >= 0;
// blocks: scratch of 2 n ints.
int sqrtm_quasi_triu(const double* t, double* r, int n, double tz, double tc, int* blocks);

// Thresholds of the zero test for the (quasi-)triangular Schur factor t of order n: eigenvalues
// |lambda| <= n u max_j |lambda_j| are zero; couplings |c| > 4 n u ||t||_F are nonzero.
double zero_eigenvalue_tol(const double* t, int n);
double zero_eigenvalue_tol(const std::complex<double>* t, int n);
double coupling_tol(double fro_norm, int n);

// Real input: out[b] = sqrtm(a[b]), status[b] an nnla::Status code. Where some matrix has a
// negative real eigenvalue its sqrtm is complex, and so is the whole output: complex_out() gives
// it (called at most once, outside any parallel region), it receives every result, and it is
// returned (out then holds only the real pass); otherwise the result is in out and nullptr is returned. d = 2 takes a
// fused path in registers: the same real Schur method without workspace or BLAS calls.
template <class R>
std::complex<R>* sqrtm_real_batch(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                                 std::int8_t* status, const ComplexOut<R>& complex_out);

// Complex input: out[b] = sqrtm(a[b]); status[b] an nnla::Status code.
template <class T>
void sqrtm_complex_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads,
                         std::int8_t* status);

}  // namespace nnla::matfun
