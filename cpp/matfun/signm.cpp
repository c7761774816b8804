// signm_batch: runs the variant of the kernel (signm_kernel.cpp, compiled once per ISA level) that
// matches this CPU.
#include "matfun/signm.hpp"

#include <complex>

#include "core/isa.hpp"
#include "core/lapack.hpp"

namespace nnla::matfun {

NNLA_ISA_DECLARE(template <class T>
                 void signm_batch_isa(const T* a, T* out, double* resid, std::int64_t batch, int d,
                                      int n_threads, std::int8_t* status);)

template <class T>
void signm_batch(const T* a, T* out, double* resid, std::int64_t batch, int d, int n_threads,
                 std::int8_t* status) {
    NNLA_ISA_CALL(signm_batch_isa<T>, a, out, resid, batch, d, n_threads, status);
}

template void signm_batch<float>(const float*, float*, double*, std::int64_t, int, int, std::int8_t*);
template void signm_batch<double>(const double*, double*, double*, std::int64_t, int, int, std::int8_t*);
template void signm_batch<std::complex<float>>(const std::complex<float>*, std::complex<float>*, double*,
                                               std::int64_t, int, int, std::int8_t*);
template void signm_batch<std::complex<double>>(const std::complex<double>*, std::complex<double>*, double*,
                                                std::int64_t, int, int, std::int8_t*);

}  // namespace nnla::matfun
