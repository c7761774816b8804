// The C++ tests' BLAS/LAPACK: the library scipy loads (its path found by CMake at configure time,
// NNLA_TEST_BLAS_LIBRARY), opened with dlopen and installed into the core's table the way the
// module installs scipy's capsules. Symbols are tried with scipy's prefix (scipy_dgemm_, its PyPI
// wheels) and without (dgemm_, a system library).
#pragma once

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/blas_table.hpp"

namespace nnla::test {

inline void* blas_symbol(void* lib, const char* name) {
    for (const char* prefix : {"scipy_", ""}) {
        const std::string full = std::string(prefix) + name + "_";
        if (void* p = dlsym(lib, full.c_str())) return p;
    }
    std::fprintf(stderr, "the test BLAS library lacks %s\n", name);
    std::exit(2);
}

// Installs the test BLAS; exits with status 2 (test failure) when it cannot.
inline void install_blas() {
    void* lib = dlopen(NNLA_TEST_BLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::fprintf(stderr, "cannot open the test BLAS %s: %s\n", NNLA_TEST_BLAS_LIBRARY, dlerror());
        std::exit(2);
    }
    lapack::Table t;
#define NNLA_TEST_FILL(name, args) t.name = reinterpret_cast<decltype(t.name)>(blas_symbol(lib, #name));
    NNLA_BLAS_ROUTINES(NNLA_TEST_FILL)
    NNLA_LAPACK_ROUTINES(NNLA_TEST_FILL)
#undef NNLA_TEST_FILL
    lapack::install(t);
}

}  // namespace nnla::test
