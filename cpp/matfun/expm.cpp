// expm_batch: runs the variant of the expm kernel (expm_kernel.cpp, compiled once per ISA level)
// that matches this CPU.
#include "matfun/expm.hpp"

#include <complex>

#include "core/isa.hpp"
#include "core/lapack.hpp"

namespace nnla::matfun {

NNLA_ISA_DECLARE(template <class T>
                 void expm_batch_isa(const T* a, T* out, std::int64_t batch, int d, int n_threads,
                                     std::int8_t* status);)

template <class T>
void expm_batch(const T* a, T* out, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    NNLA_ISA_CALL(expm_batch_isa<T>, a, out, batch, d, n_threads, status);
}

template void expm_batch<float>(const float*, float*, std::int64_t, int, int, std::int8_t*);
template void expm_batch<double>(const double*, double*, std::int64_t, int, int, std::int8_t*);
template void expm_batch<std::complex<float>>(const std::complex<float>*, std::complex<float>*,
                                              std::int64_t, int, int, std::int8_t*);
template void expm_batch<std::complex<double>>(const std::complex<double>*, std::complex<double>*,
                                               std::int64_t, int, int, std::int8_t*);

}  // namespace nnla::matfun
