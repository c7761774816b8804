"""The catalogue of classical hard test matrices of the ``nnla.expm`` accuracy suite (no tests).

:data:`CLASSICAL` holds test matrices transcribed from the literature, each with its source, and a
closed-form exponential where one is known. The references, condition numbers and generators
the suite uses are in ``tests/references.py``.

Sources (abbreviations as in the catalogue):

ward77  R. C. Ward, Numerical computation of the matrix exponential with accuracy estimate,
        SIAM J. Numer. Anal. 14(4):600-610, 1977 (Tests 1-4).
mova03  C. Moler and C. Van Loan, Nineteen dubious ways to compute the exponential of a matrix,
        twenty-five years later, SIAM Rev. 45(1):3-49, 2003 (the 2x2 example of section 1).
kela89  C. S. Kenney and A. J. Laub, Condition estimates for matrix functions,
        SIAM J. Matrix Anal. Appl. 10(2):191-209, 1989.
kela98  C. S. Kenney and A. J. Laub, A Schur-Frechet algorithm for computing the logarithm and
        exponential of a matrix, SIAM J. Matrix Anal. Appl. 19(3):640-663, 1998.
alhi09  A. H. Al-Mohy and N. J. Higham, A new scaling and squaring algorithm for the matrix
        exponential, SIAM J. Matrix Anal. Appl. 31(3):970-989, 2009 (section 6 test set).
alhi12  A. H. Al-Mohy and N. J. Higham, Improved inverse scaling and squaring algorithms for the
        matrix logarithm, SIAM J. Sci. Comput. 34(4):C153-C169, 2012 (Experiment 1).
fahi19  M. Fasi and N. J. Higham, An arbitrary precision scaling and squaring algorithm for the
        matrix exponential, SIAM J. Matrix Anal. Appl. 40(4):1233-1256, 2019.
others  naha95 (Najfeld & Havel 1995), dipa00 (Dieci & Papini 2000), edst03 (Edelman &
        Strang, Pascal matrices), trem05 (Trefethen & Embree, Spectra and Pseudospectra, 2005),
        pang85, jemc05, mopa03, kase99, kuda10, lara17 (citation keys as in the source below),
        EigTool's Godunov matrix, the Rosser matrix.
        The alhi09 test set is transcribed from Al-Mohy, Fasi and Higham's ``expm_testmats.m``
        (the collection used in alhi09 and fahi19), which gives the citation of each matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import scipy.linalg
from references import DPS, EPS64, exact_nilpotent_exp, jordan_block, quasi_triangular

__all__ = ["CLASSICAL", "Case"]


def _mp_similarity(v: np.ndarray, expj_entries: list[list[object]]) -> np.ndarray:
    """``V expJ V^{-1}`` in mpmath (V an exact integer matrix, expJ mpmath entries), rounded."""
    vm = mpmath.matrix(np.asarray(v, dtype=np.float64).tolist())
    ej = mpmath.matrix(expj_entries)
    r = vm * ej * mpmath.inverse(vm)
    return np.array(
        [[float(r[i, j]) for j in range(r.cols)] for i in range(r.rows)], dtype=np.float64
    )


# ------------------------------------------------------------------------------------------------
# Catalogue of classical hard test matrices
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One named test matrix; ``exact``: its closed-form exponential (rounded), where known."""

    name: str
    a: np.ndarray
    source: str
    exact: np.ndarray | None = None

    def __repr__(self) -> str:  # keeps pytest ids and failure messages short
        return f"Case({self.name})"


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


def _triw(n: int, alpha: float = -1.0, k: int | None = None) -> np.ndarray:
    """MATLAB ``gallery('triw', n, alpha, k)``: unit upper triangular, alpha on superdiags 1..k."""
    if k is None:
        k = n - 1
    a = np.eye(n)
    for j in range(1, k + 1):
        a += alpha * np.eye(n, k=j)
    return a


def _forsythe(n: int, alpha: float, lam: float) -> np.ndarray:
    """MATLAB ``gallery('forsythe', n, alpha, lambda)``: Jordan block, ``alpha`` at (n, 1)."""
    a = jordan_block(lam, n)
    a[n - 1, 0] = alpha
    return a


_ROSSER = np.array(
    [
        [611, 196, -192, 407, -8, -52, -49, 29],
        [196, 899, 113, -192, -71, -43, -8, -44],
        [-192, 113, 899, 196, 61, 49, 8, 52],
        [407, -192, 196, 611, 8, 44, 59, -23],
        [-8, -71, 61, 8, 411, -599, 208, 208],
        [-52, -43, 49, 44, -599, 411, 208, 208],
        [-49, -8, 8, 59, 208, 208, 99, -911],
        [29, -44, 52, -23, 208, 208, -911, 99],
    ],
    dtype=np.float64,
)

_GODUNOV = np.array(
    [
        [289, 2064, 336, 128, 80, 32, 16],
        [1152, 30, 1312, 512, 288, 128, 32],
        [-29, -2000, 756, 384, 1008, 224, 48],
        [512, 128, 640, 0, 640, 512, 128],
        [1053, 2256, -504, -384, -756, 800, 208],
        [-287, -16, 1712, -128, 1968, -30, 2032],
        [-2176, -287, -1565, -512, -541, -1152, -289],
    ],
    dtype=np.float64,
)


def _build_catalogue() -> dict[str, Case]:
    cases: list[Case] = []

    def add(name: str, a: np.ndarray, source: str, exact: np.ndarray | None = None) -> None:
        a = np.asarray(a)
        a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)
        cases.append(Case(name, _ro(a), source, None if exact is None else _ro(exact)))

    mp = mpmath.mp
    with mpmath.workdps(DPS):
        e = mp.e
        # ---- Ward 1977, Tests 1-4 ----------------------------------------------------------------
        # Test 1: defective, A = V J V^{-1}, J = [[3, 1, 0], [0, 3, 0], [0, 0, 6]].
        v = np.array([[-2, 4, 1], [1, -3, 1], [1, 0, 1]])
        e3, e6 = mpmath.exp(3), mpmath.exp(6)
        add(
            "ward77_test1",
            [[4, 2, 0], [1, 4, 1], [1, 1, 4]],
            "ward77 Test 1 (defective, double eigenvalue 3)",
            _mp_similarity(v, [[e3, e3, 0], [0, e3, 0], [0, 0, e6]]),
        )
        # Test 2: symmetric, eigenvalues 20, 30, 40.
        add(
            "ward77_test2",
            [
                [29.87942128909879, 0.7815750847907159, -2.289519314033932],
                [0.7815750847907159, 25.72656945571064, 8.680737820540137],
                [-2.289519314033932, 8.680737820540137, 34.39400925519054],
            ],
            "ward77 Test 2 (symmetric, eigenvalues 20, 30, 40)",
        )
        # Test 3: nonnormal, eigenvalues -1, -2, -20.
        add(
            "ward77_test3",
            [[-131, 19, 18], [-390, 56, 54], [-387, 57, 52]],
            "ward77 Test 3 (nonnormal, eigenvalues -1, -2, -20)",
        )
        # Test 4: 10x10 Forsythe matrix, Jordan block of 0 with 1e-10 in the corner.
        add(
            "ward77_test4",
            _forsythe(10, 1e-10, 0.0),
            "ward77 Test 4 (gallery('forsythe',10,1e-10,0))",
        )

        # ---- Moler & Van Loan --------------------------------------------------------------------
        # [[-49, 24], [-64, 31]] = V diag(-1, -17) V^{-1}, V = [[1, 3], [2, 4]].
        add(
            "moler_vanloan_2x2",
            [[-49, 24], [-64, 31]],
            "mova03 section 1 (eigenvalues -1, -17)",
            _mp_similarity(np.array([[1, 3], [2, 4]]), [[mpmath.exp(-1), 0], [0, mpmath.exp(-17)]]),
        )

        # ---- Kenney & Laub -----------------------------------------------------------------------
        a01 = mpmath.mpf(0.1)
        ea = mpmath.exp(a01)
        add(
            "kela98_ex2",
            [[0.1, 1e6], [0, 0.1]],
            "kela98 Ex. 2 (triangular, large off-diagonal)",
            np.array([[float(ea), float(ea * 10**6)], [0.0, float(ea)]]),
        )
        add(
            "kela98_p655",
            [
                [0, 3.8e3, 0, 0, 0],
                [0, -3.8e3, 1, 0, 0],
                [0, 0, -1, 5.5e6, 0],
                [0, 0, 0, -5.5e6, 2.7e7],
                [0, 0, 0, 0, -2.7e7],
            ],
            "kela98 p. 655 (5x5 triangular, stiff)",
        )
        add(
            "kela98_ex3",
            [[-1, 1e7], [0, -1e7]],
            "kela98 Ex. 3 (triangular, eigenvalues -1, -1e7)",
        )
        add(
            "kela89_p206",
            [[48, -49, 50, 49], [0, -2, 100, 0], [0, -1, -2, 1], [-50, 50, 50, -52]],
            "kela89 p. 206",
        )
        add(
            "kela89_ex5",
            [[0, 1e6], [0, 0]],
            "kela89 Ex. 5 (nilpotent)",
            np.array([[1.0, 1e6], [0.0, 1.0]]),
        )
        # Upper triangular [[1, b], [0, -1]]: exp = [[e, b sinh(1)], [0, 1/e]].  The overscaling
        # example of alhi09 section 1 (reconstructed from memory; the b values are ours).
        for b in (1e4, 1e8, 1e12):
            add(
                f"tri_1_b_m1_b{b:.0e}",
                [[1, b], [0, -1]],
                "alhi09 section 1 overscaling example [[1, b], [0, -1]] (reconstructed)",
                np.array([[float(e), float(mpmath.sinh(1) * mpmath.mpf(b))], [0.0, float(1 / e)]]),
            )

        # ---- Al-Mohy & Higham 2009 test set (expm_testmats.m) ------------------------------------
        add(
            "naha95_p370",
            np.array([[1, 10, 100], [1, 9, 100], [1, 11, 99]], dtype=float)
            @ np.diag([0.001, 1, 100])
            @ np.linalg.inv(np.array([[1, 10, 100], [1, 9, 100], [1, 11, 99]], dtype=float)),
            "naha95 p. 370: T diag(1e-3, 1, 100) T^{-1} (evaluated in double)",
        )
        w, x, n8 = 1.3, 1e6, 8
        h = n8 // 2
        add(
            "dipa00_ex3_10",
            np.block(
                [
                    [w * np.ones((h, h)), x * np.ones((h, h))],
                    [np.zeros((h, h)), -w * np.ones((h, h))],
                ]
            )
            / n8,
            "dipa00 Ex. 3.10 (8x8, w = 1.3, x = 1e6)",
        )
        add(
            "rosser_scaled",
            2.05 * _ROSSER / np.max(np.sum(np.abs(_ROSSER), axis=0)),
            "Rosser matrix scaled to 1-norm 2.05 (alhi09 test set: bad case for expm cost)",
        )
        t = mpmath.mpf(10**4)
        add(
            "rotation_1e4",
            [[0, 1e4], [-1e4, 0]],
            "alhi09 test set: [[0, 1e4], [-1e4, 0]], exp = [[cos x, sin x], [-sin x, cos x]]",
            np.array(
                [
                    [float(mpmath.cos(t)), float(mpmath.sin(t))],
                    [float(-mpmath.sin(t)), float(mpmath.cos(t))],
                ]
            ),
        )
        rng = np.random.default_rng(20090611)
        nil = 1e2 * np.triu(rng.standard_normal((10, 10)), 1)
        add(
            "nilpotent_1e2",
            nil,
            "alhi09 test set: 1e2*triu(randn(10),1) (nilpotent)",
            exact_nilpotent_exp(nil),
        )
        pas = np.diag(np.arange(1.0, 10.0), 1)
        add(
            "edst03_pascal_log",
            pas,
            "edst03: log of the Cholesky factor of the Pascal matrix (exp = upper binomial matrix)",
            np.array([[float(math.comb(j, i)) for j in range(10)] for i in range(10)]),
        )
        add(
            "pang85_ex1",
            [
                [0, 30, 1, 1, 1, 1],
                [-100, 0, 1, 1, 1, 1],
                [0, 0, 0, -6, 1, 1],
                [0, 0, 500, 0, 1, 1],
                [0, 0, 0, 0, 0, 200],
                [0, 0, 0, 0, -15, 0],
            ],
            "pang85 p. 7, Ex. I (block upper triangular, 2x2 rotation-like blocks)",
        )
        n10 = 10
        p2 = _triw(n10, 1.0).astype(np.complex128)
        m = (n10 - 1) / 2
        p2 = p2 - np.diag(np.diag(p2)) + np.diag(np.arange(-m, m + 1) * 1j)
        for i in range(1, n10):
            p2[i - 1, i] = -2 * (n10 - 1) - 2 + 4 * i
        add("pang85_ex2", p2, "pang85 p. 9, Ex. II (n = 10; complex upper triangular)")
        p3 = _triw(n10, 1.0, 1)
        p3 = p3 - np.diag(np.diag(p3)) + np.diag(np.arange(-(n10 - 1) / 2, (n10 - 1) / 2 + 1))
        add("pang85_ex3", p3, "pang85 p. 10, Ex. III (n = 10; upper bidiagonal)")
        g = [0.6, 0.6, 4.0]
        bb = [2.0, 0.75]
        add(
            "jemc05_52",
            [
                [-g[0], 0, g[0] * bb[0]],
                [0, -g[1], g[1] * bb[1]],
                [-g[0] * g[2], g[2], -g[2] * (1 - g[0] * bb[0])],
            ],
            "jemc05 (52)",
        )
        g = [1.5, 0.5, 3.0, 2.0, 0.4, 0.03]
        bb = [0.6, 7.0]
        a1 = np.array([[-g[4], 0, 0], [0, -g[0], 0], [g[3], g[3], -g[2]]])
        a2 = np.array([[-g[5], 0, g[5] * bb[1]], [0, -g[1], g[1] * bb[0]], [0, g[3], -g[3]]])
        add("jemc05_55", np.block([[np.zeros((3, 3)), np.eye(3)], [a2, a1]]), "jemc05 (55)")
        thalf = np.array([3.8235 * 60 * 24, 3.10, 26.8, 19.9]) / 60
        dec = np.log(2) / thalf
        add(
            "mopa03_21",
            np.diag(-dec) + np.diag(dec[:-1], -1),
            "mopa03 (21) (radioactive decay chain)",
        )
        a1_, a2_ = 0.01145, 0.2270
        add(
            "mopa03_26",
            [[-a1_, 0, 0], [0.3594 * a1_, -a2_, 0], [0.6406 * a1_, a2_, 0]],
            "mopa03 (26)",
        )
        kas = np.array(
            [
                4.916e-18,
                3.329e-7,
                8.983e-14,
                2.852e-13,
                1.373e-11,
                2.098e-6,
                9.850e-10,
                1.601e-6,
                5.796e-8,
                0.0,
            ]
        )
        add(
            "kase99_table1",
            np.diag(-kas) + np.diag(kas[:-1], -1),
            "kase99 Table 1 (decay chain, tiny rates)",
        )
        lam = 1e6j
        mu = 0.5 * (-1 + np.sqrt(1 + 4 * lam))
        add(
            "niesen_2x2",
            np.array([[0, 1], [lam, -1]]) - mu * np.eye(2),
            "alhi09 test set: example sent by J. Niesen (complex 2x2)",
        )
        add(
            "alhi09_awad_1e17",
            [[1, 1e17], [0, 1]],
            "alhi09 test set (Awad): [[1, 1e17], [0, 1]], exp = e*A",
            np.array([[float(e), float(e * 10**17)], [0.0, float(e)]]),
        )
        bw, xw = 1e3, 1e10
        blk = np.array([[1 - bw / 2, bw / 2], [-bw / 2, 1 + bw / 2]])
        add(
            "alhi09_awad_4x4",
            np.block([[blk, xw * np.ones((2, 2))], [np.zeros((2, 2)), -blk]]),
            "alhi09 test set (Awad): b = 1e3, x = 1e10, [[B, x*ones], [0, -B]]",
        )
        bw = 1e4
        blk = np.array([[1 - bw / 2, bw / 2], [-bw / 2, 1 + bw / 2]])
        # B - I is nilpotent, so exp(B) = e*B exactly.
        add(
            "alhi09_awad_b1e4",
            blk,
            "alhi09 test set (Awad): [[1-b/2, b/2], [-b/2, 1+b/2]], b = 1e4, exp = e*A",
            np.array([[float(e * mpmath.mpf(v)) for v in row] for row in blk]),
        )
        bw = 1e2
        add(
            "alhi09_awad_b4",
            [[1 - bw / 2, bw / 2], [-(bw**4) / 2, 1 + bw / 2]],
            "alhi09 test set (Awad): [[1-b/2, b/2], [-b^4/2, 1+b/2]], b = 1e2",
        )
        add("godunov_eigtool", _GODUNOV / 100, "EigTool godunov_demo / 100 (alhi09 test set)")
        add(
            "trem05_14_17",
            10 * np.array([[0, 1, 2], [-0.01, 0, 3], [0, 0, 0]]),
            "trem05 (14.17), p. 141",
        )
        kd = -np.eye(n10) + 0.5 * (np.eye(n10, k=1) + np.eye(n10, k=-1))
        kd[0, 1] = 1.0
        kd[n10 - 1, n10 - 2] = 1.0
        add("kuda10", kd, "kuda10 (n = 10, alpha = beta = 1)")
        add(
            "lara17_b1",
            [[-3.328853448977761e-07, 4.915959875924379e-18], [0, -4.915959875924379e-18]],
            "lara17 Benchmark 1",
        )
        add(
            "lara17_b2",
            [
                [-2.974063693062615e-07, 0, 1.024464026382002e-14],
                [2.974063693062615e-07, -1.379680196333551e-13, 0],
                [0, 0, -1.024464026382002e-14],
            ],
            "lara17 Benchmark 2",
        )
        add(
            "lara17_b3",
            [
                [-2.421897905520424e-03, 0, 5.383443102348909e-03],
                [0, -3.200125487349701e-04, 0],
                [0, 3.200125487349701e-04, -5.398342527725431e-03],
            ],
            "lara17 Benchmark 3",
        )
        add(
            "lara17_b4",
            [
                [-1.000000000000312e-04, 0, 0, 0],
                [1.000000000000000e-04, -1.000000000009379e-04, 0, 0],
                [0, 1.000000000000000e-04, -1.188523972153541e-06, 0],
                [0, 0, 1.188523972153541e-06, -1.024464026382002e-14],
            ],
            "lara17 Benchmark 4",
        )
        # fmt: off
        rows5 = [1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6,
                 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12]
        cols5 = [1, 7, 1, 2, 2, 3, 10, 3, 4, 4, 5, 12, 5, 6,
                 6, 7, 7, 8, 6, 9, 8, 10, 10, 11, 11, 12]
        vals5 = [
            -1.000000000000049e-04, 5.880666420493406e-14, 1.000000000000000e-04,
            -4.926419193745169e-04, 4.926419193745169e-04, -3.405151448232769e-06,
            2.980258985838552e-12, 3.405151448232769e-06, -1.000000009110124e-04,
            1.000000000000000e-04, -1.000000033477380e-04, 1.212838692746004e-09,
            1.000000000000000e-04, -1.000015370544945e-04, 1.000000000000000e-04,
            -1.000000000588073e-04, 1.000000000000000e-04, -3.885005720114481e-05,
            1.537023753355886e-09, -5.077325179294990e-11, 3.885005720114481e-05,
            -1.000000029802590e-04, 1.000000000000000e-04, -1.906345381077957e-05,
            1.906345381077957e-05, -1.212838692746004e-09,
        ]
        # fmt: on
        l5 = np.zeros((12, 12))
        for r_, c_, v_ in zip(rows5, cols5, vals5):
            l5[r_ - 1, c_ - 1] = v_
        add("lara17_b5", l5, "lara17 Benchmark 5 (12x12)")
        # fmt: off
        rows6 = [1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8]
        cols6 = [1, 4, 1, 2, 4, 2, 3, 4, 4, 4, 5, 5, 6, 6, 7, 7, 8]
        vals6 = [
            -2.930607054625170e-05, 1.292290622141271e-07, 2.446793135977101e-05,
            -2.106574217602557e-05, 2.051479647948103e-08, 2.106574217602557e-05,
            -9.549786402447881e-15, 1.855074206409039e-12, -1.100000000000049e-04,
            1.000000000000000e-04, -4.926419193745169e-04, 4.926419193745169e-04,
            -3.405151448232769e-06, 3.405151448232769e-06, -1.000000091101239e-05,
            1.000000000000000e-05, -3.347737955438215e-12,
        ]
        # fmt: on
        l6 = np.zeros((8, 8))
        for r_, c_, v_ in zip(rows6, cols6, vals6):
            l6[r_ - 1, c_ - 1] = v_
        add("lara17_b6", l6, "lara17 Benchmark 6 (8x8)")

        # ---- Al-Mohy & Higham 2012 (logm), Experiment 1: 4x4 triangular, torch fails on it -------
        add(
            "alhi12_exp1_4x4",
            [
                [0.32346, 3e4, 3e4, 3e4],
                [0, 0.30089, 3e4, 3e4],
                [0, 0, 0.3221, 3e4],
                [0, 0, 0, 0.30744],
            ],
            "alhi12 Experiment 1 (4x4 upper triangular, close eigenvalues, off-diagonal 3e4)",
        )

        # ---- Fasi & Higham 2019 (those whose exponential is representable in double) -------------
        ep = EPS64
        add(
            "fahi19_ones_4x4",
            [[1, 1, 1, 0.1], [1, 1, 1, 10 * ep], [1, 1, 1, 100 * ep], [1, 1, 1, 1000 * ep]],
            "fahi19 (very ill conditioned 4x4)",
        )
        add(
            "fahi19_ones_3x3",
            [[10, 1, 1], [1, 1, 1 + 10 * ep], [1, 1, 1 + 100 * ep]],
            "fahi19 (3x3)",
        )
        add(
            "fahi19_toeplitz_c10",
            scipy.linalg.toeplitz(
                np.r_[16 - 3j, (4 + 3j) / 8, np.zeros(8)], np.r_[16 - 3j, -5, np.zeros(8)]
            ),
            "fahi19 (10x10 complex tridiagonal Toeplitz)",
        )
        e2 = mpmath.exp(2)
        add(
            "fahi19_ones_2x2",
            np.ones((2, 2)),
            "fahi19: ones(2), exp = I + (e^2 - 1)/2 * ones",
            np.array(
                [
                    [float((e2 + 1) / 2), float((e2 - 1) / 2)],
                    [float((e2 - 1) / 2), float((e2 + 1) / 2)],
                ]
            ),
        )
        e100 = mpmath.exp(100)
        add(
            "fahi19_tri_1_100",
            [[1, 1], [0, 1e2]],
            "fahi19: [[1, 1], [0, 100]], exp_12 = (e^100 - e)/99",
            np.array([[float(e), float((e100 - e) / 99)], [0.0, float(e100)]]),
        )
        e6 = mpmath.exp(6)
        rk1 = np.array([[1.0, 2, 3]] * 3)
        add(
            "fahi19_rank1",
            rk1,
            "fahi19: rank one [[1,2,3]]*3, exp = I + (e^6 - 1)/6 * A",
            np.array([[float(int(i == j) + (e6 - 1) / 6 * mpmath.mpf(rk1[i, j])) for j in range(3)]
                      for i in range(3)]),
        )  # fmt: skip
        add(
            "fahi19_3x3_100",
            [[100, 2, 3], [4, 5, 6], [7, 8, 100]],
            "fahi19 [[100,2,3],[4,5,6],[7,8,100]]",
        )
        add(
            "fahi19_3x3_1e2",
            [[1, 2, 3], [4, 5, 6], [7, 8, 1e2]],
            "fahi19 [[1,2,3],[4,5,6],[7,8,100]]",
        )

        # ---- Jordan blocks (closed form e^lam * sum N^k / k!) ------------------------------------
        for lam_, d_ in ((0.0, 6), (-20.0, 8), (3.5, 5), (0.5, 16)):
            add(
                f"jordan_{lam_:g}_{d_}",
                jordan_block(lam_, d_),
                "Jordan block (closed form)",
                exact_nilpotent_exp(np.eye(d_, k=1), shift=lam_),
            )

        # ---- Real quasi-upper-triangular Schur forms ---------------------------------------------
        qrng = np.random.default_rng(1977)
        add(
            "quasi_tri_4_two_blocks",
            quasi_triangular(qrng, [2, 2], coupling=1.0),
            "constructed real Schur form",
        )
        add(
            "quasi_tri_5_mixed",
            quasi_triangular(qrng, [1, 2, 2], coupling=10.0),
            "constructed real Schur form",
        )
        add(
            "quasi_tri_8_nonnormal",
            quasi_triangular(qrng, [2, 1, 2, 1, 2], coupling=1e3),
            "constructed real Schur form, off-diagonal part 1e3",
        )
        add(
            "quasi_tri_6_fast_rotation",
            quasi_triangular(qrng, [2, 2, 2], coupling=1e2, omega=100.0),
            "constructed real Schur form, imaginary parts ~100",
        )
        add(
            "quasi_tri_2_single_block",
            [[0.5, 3.0], [-2.0, 0.5]],
            "constructed 2x2 standardized Schur block [[a, b], [c, a]], b*c < 0",
        )

    return {c.name: c for c in cases}


CLASSICAL: dict[str, Case] = _build_catalogue()
"""Catalogue of classical hard test matrices, by name."""
