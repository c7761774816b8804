// Bindings of the matrix functions (cpp/matfun): unpack, dispatch, release the GIL, return statuses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <vector>

#include "bindings/dispatch.hpp"
#include "matfun/expm.hpp"

namespace nnla::bindings {

namespace {

py::tuple expm(const py::array& a, int n_threads) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        py::array_t<T> out(shape_of(a));
        std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
        const T* src = static_cast<const T*>(a.data());
        T* dst = out.mutable_data();
        {
            py::gil_scoped_release release;
            matfun::expm_batch<T>(src, dst, ms.batch, ms.d, n_threads, status.data());
        }
        return py::make_tuple(out, status_or_none(status, a));
    });
}

}  // namespace

void bind_matfun(py::module_& m) {
    m.def("expm", &expm, py::arg("a"), py::arg("n_threads"),
          "expm of a C-contiguous (..., d, d) stack; returns (result, status or None).");
}

}  // namespace nnla::bindings
