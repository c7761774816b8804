// Thin overloads of the BLAS/LAPACK routines nnla calls, for float, double, complex<float> and
// complex<double>, over the table of core/blas_table.hpp (the library scipy loaded).
#pragma once

#include "core/blas_table.hpp"
#include "core/isa.hpp"

namespace nnla::lapack {

NNLA_ISA_BEGIN

// Column-major C = alpha op(A) op(B) + beta C.
#define NNLA_GEMM(T, fn)                                                                           \
    inline void gemm(char ta, char tb, lapack_int m, lapack_int n, lapack_int k, T alpha,          \
                     const T* a, lapack_int lda, const T* b, lapack_int ldb, T beta, T* c,         \
                     lapack_int ldc) {                                                             \
        fn(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);                        \
    }
NNLA_GEMM(float, table().sgemm)
NNLA_GEMM(double, table().dgemm)
NNLA_GEMM(cf, table().cgemm)
NNLA_GEMM(cd, table().zgemm)
#undef NNLA_GEMM

// Column-major y = alpha op(A) x + beta y.
#define NNLA_GEMV(T, fn)                                                                           \
    inline void gemv(char ta, lapack_int m, lapack_int n, T alpha, const T* a, lapack_int lda,     \
                     const T* x, T beta, T* y) {                                                   \
        const lapack_int one = 1;                                                                  \
        fn(&ta, &m, &n, &alpha, a, &lda, x, &one, &beta, y, &one);                                 \
    }
NNLA_GEMV(float, table().sgemv)
NNLA_GEMV(double, table().dgemv)
NNLA_GEMV(cf, table().cgemv)
NNLA_GEMV(cd, table().zgemv)
#undef NNLA_GEMV

// LU with partial pivoting; returns LAPACK's info.
#define NNLA_GETRF(T, fn)                                                                          \
    inline lapack_int getrf(lapack_int m, lapack_int n, T* a, lapack_int lda, lapack_int* ipiv) {  \
        lapack_int info = 0;                                                                       \
        fn(&m, &n, a, &lda, ipiv, &info);                                                          \
        return info;                                                                               \
    }
NNLA_GETRF(float, table().sgetrf)
NNLA_GETRF(double, table().dgetrf)
NNLA_GETRF(cf, table().cgetrf)
NNLA_GETRF(cd, table().zgetrf)
#undef NNLA_GETRF

#define NNLA_GETRS(T, fn)                                                                          \
    inline lapack_int getrs(char trans, lapack_int n, lapack_int nrhs, const T* a, lapack_int lda, \
                            const lapack_int* ipiv, T* b, lapack_int ldb) {                        \
        lapack_int info = 0;                                                                       \
        fn(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info);                                      \
        return info;                                                                               \
    }
NNLA_GETRS(float, table().sgetrs)
NNLA_GETRS(double, table().dgetrs)
NNLA_GETRS(cf, table().cgetrs)
NNLA_GETRS(cd, table().zgetrs)
#undef NNLA_GETRS

// Schur factorization A = Z T Z^H, column-major, no eigenvalue ordering; returns LAPACK's info.
// Real: T quasi-triangular with standardised 2x2 blocks, eigenvalues in (wr, wi). Complex: T upper
// triangular, eigenvalues in w (rwork of length n). lwork = -1 is a workspace query (size in work[0]).
#define NNLA_GEES_REAL(T, fn)                                                                      \
    inline lapack_int gees(lapack_int n, T* a, lapack_int lda, T* wr, T* wi, T* z, lapack_int ldz, \
                           T* work, lapack_int lwork) {                                            \
        const char jobvs = 'V', sort = 'N';                                                        \
        lapack_int sdim = 0, info = 0, bwork = 0;                                                  \
        fn(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, wr, wi, z, &ldz, work, &lwork, &bwork,      \
           &info);                                                                                 \
        return info;                                                                               \
    }
NNLA_GEES_REAL(float, table().sgees)
NNLA_GEES_REAL(double, table().dgees)
#undef NNLA_GEES_REAL

#define NNLA_GEES_COMPLEX(T, R, fn)                                                                \
    inline lapack_int gees(lapack_int n, T* a, lapack_int lda, T* w, T* z, lapack_int ldz,         \
                           T* work, lapack_int lwork, R* rwork) {                                  \
        const char jobvs = 'V', sort = 'N';                                                        \
        lapack_int sdim = 0, info = 0, bwork = 0;                                                  \
        fn(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, w, z, &ldz, work, &lwork, rwork, &bwork,    \
           &info);                                                                                 \
        return info;                                                                               \
    }
NNLA_GEES_COMPLEX(cf, float, table().cgees)
NNLA_GEES_COMPLEX(cd, double, table().zgees)
#undef NNLA_GEES_COMPLEX

// [[a, b], [c, d]] = [[cs, -sn], [sn, cs]] [[aa, bb], [cc, dd]] [[cs, sn], [-sn, cs]] with the
// standardised Schur form overwriting a, b, c, d (cc = 0, or aa = dd and bb * cc < 0).
#define NNLA_LANV2(T, fn)                                                                          \
    inline void lanv2(T& a, T& b, T& c, T& d, T& cs, T& sn) {                                      \
        T rt1r, rt1i, rt2r, rt2i;                                                                  \
        fn(&a, &b, &c, &d, &rt1r, &rt1i, &rt2r, &rt2i, &cs, &sn);                                  \
    }
NNLA_LANV2(float, table().slanv2)
NNLA_LANV2(double, table().dlanv2)
#undef NNLA_LANV2

// gehd2 (ilo = 1, ihi = n; tau and work of length n), org2r/ung2r (work of length n), lahqr with
// wantt = wantz = true on the full range (ilo = iloz = 1, ihi = ihiz = n). Return LAPACK's info.
inline lapack_int gehd2(lapack_int n, double* a, lapack_int lda, double* tau, double* work) {
    const lapack_int ilo = 1;
    lapack_int info = 0;
    table().dgehd2(&n, &ilo, &n, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int gehd2(lapack_int n, cd* a, lapack_int lda, cd* tau, cd* work) {
    const lapack_int ilo = 1;
    lapack_int info = 0;
    table().zgehd2(&n, &ilo, &n, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int ung2r(lapack_int m, lapack_int n, lapack_int k, double* a, lapack_int lda,
                        const double* tau, double* work) {
    lapack_int info = 0;
    table().dorg2r(&m, &n, &k, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int ung2r(lapack_int m, lapack_int n, lapack_int k, cd* a, lapack_int lda, const cd* tau,
                        cd* work) {
    lapack_int info = 0;
    table().zung2r(&m, &n, &k, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int lahqr(lapack_int n, cd* h, lapack_int ldh, cd* w, cd* z, lapack_int ldz) {
    const lapack_int yes = 1, one = 1;
    lapack_int info = 0;
    table().zlahqr(&yes, &yes, &n, &one, &n, h, &ldh, w, &one, &n, z, &ldz, &info);
    return info;
}

NNLA_ISA_END


// Eigenvalues of a general matrix (xGEEV without eigenvectors) and the inverse from an LU
// (xGETRI), used by signm.

NNLA_ISA_BEGIN

// Real: eigenvalues wr + i wi of A (overwritten); lwork = -1 queries the size into work[0].
#define NNLA_GEEV_REAL(T, fn)                                                                      \
    inline lapack_int geev_values(lapack_int n, T* a, lapack_int lda, T* wr, T* wi, T* work,       \
                                  lapack_int lwork) {                                              \
        const char no = 'N';                                                                       \
        const lapack_int one = 1;                                                                  \
        lapack_int info = 0;                                                                       \
        fn(&no, &no, &n, a, &lda, wr, wi, nullptr, &one, nullptr, &one, work, &lwork, &info);      \
        return info;                                                                               \
    }
NNLA_GEEV_REAL(float, table().sgeev)
NNLA_GEEV_REAL(double, table().dgeev)
#undef NNLA_GEEV_REAL

// Complex: eigenvalues w of A (overwritten); rwork has 2n entries.
#define NNLA_GEEV_COMPLEX(T, R, fn)                                                                \
    inline lapack_int geev_values(lapack_int n, T* a, lapack_int lda, T* w, T* work,               \
                                  lapack_int lwork, R* rwork) {                                    \
        const char no = 'N';                                                                       \
        const lapack_int one = 1;                                                                  \
        lapack_int info = 0;                                                                       \
        fn(&no, &no, &n, a, &lda, w, nullptr, &one, nullptr, &one, work, &lwork, rwork, &info);    \
        return info;                                                                               \
    }
NNLA_GEEV_COMPLEX(cf, float, table().cgeev)
NNLA_GEEV_COMPLEX(cd, double, table().zgeev)
#undef NNLA_GEEV_COMPLEX

// Inverse from the LU of getrf, in place; work has lwork >= n entries. Returns LAPACK's info.
#define NNLA_GETRI(T, fn)                                                                          \
    inline lapack_int getri(lapack_int n, T* a, lapack_int lda, const lapack_int* ipiv, T* work,   \
                            lapack_int lwork) {                                                    \
        lapack_int info = 0;                                                                       \
        fn(&n, a, &lda, ipiv, work, &lwork, &info);                                                \
        return info;                                                                               \
    }
NNLA_GETRI(float, table().sgetri)
NNLA_GETRI(double, table().dgetri)
NNLA_GETRI(cf, table().cgetri)
NNLA_GETRI(cd, table().zgetri)
#undef NNLA_GETRI

NNLA_ISA_END

// Cholesky, triangular solves, QR (plain and column-pivoted), SVD, for the HSS solver: real dtypes
// only (it is symmetric real).

NNLA_ISA_BEGIN

#define NNLA_REAL_LAPACK(T, p)                                                                     \
    inline lapack_int potrf(char uplo, lapack_int n, T* a, lapack_int lda) {                       \
        lapack_int info = 0;                                                                       \
        table().p##potrf(&uplo, &n, a, &lda, &info);                                               \
        return info;                                                                               \
    }                                                                                              \
    inline void trsm(char side, char uplo, char ta, char diag, lapack_int m, lapack_int n,         \
                     T alpha, const T* a, lapack_int lda, T* b, lapack_int ldb) {                  \
        table().p##trsm(&side, &uplo, &ta, &diag, &m, &n, &alpha, a, &lda, b, &ldb);               \
    }                                                                                              \
    inline lapack_int geqrf(lapack_int m, lapack_int n, T* a, lapack_int lda, T* tau, T* work,     \
                            lapack_int lwork) {                                                    \
        lapack_int info = 0;                                                                       \
        table().p##geqrf(&m, &n, a, &lda, tau, work, &lwork, &info);                               \
        return info;                                                                               \
    }                                                                                              \
    inline lapack_int orgqr(lapack_int m, lapack_int n, lapack_int k, T* a, lapack_int lda,        \
                            const T* tau, T* work, lapack_int lwork) {                             \
        lapack_int info = 0;                                                                       \
        table().p##orgqr(&m, &n, &k, a, &lda, tau, work, &lwork, &info);                           \
        return info;                                                                               \
    }                                                                                              \
    inline lapack_int geqp3(lapack_int m, lapack_int n, T* a, lapack_int lda, lapack_int* jpvt,    \
                            T* tau, T* work, lapack_int lwork) {                                   \
        lapack_int info = 0;                                                                       \
        table().p##geqp3(&m, &n, a, &lda, jpvt, tau, work, &lwork, &info);                         \
        return info;                                                                               \
    }                                                                                              \
    inline lapack_int gesvd(char ju, char jvt, lapack_int m, lapack_int n, T* a, lapack_int lda,   \
                            T* s, T* u, lapack_int ldu, T* vt, lapack_int ldvt, T* work,           \
                            lapack_int lwork) {                                                    \
        lapack_int info = 0;                                                                       \
        table().p##gesvd(&ju, &jvt, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, &info);  \
        return info;                                                                               \
    }
NNLA_REAL_LAPACK(float, s)
NNLA_REAL_LAPACK(double, d)
#undef NNLA_REAL_LAPACK

NNLA_ISA_END

}  // namespace nnla::lapack
