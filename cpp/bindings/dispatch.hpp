// The one dtype dispatch of the bindings: calls f(T{}) with T the C++ scalar of a numpy dtype.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <complex>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnla::bindings {

namespace py = pybind11;

template <class F>
decltype(auto) dispatch(const py::dtype& dt, F&& f) {
    switch (dt.char_()) {
        case 'f': return f(float{});
        case 'd': return f(double{});
        case 'F': return f(std::complex<float>{});
        case 'D': return f(std::complex<double>{});
        default:
            throw std::invalid_argument("unsupported dtype " + std::string(py::str(dt)) +
                                        " (expected float32, float64, complex64 or complex128)");
    }
}

// A C-contiguous stack of square matrices (..., d, d): batch size and d. Python validates first;
// this re-checks only what the native code relies on.
struct MatrixStack {
    std::int64_t batch;
    int d;
};

inline MatrixStack matrix_stack(const py::array& a, const char* name) {
    if (a.ndim() < 2) throw std::invalid_argument(std::string(name) + " must have at least 2 dimensions");
    const auto nd = a.ndim();
    if (a.shape(nd - 1) != a.shape(nd - 2))
        throw std::invalid_argument(std::string(name) + " must be square in its last two axes");
    if (!(a.flags() & py::array::c_style) || !(a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_))
        throw std::invalid_argument(std::string(name) + " must be C-contiguous and aligned");
    if (a.shape(nd - 1) > 46340) throw std::invalid_argument(std::string(name) + " is too large");
    std::int64_t batch = 1;
    for (py::ssize_t i = 0; i < nd - 2; ++i) batch *= a.shape(i);
    return {batch, static_cast<int>(a.shape(nd - 1))};
}

inline std::vector<py::ssize_t> shape_of(const py::array& a) {
    return std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim());
}

// None when every status is 0, else the statuses as an int8 array of the batch shape.
inline py::object status_or_none(const std::vector<std::int8_t>& st, const py::array& a) {
    bool any = false;
    for (auto s : st) any = any || (s != 0);
    if (!any) return py::none();
    std::vector<py::ssize_t> shape(a.shape(), a.shape() + (a.ndim() - 2));
    py::array_t<std::int8_t> out(shape);
    std::copy(st.begin(), st.end(), out.mutable_data());
    return std::move(out);
}

}  // namespace nnla::bindings
