// Principal matrix logarithm by inverse scaling and squaring on the complex Schur form (Al-Mohy &
// Higham 2012, Algorithm 4.1). Batched over row-major (..., d, d) stacks; computed in double
// precision for every dtype.
#pragma once

#include <complex>
#include <cstdint>

#include "matfun/real_complex.hpp"

namespace nnla::matfun {

// Real input: out[b] = logm(a[b]), status[b] an nnla::Status code. Where some matrix has a
// negative real eigenvalue its logm is complex, and so is the whole output: complex_out() gives
// it (called at most once, outside any parallel region), it receives every result, and it is
// returned (out then holds only the real pass); otherwise the result is in out and nullptr is returned.
template <class R>
std::complex<R>* logm_real_batch(const R* a, R* out, std::int64_t batch, int d, int n_threads,
                                 std::int8_t* status, const ComplexOut<R>& complex_out);

// Complex input: out[b] = logm(a[b]); status[b] an nnla::Status code.
template <class T>
void logm_complex_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads,
                        std::int8_t* status);

}  // namespace nnla::matfun
