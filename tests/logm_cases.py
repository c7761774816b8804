"""Test matrices and high-precision references for the ``nnla.sqrtm`` / ``nnla.logm`` suites.

This module holds no tests.  It provides

* :func:`mp_sqrtm`, :func:`mp_logm` -- the principal square root and logarithm computed with mpmath
  at 60 significant digits from the exact binary values of the input entries, cached per matrix:
  ``V f(Lambda) V^{-1}`` from mpmath's eigendecomposition (every test matrix is diagonalizable in
  exact arithmetic except the exact Jordan blocks), and the finite Taylor series of
  ``f(lambda I + N)`` for exact Jordan blocks. mpmath's own sqrtm/logm (Denman-Beavers) do not
  converge for the near-singular and negative-eigenvalue cases. A negative eigenvalue ``-r`` gets
  ``log r + i pi`` and ``+i sqrt(r)`` (numpy's ``log(-r + 0j)``), the convention of nnla;
* :func:`kappa_sqrtm`, :func:`kappa_logm` -- relative condition numbers in the Frobenius norm from
  the Kronecker form of the Frechet derivative at the reference (``X L + L X = E`` for the square
  root; the inverse of the exponential's derivative at ``log A``, via ``scipy.linalg.expm_frechet``,
  for the logarithm);
* :func:`rel_err` and :data:`CASES`, the catalogue of test matrices with the reason each is there.

Tolerance rule of the suites: ``rel_err <= C_TOL * max(kappa, 1) * u`` with ``C_TOL = 50`` for
d <= 6 (a small multiple covering the Schur factorization's backward error, d-dependent constants
and the conditioning estimate), ``u`` the unit roundoff of the output dtype.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import mpmath
import numpy as np
import scipy.linalg

__all__ = [
    "CASES",
    "C_TOL",
    "Case",
    "kappa_logm",
    "kappa_sqrtm",
    "mp_logm",
    "mp_sqrtm",
    "rel_err",
]

DPS = 60
C_TOL = 50.0


def rel_err(x: np.ndarray, ref: np.ndarray) -> float:
    """Relative Frobenius error ``||x - ref||_F / ||ref||_F`` (absolute when ``ref`` is zero)."""
    x = np.asarray(x, dtype=np.complex128)
    ref = np.asarray(ref, dtype=np.complex128)
    nr = float(np.linalg.norm(ref))
    if nr == 0.0:
        return float(np.linalg.norm(x))
    return float(np.linalg.norm(x - ref) / nr)


def _to_mp(a: np.ndarray) -> mpmath.matrix:
    d = a.shape[0]
    m = mpmath.matrix(d, d)
    for i in range(d):
        for j in range(d):
            v = complex(a[i, j])  # exact: binary floats convert to mpf/mpc without rounding
            m[i, j] = mpmath.mpc(v.real, v.imag) if v.imag else mpmath.mpf(v.real)
    return m


def _from_mp(m: mpmath.matrix, d: int) -> np.ndarray:
    out = np.empty((d, d), dtype=np.complex128)
    for i in range(d):
        for j in range(d):
            out[i, j] = complex(m[i, j])
    return out


def _scalar(func: str, z: mpmath.mpc) -> mpmath.mpc:
    # mpmath has no signed zero: log(-2) = log 2 + i pi and sqrt(-2) = +i sqrt 2, the principal
    # branch with nnla's convention on the negative real axis.
    return mpmath.sqrt(z) if func == "sqrtm" else mpmath.log(z)


def _eig_ref(func: str, m: mpmath.matrix, d: int, real_input: bool) -> mpmath.matrix:
    """f(A) = V f(Lambda) V^{-1} at 60 digits (A diagonalizable, eigenvalues distinct in exact
    arithmetic; a 1e-8 splitting of a rounded Jordan block still leaves 50 correct digits)."""
    e, er = mpmath.eig(m)
    tiny = mpmath.mpf(10) ** (-(DPS - 15))
    fe = []
    for z in e:
        if real_input and abs(mpmath.im(z)) < tiny * (1 + abs(z)):
            z = mpmath.mpf(mpmath.re(z))  # a real eigenvalue of real input: exactly real
        fe.append(_scalar(func, z))
    return er * mpmath.diag(fe) * mpmath.inverse(er)


def _jordan_ref(func: str, m: mpmath.matrix, d: int) -> mpmath.matrix:
    """f(lambda I + N) for an upper triangular input with constant diagonal lambda: the finite
    Taylor series in the nilpotent N / lambda (binomial series for sqrt, Mercator for log)."""
    lam = m[0, 0]
    n = (m - mpmath.eye(d) * lam) / lam
    out = mpmath.eye(d) * _scalar(func, lam)
    p = mpmath.eye(d)
    for k in range(1, d):
        p = p * n
        if func == "sqrtm":
            c = mpmath.binomial(mpmath.mpf(1) / 2, k) * mpmath.sqrt(lam)
        else:
            c = mpmath.mpf((-1) ** (k + 1)) / k
        out = out + p * c
    return out


@functools.cache
def _mp_cached(
    func: str, dtype: str, shape: tuple[int, ...], data: bytes, method: str
) -> np.ndarray:
    a = np.frombuffer(data, dtype=dtype).reshape(shape)
    d = shape[0]
    with mpmath.workdps(DPS):
        m = _to_mp(a.astype(np.complex128))
        if method == "jordan":
            r = _jordan_ref(func, m, d)
        else:
            r = _eig_ref(func, m, d, not np.iscomplexobj(a))
        out = _from_mp(r, d)
    return out


def _ref(func: str, a: np.ndarray, method: str) -> np.ndarray:
    a = np.ascontiguousarray(a)
    out = _mp_cached(func, a.dtype.str, a.shape, a.tobytes(), method)
    if not np.iscomplexobj(a) and np.all(np.abs(out.imag) <= 1e-30 * np.abs(out).max()):
        return out.real
    return out


def mp_sqrtm(a: np.ndarray, *, method: str = "eig") -> np.ndarray:
    """Principal square root of the exact input at 60 digits (mpmath), as complex128 (float64 when
    the input is real and the root is real). ``method``: "eig" (diagonalizable input) or "jordan"
    (upper triangular input with a constant diagonal)."""
    return _ref("sqrtm", a, method)


def mp_logm(a: np.ndarray, *, method: str = "eig") -> np.ndarray:
    """Principal logarithm of the exact input at 60 digits (mpmath); see :func:`mp_sqrtm`."""
    return _ref("logm", a, method)


def kappa_sqrtm(a: np.ndarray, x: np.ndarray) -> float:
    """Relative Frobenius condition number of the square root at ``a`` (``x = sqrtm(a)``)."""
    d = a.shape[0]
    x = np.asarray(x, dtype=np.complex128)
    eye = np.eye(d)
    k = np.kron(eye, x) + np.kron(x.T, eye)
    smin = float(np.linalg.svd(k, compute_uv=False)[-1])
    if smin == 0.0:
        return float("inf")
    return float(np.linalg.norm(a) / (smin * np.linalg.norm(x)))


def kappa_logm(a: np.ndarray, x: np.ndarray) -> float:
    """Relative Frobenius condition number of the logarithm at ``a`` (``x = logm(a)``): the
    Frechet derivative of log at a is the inverse of the exponential's derivative at x."""
    d = a.shape[0]
    x = np.asarray(x, dtype=np.complex128)
    k = np.empty((d * d, d * d), dtype=np.complex128)
    for j in range(d):
        for i in range(d):
            e = np.zeros((d, d), dtype=np.complex128)
            e[i, j] = 1.0
            _, lx = scipy.linalg.expm_frechet(x, e)
            k[:, i + d * j] = lx.reshape(-1, order="F")
    smin = float(np.linalg.svd(k, compute_uv=False)[-1])
    nx = float(np.linalg.norm(x))
    if smin == 0.0 or nx == 0.0:
        return float("inf")
    return float(np.linalg.norm(a) / (smin * nx))


@dataclass(frozen=True)
class Case:
    """A test matrix: ``method`` of the reference ("eig" or "jordan"); ``complex_result`` that
    the principal logarithm / square root of this real input is complex."""

    name: str
    a: np.ndarray
    why: str
    method: str = "eig"
    complex_result: bool = False


def _orth(rng: np.random.Generator, d: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return q


def _similar(rng: np.random.Generator, diag: list[float], cond: float = 10.0) -> np.ndarray:
    """A real matrix S diag S^{-1} with cond(S) about ``cond``."""
    d = len(diag)
    s = _orth(rng, d) @ np.diag(np.logspace(0, np.log10(cond), d)) @ _orth(rng, d)
    return s @ np.diag(diag) @ np.linalg.inv(s)


def _cases() -> list[Case]:
    rng = np.random.default_rng(20261123)
    out: list[Case] = []
    d = 5
    out.append(
        Case(
            "random",
            rng.standard_normal((d, d)) / np.sqrt(d) + 2.0 * np.eye(d),
            "well-conditioned random real, eigenvalues in the right half-plane",
        )
    )
    out.append(
        Case(
            "random-complex",
            (rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))) / 2.0 + np.eye(4),
            "random complex",
        )
    )
    out.append(
        Case(
            "nonnormal",
            _similar(rng, [0.5, 1.0, 3.0, 7.0], cond=1e3),
            "diagonalizable, eigenvector matrix with condition number 1e3",
        )
    )
    out.append(
        Case(
            "triangular",
            np.triu(rng.standard_normal((4, 4))) + np.diag([1.0, 2.0, 0.5, 4.0]),
            "exactly upper triangular input (the Schur form is the input)",
        )
    )
    out.append(
        Case(
            "nonnormal-triangular",
            np.array([[1.0, 1e3], [0.0, 2.0]]),
            "large off-diagonal coupling; exact superdiagonal formulas matter",
        )
    )
    out.append(
        Case(
            "near-singular",
            _similar(rng, [1e-8, 1.0, 2.0], cond=5.0),
            "an eigenvalue 1e-8 (log and sqrt exist, ill-conditioned)",
        )
    )
    out.append(
        Case(
            "negative-eigenvalue",
            _similar(rng, [-1.0, 2.0, 3.0], cond=5.0),
            "a negative real eigenvalue: complex principal sqrt and log",
            complex_result=True,
        )
    )
    out.append(
        Case(
            "jordan-1",
            np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]),
            "3x3 Jordan block at 1 (log is nilpotent series)",
            method="jordan",
        )
    )
    out.append(
        Case(
            "jordan-1-rotated",
            (lambda q: q @ np.array([[1.0, 1.0], [0.0, 1.0]]) @ q.T)(_orth(rng, 2)),
            "2x2 Jordan block at 1 in a rotated basis (eigenvalues split by rounding)",
        )
    )
    out.append(
        Case(
            "jordan-minus2",
            np.array([[-2.0, 1.0], [0.0, -2.0]]),
            "Jordan block at -2: scipy returns NaN; nnla returns log 2 + i pi on the diagonal",
            method="jordan",
            complex_result=True,
        )
    )
    out.append(
        Case(
            "jordan-minus2-3",
            np.array([[-2.0, 1.0, 0.0], [0.0, -2.0, 1.0], [0.0, 0.0, -2.0]]),
            "3x3 Jordan block at -2",
            method="jordan",
            complex_result=True,
        )
    )
    out.append(
        Case(
            "random-complex-2x2",
            rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2)) + 2.0 * np.eye(2),
            "complex 2x2 (the hand-written 2x2 Schur step)",
        )
    )
    out.append(
        Case(
            "nonnormal-complex-2x2",
            np.array([[1.0 + 1.0j, 300.0], [1e-3j, 2.0 - 0.5j]]),
            "complex 2x2, nonnormal, with a small subdiagonal",
        )
    )
    h = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    out.append(Case("hpd", h @ h.conj().T / 4 + 0.1 * np.eye(4), "Hermitian positive definite"))
    th = np.pi - 1e-6
    out.append(
        Case(
            "near-cut",
            np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]),
            "rotation by pi - 1e-6: eigenvalues next to the negative real axis, real log",
        )
    )
    out.append(
        Case(
            "complex-near-cut",
            np.diag([-2.0 + 1e-9j, 3.0]) + np.triu(np.ones((2, 2)), 1),
            "complex eigenvalue just above the negative real axis",
        )
    )
    # quasi-triangular structure: two complex-conjugate pairs and two real eigenvalues, coupled
    blk = np.zeros((6, 6))
    blk[:2, :2] = [[0.5, -2.0], [1.5, 0.5]]
    blk[2:4, 2:4] = [[-1.0, 3.0], [-0.5, -1.0]]  # pair near the negative real axis side
    blk[4, 4], blk[5, 5] = 2.0, 0.25
    blk += np.triu(rng.standard_normal((6, 6)), 2) * 0.7
    q = _orth(rng, 6)
    out.append(
        Case(
            "complex-pairs",
            q @ blk @ q.T,
            "real 6x6 with complex-conjugate pairs (2x2 Schur blocks coupled by Sylvester "
            "equations of every block size)",
        )
    )
    a8 = rng.standard_normal((8, 8)) / np.sqrt(8.0)
    ev = np.linalg.eigvals(a8)
    out.append(
        Case(
            "random-8",
            a8,
            "real 8x8 N(0, 1/8): eigenvalues all around the origin",
            complex_result=bool(np.any((ev.imag == 0) & (ev.real < 0))),
        )
    )
    c6 = rng.standard_normal((6, 6)) + 1j * rng.standard_normal((6, 6))
    out.append(
        Case(
            "random-complex-6",
            c6 / np.sqrt(12.0),
            "complex 6x6 with eigenvalues around the origin (some near the cut)",
        )
    )
    return out


CASES: list[Case] = _cases()
