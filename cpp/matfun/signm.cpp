// signm_batch: runs the variant of the kernel (signm_kernel.cpp, compiled once per ISA level) that
// matches this CPU.
#include "matfun/signm.hpp"

#include <complex>

#include "core/isa.hpp"
#include "core/lapack.hpp"

namespace nnla::matfun {

#define NNLA_DECLARE_VARIANT(ns)                                                                 \
    namespace ns {                                                                             \
    template <class T>                                                                         \
    void signm_batch_isa(const T* a, T* out, double* resid, std::int64_t batch, int d,         \
                         int n_threads, std::int8_t* status);                                  \
    }
NNLA_DECLARE_VARIANT(isa_base)
#if defined(NNLA_HAVE_ISA_AVX2)
NNLA_DECLARE_VARIANT(isa_avx2)
#endif
#if defined(NNLA_HAVE_ISA_AVX512)
NNLA_DECLARE_VARIANT(isa_avx512)
#endif
#undef NNLA_DECLARE_VARIANT

template <class T>
void signm_batch(const T* a, T* out, double* resid, std::int64_t batch, int d, int n_threads,
                 std::int8_t* status) {
    lapack::ensure_single_threaded_blas();
    switch (cpu_isa()) {
#if defined(NNLA_HAVE_ISA_AVX512)
        case Isa::kAvx512: return isa_avx512::signm_batch_isa<T>(a, out, resid, batch, d, n_threads, status);
#endif
#if defined(NNLA_HAVE_ISA_AVX2)
        case Isa::kAvx2: return isa_avx2::signm_batch_isa<T>(a, out, resid, batch, d, n_threads, status);
#endif
        default: return isa_base::signm_batch_isa<T>(a, out, resid, batch, d, n_threads, status);
    }
}

template void signm_batch<float>(const float*, float*, double*, std::int64_t, int, int, std::int8_t*);
template void signm_batch<double>(const double*, double*, double*, std::int64_t, int, int, std::int8_t*);
template void signm_batch<std::complex<float>>(const std::complex<float>*, std::complex<float>*, double*,
                                               std::int64_t, int, int, std::int8_t*);
template void signm_batch<std::complex<double>>(const std::complex<double>*, std::complex<double>*, double*,
                                                std::int64_t, int, int, std::int8_t*);

}  // namespace nnla::matfun
