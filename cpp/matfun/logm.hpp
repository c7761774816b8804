// Principal matrix logarithm by inverse scaling and squaring on the complex Schur form (Al-Mohy &
// Higham 2012, Algorithm 4.1). Batched over row-major (..., d, d) stacks; computed in double
// precision for every dtype.
#pragma once

#include <complex>
#include <cstdint>

namespace nnla::matfun {

// Phase 2 for real input, from the real Schur forms (t, z) of schur::real_schur_batch. O is the
// output dtype: real (float/double) if no matrix has a negative real eigenvalue, else complex.
// Matrices with status != kOk on entry get NaN and keep their status. A (numerically) zero
// eigenvalue gives kNoSquareRoot (the logarithm does not exist).
template <class O>
void logm_real_schur_batch(const double* t, const double* z, O* out, std::int64_t batch, int d,
                           int n_threads, std::int8_t* status);

// Complex input: out[b] = logm(a[b]); status[b] an nnla::Status code.
template <class T>
void logm_complex_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads,
                        std::int8_t* status);

}  // namespace nnla::matfun
