// Principal matrix logarithm by inverse scaling and squaring on the complex Schur form (Al-Mohy &
// Higham 2012, Algorithm 4.1). Batched over row-major (..., d, d) stacks; computed in double
// precision for every dtype.
#pragma once

#include <complex>
#include <cstdint>

namespace nnla::matfun {

// Real input, real output: out[b] = logm(a[b]), status[b] an nnla::Status code, or
// schur::kComplexNeeded (output slice untouched) where a has a negative real eigenvalue and the
// result is complex; logm_real_complex_batch computes those into a complex output.
template <class R>
void logm_real_batch(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                     std::int8_t* status);
template <class R>
void logm_real_complex_batch(const R* a, std::complex<R>* out, const std::int64_t* idx,
                             std::int64_t count, int d, int n_threads, std::int8_t* status);

// Complex input: out[b] = logm(a[b]); status[b] an nnla::Status code.
template <class T>
void logm_complex_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads,
                        std::int8_t* status);

}  // namespace nnla::matfun
