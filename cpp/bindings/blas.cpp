// nnla._core._install_blas: fills the BLAS/LAPACK table (core/blas_table.hpp) from the
// function-pointer capsules of scipy.linalg.cython_blas / cython_lapack (their __pyx_capi__).
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "core/blas_table.hpp"

namespace py = pybind11;

namespace nnla::bindings {
namespace {

void* from_capsule(const py::dict& capi, const char* module, const char* name) {
    if (!capi.contains(name))
        throw py::import_error(std::string("nnla needs the routine '") + name + "' from " + module +
                               ", which this scipy does not export; upgrade scipy (>= 1.10)");
    py::handle cap = capi[name];
    if (!PyCapsule_CheckExact(cap.ptr()))
        throw py::import_error(std::string(module) + "." + name + " is not a capsule");
    void* p = PyCapsule_GetPointer(cap.ptr(), PyCapsule_GetName(cap.ptr()));
    if (p == nullptr) throw py::error_already_set();
    return p;
}

template <class F>
F from_address(std::uintptr_t address) {
    return address ? reinterpret_cast<F>(address) : nullptr;
}

}  // namespace

void bind_blas(py::module_& m) {
    m.def(
        "_install_blas",
        [](const py::dict& blas, const py::dict& lapack, std::uintptr_t get_threads,
           std::uintptr_t set_threads, std::uintptr_t set_local_threads) {
            lapack::Table t;
#define NNLA_FILL_BLAS(name, args) \
    t.name = reinterpret_cast<decltype(t.name)>(from_capsule(blas, "scipy.linalg.cython_blas", #name));
#define NNLA_FILL_LAPACK(name, args) \
    t.name = reinterpret_cast<decltype(t.name)>(from_capsule(lapack, "scipy.linalg.cython_lapack", #name));
            NNLA_BLAS_ROUTINES(NNLA_FILL_BLAS)
            NNLA_LAPACK_ROUTINES(NNLA_FILL_LAPACK)
#undef NNLA_FILL_BLAS
#undef NNLA_FILL_LAPACK
            t.get_threads = from_address<lapack::GetThreads>(get_threads);
            t.set_threads = from_address<lapack::SetThreads>(set_threads);
            t.set_local_threads = from_address<lapack::SetLocalThreads>(set_local_threads);
            lapack::install(t);
        },
        py::arg("blas"), py::arg("lapack"), py::arg("get_threads") = 0, py::arg("set_threads") = 0,
        py::arg("set_local_threads") = 0,
        "Fill the BLAS/LAPACK table from scipy's cython_blas/cython_lapack capsules (dicts of "
        "__pyx_capi__); get_threads, set_threads and set_local_threads are the addresses of the "
        "library's thread-count getter, setter and thread-local setter, 0 where there is none. "
        "Called once by nnla._blas.");
    m.def("_blas_threads", &lapack::blas_threads,
          "The BLAS thread count one native call may use (the library's own setting; 1 if unknown).");
}

}  // namespace nnla::bindings
