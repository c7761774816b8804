// Per-matrix status codes filled by batched kernels (they never throw mid-batch).
#pragma once

#include <cstdint>

namespace nnla {

enum Status : std::int8_t {
    kOk = 0,
    kNonFinite = 1,    // input had NaN or Inf; the output slice is NaN
    kSingular = 2,     // a matrix that had to be inverted was exactly singular
    kOverflow = 3,     // the result overflowed (entries are +-inf or NaN where inf*0 arose)
    kInternal = 4,     // a LAPACK argument error: a bug in nnla
};

}  // namespace nnla
