// Bindings of the HSS solver (cpp/hss): opaque HSS and ULV objects; unpack arrays, release the GIL,
// return failures as (code, node, level, info) tuples for Python to raise.
#include <pybind11/native_enum.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "hss/hss.hpp"
#include "relu/generators.hpp"

namespace nnla::bindings {

namespace py = pybind11;
using FArray = py::array_t<double, py::array::f_style>;
using CArray = py::array_t<double, py::array::c_style>;

namespace {

py::object fail_or_none(const hss::Fail& f) {
    if (f.code == hss::kFailOk) return py::none();
    return py::make_tuple(f.code, f.node, f.level, f.info);
}

void check_threads(int n_threads) {
    if (n_threads < 1) throw std::invalid_argument("n_threads must be >= 1");
}

// X as an n x nrhs column-major float64 array (Python passes exactly this).
int rhs_columns(const FArray& x, int n, const char* name) {
    if (x.ndim() != 2 || x.shape(0) != n)
        throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(n) + ", k)");
    return static_cast<int>(x.shape(1));
}

// Entries from a Python callable fn(rows, cols) -> (len(rows), len(cols)) float64 Fortran array,
// called with the GIL held, from serial code only (never inside an OpenMP region).
class PySource final : public hss::BlockSource {
public:
    explicit PySource(py::function fn) : fn_(std::move(fn)) {}
    void fill(std::vector<hss::BlockRequest>& reqs, int) override {
        py::gil_scoped_acquire gil;
        for (auto& rq : reqs) {
            py::array_t<std::int64_t> rows(static_cast<py::ssize_t>(rq.rows.size()));
            py::array_t<std::int64_t> cols(static_cast<py::ssize_t>(rq.cols.size()));
            std::copy(rq.rows.begin(), rq.rows.end(), rows.mutable_data());
            std::copy(rq.cols.begin(), rq.cols.end(), cols.mutable_data());
            py::object res = fn_(rows, cols);
            auto arr = py::cast<FArray>(res);
            if (arr.ndim() != 2 || static_cast<std::size_t>(arr.shape(0)) != rq.rows.size() ||
                static_cast<std::size_t>(arr.shape(1)) != rq.cols.size())
                throw std::invalid_argument("entries returned a block of the wrong shape");
            rq.out.assign(arr.data(), arr.data() + rq.rows.size() * rq.cols.size());
        }
    }

private:
    py::function fn_;
};

std::pair<std::shared_ptr<hss::HSS>, py::object> from_dense(const FArray& a, int leaf_size, double tol,
                                                            bool compensated, int n_threads) {
    check_threads(n_threads);
    if (a.ndim() != 2 || a.shape(0) != a.shape(1)) throw std::invalid_argument("a must be square");
    const int n = static_cast<int>(a.shape(0));
    auto h = std::make_shared<hss::HSS>();
    hss::Fail f;
    {
        py::gil_scoped_release release;
        const hss::Tree t = hss::make_tree(n, leaf_size);
        f = hss::compress_dense(a.data(), t, tol, compensated, n_threads, *h);
    }
    if (f.code != 0) h.reset();  // never hand out a partial HSS
    return {h, fail_or_none(f)};
}

std::pair<std::shared_ptr<hss::HSS>, py::object> from_kernel(const CArray& pts, int kernel, double ls,
                                                             double nugget, int leaf_size, double tol,
                                                             int n_threads, int effort) {
    check_threads(n_threads);
    if (pts.ndim() != 2 || pts.shape(1) < 1 || pts.shape(1) > 3)
        throw std::invalid_argument("points must have shape (n, d) with d in 1..3");
    if (kernel < 0 || kernel > 2) throw std::invalid_argument("unknown kernel");
    const int n = static_cast<int>(pts.shape(0)), dim = static_cast<int>(pts.shape(1));
    auto h = std::make_shared<hss::HSS>();
    hss::Fail f;
    {
        py::gil_scoped_release release;
        hss::KernelSource src(pts.data(), n, dim, static_cast<hss::Kernel>(kernel), ls, nugget);
        const hss::Tree t = hss::make_tree(n, leaf_size);
        f = hss::build_sampled(t, src, tol, dim, n_threads, *h, std::max(1, effort));
    }
    if (f.code != 0) h.reset();  // never hand out a partial HSS
    return {h, fail_or_none(f)};
}

// A(rows, :) x for the kernel matrix on permuted points (x: n x k).
FArray kernel_rows(const CArray& pts, int kernel, double ls, double nugget,
                   const py::array_t<std::int64_t, py::array::c_style>& rows, const FArray& x, int n_threads) {
    check_threads(n_threads);
    if (pts.ndim() != 2 || pts.shape(1) < 1 || pts.shape(1) > 3)
        throw std::invalid_argument("points must have shape (n, d) with d in 1..3");
    if (kernel < 0 || kernel > 2) throw std::invalid_argument("unknown kernel");
    const int n = static_cast<int>(pts.shape(0)), dim = static_cast<int>(pts.shape(1));
    const int k = rhs_columns(x, n, "x");
    std::vector<int> r(static_cast<std::size_t>(rows.size()));
    for (std::size_t q = 0; q < r.size(); ++q) {
        const std::int64_t v = rows.data()[q];
        if (v < 0 || v >= n) throw std::invalid_argument("rows out of range");
        r[q] = static_cast<int>(v);
    }
    FArray out(std::vector<py::ssize_t>{static_cast<py::ssize_t>(r.size()), k});
    double* op = out.mutable_data();
    const double* xp = x.data();
    {
        py::gil_scoped_release release;
        hss::KernelSource src(pts.data(), n, dim, static_cast<hss::Kernel>(kernel), ls, nugget);
        if (k > 0 && !r.empty()) src.rows_times(r, xp, k, op, n_threads);
    }
    return out;
}

std::pair<std::shared_ptr<hss::HSS>, py::object> from_randomized(py::function fn, const FArray& omega,
                                                                 const FArray& y, int leaf_size, double abs_thr,
                                                                 int n_threads) {
    check_threads(n_threads);
    if (omega.ndim() != 2 || y.ndim() != 2 || omega.shape(0) != y.shape(0) || omega.shape(1) != y.shape(1) ||
        omega.shape(0) < 1 || omega.shape(1) < 1)
        throw std::invalid_argument("omega and y must be (n, s) arrays of the same shape");
    const int n = static_cast<int>(omega.shape(0)), s = static_cast<int>(omega.shape(1));
    auto h = std::make_shared<hss::HSS>();
    PySource src(std::move(fn));
    hss::Fail f;
    {
        py::gil_scoped_release release;
        const hss::Tree t = hss::make_tree(n, leaf_size);
        f = hss::build_randomized(t, src, omega.data(), y.data(), s, abs_thr, n_threads, *h);
    }
    if (f.code != 0) h.reset();  // never hand out a partial HSS
    return {h, fail_or_none(f)};
}

std::pair<std::shared_ptr<hss::HSS>, py::object> from_entries(py::function fn, int n, int leaf_size,
                                                              double tol, int dim, int n_threads, int effort) {
    check_threads(n_threads);
    auto h = std::make_shared<hss::HSS>();
    PySource src(std::move(fn));
    hss::Fail f;
    {
        py::gil_scoped_release release;
        const hss::Tree t = hss::make_tree(n, leaf_size);
        f = hss::build_sampled(t, src, tol, dim, n_threads, *h, std::max(1, effort));
    }
    if (f.code != 0) h.reset();  // never hand out a partial HSS
    return {h, fail_or_none(f)};
}

std::pair<std::shared_ptr<hss::HSS>, py::object> from_relu1d(int kind, const CArray& w, const CArray& b, double lo,
                                                             double hi, const py::array_t<std::int64_t, py::array::c_style>& order,
                                                             int leaf_size, int n_threads) {
    check_threads(n_threads);
    if (kind < 0 || kind > 2) throw std::invalid_argument("unknown ReLU matrix kind");
    if (w.ndim() != 1 || b.ndim() != 1 || order.ndim() != 1 || w.shape(0) != b.shape(0) ||
        order.shape(0) != w.shape(0) || w.shape(0) < 1)
        throw std::invalid_argument("w, b and order must be 1D arrays of the same positive length");
    const int n = static_cast<int>(w.shape(0));
    auto h = std::make_shared<hss::HSS>();
    hss::Fail f;
    {
        py::gil_scoped_release release;
        const relu::Relu1dGenerator gen(static_cast<relu::Kind>(kind), w.data(), b.data(), n, lo, hi, order.data());
        f = hss::build_gram1d(gen, leaf_size, n_threads, *h);
    }
    if (f.code != 0) h.reset();  // never hand out a partial HSS
    return {h, fail_or_none(f)};
}

// (all entries finite, max |a_ij|, max |a_ij - a_ji|) of a square array, in one tiled pass.
py::tuple symmetry(const CArray& a) {
    if (a.ndim() != 2 || a.shape(0) != a.shape(1)) throw std::invalid_argument("a must be square");
    const std::size_t n = static_cast<std::size_t>(a.shape(0));
    const double* p = a.data();
    bool finite = true;
    double amax = 0, asym = 0;
    {
        py::gil_scoped_release release;
        constexpr std::size_t T = 64;
        for (std::size_t i0 = 0; i0 < n; i0 += T)
            for (std::size_t j0 = 0; j0 <= i0; j0 += T)
                for (std::size_t i = i0; i < std::min(n, i0 + T); ++i)
                    for (std::size_t j = j0; j < std::min(i0 == j0 ? i + 1 : n, j0 + T); ++j) {
                        const double x = p[i * n + j], y = p[j * n + i];
                        finite = finite && std::isfinite(x) && std::isfinite(y);
                        amax = std::max(amax, std::max(std::abs(x), std::abs(y)));
                        asym = std::max(asym, std::abs(x - y));
                    }
    }
    return py::make_tuple(finite, amax, asym);
}

}  // namespace

void bind_hss(py::module_& m) {
    // the codes of hss.hpp, defined there once (Python reads them from here)
    py::native_enum<hss::FailCode>(m, "HssFail", "enum.IntEnum", "Failure codes of the HSS builders and factorization.")
        .value("OK", hss::kFailOk)
        .value("NOT_POSITIVE_DEFINITE", hss::kFailNotPositiveDefinite)
        .value("INTERNAL", hss::kFailInternal)
        .finalize();
    py::native_enum<hss::Kernel>(m, "HssKernel", "enum.IntEnum", "The native kernels of hss_from_kernel.")
        .value("GAUSSIAN", hss::Kernel::kGaussian)
        .value("EXPONENTIAL", hss::Kernel::kExponential)
        .value("MATERN32", hss::Kernel::kMatern32)
        .finalize();
    m.def("hss_symmetry", &symmetry, py::arg("a"),
          "(all finite, max |a_ij|, max |a_ij - a_ji|) of a C-contiguous square float64 array.");
    py::class_<hss::HSS, std::shared_ptr<hss::HSS>>(m, "HSS")
        .def_property_readonly("n", [](const hss::HSS& h) { return h.tree.n; })
        .def_property_readonly("levels", [](const hss::HSS& h) { return h.tree.levels; })
        .def_property_readonly("nbytes", &hss::HSS::nbytes)
        .def_property_readonly("rank", [](const hss::HSS& h) {
            py::array_t<int> r(static_cast<py::ssize_t>(h.rank.size()));
            std::copy(h.rank.begin(), h.rank.end(), r.mutable_data());
            return r;
        })
        .def("matvec",
             [](const hss::HSS& h, const FArray& x, int n_threads) {
                 check_threads(n_threads);
                 const int k = rhs_columns(x, h.tree.n, "x");
                 FArray y(std::vector<py::ssize_t>{h.tree.n, k});
                 const double* xp = x.data();
                 double* yp = y.mutable_data();
                 {
                     py::gil_scoped_release release;
                     if (k > 0) hss::matvec(h, xp, k, yp, n_threads);
                 }
                 return y;
             },
             py::arg("x"), py::arg("n_threads"))
        .def("factor",
             [](const hss::HSS& h, double shift, int n_threads) {
                 check_threads(n_threads);
                 auto f = std::make_shared<hss::ULV>();
                 hss::Fail fl;
                 {
                     py::gil_scoped_release release;
                     fl = hss::factor(h, shift, n_threads, *f);
                 }
                 if (fl.code != 0) f.reset();
                 return std::make_pair(f, fail_or_none(fl));
             },
             py::arg("shift"), py::arg("n_threads"));

    py::class_<hss::ULV, std::shared_ptr<hss::ULV>>(m, "ULV")
        .def_property_readonly("nbytes", &hss::ULV::nbytes)
        .def("logdet", &hss::ULV::logdet)
        .def("solve",
             [](const hss::ULV& f, const FArray& b, int n_threads) {
                 check_threads(n_threads);
                 const int k = rhs_columns(b, f.tree.n, "b");
                 FArray x(std::vector<py::ssize_t>{f.tree.n, k});
                 std::copy(b.data(), b.data() + static_cast<std::size_t>(f.tree.n) * k, x.mutable_data());
                 double* xp = x.mutable_data();
                 {
                     py::gil_scoped_release release;
                     if (k > 0) hss::solve(f, xp, k, n_threads);
                 }
                 return x;
             },
             py::arg("b"), py::arg("n_threads"));

    m.def("hss_from_dense", &from_dense, py::arg("a"), py::arg("leaf_size"), py::arg("tol"), py::arg("compensated"),
          py::arg("n_threads"),
          "SPD-preserving HSS compression of a permuted dense symmetric matrix; returns (HSS, failure or None).");
    m.def("hss_from_kernel", &from_kernel, py::arg("points"), py::arg("kernel"), py::arg("length_scale"),
          py::arg("nugget"), py::arg("leaf_size"), py::arg("tol"), py::arg("n_threads"), py::arg("effort") = 1,
          "HSS of a kernel matrix on permuted points by sampled interpolative decomposition.");
    m.def("hss_from_entries", &from_entries, py::arg("entries"), py::arg("n"), py::arg("leaf_size"), py::arg("tol"),
          py::arg("dim"), py::arg("n_threads"), py::arg("effort") = 1,
          "HSS from a block entry callable (permuted indices) by sampled ID.");
    m.def("hss_from_randomized", &from_randomized, py::arg("entries"), py::arg("omega"), py::arg("y"),
          py::arg("leaf_size"), py::arg("abs_thr"), py::arg("n_threads"),
          "Randomized HSS compression from samples y = A omega (tree order) and a block entry callable.");
    m.def("hss_kernel_rows", &kernel_rows, py::arg("points"), py::arg("kernel"), py::arg("length_scale"),
          py::arg("nugget"), py::arg("rows"), py::arg("x"), py::arg("n_threads"),
          "A(rows, :) x for the kernel matrix on (permuted) points.");
    m.def("hss_from_relu1d", &from_relu1d, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("lo"), py::arg("hi"),
          py::arg("order"), py::arg("leaf_size"), py::arg("n_threads"),
          "Exact HSS of a 1D ReLU matrix from analytic generators (order: neurons sorted by breakpoint).");
    m.def("hss_bisection_order",
          [](const CArray& pts, int leaf_size) {
              if (pts.ndim() != 2) throw std::invalid_argument("points must have shape (n, d)");
              const int n = static_cast<int>(pts.shape(0)), dim = static_cast<int>(pts.shape(1));
              std::vector<int> perm;
              {
                  py::gil_scoped_release release;
                  perm = hss::bisection_order(pts.data(), n, dim, leaf_size);
              }
              py::array_t<std::int64_t> out(n);
              std::copy(perm.begin(), perm.end(), out.mutable_data());
              return out;
          },
          py::arg("points"), py::arg("leaf_size"), "Geometric bisection ordering of points (n, d), d in 1..3.");
}

}  // namespace nnla::bindings
