// Real input whose result may be complex (sqrtm, logm: a negative real eigenvalue): the core runs a
// real pass over the stack, and only when some matrix needs it, asks its caller for a complex output,
// copies the real results into it and computes those matrices again in complex arithmetic.
#pragma once

#include <complex>
#include <functional>

namespace nnla::matfun {

// Allocates the complex output (batch x d x d, row-major) and returns it; called at most once, by
// the calling thread outside any parallel region.
template <class R>
using ComplexOut = std::function<std::complex<R>*()>;

}  // namespace nnla::matfun
