#include "core/isa.hpp"

#include <cstdlib>
#include <string>

namespace nnla {

namespace {
// NNLA_ISA=base|avx2|avx512 in the environment caps the variant (for testing every variant on one
// machine); it can only lower the choice, never select what the CPU lacks.
Isa cap_from_env(Isa best) {
    const char* env = std::getenv("NNLA_ISA");
    if (env == nullptr) return best;
    const std::string v(env);
    Isa cap = best;
    if (v == "base") cap = Isa::kBase;
    if (v == "avx2") cap = Isa::kAvx2;
    return static_cast<int>(cap) < static_cast<int>(best) ? cap : best;
}

Isa detect_cpu() {
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
    static const Isa isa = cap_from_env(detect_cpu());  // immutable after the first call
    return isa;
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::kAvx512: return "avx512";
        case Isa::kAvx2: return "avx2";
        default: return "base";
    }
}

}  // namespace nnla
