// Bindings of the matrix functions (cpp/matfun): unpack, dispatch, release the GIL, return statuses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <vector>

#include "bindings/dispatch.hpp"
#include "core/traits.hpp"
#include "matfun/expm.hpp"
#include "matfun/logm.hpp"
#include "matfun/schur.hpp"
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

// sqrtm / logm (Schur methods). Real input: the real Schur forms first (phase 1), then the output
// is real unless a matrix of the batch has a negative real eigenvalue (then complex for the whole
// batch: the dtype must be known before phase 2 writes it). Complex input: one pass.
template <class Real, class Phase2>
py::tuple schur_function_real(const py::array& a, const MatrixStack& ms, int n_threads, Phase2&& phase2) {
    const std::size_t nn = static_cast<std::size_t>(ms.d) * ms.d;
    const std::size_t batch = static_cast<std::size_t>(ms.batch);
    std::vector<double> t(batch * nn), z(batch * nn);
    std::vector<std::int8_t> status(batch), negative(batch);
    const Real* src = static_cast<const Real*>(a.data());
    {
        py::gil_scoped_release release;
        matfun::schur::real_schur_batch<Real>(src, ms.batch, ms.d, n_threads, t.data(), z.data(),
                                              status.data(), negative.data());
    }
    bool complex_out = false;
    for (std::size_t b = 0; b < batch; ++b) complex_out = complex_out || (status[b] == 0 && negative[b] != 0);
    auto run = [&](auto tag) -> py::tuple {
        using O = decltype(tag);
        py::array_t<O> out(shape_of(a));
        O* dst = out.mutable_data();
        {
            py::gil_scoped_release release;
            phase2(t.data(), z.data(), dst, status.data());
        }
        return py::make_tuple(out, status_or_none(status, a));
    };
    return complex_out ? run(std::complex<Real>{}) : run(Real{});
}

py::tuple sqrtm(const py::array& a, int n_threads) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        if constexpr (is_complex_v<T>) {
            py::array_t<T> out(shape_of(a));
            std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
            const T* src = static_cast<const T*>(a.data());
            T* dst = out.mutable_data();
            {
                py::gil_scoped_release release;
                matfun::sqrtm_complex_batch<T>(src, dst, ms.batch, ms.d, n_threads, status.data());
            }
            return py::make_tuple(out, status_or_none(status, a));
        } else {
            return schur_function_real<T>(a, ms, n_threads, [&](const double* t, const double* z, auto* dst, std::int8_t* st) {
                matfun::sqrtm_real_schur_batch(t, z, dst, ms.batch, ms.d, n_threads, st);
            });
        }
    });
}

py::tuple logm(const py::array& a, int n_threads) {
    const MatrixStack ms = matrix_stack(a, "a");
    return dispatch(a.dtype(), [&](auto tag) -> py::tuple {
        using T = decltype(tag);
        if constexpr (is_complex_v<T>) {
            py::array_t<T> out(shape_of(a));
            std::vector<std::int8_t> status(static_cast<std::size_t>(ms.batch));
            const T* src = static_cast<const T*>(a.data());
            T* dst = out.mutable_data();
            {
                py::gil_scoped_release release;
                matfun::logm_complex_batch<T>(src, dst, ms.batch, ms.d, n_threads, status.data());
            }
            return py::make_tuple(out, status_or_none(status, a));
        } else {
            return schur_function_real<T>(a, ms, n_threads, [&](const double* t, const double* z, auto* dst, std::int8_t* st) {
                matfun::logm_real_schur_batch(t, z, dst, ms.batch, ms.d, n_threads, st);
            });
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
}

}  // namespace nnla::bindings
