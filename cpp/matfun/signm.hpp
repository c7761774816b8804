// Matrix sign function by the scaled Newton iteration (Higham, "Functions of Matrices", 2008,
// section 5.7), batched over a contiguous stack of row-major d x d matrices.
#pragma once

#include <cstdint>

namespace nnla::matfun {

// out[b] = sign(a[b]) for b < batch; status[b] is an nnla::Status code (kImaginaryAxis for an
// eigenvalue on or numerically on the imaginary axis, kNotConverged when the iteration stalls);
// resid[b] = ||X^2 - I||_1 / ||X||_1^2 when resid is not null.
template <class T>
void signm_batch(const T* a, T* out, double* resid, std::int64_t batch, int d, int n_threads,
                 std::int8_t* status);

}  // namespace nnla::matfun
