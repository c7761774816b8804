// Bindings of the 2D ReLU-network matrices (cpp/relu/poly2d): unpack, check, release the GIL.
// Python (nnla._relu2d) validates first; this re-checks only what the native code relies on.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "relu/poly2d.hpp"

namespace nnla::bindings {

namespace py = pybind11;

namespace {

bool c_contiguous(const py::array& a) {
    return (a.flags() & py::array::c_style) && (a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_);
}

const double* f64(const py::array& a, const char* name, int ndim, py::ssize_t d0, py::ssize_t d1) {
    if (!a.dtype().is(py::dtype::of<double>()))
        throw std::invalid_argument(std::string(name) + " must be a float64 array");
    if (a.ndim() != ndim || !c_contiguous(a))
        throw std::invalid_argument(std::string(name) + " must be a C-contiguous array with " +
                                    std::to_string(ndim) + " dimension(s)");
    if (d0 >= 0 && a.shape(0) != d0) throw std::invalid_argument(std::string(name) + " has the wrong length");
    if (ndim == 2 && d1 >= 0 && a.shape(1) != d1)
        throw std::invalid_argument(std::string(name) + " has the wrong number of columns");
    return static_cast<const double*>(a.data());
}

const std::int64_t* i64(const py::array& a, const char* name, std::int64_t bound) {
    if (!a.dtype().is(py::dtype::of<std::int64_t>()))
        throw std::invalid_argument(std::string(name) + " must be an int64 array");
    if (a.ndim() != 1 || !c_contiguous(a))
        throw std::invalid_argument(std::string(name) + " must be a C-contiguous 1-D array");
    const auto* p = static_cast<const std::int64_t*>(a.data());
    for (py::ssize_t t = 0; t < a.shape(0); ++t)
        if (p[t] < 0 || p[t] >= bound)
            throw std::invalid_argument(std::string(name) + " has an index out of range [0, " +
                                        std::to_string(bound) + ")");
    return p;
}

// The problem (w, b, vertices) after the shape checks.
struct Problem {
    const double* w;
    const double* b;
    std::int64_t n;
    const double* v;
    int k;
};

Problem unpack(const py::array& w, const py::array& b, const py::array& vertices) {
    Problem p{};
    p.w = f64(w, "w", 2, -1, 2);
    p.n = w.shape(0);
    p.b = f64(b, "b", 1, p.n, -1);
    p.v = f64(vertices, "vertices", 2, -1, 2);
    if (vertices.shape(0) < 3) throw std::invalid_argument("vertices must have at least 3 rows");
    if (vertices.shape(0) > (1 << 20)) throw std::invalid_argument("vertices has too many rows");
    p.k = static_cast<int>(vertices.shape(0));
    return p;
}

relu::Poly2dKind kind_of(int kind) {
    if (kind < 0 || kind > 2) throw std::invalid_argument("kind must be 0 (mass), 1 (heaviside) or 2 (gauss_newton)");
    return static_cast<relu::Poly2dKind>(kind);
}

// The output of one kind: a new array, or `out` (C-contiguous writable float64 of shape (N, N)).
double* output(py::object& slot, const py::object& out, py::ssize_t size) {
    if (out.is_none()) {
        py::array_t<double> t({size, size});
        slot = t;
        return t.mutable_data();
    }
    py::array a = py::reinterpret_borrow<py::array>(out);
    if (!a.writeable()) throw std::invalid_argument("out must be writeable");
    f64(a, "out", 2, size, size);
    slot = a;
    return static_cast<double*>(a.mutable_data());
}

py::tuple assemble(const py::array& w, const py::array& b, const py::array& vertices, bool mass,
                   bool heaviside, bool gauss_newton, int n_threads, const py::object& out) {
    const Problem p = unpack(w, b, vertices);
    const py::ssize_t n = static_cast<py::ssize_t>(p.n);
    if (!out.is_none()) {
        if (int(mass) + int(heaviside) + int(gauss_newton) != 1)
            throw std::invalid_argument("out applies to exactly one assembled matrix");
        if (!py::isinstance<py::array>(out)) throw std::invalid_argument("out must be a numpy array");
    }
    py::object A = py::none(), H = py::none(), G = py::none();
    double *pa = nullptr, *ph = nullptr, *pg = nullptr;
    if (mass) pa = output(A, out, n);
    if (heaviside) ph = output(H, out, n);
    if (gauss_newton) pg = output(G, out, 3 * n);
    {
        py::gil_scoped_release release;
        relu::Poly2d prob(p.w, p.b, p.n, p.v, p.k, n_threads);
        prob.assemble(pa, ph, pg, n_threads);
    }
    return py::make_tuple(A, H, G);
}

py::array_t<double> entries(int kind, const py::array& w, const py::array& b, const py::array& vertices,
                            const py::array& rows, const py::array& cols, int n_threads) {
    const relu::Poly2dKind kd = kind_of(kind);
    const Problem p = unpack(w, b, vertices);
    const std::int64_t size = (kd == relu::Poly2dKind::kGaussNewton) ? 3 * p.n : p.n;
    const std::int64_t* r = i64(rows, "rows", size);
    const std::int64_t* c = i64(cols, "cols", size);
    const py::ssize_t nr = rows.shape(0), nc = cols.shape(0);
    py::array_t<double> out({nr, nc});
    double* o = out.mutable_data();
    {
        py::gil_scoped_release release;
        relu::Poly2d prob(p.w, p.b, p.n, p.v, p.k, n_threads);
        prob.entries(kd, r, nr, c, nc, o, n_threads);
    }
    return out;
}

py::array_t<double> matvec(int kind, const py::array& w, const py::array& b, const py::array& vertices,
                           const py::array& x, int n_threads) {
    const relu::Poly2dKind kd = kind_of(kind);
    const Problem p = unpack(w, b, vertices);
    const std::int64_t size = (kd == relu::Poly2dKind::kGaussNewton) ? 3 * p.n : p.n;
    const double* xp = f64(x, "x", 2, size, -1);
    const py::ssize_t ncol = x.shape(1);
    py::array_t<double> out({static_cast<py::ssize_t>(size), ncol});
    double* o = out.mutable_data();
    {
        py::gil_scoped_release release;
        relu::Poly2d prob(p.w, p.b, p.n, p.v, p.k, n_threads);
        prob.matvec(kd, xp, ncol, o, n_threads);
    }
    return out;
}

py::tuple active_polygons(const py::array& w, const py::array& b, const py::array& vertices, int n_threads) {
    const Problem p = unpack(w, b, vertices);
    std::vector<double> xy, val;
    std::vector<std::int64_t> off;
    {
        py::gil_scoped_release release;
        relu::Poly2d prob(p.w, p.b, p.n, p.v, p.k, n_threads);
        prob.active_polygons(xy, val, off);
    }
    const py::ssize_t m = static_cast<py::ssize_t>(val.size());
    py::array_t<double> axy({m, py::ssize_t{2}});
    py::array_t<double> aval(m);
    py::array_t<std::int64_t> aoff(static_cast<py::ssize_t>(off.size()));
    std::copy(xy.begin(), xy.end(), axy.mutable_data());
    std::copy(val.begin(), val.end(), aval.mutable_data());
    std::copy(off.begin(), off.end(), aoff.mutable_data());
    return py::make_tuple(axy, aval, aoff);
}

}  // namespace

void bind_relu2d(py::module_& m) {
    m.def("relu2d_assemble", &assemble, py::arg("w"), py::arg("b"), py::arg("vertices"), py::arg("mass"),
          py::arg("heaviside"), py::arg("gauss_newton"), py::arg("n_threads"), py::arg("out") = py::none(),
          "Exact 2D A, H, G (each or None) of neurons (w (n, 2), b (n,)) on a CCW convex polygon; "
          "out: the array to fill when one matrix is asked for.");
    m.def("relu2d_entries", &entries, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("vertices"),
          py::arg("rows"), py::arg("cols"), py::arg("n_threads"),
          "Block M[rows, cols] of the 2D matrix of kind 0 (A), 1 (H) or 2 (G).");
    m.def("relu2d_matvec", &matvec, py::arg("kind"), py::arg("w"), py::arg("b"), py::arg("vertices"),
          py::arg("x"), py::arg("n_threads"), "M @ x (x of shape (N, k)) without forming M.");
    m.def("relu2d_active_polygons", &active_polygons, py::arg("w"), py::arg("b"), py::arg("vertices"),
          py::arg("n_threads"),
          "Omega clipped to each neuron's active half-plane: (vertices (m, 2), values (m,), offsets (n+1,)).");
}

}  // namespace nnla::bindings
