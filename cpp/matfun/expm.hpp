// Matrix exponential by Pade scaling and squaring (Al-Mohy & Higham, SIAM J. Matrix Anal. Appl. 31(3),
// 2009), batched over a contiguous stack of row-major d x d matrices.
#pragma once

#include <cstdint>

namespace nnla::matfun {

// out[b] = expm(a[b]) for b < batch; status[b] is an nnla::Status code. Runs `n_threads` OpenMP
// threads over the batch; the result of each matrix does not depend on the thread count.
template <class T>
void expm_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads, std::int8_t* status);

}  // namespace nnla::matfun
