// Per-matrix status codes filled by batched kernels (they never throw mid-batch).
#pragma once

#include <cstdint>

namespace nnla {

enum Status : std::int8_t {
    kOk = 0,
    kNonFinite = 1,    // input had NaN or Inf; the output slice is NaN
    kSingular = 2,     // a matrix that had to be inverted was exactly singular
    kOverflow = 3,     // the result overflowed to +-inf (a faithful answer: the true value overflows)
    kInternal = 4,     // a LAPACK argument error: a bug in nnla
    kNaNResult = 5,    // finite input gave NaN (overflow inside the computation, inf - inf)
    kNoSquareRoot = 6,  // sqrtm/logm: singular input (no principal square root / logarithm)
    kImaginaryAxis = 7, // signm: an eigenvalue on (or numerically on) the imaginary axis
    kNotConverged = 8,  // an iteration did not converge within its limit
};

}  // namespace nnla
