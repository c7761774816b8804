// Instruction-set variants. Hot kernels (files named *_kernel.cpp) are compiled once per ISA level
// (baseline x86-64, AVX2+FMA, AVX-512) and chosen at run time from the CPU's features, so a portable
// wheel still runs vectorised code. Everything a kernel file instantiates from nnla's headers lives
// in the inline namespace NNLA_ISA, so the variants never share (and never mix up) a symbol.
#pragma once

#ifndef NNLA_ISA
#define NNLA_ISA isa_base
#endif

#define NNLA_ISA_BEGIN inline namespace NNLA_ISA {
#define NNLA_ISA_END }

namespace nnla {

enum class Isa { kBase = 0, kAvx2 = 1, kAvx512 = 2 };

// The best variant this build has and this CPU (and OS) supports; detected once.
Isa cpu_isa();
const char* isa_name(Isa isa);

}  // namespace nnla

// ---- dispatch to the variant that matches this CPU (used by the generic, once-compiled files) ----
// NNLA_HAVE_ISA_AVX2 / NNLA_HAVE_ISA_AVX512 say which variants the build compiled.
#if defined(NNLA_HAVE_ISA_AVX2)
#define NNLA_IF_ISA_AVX2(...) __VA_ARGS__
#else
#define NNLA_IF_ISA_AVX2(...)
#endif
#if defined(NNLA_HAVE_ISA_AVX512)
#define NNLA_IF_ISA_AVX512(...) __VA_ARGS__
#else
#define NNLA_IF_ISA_AVX512(...)
#endif

// Declares the kernel-file entry points given as arguments in every variant namespace the build has
// (isa_base, and isa_avx2 / isa_avx512 where compiled), e.g.
//   NNLA_ISA_DECLARE(template <class T> void expm_batch_isa(const T*, T*, std::int64_t, int, int, std::int8_t*);)
// at namespace scope in the namespace that encloses the kernel's NNLA_ISA_BEGIN.
#define NNLA_ISA_DECLARE(...)                                            \
    namespace isa_base {                                                 \
    __VA_ARGS__                                                          \
    }                                                                    \
    NNLA_IF_ISA_AVX2(namespace isa_avx2 { __VA_ARGS__ })                 \
    NNLA_IF_ISA_AVX512(namespace isa_avx512 { __VA_ARGS__ })

// Calls fn(args...) in the variant that matches this CPU (cpu_isa()); an expression with fn's result.
// fn is an unqualified name (template arguments allowed) declared by NNLA_ISA_DECLARE.
#define NNLA_ISA_CALL(fn, ...)                                                                     \
    ([&]() -> decltype(auto) {                                                                     \
        switch (::nnla::cpu_isa()) {                                                               \
            NNLA_IF_ISA_AVX512(case ::nnla::Isa::kAvx512: return isa_avx512::fn(__VA_ARGS__);)     \
            NNLA_IF_ISA_AVX2(case ::nnla::Isa::kAvx2: return isa_avx2::fn(__VA_ARGS__);)           \
            default: return isa_base::fn(__VA_ARGS__);                                             \
        }                                                                                          \
    }())
