#include "core/isa.hpp"

namespace nnla {

namespace {
Isa detect() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
#if defined(NNLA_HAVE_ISA_AVX512)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return Isa::kAvx512;
#endif
#if defined(NNLA_HAVE_ISA_AVX2)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#endif
#endif
    return Isa::kBase;
}
}  // namespace

Isa cpu_isa() {
    static const Isa isa = detect();  // immutable after the first call
    return isa;
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::kAvx512: return "avx512";
        case Isa::kAvx2: return "avx2";
        default: return "baseline";
    }
}

}  // namespace nnla
