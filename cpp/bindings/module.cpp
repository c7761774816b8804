// The extension module nnla._core: build information and the per-part bindings.
#include <pybind11/pybind11.h>

#include <omp.h>

#include <string>

#include "core/isa.hpp"
#include "core/lapack.hpp"

namespace py = pybind11;

namespace nnla::bindings {
void bind_matfun(py::module_& m);
void bind_relu2d(py::module_& m);
void bind_relu1d(py::module_& m);
void bind_hss(py::module_& m);
}

PYBIND11_MODULE(_core, m) {
    m.doc() = "nnla native core (C++17, OpenMP, OpenBLAS from scipy-openblas32)";
    m.attr("__version__") = NNLA_VERSION;

    // BLAS runs on one thread: nnla parallelises over independent work with OpenMP and passes the
    // thread count per call. This is the private OpenBLAS copy of scipy-openblas32, not numpy's.
    nnla::lapack::scipy_openblas_set_num_threads(1);

    m.def("build_info", []() {
        py::dict d;
        d["version"] = NNLA_VERSION;
        d["compiler"] = NNLA_COMPILER;
        d["flags"] = NNLA_BUILD_FLAGS;
        d["isa_variants"] = NNLA_ISAS;
        d["isa"] = nnla::isa_name(nnla::cpu_isa());
        d["openmp"] = _OPENMP;
        d["omp_num_procs"] = omp_get_num_procs();
        d["blas"] = std::string("scipy-openblas32 ") + nnla::lapack::scipy_openblas_get_config();
        d["blas_core"] = std::string(nnla::lapack::scipy_openblas_get_corename());
        d["blas_threads"] = nnla::lapack::scipy_openblas_get_num_threads();
        return d;
    });

    nnla::bindings::bind_matfun(m);
    nnla::bindings::bind_relu2d(m);
    nnla::bindings::bind_relu1d(m);
    nnla::bindings::bind_hss(m);
}
