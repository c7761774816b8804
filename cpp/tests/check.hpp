// A minimal test helper for the C++ tests of the core (no framework): CHECK records a failure with
// its location and goes on; main returns nnla::test::report(), non-zero when anything failed.
#pragma once

#include <cmath>
#include <cstdio>

namespace nnla::test {

inline int& failures() {
    static int n = 0;
    return n;
}
inline int& checks() {
    static int n = 0;
    return n;
}

inline bool check(bool ok, const char* what, const char* file, int line) {
    ++checks();
    if (!ok) {
        ++failures();
        std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
    }
    return ok;
}

// err <= tol, printing both on failure (err NaN fails)
inline bool check_le(double err, double tol, const char* what, const char* file, int line) {
    ++checks();
    if (!(err <= tol)) {
        ++failures();
        std::fprintf(stderr, "%s:%d: FAILED: %s: error %.3e > tolerance %.3e\n", file, line, what, err, tol);
        return false;
    }
    return true;
}

inline int report(const char* name) {
    std::printf("%s: %d checks, %d failed\n", name, checks(), failures());
    return failures() == 0 ? 0 : 1;
}

}  // namespace nnla::test

#define CHECK(cond) ::nnla::test::check((cond), #cond, __FILE__, __LINE__)
#define CHECK_LE(err, tol, what) ::nnla::test::check_le((err), (tol), (what), __FILE__, __LINE__)
