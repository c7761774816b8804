// Bindings of the 1D ReLU-network matrices (cpp/relu/relu1d): unpack, check, release the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "relu/relu1d.hpp"

namespace nnla::bindings {

namespace py = pybind11;

namespace {

using relu::Kind1d;

// A C-contiguous 1D or 2D array of exactly dtype T (Python validates and converts first).
template <class T>
const T* data_of(const py::array& a, const char* name, int ndim) {
    if (!py::isinstance<py::array_t<T>>(a) || !a.dtype().is(py::dtype::of<T>()))
        throw std::invalid_argument(std::string(name) + " has the wrong dtype");
    if (a.ndim() != ndim) throw std::invalid_argument(std::string(name) + " has the wrong number of dimensions");
    if (!(a.flags() & py::array::c_style)) throw std::invalid_argument(std::string(name) + " must be C-contiguous");
    return static_cast<const T*>(a.data());
}

Kind1d kind_of(int kind) {
    if (kind < 0 || kind > 2) throw std::invalid_argument("kind must be 0 (mass), 1 (heaviside) or 2 (gauss_newton)");
    return static_cast<Kind1d>(kind);
}

std::int64_t neurons(const py::array& w, const py::array& b) {
    if (w.ndim() != 1 || b.ndim() != 1 || w.shape(0) != b.shape(0))
        throw std::invalid_argument("w and b must be 1D arrays of the same length");
    return static_cast<std::int64_t>(w.shape(0));
}

py::array_t<double> assemble(int kind, const py::array& w, const py::array& b, double lo, double hi,
                             int n_threads) {
    const Kind1d k = kind_of(kind);
    const std::int64_t n = neurons(w, b);
    const double* pw = data_of<double>(w, "w", 1);
    const double* pb = data_of<double>(b, "b", 1);
    const std::int64_t N = relu::matrix_size_1d(k, n);
    py::array_t<double> out({N, N});
    double* po = out.mutable_data();
    {
        py::gil_scoped_release release;
        relu::assemble_1d(k, pw, pb, n, lo, hi, po, n_threads);
    }
    return out;
}

py::array_t<double> entries(int kind, const py::array& w, const py::array& b, double lo, double hi,
                            const py::array& rows, const py::array& cols, int n_threads) {
    const Kind1d k = kind_of(kind);
    const std::int64_t n = neurons(w, b);
    const double* pw = data_of<double>(w, "w", 1);
    const double* pb = data_of<double>(b, "b", 1);
    const std::int64_t* pr = data_of<std::int64_t>(rows, "rows", 1);
    const std::int64_t* pc = data_of<std::int64_t>(cols, "cols", 1);
    const std::int64_t N = relu::matrix_size_1d(k, n), nr = rows.shape(0), nc = cols.shape(0);
    for (std::int64_t i = 0; i < nr; ++i)
        if (pr[i] < 0 || pr[i] >= N) throw std::invalid_argument("rows has an index out of range");
    for (std::int64_t i = 0; i < nc; ++i)
        if (pc[i] < 0 || pc[i] >= N) throw std::invalid_argument("cols has an index out of range");
    py::array_t<double> out({nr, nc});
    double* po = out.mutable_data();
    {
        py::gil_scoped_release release;
        relu::entries_1d(k, pw, pb, n, lo, hi, pr, nr, pc, nc, po, n_threads);
    }
    return out;
}

py::array_t<double> matvec(int kind, const py::array& w, const py::array& b, double lo, double hi,
                           const py::array& x, int n_threads) {
    const Kind1d k = kind_of(kind);
    const std::int64_t n = neurons(w, b);
    const double* pw = data_of<double>(w, "w", 1);
    const double* pb = data_of<double>(b, "b", 1);
    const double* px = data_of<double>(x, "x", 2);
    if (x.shape(0) != relu::matrix_size_1d(k, n)) throw std::invalid_argument("x has the wrong number of rows");
    const std::int64_t nk = x.shape(1);
    py::array_t<double> out({static_cast<std::int64_t>(x.shape(0)), nk});
    double* po = out.mutable_data();
    {
        py::gil_scoped_release release;
        relu::matvec_1d(k, pw, pb, n, lo, hi, px, nk, po, n_threads);
    }
    return out;
}

py::array_t<double> load_from_moments(const py::array& w, const py::array& b, const py::array& nodes,
                                      const py::array& m0, const py::array& ml, const py::array& mr) {
    const std::int64_t n = neurons(w, b);
    const double* pw = data_of<double>(w, "w", 1);
    const double* pb = data_of<double>(b, "b", 1);
    const double* pt = data_of<double>(nodes, "nodes", 1);
    const std::int64_t m = nodes.shape(0) - 1;
    if (m < 1) throw std::invalid_argument("nodes needs at least 2 entries");
    for (const py::array* a : {&m0, &ml, &mr})
        if (a->ndim() != 1 || a->shape(0) != m) throw std::invalid_argument("moments must have one entry per cell");
    const double* p0 = data_of<double>(m0, "m0", 1);
    const double* pl = data_of<double>(ml, "ml", 1);
    const double* pr = data_of<double>(mr, "mr", 1);
    py::array_t<double> out(n);
    double* po = out.mutable_data();
    {
        py::gil_scoped_release release;
        relu::load_from_moments_1d(pw, pb, n, pt, m, p0, pl, pr, po);
    }
    return out;
}

py::tuple hat_solve(int kind, const py::array& w, const py::array& b, double lo, double hi,
                    const py::array& order, const py::array& full, const py::array& rhs, bool from_load,
                    bool with_const) {
    const Kind1d k = kind_of(kind);
    if (k == Kind1d::kGaussNewton) throw std::invalid_argument("hat_solve: kind must be mass or heaviside");
    const std::int64_t n = neurons(w, b);
    const double* pw = data_of<double>(w, "w", 1);
    const double* pb = data_of<double>(b, "b", 1);
    const std::int64_t* po = data_of<std::int64_t>(order, "order", 1);
    const std::int64_t* pf = data_of<std::int64_t>(full, "full", 1);
    const double* pr = data_of<double>(rhs, "rhs", 1);
    const std::int64_t n_int = order.shape(0), n_full = full.shape(0), m = n_int + 1;
    for (std::int64_t i = 0; i < n_int; ++i)
        if (po[i] < 0 || po[i] >= n) throw std::invalid_argument("order has an index out of range");
    for (std::int64_t i = 0; i < n_full; ++i)
        if (pf[i] < 0 || pf[i] >= n) throw std::invalid_argument("full has an index out of range");
    const std::int64_t want = !from_load ? n : (k == Kind1d::kMass ? m + 1 : m);
    if (rhs.shape(0) != want) throw std::invalid_argument("rhs has the wrong length");
    if (!from_load && with_const) throw std::invalid_argument("with_const needs from_load");
    py::array_t<double> c(n);
    double* pc = c.mutable_data();
    double c0 = 0.0;
    int status;
    {
        py::gil_scoped_release release;
        status = relu::hat_solve_1d(k, pw, pb, n, lo, hi, po, n_int, pf, n_full, pr, from_load, with_const, pc,
                                    &c0);
    }
    return py::make_tuple(c, c0, status);
}

py::tuple hat_mass_solve(const py::array& nodes, const py::array& rhs) {
    const double* pt = data_of<double>(nodes, "nodes", 1);
    const double* pr = data_of<double>(rhs, "rhs", 1);
    const std::int64_t m = nodes.shape(0) - 1;
    if (m < 1) throw std::invalid_argument("nodes needs at least 2 entries");
    if (rhs.shape(0) != m + 1) throw std::invalid_argument("rhs must have one entry per node");
    py::array_t<double> z(m + 1);
    double* pz = z.mutable_data();
    int status;
    {
        py::gil_scoped_release release;
        std::copy(pr, pr + m + 1, pz);
        status = relu::hat_mass_solve_1d(pt, m, pz);
    }
    return py::make_tuple(z, status);
}

}  // namespace

void bind_relu1d(py::module_& m) {
    m.def("relu1d_assemble", &assemble, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("lo"),
          py::arg("hi"), py::arg("n_threads"), "Dense 1D ReLU matrix (0 mass, 1 heaviside, 2 gauss_newton).");
    m.def("relu1d_entries", &entries, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("lo"),
          py::arg("hi"), py::arg("rows"), py::arg("cols"), py::arg("n_threads"),
          "Entries M[rows][:, cols] of a 1D ReLU matrix.");
    m.def("relu1d_matvec", &matvec, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("lo"), py::arg("hi"),
          py::arg("x"), py::arg("n_threads"), "M @ x (x of shape (N, k)) without forming M.");
    m.def("relu1d_load_from_moments", &load_from_moments, py::arg("w"), py::arg("b"), py::arg("nodes"),
          py::arg("m0"), py::arg("ml"), py::arg("mr"), "int u sigma_i from per-cell moments of u.");
    m.def("relu1d_hat_solve", &hat_solve, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("lo"),
          py::arg("hi"), py::arg("order"), py::arg("full"), py::arg("rhs"), py::arg("from_load"),
          py::arg("with_const"), "The exact O(n) hat-basis solve; returns (c, c0, status).");
    m.def("relu1d_hat_mass_solve", &hat_mass_solve, py::arg("nodes"), py::arg("rhs"),
          "Nodal values z = M^{-1} rhs of the P1 L2 projection on a mesh (M: the tridiagonal hat mass "
          "matrix of nodes); returns (z, status).");
}

}  // namespace nnla::bindings
