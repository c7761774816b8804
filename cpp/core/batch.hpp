// The one batch loop of the batched kernels: OpenMP over the members of a stack, one workspace per
// thread, a per-matrix status, and no exception escaping the parallel region.
//
// The result of each matrix depends only on that matrix (a workspace holds scratch, never state that
// carries from one matrix to the next), so the split among threads changes the speed, never the
// results: they are bitwise identical for every thread count and batch split.
#pragma once

#include "core/isa.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>

#include "core/blas_table.hpp"
#include "core/status.hpp"

namespace nnla {
// In the per-ISA namespace: the kernel files compile this header once per ISA level.
NNLA_ISA_BEGIN

// How a batch is split: `threads` OpenMP threads take chunks of `chunk` consecutive matrices
// (dynamic schedule).
struct BatchSplit {
    int threads;
    std::int64_t chunk;
};

// Chunks of about `chunk_cost / cost` matrices (cost: the work of one matrix, in the units of
// chunk_cost), at least four chunks per thread; never more threads than matrices.
inline BatchSplit split_by_cost(std::int64_t batch, int n_threads, double cost, double chunk_cost = 20000.0) {
    const int nt = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(n_threads, batch)));
    std::int64_t chunk = std::max<std::int64_t>(1, static_cast<std::int64_t>(chunk_cost / cost));
    chunk = std::min<std::int64_t>(chunk, std::max<std::int64_t>(1, batch / (4 * nt)));
    return {nt, chunk};
}

// Where the threads go, by matrix order d alone, so that the arithmetic of each matrix never
// depends on the thread count or the batch (OpenBLAS's threaded results differ in the last bits
// from its single-threaded ones: getrs from d = 9 up, dgemm from d = 130 up, measured on 0.3.30):
// - d >= kBlasThreadsOrder: the members run one at a time, each with BLAS's own threads (the
//   library's process-wide count, which threadpoolctl controls): one large matrix uses every core.
// - smaller d: OpenMP over the members, BLAS on one thread (lapack::SerialBlasSection /
//   LocalBlasThreads), whatever the thread count, 1 included.
inline constexpr int kBlasThreadsOrder = 512;

// One contiguous block per thread and a thread only for every `min_per_thread` matrices: for work so
// cheap (closed forms) that the schedule's own cost matters.
inline BatchSplit split_even(std::int64_t batch, int n_threads, std::int64_t min_per_thread) {
    const int nt = static_cast<int>(
        std::max<std::int64_t>(1, std::min<std::int64_t>(n_threads, batch / std::max<std::int64_t>(1, min_per_thread))));
    return {nt, std::max<std::int64_t>(1, (batch + nt - 1) / nt)};
}

// A workspace for kernels that need none.
struct NoWork {
    explicit NoWork(int) {}
};

// status[b] = one(b, work) for every b < batch, on split.threads OpenMP threads (one thread from
// order kBlasThreadsOrder up, see above), each with its own Work(d). Every thread reaches the
// worksharing loop even if its workspace could not be built; an exception (there, or thrown by
// one()) is caught inside the region and gives that matrix the status kInternal, and the first one
// is rethrown after the loop.
template <class Work, class One>
void batch_for(std::int64_t batch, int d, BatchSplit split, std::int8_t* status, One&& one) {
    if (batch <= 0) return;
    if (d >= kBlasThreadsOrder) split = {1, batch};
    const bool serial_blas = d < kBlasThreadsOrder;
    std::exception_ptr error = nullptr;
    auto keep = [&error](std::exception_ptr e) {
#pragma omp critical(nnla_batch_error)
        if (!error) error = e;
    };
    const std::int64_t chunk = split.chunk;
    const lapack::SerialBlasSection section(serial_blas, /*threads_set_local=*/true);
#pragma omp parallel num_threads(split.threads) if (split.threads > 1)
    {
        const lapack::LocalBlasThreads blas_threads(serial_blas ? 1 : 0);
        std::unique_ptr<Work> w;
        try {
            w = std::make_unique<Work>(d);
        } catch (...) {
            keep(std::current_exception());
        }
#pragma omp for schedule(dynamic, chunk)
        for (std::int64_t b = 0; b < batch; ++b) {
            std::int8_t st = kInternal;
            if (w) {
                try {
                    st = static_cast<std::int8_t>(one(b, *w));
                } catch (...) {
                    keep(std::current_exception());
                }
            }
            status[b] = st;
        }
    }
    if (error) std::rethrow_exception(error);
}

NNLA_ISA_END
}  // namespace nnla
