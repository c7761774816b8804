// Bindings of the matrix functions (cpp/matfun): unpack, dispatch, release the GIL, return statuses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "bindings/dispatch.hpp"
#include "core/traits.hpp"
#include "matfun/expm.hpp"
#include "matfun/expm_frechet.hpp"
#include "matfun/logm.hpp"
#include "matfun/signm.hpp"
#include "matfun/sqrtm.hpp"

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

// sqrtm / logm (Schur methods): complex input, one call; real input, one call that may return a
// complex output (a negative real eigenvalue), allocated here when the core asks for it.
template <class ComplexF, class RealF>
py::tuple schur_function(const py::array& a, int n_threads, ComplexF&& complex_f, RealF&& real_f) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        py::array_t<T> out(shape_of(a));
        std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
        const T* src = static_cast<const T*>(a.data());
        T* dst = out.mutable_data();
        if constexpr (is_complex_v<T>) {
            {
                py::gil_scoped_release release;
                complex_f(src, dst, ms.batch, ms.d, n_threads, status.data());
            }
            return py::make_tuple(out, status_or_none(status, a));
        } else {
            py::array_t<std::complex<T>> cout;
            const matfun::ComplexOut<T> complex_out = [&]() {
                py::gil_scoped_acquire acquire;
                cout = py::array_t<std::complex<T>>(shape_of(a));
                return cout.mutable_data();
            };
            std::complex<T>* cdst;
            {
                py::gil_scoped_release release;
                cdst = real_f(src, dst, ms.batch, ms.d, n_threads, status.data(), complex_out);
            }
            if (cdst != nullptr) return py::make_tuple(cout, status_or_none(status, a));
            return py::make_tuple(out, status_or_none(status, a));
        }
    });
}

py::tuple sqrtm(const py::array& a, int n_threads) {
    return schur_function(a, n_threads, [](auto... x) { return matfun::sqrtm_complex_batch(x...); },
                          [](auto... x) { return matfun::sqrtm_real_batch(x...); });
}

py::tuple logm(const py::array& a, int n_threads) {
    return schur_function(a, n_threads, [](auto... x) { return matfun::logm_complex_batch(x...); },
                          [](auto... x) { return matfun::logm_real_batch(x...); });
}

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

// Diagnostic of sqrtm's fast path (tests only): for a float64 / complex128 stack, whether the
// Denman-Beavers iteration accepted each matrix (orders outside 3..16 never are) and its root there
// (NaN where not accepted).
py::tuple sqrtm_newton_diag(const py::array& a) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, double> || std::is_same_v<T, std::complex<double>>) {
            const std::size_t nn = static_cast<std::size_t>(ms.d) * ms.d;
            py::array_t<T> out(shape_of(a));
            py::array_t<bool> accepted(std::vector<py::ssize_t>(a.shape(), a.shape() + (a.ndim() - 2)));
            const T* src = static_cast<const T*>(a.data());
            T* dst = out.mutable_data();
            bool* acc = accepted.mutable_data();
            {
                py::gil_scoped_release release;
                for (std::int64_t b = 0; b < ms.batch; ++b) {
                    T* ob = dst + b * nn;
                    acc[b] = ms.d >= matfun::kNewtonMinOrder && ms.d <= matfun::kNewtonMaxOrder &&
                             matfun::sqrtm_newton(src + b * nn, ob, ms.d);
                    if (!acc[b]) std::fill(ob, ob + nn, T(std::numeric_limits<double>::quiet_NaN()));
                }
            }
            return py::make_tuple(out, accepted);
        } else {
            throw std::invalid_argument("a must be float64 or complex128");
        }
    });
}

}  // namespace

void bind_matfun(py::module_& m) {
    m.def("expm", &expm, py::arg("a"), py::arg("n_threads"),
          "expm of a C-contiguous (..., d, d) stack; returns (result, status or None).");
    m.def("sqrtm", &sqrtm, py::arg("a"), py::arg("n_threads"),
          "principal sqrtm of a C-contiguous (..., d, d) stack; returns (result, status or None).");
    m.def("logm", &logm, py::arg("a"), py::arg("n_threads"),
          "principal logm of a C-contiguous (..., d, d) stack; returns (result, status or None).");
    m.def("expm_frechet", &expm_frechet, py::arg("a"), py::arg("e"), py::arg("n_threads"),
          "(expm(a), L(a, e)) of C-contiguous (..., d, d) stacks; returns (x, l, status or None).");
    m.def("expm_cond", &expm_cond, py::arg("a"), py::arg("n_threads"),
          "1-norm condition number estimate of expm; returns (cond, status or None).");
    m.def("signm", &signm, py::arg("a"), py::arg("n_threads"), py::arg("residual"),
          "matrix sign of a C-contiguous (..., d, d) stack; returns (x, residual or None, status or None).");
    m.def("_sqrtm_newton", &sqrtm_newton_diag, py::arg("a"),
          "tests only: (root, accepted) of sqrtm's Denman-Beavers fast path on a float64 / "
          "complex128 stack.");
}

}  // namespace nnla::bindings
