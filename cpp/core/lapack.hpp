// BLAS/LAPACK from scipy-openblas32 (32-bit integers, symbols prefixed scipy_), declared here and
// wrapped in thin overloads for float, double, complex<float>, complex<double>.
#pragma once

#include <complex>
#include <cstddef>

#include "core/isa.hpp"

namespace nnla::lapack {

using lapack_int = int;
using cf = std::complex<float>;
using cd = std::complex<double>;

extern "C" {
void scipy_sgemm_(const char*, const char*, const lapack_int*, const lapack_int*, const lapack_int*,
                  const float*, const float*, const lapack_int*, const float*, const lapack_int*,
                  const float*, float*, const lapack_int*, std::size_t, std::size_t);
void scipy_dgemm_(const char*, const char*, const lapack_int*, const lapack_int*, const lapack_int*,
                  const double*, const double*, const lapack_int*, const double*, const lapack_int*,
                  const double*, double*, const lapack_int*, std::size_t, std::size_t);
void scipy_cgemm_(const char*, const char*, const lapack_int*, const lapack_int*, const lapack_int*,
                  const cf*, const cf*, const lapack_int*, const cf*, const lapack_int*, const cf*, cf*,
                  const lapack_int*, std::size_t, std::size_t);
void scipy_zgemm_(const char*, const char*, const lapack_int*, const lapack_int*, const lapack_int*,
                  const cd*, const cd*, const lapack_int*, const cd*, const lapack_int*, const cd*, cd*,
                  const lapack_int*, std::size_t, std::size_t);

void scipy_sgemv_(const char*, const lapack_int*, const lapack_int*, const float*, const float*,
                  const lapack_int*, const float*, const lapack_int*, const float*, float*,
                  const lapack_int*, std::size_t);
void scipy_dgemv_(const char*, const lapack_int*, const lapack_int*, const double*, const double*,
                  const lapack_int*, const double*, const lapack_int*, const double*, double*,
                  const lapack_int*, std::size_t);
void scipy_cgemv_(const char*, const lapack_int*, const lapack_int*, const cf*, const cf*,
                  const lapack_int*, const cf*, const lapack_int*, const cf*, cf*, const lapack_int*,
                  std::size_t);
void scipy_zgemv_(const char*, const lapack_int*, const lapack_int*, const cd*, const cd*,
                  const lapack_int*, const cd*, const lapack_int*, const cd*, cd*, const lapack_int*,
                  std::size_t);

void scipy_sgetrf_(const lapack_int*, const lapack_int*, float*, const lapack_int*, lapack_int*, lapack_int*);
void scipy_dgetrf_(const lapack_int*, const lapack_int*, double*, const lapack_int*, lapack_int*, lapack_int*);
void scipy_cgetrf_(const lapack_int*, const lapack_int*, cf*, const lapack_int*, lapack_int*, lapack_int*);
void scipy_zgetrf_(const lapack_int*, const lapack_int*, cd*, const lapack_int*, lapack_int*, lapack_int*);

void scipy_sgetrs_(const char*, const lapack_int*, const lapack_int*, const float*, const lapack_int*,
                   const lapack_int*, float*, const lapack_int*, lapack_int*, std::size_t);
void scipy_dgetrs_(const char*, const lapack_int*, const lapack_int*, const double*, const lapack_int*,
                   const lapack_int*, double*, const lapack_int*, lapack_int*, std::size_t);
void scipy_cgetrs_(const char*, const lapack_int*, const lapack_int*, const cf*, const lapack_int*,
                   const lapack_int*, cf*, const lapack_int*, lapack_int*, std::size_t);
void scipy_zgetrs_(const char*, const lapack_int*, const lapack_int*, const cd*, const lapack_int*,
                   const lapack_int*, cd*, const lapack_int*, lapack_int*, std::size_t);

// Schur factorization (sort = 'N': select and bwork are not referenced).
void scipy_sgees_(const char*, const char*, void*, const lapack_int*, float*, const lapack_int*, lapack_int*,
                  float*, float*, float*, const lapack_int*, float*, const lapack_int*, lapack_int*,
                  lapack_int*, std::size_t, std::size_t);
void scipy_dgees_(const char*, const char*, void*, const lapack_int*, double*, const lapack_int*, lapack_int*,
                  double*, double*, double*, const lapack_int*, double*, const lapack_int*, lapack_int*,
                  lapack_int*, std::size_t, std::size_t);
void scipy_cgees_(const char*, const char*, void*, const lapack_int*, cf*, const lapack_int*, lapack_int*,
                  cf*, cf*, const lapack_int*, cf*, const lapack_int*, float*, lapack_int*, lapack_int*,
                  std::size_t, std::size_t);
void scipy_zgees_(const char*, const char*, void*, const lapack_int*, cd*, const lapack_int*, lapack_int*,
                  cd*, cd*, const lapack_int*, cd*, const lapack_int*, double*, lapack_int*, lapack_int*,
                  std::size_t, std::size_t);

// Standardised real Schur factorization of a 2x2 matrix (the kernel dhseqr uses for 2x2 blocks).
void scipy_slanv2_(float*, float*, float*, float*, float*, float*, float*, float*, float*, float*);
void scipy_dlanv2_(double*, double*, double*, double*, double*, double*, double*, double*, double*,
                   double*);
void scipy_openblas_set_num_threads(int);
int scipy_openblas_get_num_threads(void);
char* scipy_openblas_get_config(void);
char* scipy_openblas_get_corename(void);

// Unblocked building blocks of gees for small matrices: Hessenberg reduction (gehd2), the
// orthogonal/unitary factor from its reflectors (org2r/ung2r), and the double-shift / single-shift
// QR algorithm on a Hessenberg matrix (zlahqr; the real one is transcribed in
// cpp/matfun/schur_kernel.cpp). Logicals are Fortran LOGICAL (int).
void scipy_dgehd2_(const lapack_int*, const lapack_int*, const lapack_int*, double*, const lapack_int*,
                   double*, double*, lapack_int*);
void scipy_zgehd2_(const lapack_int*, const lapack_int*, const lapack_int*, cd*, const lapack_int*, cd*,
                   cd*, lapack_int*);
void scipy_dorg2r_(const lapack_int*, const lapack_int*, const lapack_int*, double*, const lapack_int*,
                   const double*, double*, lapack_int*);
void scipy_zung2r_(const lapack_int*, const lapack_int*, const lapack_int*, cd*, const lapack_int*,
                   const cd*, cd*, lapack_int*);
void scipy_zlahqr_(const lapack_int*, const lapack_int*, const lapack_int*, const lapack_int*,
                   const lapack_int*, cd*, const lapack_int*, cd*, const lapack_int*, const lapack_int*,
                   cd*, const lapack_int*, lapack_int*);
}

NNLA_ISA_BEGIN

// Column-major C = alpha op(A) op(B) + beta C.
#define NNLA_GEMM(T, fn)                                                                           \
    inline void gemm(char ta, char tb, lapack_int m, lapack_int n, lapack_int k, T alpha,        \
                     const T* a, lapack_int lda, const T* b, lapack_int ldb, T beta, T* c,       \
                     lapack_int ldc) {                                                           \
        fn(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);                \
    }
NNLA_GEMM(float, scipy_sgemm_)
NNLA_GEMM(double, scipy_dgemm_)
NNLA_GEMM(cf, scipy_cgemm_)
NNLA_GEMM(cd, scipy_zgemm_)
#undef NNLA_GEMM

// Column-major y = alpha op(A) x + beta y.
#define NNLA_GEMV(T, fn)                                                                           \
    inline void gemv(char ta, lapack_int m, lapack_int n, T alpha, const T* a, lapack_int lda,    \
                     const T* x, T beta, T* y) {                                                 \
        const lapack_int one = 1;                                                                \
        fn(&ta, &m, &n, &alpha, a, &lda, x, &one, &beta, y, &one, 1);                            \
    }
NNLA_GEMV(float, scipy_sgemv_)
NNLA_GEMV(double, scipy_dgemv_)
NNLA_GEMV(cf, scipy_cgemv_)
NNLA_GEMV(cd, scipy_zgemv_)
#undef NNLA_GEMV

// LU with partial pivoting; returns LAPACK's info.
#define NNLA_GETRF(T, fn)                                                                          \
    inline lapack_int getrf(lapack_int m, lapack_int n, T* a, lapack_int lda, lapack_int* ipiv) { \
        lapack_int info = 0;                                                                     \
        fn(&m, &n, a, &lda, ipiv, &info);                                                        \
        return info;                                                                             \
    }
NNLA_GETRF(float, scipy_sgetrf_)
NNLA_GETRF(double, scipy_dgetrf_)
NNLA_GETRF(cf, scipy_cgetrf_)
NNLA_GETRF(cd, scipy_zgetrf_)
#undef NNLA_GETRF

#define NNLA_GETRS(T, fn)                                                                          \
    inline lapack_int getrs(char trans, lapack_int n, lapack_int nrhs, const T* a, lapack_int lda, \
                            const lapack_int* ipiv, T* b, lapack_int ldb) {                      \
        lapack_int info = 0;                                                                     \
        fn(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1);                                 \
        return info;                                                                             \
    }
NNLA_GETRS(float, scipy_sgetrs_)
NNLA_GETRS(double, scipy_dgetrs_)
NNLA_GETRS(cf, scipy_cgetrs_)
NNLA_GETRS(cd, scipy_zgetrs_)
#undef NNLA_GETRS

// Schur factorization A = Z T Z^H, column-major, no eigenvalue ordering; returns LAPACK's info.
// Real: T quasi-triangular with standardised 2x2 blocks, eigenvalues in (wr, wi). Complex: T upper
// triangular, eigenvalues in w (rwork of length n). lwork = -1 is a workspace query (size in work[0]).
#define NNLA_GEES_REAL(T, fn)                                                                      \
    inline lapack_int gees(lapack_int n, T* a, lapack_int lda, T* wr, T* wi, T* z, lapack_int ldz, \
                           T* work, lapack_int lwork) {                                          \
        const char jobvs = 'V', sort = 'N';                                                      \
        lapack_int sdim = 0, info = 0, bwork = 0;                                                \
        fn(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, wr, wi, z, &ldz, work, &lwork, &bwork,     \
           &info, 1, 1);                                                                         \
        return info;                                                                             \
    }
NNLA_GEES_REAL(float, scipy_sgees_)
NNLA_GEES_REAL(double, scipy_dgees_)
#undef NNLA_GEES_REAL

#define NNLA_GEES_COMPLEX(T, R, fn)                                                                \
    inline lapack_int gees(lapack_int n, T* a, lapack_int lda, T* w, T* z, lapack_int ldz,         \
                           T* work, lapack_int lwork, R* rwork) {                                \
        const char jobvs = 'V', sort = 'N';                                                      \
        lapack_int sdim = 0, info = 0, bwork = 0;                                                \
        fn(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, w, z, &ldz, work, &lwork, rwork, &bwork,   \
           &info, 1, 1);                                                                         \
        return info;                                                                             \
    }
NNLA_GEES_COMPLEX(cf, float, scipy_cgees_)
NNLA_GEES_COMPLEX(cd, double, scipy_zgees_)
#undef NNLA_GEES_COMPLEX

// [[a, b], [c, d]] = [[cs, -sn], [sn, cs]] [[aa, bb], [cc, dd]] [[cs, sn], [-sn, cs]] with the
// standardised Schur form overwriting a, b, c, d (cc = 0, or aa = dd and bb * cc < 0).
#define NNLA_LANV2(T, fn)                                                                          \
    inline void lanv2(T& a, T& b, T& c, T& d, T& cs, T& sn) {                                    \
        T rt1r, rt1i, rt2r, rt2i;                                                                \
        fn(&a, &b, &c, &d, &rt1r, &rt1i, &rt2r, &rt2i, &cs, &sn);                                \
    }
NNLA_LANV2(float, scipy_slanv2_)
NNLA_LANV2(double, scipy_dlanv2_)
#undef NNLA_LANV2

// gehd2 (ilo = 1, ihi = n; tau and work of length n), org2r/ung2r (work of length n), lahqr with
// wantt = wantz = true on the full range (ilo = iloz = 1, ihi = ihiz = n). Return LAPACK's info.
inline lapack_int gehd2(lapack_int n, double* a, lapack_int lda, double* tau, double* work) {
    const lapack_int ilo = 1;
    lapack_int info = 0;
    scipy_dgehd2_(&n, &ilo, &n, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int gehd2(lapack_int n, cd* a, lapack_int lda, cd* tau, cd* work) {
    const lapack_int ilo = 1;
    lapack_int info = 0;
    scipy_zgehd2_(&n, &ilo, &n, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int ung2r(lapack_int m, lapack_int n, lapack_int k, double* a, lapack_int lda,
                        const double* tau, double* work) {
    lapack_int info = 0;
    scipy_dorg2r_(&m, &n, &k, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int ung2r(lapack_int m, lapack_int n, lapack_int k, cd* a, lapack_int lda, const cd* tau,
                        cd* work) {
    lapack_int info = 0;
    scipy_zung2r_(&m, &n, &k, a, &lda, tau, work, &info);
    return info;
}
inline lapack_int lahqr(lapack_int n, cd* h, lapack_int ldh, cd* w, cd* z, lapack_int ldz) {
    const lapack_int yes = 1, one = 1;
    lapack_int info = 0;
    scipy_zlahqr_(&yes, &yes, &n, &one, &n, h, &ldh, w, &one, &n, z, &ldz, &info);
    return info;
}

NNLA_ISA_END

// nnla runs BLAS on one thread and parallelises over independent work with OpenMP. Other code in
// the process (threadpoolctl, for one) can change this OpenBLAS's thread count; native entry points
// re-assert it before they start.
inline void ensure_single_threaded_blas() {
    if (scipy_openblas_get_num_threads() != 1) scipy_openblas_set_num_threads(1);
}

}  // namespace nnla::lapack

// Eigenvalues of a general matrix (xGEEV without eigenvectors) and the inverse from an LU
// (xGETRI), used by signm.
namespace nnla::lapack {

extern "C" {
void scipy_sgeev_(const char*, const char*, const lapack_int*, float*, const lapack_int*, float*, float*,
                  float*, const lapack_int*, float*, const lapack_int*, float*, const lapack_int*,
                  lapack_int*, std::size_t, std::size_t);
void scipy_dgeev_(const char*, const char*, const lapack_int*, double*, const lapack_int*, double*, double*,
                  double*, const lapack_int*, double*, const lapack_int*, double*, const lapack_int*,
                  lapack_int*, std::size_t, std::size_t);
void scipy_cgeev_(const char*, const char*, const lapack_int*, cf*, const lapack_int*, cf*, cf*,
                  const lapack_int*, cf*, const lapack_int*, cf*, const lapack_int*, float*, lapack_int*,
                  std::size_t, std::size_t);
void scipy_zgeev_(const char*, const char*, const lapack_int*, cd*, const lapack_int*, cd*, cd*,
                  const lapack_int*, cd*, const lapack_int*, cd*, const lapack_int*, double*, lapack_int*,
                  std::size_t, std::size_t);

void scipy_sgetri_(const lapack_int*, float*, const lapack_int*, const lapack_int*, float*, const lapack_int*,
                   lapack_int*);
void scipy_dgetri_(const lapack_int*, double*, const lapack_int*, const lapack_int*, double*, const lapack_int*,
                   lapack_int*);
void scipy_cgetri_(const lapack_int*, cf*, const lapack_int*, const lapack_int*, cf*, const lapack_int*,
                   lapack_int*);
void scipy_zgetri_(const lapack_int*, cd*, const lapack_int*, const lapack_int*, cd*, const lapack_int*,
                   lapack_int*);
}

NNLA_ISA_BEGIN

// Real: eigenvalues wr + i wi of A (overwritten); lwork = -1 queries the size into work[0].
#define NNLA_GEEV_REAL(T, fn)                                                                      \
    inline lapack_int geev_values(lapack_int n, T* a, lapack_int lda, T* wr, T* wi, T* work,      \
                                  lapack_int lwork) {                                            \
        const char no = 'N';                                                                     \
        const lapack_int one = 1;                                                                \
        lapack_int info = 0;                                                                     \
        fn(&no, &no, &n, a, &lda, wr, wi, nullptr, &one, nullptr, &one, work, &lwork, &info, 1, 1); \
        return info;                                                                             \
    }
NNLA_GEEV_REAL(float, scipy_sgeev_)
NNLA_GEEV_REAL(double, scipy_dgeev_)
#undef NNLA_GEEV_REAL

// Complex: eigenvalues w of A (overwritten); rwork has 2n entries.
#define NNLA_GEEV_COMPLEX(T, R, fn)                                                                \
    inline lapack_int geev_values(lapack_int n, T* a, lapack_int lda, T* w, T* work,              \
                                  lapack_int lwork, R* rwork) {                                  \
        const char no = 'N';                                                                     \
        const lapack_int one = 1;                                                                \
        lapack_int info = 0;                                                                     \
        fn(&no, &no, &n, a, &lda, w, nullptr, &one, nullptr, &one, work, &lwork, rwork, &info, 1, 1); \
        return info;                                                                             \
    }
NNLA_GEEV_COMPLEX(cf, float, scipy_cgeev_)
NNLA_GEEV_COMPLEX(cd, double, scipy_zgeev_)
#undef NNLA_GEEV_COMPLEX

// Inverse from the LU of getrf, in place; work has lwork >= n entries. Returns LAPACK's info.
#define NNLA_GETRI(T, fn)                                                                          \
    inline lapack_int getri(lapack_int n, T* a, lapack_int lda, const lapack_int* ipiv, T* work,  \
                            lapack_int lwork) {                                                  \
        lapack_int info = 0;                                                                     \
        fn(&n, a, &lda, ipiv, work, &lwork, &info);                                              \
        return info;                                                                             \
    }
NNLA_GETRI(float, scipy_sgetri_)
NNLA_GETRI(double, scipy_dgetri_)
NNLA_GETRI(cf, scipy_cgetri_)
NNLA_GETRI(cd, scipy_zgetri_)
#undef NNLA_GETRI

NNLA_ISA_END

}  // namespace nnla::lapack

// ---- appended for cpp/hss: Cholesky, triangular solves, QR (plain and column-pivoted), SVD ------
// Real dtypes only (the HSS solver is symmetric real); one overload per dtype.
namespace nnla::lapack {

extern "C" {
void scipy_spotrf_(const char*, const lapack_int*, float*, const lapack_int*, lapack_int*, std::size_t);
void scipy_dpotrf_(const char*, const lapack_int*, double*, const lapack_int*, lapack_int*, std::size_t);
void scipy_strsm_(const char*, const char*, const char*, const char*, const lapack_int*, const lapack_int*,
                  const float*, const float*, const lapack_int*, float*, const lapack_int*, std::size_t,
                  std::size_t, std::size_t, std::size_t);
void scipy_dtrsm_(const char*, const char*, const char*, const char*, const lapack_int*, const lapack_int*,
                  const double*, const double*, const lapack_int*, double*, const lapack_int*, std::size_t,
                  std::size_t, std::size_t, std::size_t);
void scipy_sgeqrf_(const lapack_int*, const lapack_int*, float*, const lapack_int*, float*, float*,
                   const lapack_int*, lapack_int*);
void scipy_dgeqrf_(const lapack_int*, const lapack_int*, double*, const lapack_int*, double*, double*,
                   const lapack_int*, lapack_int*);
void scipy_sorgqr_(const lapack_int*, const lapack_int*, const lapack_int*, float*, const lapack_int*,
                   const float*, float*, const lapack_int*, lapack_int*);
void scipy_dorgqr_(const lapack_int*, const lapack_int*, const lapack_int*, double*, const lapack_int*,
                   const double*, double*, const lapack_int*, lapack_int*);
void scipy_sgeqp3_(const lapack_int*, const lapack_int*, float*, const lapack_int*, lapack_int*, float*,
                   float*, const lapack_int*, lapack_int*);
void scipy_dgeqp3_(const lapack_int*, const lapack_int*, double*, const lapack_int*, lapack_int*, double*,
                   double*, const lapack_int*, lapack_int*);
void scipy_sgesvd_(const char*, const char*, const lapack_int*, const lapack_int*, float*, const lapack_int*,
                   float*, float*, const lapack_int*, float*, const lapack_int*, float*, const lapack_int*,
                   lapack_int*, std::size_t, std::size_t);
void scipy_dgesvd_(const char*, const char*, const lapack_int*, const lapack_int*, double*, const lapack_int*,
                   double*, double*, const lapack_int*, double*, const lapack_int*, double*,
                   const lapack_int*, lapack_int*, std::size_t, std::size_t);
}

NNLA_ISA_BEGIN

#define NNLA_REAL_LAPACK(T, p)                                                                     \
    inline lapack_int potrf(char uplo, lapack_int n, T* a, lapack_int lda) {                     \
        lapack_int info = 0;                                                                     \
        scipy_##p##potrf_(&uplo, &n, a, &lda, &info, 1);                                         \
        return info;                                                                             \
    }                                                                                            \
    inline void trsm(char side, char uplo, char ta, char diag, lapack_int m, lapack_int n,       \
                     T alpha, const T* a, lapack_int lda, T* b, lapack_int ldb) {                \
        scipy_##p##trsm_(&side, &uplo, &ta, &diag, &m, &n, &alpha, a, &lda, b, &ldb, 1, 1, 1, 1); \
    }                                                                                            \
    inline lapack_int geqrf(lapack_int m, lapack_int n, T* a, lapack_int lda, T* tau, T* work,   \
                            lapack_int lwork) {                                                  \
        lapack_int info = 0;                                                                     \
        scipy_##p##geqrf_(&m, &n, a, &lda, tau, work, &lwork, &info);                            \
        return info;                                                                             \
    }                                                                                            \
    inline lapack_int orgqr(lapack_int m, lapack_int n, lapack_int k, T* a, lapack_int lda,      \
                            const T* tau, T* work, lapack_int lwork) {                           \
        lapack_int info = 0;                                                                     \
        scipy_##p##orgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info);                        \
        return info;                                                                             \
    }                                                                                            \
    inline lapack_int geqp3(lapack_int m, lapack_int n, T* a, lapack_int lda, lapack_int* jpvt,  \
                            T* tau, T* work, lapack_int lwork) {                                 \
        lapack_int info = 0;                                                                     \
        scipy_##p##geqp3_(&m, &n, a, &lda, jpvt, tau, work, &lwork, &info);                      \
        return info;                                                                             \
    }                                                                                            \
    inline lapack_int gesvd(char ju, char jvt, lapack_int m, lapack_int n, T* a, lapack_int lda, \
                            T* s, T* u, lapack_int ldu, T* vt, lapack_int ldvt, T* work,         \
                            lapack_int lwork) {                                                  \
        lapack_int info = 0;                                                                     \
        scipy_##p##gesvd_(&ju, &jvt, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, &info, \
                          1, 1);                                                                 \
        return info;                                                                             \
    }
NNLA_REAL_LAPACK(float, s)
NNLA_REAL_LAPACK(double, d)
#undef NNLA_REAL_LAPACK

NNLA_ISA_END

}  // namespace nnla::lapack
