// The extension module nnla._core: build information and the per-part bindings.
#include <pybind11/native_enum.h>
#include <pybind11/pybind11.h>

#include <omp.h>

#include <string>

#include "core/isa.hpp"
#include "core/status.hpp"
#include "relu/kind.hpp"

namespace py = pybind11;

namespace nnla::bindings {
void bind_matfun(py::module_& m);
void bind_relu2d(py::module_& m);
void bind_relu1d(py::module_& m);
void bind_hss(py::module_& m);
void bind_blas(py::module_& m);
}

PYBIND11_MODULE(_core, m) {
    m.doc() = "nnla native core (C++17, OpenMP; BLAS/LAPACK: the library scipy loaded)";
    m.attr("__version__") = NNLA_VERSION;

    m.def("build_info", []() {
        py::dict d;
        d["version"] = NNLA_VERSION;
        d["compiler"] = NNLA_COMPILER;
        d["flags"] = NNLA_BUILD_FLAGS;
        d["isa_variants"] = NNLA_ISAS;
        d["isa"] = nnla::isa_name(nnla::cpu_isa());
        d["openmp"] = _OPENMP;
        d["omp_num_procs"] = omp_get_num_procs();
        return d;
    });

    // Codes defined once in C++ and read by Python from here (enum.IntEnum: members compare equal
    // to the integers the kernels return). HssFail and HssKernel: bind_hss.
    py::native_enum<nnla::Status>(m, "Status", "enum.IntEnum",
                                  "Per-matrix status codes of the batched kernels (core/status.hpp).")
        .value("OK", nnla::kOk)
        .value("NON_FINITE", nnla::kNonFinite)
        .value("SINGULAR", nnla::kSingular)
        .value("OVERFLOW", nnla::kOverflow)
        .value("INTERNAL", nnla::kInternal)
        .value("NAN_RESULT", nnla::kNaNResult)
        .value("NO_SQUARE_ROOT", nnla::kNoSquareRoot)
        .value("IMAGINARY_AXIS", nnla::kImaginaryAxis)
        .value("NOT_CONVERGED", nnla::kNotConverged)
        .finalize();
    py::native_enum<nnla::relu::Kind>(m, "ReluKind", "enum.IntEnum",
                                      "The ReLU-network matrix kinds (relu/kind.hpp).")
        .value("MASS", nnla::relu::Kind::kMass)
        .value("HEAVISIDE", nnla::relu::Kind::kHeaviside)
        .value("GAUSS_NEWTON", nnla::relu::Kind::kGaussNewton)
        .finalize();

    nnla::bindings::bind_matfun(m);
    nnla::bindings::bind_relu2d(m);
    nnla::bindings::bind_relu1d(m);
    nnla::bindings::bind_hss(m);
    nnla::bindings::bind_blas(m);
}
