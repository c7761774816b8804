// The installed BLAS/LAPACK table (core/blas_table.hpp).
#include "core/blas_table.hpp"

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

namespace nnla::lapack {
namespace {

// The table: written once by install() under the mutex, before `ready` is set; read-only
// afterwards. The serial sections: how many are open, and the library's thread count they found
// (the library's count is process-wide, so this bookkeeping is too; guarded by the mutex).
struct Installed {
    Table table;
    std::atomic<bool> ready{false};
    std::mutex mutex;
    int open_sections = 0;
    int saved_threads = 1;
};

Installed& installed_table() noexcept {
    static Installed s;
    return s;
}

bool same(const Table& a, const Table& b) noexcept {
    return std::memcmp(&a, &b, sizeof(Table)) == 0;
}

}  // namespace

const Table& table() noexcept { return installed_table().table; }

bool installed() noexcept { return installed_table().ready.load(std::memory_order_acquire); }

void install(const Table& t) {
#define NNLA_CHECK_ENTRY(name, args)                                                               \
    if (t.name == nullptr) throw std::invalid_argument("the BLAS/LAPACK routine " #name " is missing");
    NNLA_BLAS_ROUTINES(NNLA_CHECK_ENTRY)
    NNLA_LAPACK_ROUTINES(NNLA_CHECK_ENTRY)
#undef NNLA_CHECK_ENTRY
    Installed& s = installed_table();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.ready.load(std::memory_order_acquire)) {
        if (!same(s.table, t))
            throw std::invalid_argument("a different BLAS/LAPACK table is already installed");
        return;
    }
    s.table = t;
    s.ready.store(true, std::memory_order_release);
}

int blas_threads() noexcept {
    const GetThreads get = table().get_threads;
    const int n = get ? get() : 1;
    return n > 0 ? n : 1;
}

SerialBlasSection::SerialBlasSection(bool active, bool threads_set_local) {
    const Table& t = table();
    if (!active || (threads_set_local && t.set_local_threads) || !t.get_threads || !t.set_threads)
        return;
    Installed& s = installed_table();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.open_sections++ == 0) {
        s.saved_threads = t.get_threads();
        if (s.saved_threads != 1) t.set_threads(1);
    }
    active_ = true;
}

SerialBlasSection::~SerialBlasSection() {
    if (!active_) return;
    Installed& s = installed_table();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (--s.open_sections == 0 && s.saved_threads != 1) table().set_threads(s.saved_threads);
}

LocalBlasThreads::LocalBlasThreads(int n) noexcept {
    const SetLocalThreads set = table().set_local_threads;
    if (set && n > 0) previous_ = set(n);
}

LocalBlasThreads::~LocalBlasThreads() {
    const SetLocalThreads set = table().set_local_threads;
    if (set && previous_ >= 0) set(previous_);
}

}  // namespace nnla::lapack
