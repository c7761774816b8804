// expm_frechet_batch, expm_cond_batch: run the variant of the kernel (expm_frechet_kernel.cpp,
// compiled once per ISA level) that matches this CPU.
#include "matfun/expm_frechet.hpp"

#include <complex>

#include "core/isa.hpp"
#include "core/lapack.hpp"

namespace nnla::matfun {

NNLA_ISA_DECLARE(template <class T>
                 void expm_frechet_batch_isa(const T* a, const T* e, T* x, T* l, std::int64_t batch,
                                             int d, int n_threads, std::int8_t* status);
                 template <class T>
                 void expm_cond_batch_isa(const T* a, double* cond, std::int64_t batch, int d,
                                          int n_threads, std::int8_t* status);)

template <class T>
void expm_frechet_batch(const T* a, const T* e, T* x, T* l, std::int64_t batch, int d, int n_threads,
                        std::int8_t* status) {
    NNLA_ISA_CALL(expm_frechet_batch_isa<T>, a, e, x, l, batch, d, n_threads, status);
}

template <class T>
void expm_cond_batch(const T* a, double* cond, std::int64_t batch, int d, int n_threads, std::int8_t* status) {
    NNLA_ISA_CALL(expm_cond_batch_isa<T>, a, cond, batch, d, n_threads, status);
}

#define NNLA_INSTANTIATE(T)                                                                        \
    template void expm_frechet_batch<T>(const T*, const T*, T*, T*, std::int64_t, int, int,       \
                                        std::int8_t*);                                           \
    template void expm_cond_batch<T>(const T*, double*, std::int64_t, int, int, std::int8_t*);
NNLA_INSTANTIATE(float)
NNLA_INSTANTIATE(double)
NNLA_INSTANTIATE(std::complex<float>)
NNLA_INSTANTIATE(std::complex<double>)
#undef NNLA_INSTANTIATE

}  // namespace nnla::matfun
