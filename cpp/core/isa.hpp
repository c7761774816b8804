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
