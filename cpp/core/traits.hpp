// Scalar traits shared by every templated kernel: real type, complexness, unit roundoff.
#pragma once

#include "core/isa.hpp"

#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

namespace nnla {
NNLA_ISA_BEGIN

template <class T>
struct traits {
    using real = T;
    static constexpr bool is_complex = false;
};
template <class R>
struct traits<std::complex<R>> {
    using real = R;
    static constexpr bool is_complex = true;
};

template <class T>
using real_t = typename traits<T>::real;

template <class T>
inline constexpr bool is_complex_v = traits<T>::is_complex;

// Unit roundoff u = eps/2 of the scalar's precision (2^-53 for double, 2^-24 for float).
template <class T>
constexpr double unit_roundoff() {
    return 0.5 * static_cast<double>(std::numeric_limits<real_t<T>>::epsilon());
}

// |x| in double precision: sqrt(re^2 + im^2) for complex (hypot only where that over/underflows).
template <class T>
inline double abs_double(const T& x) {
    if constexpr (is_complex_v<T>) {
        const double re = x.real(), im = x.imag();
        const double r = std::sqrt(re * re + im * im);
        if (r < 1e150 && (r > 1e-150 || r == 0.0)) return r;
        return std::hypot(re, im);
    } else {
        return std::abs(static_cast<double>(x));
    }
}

template <class T>
inline bool is_finite(const T& x) {
    if constexpr (is_complex_v<T>) {
        return std::isfinite(x.real()) && std::isfinite(x.imag());
    } else {
        return std::isfinite(x);
    }
}

template <class T>
inline T conj_val(const T& x) {
    if constexpr (is_complex_v<T>) {
        return std::conj(x);
    } else {
        return x;
    }
}

// c += a * b without the NaN-recovery branch of the library complex multiply (inputs are finite).
template <class T>
inline void mul_acc(T& c, const T& a, const T& b) {
    if constexpr (is_complex_v<T>) {
        using R = real_t<T>;
        const R ar = a.real(), ai = a.imag(), br = b.real(), bi = b.imag();
        c = T(c.real() + (ar * br - ai * bi), c.imag() + (ar * bi + ai * br));
    } else {
        c += a * b;
    }
}

template <class T>
inline T mul(const T& a, const T& b) {
    T c(0);
    mul_acc(c, a, b);
    return c;
}

NNLA_ISA_END
}  // namespace nnla
