"""The catalogue of test matrices of the ``nnla.sqrtm`` / ``nnla.logm`` suites (no tests).

:data:`CASES`: each matrix with the reason it is there, the method of its mpmath reference
(``references.mp_sqrtm`` / ``mp_logm``: "eig" or "jordan") and whether the principal logarithm /
square root of this real input is complex.

Tolerance rule of the suites: ``rel_err <= C_TOL * max(kappa, 1) * u`` with ``C_TOL = 50`` for
d <= 6 (a small multiple covering the Schur factorization's backward error, d-dependent constants
and the conditioning estimate), ``u`` the unit roundoff of the output dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from references import orth, with_eigenvalues

__all__ = ["CASES", "C_TOL", "Case"]

C_TOL = 50.0


@dataclass(frozen=True)
class Case:
    """A test matrix: ``method`` of the reference ("eig" or "jordan"); ``complex_result`` that
    the principal logarithm / square root of this real input is complex."""

    name: str
    a: np.ndarray
    why: str
    method: str = "eig"
    complex_result: bool = False


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
            with_eigenvalues(rng, [0.5, 1.0, 3.0, 7.0], cond=1e3),
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
            with_eigenvalues(rng, [1e-8, 1.0, 2.0], cond=5.0),
            "an eigenvalue 1e-8 (log and sqrt exist, ill-conditioned)",
        )
    )
    out.append(
        Case(
            "negative-eigenvalue",
            with_eigenvalues(rng, [-1.0, 2.0, 3.0], cond=5.0),
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
            (lambda q: q @ np.array([[1.0, 1.0], [0.0, 1.0]]) @ q.T)(orth(rng, 2)),
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
    q = orth(rng, 6)
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
