// Frechet derivative of the matrix exponential and the condition number of expm (Al-Mohy & Higham,
// "Computing the Frechet derivative of the matrix exponential, with an application to condition
// number estimation", SIAM J. Matrix Anal. Appl. 30(4), 2009, Algorithms 6.4 and 7.4), batched over
// contiguous stacks of row-major d x d matrices.
#pragma once

#include <cstdint>

namespace nnla::matfun {

// x[b] = expm(a[b]), l[b] = L(a[b], e[b]) for b < batch; status[b] is an nnla::Status code.
template <class T>
void expm_frechet_batch(const T* a, const T* e, T* x, T* l, std::int64_t batch, int d, int n_threads,
                        std::int8_t* status);

// cond[b] = ||K(a[b])||_1 ||a[b]||_1 / ||expm(a[b])||_1, K the Kronecker form of L(a[b], .), with
// ||K||_1 from the block 1-norm estimator (t = 2) for d > 3 and exact for d <= 3.
template <class T>
void expm_cond_batch(const T* a, double* cond, std::int64_t batch, int d, int n_threads,
                     std::int8_t* status);

}  // namespace nnla::matfun
