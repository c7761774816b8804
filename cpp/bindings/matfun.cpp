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

// expm_frechet, expm_cond and signm (cpp/matfun/expm_frechet*, signm*).
#include "matfun/expm_frechet.hpp"
#include "matfun/signm.hpp"

namespace nnla::bindings {

namespace {

std::vector<py::ssize_t> batch_shape_of(const py::array& a) {
    return std::vector<py::ssize_t>(a.shape(), a.shape() + (a.ndim() - 2));
}

py::tuple expm_frechet(const py::array& a, const py::array& e, int n_threads) {
    const MatrixStack ms = matrix_stack(a, "a");
    const MatrixStack me = matrix_stack(e, "e");
    if (ms.batch != me.batch || ms.d != me.d || a.ndim() != e.ndim())
        throw std::invalid_argument("e must have the shape of a");
    if (!a.dtype().is(e.dtype())) throw std::invalid_argument("e must have the dtype of a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        py::array_t<T> x(shape_of(a));
        py::array_t<T> l(shape_of(a));
        std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
        const T* pa = static_cast<const T*>(a.data());
        const T* pe = static_cast<const T*>(e.data());
        T* px = x.mutable_data();
        T* pl = l.mutable_data();
        {
            py::gil_scoped_release release;
            matfun::expm_frechet_batch<T>(pa, pe, px, pl, ms.batch, ms.d, n_threads, status.data());
        }
        return py::make_tuple(x, l, status_or_none(status, a));
    });
}

py::tuple expm_cond(const py::array& a, int n_threads) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        py::array_t<double> cond(batch_shape_of(a));
        std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
        const T* pa = static_cast<const T*>(a.data());
        double* pc = cond.mutable_data();
        {
            py::gil_scoped_release release;
            matfun::expm_cond_batch<T>(pa, pc, ms.batch, ms.d, n_threads, status.data());
        }
        return py::make_tuple(cond, status_or_none(status, a));
    });
}

py::tuple signm(const py::array& a, int n_threads, bool residual) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        py::array_t<T> out(shape_of(a));
        py::object res = py::none();
        double* pr = nullptr;
        if (residual) {
            py::array_t<double> r(batch_shape_of(a));
            pr = r.mutable_data();
            res = r;
        }
        std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
        const T* pa = static_cast<const T*>(a.data());
        T* po = out.mutable_data();
        {
            py::gil_scoped_release release;
            matfun::signm_batch<T>(pa, po, pr, ms.batch, ms.d, n_threads, status.data());
        }
        return py::make_tuple(out, res, status_or_none(status, a));
    });
}

}  // namespace

void bind_frechet_signm(py::module_& m) {
    m.def("expm_frechet", &expm_frechet, py::arg("a"), py::arg("e"), py::arg("n_threads"),
          "(expm(a), L(a, e)) of C-contiguous (..., d, d) stacks; returns (x, l, status or None).");
    m.def("expm_cond", &expm_cond, py::arg("a"), py::arg("n_threads"),
          "1-norm condition number estimate of expm; returns (cond, status or None).");
    m.def("signm", &signm, py::arg("a"), py::arg("n_threads"), py::arg("residual"),
          "matrix sign of a C-contiguous (..., d, d) stack; returns (x, residual or None, status or None).");
}

}  // namespace nnla::bindings
