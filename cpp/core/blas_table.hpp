// The BLAS/LAPACK routines nnla calls, as a table of function pointers filled once at import from
// the capsules of scipy.linalg.cython_blas / cython_lapack (python/nnla/_blas.py), so nnla runs on
// the library scipy already loaded (OpenBLAS, MKL, Accelerate, ...) and brings none of its own.
//
// Each entry has the signature of scipy's Cython wrapper: Fortran calling convention, 32-bit
// integers, no hidden string-length arguments, complex numbers as two consecutive reals.
#pragma once

#include <complex>

namespace nnla::lapack {

using lapack_int = int;
using cf = std::complex<float>;
using cd = std::complex<double>;

// Pointer types of the arguments, for brevity: C = character, I = integer, X = any scalar array.
using C = const char*;
using I = const lapack_int*;
using W = lapack_int*;  // integer output (info, pivots)

// X(name, argument list). BLAS: gemm, gemv, trsm. LAPACK: the rest.
#define NNLA_BLAS_ROUTINES(X)                                                                       \
    X(sgemm, (C, C, I, I, I, const float*, const float*, I, const float*, I, const float*, float*, I)) \
    X(dgemm, (C, C, I, I, I, const double*, const double*, I, const double*, I, const double*, double*, I)) \
    X(cgemm, (C, C, I, I, I, const cf*, const cf*, I, const cf*, I, const cf*, cf*, I))           \
    X(zgemm, (C, C, I, I, I, const cd*, const cd*, I, const cd*, I, const cd*, cd*, I))           \
    X(sgemv, (C, I, I, const float*, const float*, I, const float*, I, const float*, float*, I))  \
    X(dgemv, (C, I, I, const double*, const double*, I, const double*, I, const double*, double*, I)) \
    X(cgemv, (C, I, I, const cf*, const cf*, I, const cf*, I, const cf*, cf*, I))                 \
    X(zgemv, (C, I, I, const cd*, const cd*, I, const cd*, I, const cd*, cd*, I))                 \
    X(strsm, (C, C, C, C, I, I, const float*, const float*, I, float*, I))                        \
    X(dtrsm, (C, C, C, C, I, I, const double*, const double*, I, double*, I))

#define NNLA_LAPACK_ROUTINES(X)                                                                     \
    X(sgetrf, (I, I, float*, I, W, W))                                                            \
    X(dgetrf, (I, I, double*, I, W, W))                                                           \
    X(cgetrf, (I, I, cf*, I, W, W))                                                               \
    X(zgetrf, (I, I, cd*, I, W, W))                                                               \
    X(sgetrs, (C, I, I, const float*, I, I, float*, I, W))                                        \
    X(dgetrs, (C, I, I, const double*, I, I, double*, I, W))                                      \
    X(cgetrs, (C, I, I, const cf*, I, I, cf*, I, W))                                              \
    X(zgetrs, (C, I, I, const cd*, I, I, cd*, I, W))                                              \
    X(sgetri, (I, float*, I, I, float*, I, W))                                                    \
    X(dgetri, (I, double*, I, I, double*, I, W))                                                  \
    X(cgetri, (I, cf*, I, I, cf*, I, W))                                                          \
    X(zgetri, (I, cd*, I, I, cd*, I, W))                                                          \
    X(sgees, (C, C, void*, I, float*, I, W, float*, float*, float*, I, float*, I, W, W))          \
    X(dgees, (C, C, void*, I, double*, I, W, double*, double*, double*, I, double*, I, W, W))     \
    X(cgees, (C, C, void*, I, cf*, I, W, cf*, cf*, I, cf*, I, float*, W, W))                      \
    X(zgees, (C, C, void*, I, cd*, I, W, cd*, cd*, I, cd*, I, double*, W, W))                     \
    X(sgeev, (C, C, I, float*, I, float*, float*, float*, I, float*, I, float*, I, W))            \
    X(dgeev, (C, C, I, double*, I, double*, double*, double*, I, double*, I, double*, I, W))      \
    X(cgeev, (C, C, I, cf*, I, cf*, cf*, I, cf*, I, cf*, I, float*, W))                           \
    X(zgeev, (C, C, I, cd*, I, cd*, cd*, I, cd*, I, cd*, I, double*, W))                          \
    X(slanv2, (float*, float*, float*, float*, float*, float*, float*, float*, float*, float*))   \
    X(dlanv2, (double*, double*, double*, double*, double*, double*, double*, double*, double*, double*)) \
    X(dgehd2, (I, I, I, double*, I, double*, double*, W))                                         \
    X(zgehd2, (I, I, I, cd*, I, cd*, cd*, W))                                                     \
    X(dorg2r, (I, I, I, double*, I, const double*, double*, W))                                   \
    X(zung2r, (I, I, I, cd*, I, const cd*, cd*, W))                                               \
    X(zlahqr, (I, I, I, I, I, cd*, I, cd*, I, I, cd*, I, W))                                      \
    X(spotrf, (C, I, float*, I, W))                                                               \
    X(dpotrf, (C, I, double*, I, W))                                                              \
    X(sgeqrf, (I, I, float*, I, float*, float*, I, W))                                            \
    X(dgeqrf, (I, I, double*, I, double*, double*, I, W))                                         \
    X(sorgqr, (I, I, I, float*, I, const float*, float*, I, W))                                   \
    X(dorgqr, (I, I, I, double*, I, const double*, double*, I, W))                                \
    X(sgeqp3, (I, I, float*, I, W, float*, float*, I, W))                                         \
    X(dgeqp3, (I, I, double*, I, W, double*, double*, I, W))                                      \
    X(sgesvd, (C, C, I, I, float*, I, float*, float*, I, float*, I, float*, I, W))                \
    X(dgesvd, (C, C, I, I, double*, I, double*, double*, I, double*, I, double*, I, W))

// The library's thread controls, where it has them (python/nnla/_blas.py finds them):
// get_threads: its current, process-wide thread count (what threadpoolctl sets);
// set_threads: sets that count;
// set_local_threads: sets the count of the calling thread only and returns the previous one
// (MKL's MKL_Set_Num_Threads_Local). OpenBLAS's openblas_set_num_threads_local is not one in its
// pthreads builds (the ones scipy and numpy ship): it sets the process-wide count (measured on
// 0.3.30), so nnla never calls it.
using GetThreads = int (*)();
using SetThreads = void (*)(int);
using SetLocalThreads = int (*)(int);

struct Table {
#define NNLA_TABLE_ENTRY(name, args) void(*name) args = nullptr;
    NNLA_BLAS_ROUTINES(NNLA_TABLE_ENTRY)
    NNLA_LAPACK_ROUTINES(NNLA_TABLE_ENTRY)
#undef NNLA_TABLE_ENTRY
    GetThreads get_threads = nullptr;
    SetThreads set_threads = nullptr;
    SetLocalThreads set_local_threads = nullptr;
};

// The installed table. Written once, at import, before any native call (install); read-only after.
const Table& table() noexcept;

// Installs t (every routine non-null, else std::invalid_argument naming the first missing one).
// Installing again is allowed only with the same routines (a second interpreter-level import).
void install(const Table& t);

// Whether install() has run.
bool installed() noexcept;

// The BLAS threads one call of the calling thread may use: the library's count (which threadpoolctl
// controls), 1 when unknown.
int blas_threads() noexcept;

// For the lifetime of the guard, the calling thread's BLAS calls use `n` threads, where the library
// offers a thread-local setting (MKL); elsewhere, or with n <= 0, it does nothing.
class LocalBlasThreads {
  public:
    explicit LocalBlasThreads(int n) noexcept;
    ~LocalBlasThreads();
    LocalBlasThreads(const LocalBlasThreads&) = delete;
    LocalBlasThreads& operator=(const LocalBlasThreads&) = delete;

  private:
    int previous_ = -1;
};

// A section of native code whose BLAS calls must run on one thread: calls from the threads of a
// parallel loop (a threaded BLAS called from every thread oversubscribes the cores, and OpenBLAS's
// pthreads pool then runs 6-60x slower, measured on 2 cores), and any call whose result must not
// depend on the thread count (OpenBLAS's threaded results differ in the last bits from its
// single-threaded ones). The first of any overlapping sections sets the library's process-wide count
// to 1 and the last one restores the count it found: OpenBLAS has no thread-local count (its
// openblas_set_num_threads_local sets the process-wide one in pthreads builds). The guard does
// nothing when inactive, and when `threads_set_local` says that each thread of the section sets its
// own count with LocalBlasThreads and the library can (MKL).
class SerialBlasSection {
  public:
    explicit SerialBlasSection(bool active = true, bool threads_set_local = false);
    ~SerialBlasSection();
    SerialBlasSection(const SerialBlasSection&) = delete;
    SerialBlasSection& operator=(const SerialBlasSection&) = delete;

  private:
    bool active_ = false;
};

}  // namespace nnla::lapack
