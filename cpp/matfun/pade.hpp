// Coefficients b_0..b_m of the [m/m] Pade approximants of exp (AMH09 / Higham 2005), shared by
// the expm and expm_frechet kernels: p_m(x) = sum_j b_j x^j, q_m(x) = p_m(-x).
#pragma once

namespace nnla::matfun::pade {

inline constexpr double kB3[] = {120.0, 60.0, 12.0, 1.0};
inline constexpr double kB5[] = {30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0};
inline constexpr double kB7[] = {17297280.0, 8648640.0, 1995840.0, 277200.0,
                                 25200.0,    1512.0,    56.0,      1.0};
inline constexpr double kB9[] = {17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0,
                                 2162160.0,     110880.0,     3960.0,       90.0,        1.0};
inline constexpr double kB13[] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
                                  1187353796428800.0,  129060195264000.0,   10559470521600.0,
                                  670442572800.0,      33522128640.0,       1323241920.0,
                                  40840800.0,          960960.0,            16380.0,
                                  182.0,               1.0};

}  // namespace nnla::matfun::pade
