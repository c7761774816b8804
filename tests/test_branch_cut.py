"""logm, sqrtm and the three-layer logarithm on the branch cut (issue 16, part 1).

Eigenvalues that lie on the negative real axis up to rounding -- a Jordan block J_k(-r) in a
random basis, split by rounding into a circle of radius ~ (kappa u)^(1/k) r that straddles the
axis, or a nonnormal cluster -r +- i eps -- go on one branch (Im log = +pi, sqrt = +i sqrt r), so
the result is the principal function of the exact matrix (references: mpmath at 60 digits from the
exact S J S^-1). Checks: ||f(A)|| within 10x of the reference's, the residual ||expm(X) - A|| or
||X^2 - A|| relative to ||A|| at 1e-12 where the basis allows it (condition <= 1e2), and at what
the correctly rounded reference itself attains where it does not (condition 1e4: rounding the
exact logarithm alone leaves 1e-12..4e-11 in exact arithmetic). Whatever the criterion misses is
caught by the residual check (InaccurateResultWarning with the batch indices).
"""

from __future__ import annotations

import warnings

import nnla
import numpy as np
import pytest
from nnla.three_layer.logarithm import LOG_TOL, logarithm
from references import U64, basis_with_condition, cluster_on_cut, jordan_on_cut, mp_expm

FUNCS = {"logm": nnla.logm, "sqrtm": nnla.sqrtm}


def _fro(x: np.ndarray) -> float:
    return float(np.linalg.norm(x))


def _residual(func: str, x: np.ndarray, a: np.ndarray, *, exact: bool = False) -> float:
    if func == "sqrtm":
        back = x @ x
    else:
        back = mp_expm(x) if exact else nnla.expm(x)
    return _fro(back - a) / _fro(a)


def _check_residual(
    func: str, x: np.ndarray, a: np.ndarray, ref: np.ndarray | None, tol: float = 1e-12
) -> None:
    """``tol`` in exact arithmetic for the inverse function; with nnla.expm in double (logm) at
    most 4x what the correctly rounded reference gets through the same expm, or ``tol``."""
    assert _residual(func, x, a, exact=True) <= tol
    if func == "logm":
        # (a nonnormal cluster's principal log, of size |c| / eps, is no reference for this)
        usable = ref is not None and _fro(ref) <= 1e3 * _fro(x)
        floor = max(tol, 4 * _residual(func, ref, a)) if usable else tol
        assert _residual(func, x, a) <= floor


def _call(func: str, a: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no InaccurateResultWarning on these sets
        return FUNCS[func](a)


def _check_branch(func: str, x: np.ndarray, k: int) -> None:
    """The eigenvalues of X on the upper side, through their mean tr(X)/k (well conditioned where
    the individual eigenvalues of the nonnormal X are not): Im log = +pi, sqrt = +i sqrt(r)."""
    mean = np.trace(x) / k
    if func == "logm":
        assert abs(mean.imag - np.pi) <= 1e-8, mean
    else:
        assert mean.imag > 0, mean
        assert abs(mean.real) <= 1e-8 * abs(mean), mean


@pytest.mark.parametrize("func", ["logm", "sqrtm"])
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("k", range(2, 9))
def test_jordan_block_on_cut(func: str, cplx: bool, k: int) -> None:
    rng = np.random.default_rng(16_000 + 10 * k + cplx + (100 if func == "sqrtm" else 0))
    for cond in (1.0, 1e2):
        a, ref = jordan_on_cut(rng, func, k, rng.uniform(0.3, 4.0), cond, cplx)
        x = _call(func, a)
        assert 0.1 <= _fro(x) / _fro(ref) <= 10.0
        assert _fro(x - ref) / _fro(ref) <= 1e-11
        _check_residual(func, x, a, ref)
        _check_branch(func, x, k)


@pytest.mark.parametrize("func", ["logm", "sqrtm"])
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_jordan_block_on_cut_ill_conditioned_basis(func: str, cplx: bool, k: int) -> None:
    """Basis condition 1e4: the norm within 10x, and the residual within 10x of the one the
    correctly rounded exact result attains (exact arithmetic for the exponential)."""
    rng = np.random.default_rng(16_500 + 10 * k + cplx + (100 if func == "sqrtm" else 0))
    a, ref = jordan_on_cut(rng, func, k, rng.uniform(0.3, 4.0), 1e4, cplx)
    x = _call(func, a)
    assert 0.1 <= _fro(x) / _fro(ref) <= 10.0
    attained = _residual(func, ref, a, exact=True)
    assert _residual(func, x, a, exact=True) <= 10 * attained + 1e-12
    _check_branch(func, x, k)


@pytest.mark.parametrize("func", ["logm", "sqrtm"])
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("eps", [1e-10, 1e-12, 1e-15])
@pytest.mark.parametrize("coupling", ["normal", "nonnormal"])
def test_cluster_on_cut(func: str, cplx: bool, eps: float, coupling: str) -> None:
    """-r +- i eps r: normal pairs keep the principal function (it is what the data determine);
    nonnormal ones lie on the cut up to rounding and go on one branch, where the principal
    function of the exact matrix is of size |c| / eps. Either way X reproduces A to 1e-12 and
    ||X|| is at most 10x the reference's."""
    seed = int(17_000 + 1e3 * -np.log10(eps)) + cplx + (7 if func == "sqrtm" else 0)
    rng = np.random.default_rng(seed)
    r = rng.uniform(0.5, 3.0)
    c = eps * r if coupling == "normal" else r
    a, ref = cluster_on_cut(rng, func, r, eps * r, 1e2, cplx, c)
    x = _call(func, a)
    assert _fro(x) <= 10.0 * _fro(ref)
    # A normal pair is not on the cut: its principal logarithm (real for real input) is what the
    # data determine, with condition ~ 1/eps; the residual then reaches ~1e4 u (measured 3.4e-12
    # at eps = 1e-10 in a basis of condition 1e2), still a small backward error.
    tol = 1e-12 if coupling == "nonnormal" or func == "sqrtm" else 1e-11
    _check_residual(func, x, a, ref, tol)


@pytest.mark.parametrize("func", ["logm", "sqrtm"])
def test_mixed_batch_on_cut(func: str) -> None:
    """A batch of Jordan blocks on the cut, nonnormal clusters, matrices with a Jordan block at -r
    beside ordinary eigenvalues, and ordinary matrices: every member as alone, batch == loop."""
    rng = np.random.default_rng(16_900 + (1 if func == "sqrtm" else 0))
    d = 6
    mats, refs = [], []
    for kind in range(8):
        if kind % 4 == 0:
            a, ref = jordan_on_cut(rng, func, d, rng.uniform(0.5, 2.0), 1e2, False)
        elif kind % 4 == 1:
            a2, ref2 = cluster_on_cut(rng, func, 1.5, 1.5e-11, 1.0, False, 1.0)
            s = basis_with_condition(rng, d, 10.0, False)
            lam = rng.uniform(0.5, 2.0, d - 2)
            blk = np.zeros((d, d))
            blk[:2, :2], blk[2:, 2:] = a2, np.diag(lam)
            a = s @ blk @ np.linalg.inv(s)
            ref = None
        elif kind % 4 == 2:
            k = 4
            a4, _ = jordan_on_cut(rng, func, k, 1.0, 1.0, False)
            blk = np.zeros((d, d))
            blk[:k, :k], blk[k:, k:] = a4, np.diag(rng.uniform(1.0, 3.0, d - k))
            s = basis_with_condition(rng, d, 10.0, False)
            a = s @ blk @ np.linalg.inv(s)
            ref = None
        else:
            a = rng.standard_normal((d, d)) / np.sqrt(d) + 2 * np.eye(d)
            ref = None
        mats.append(a)
        refs.append(ref)
    stack = np.stack(mats)
    x = _call(func, stack)
    for i, a in enumerate(mats):
        xi = _call(func, a)
        np.testing.assert_array_equal(x[i], xi.astype(x.dtype))
        _check_residual(func, x[i], a, refs[i])
        if refs[i] is not None:
            assert _fro(x[i] - refs[i]) / _fro(refs[i]) <= 1e-11
    assert np.array_equal(_call(func, stack[:, None])[:, 0], x)


def test_three_layer_logarithm_on_cut() -> None:
    """The three-layer solver's verified logarithm takes the principal one (no rotation needed)
    for M with Jordan blocks on the cut, and it is the mpmath principal log."""
    rng = np.random.default_rng(16_777)
    ms, refs = [], []
    for k in (3, 5):
        for cplx in (False, True):
            a, ref = jordan_on_cut(rng, "logm", k, rng.uniform(0.5, 2.0), 1e2, cplx)
            ms.append(a.astype(np.complex128))
            refs.append(ref)
    for m, ref in zip(ms, refs):
        log, phi, res = logarithm(m[None], 1)
        assert res[0] <= LOG_TOL
        assert phi[0] == 0.0
        assert _fro(log[0] - ref) / _fro(ref) <= 1e-11


@pytest.mark.parametrize("func", ["logm", "sqrtm"])
def test_residual_check_warns_with_batch_indices(func: str) -> None:
    """A function so ill conditioned that X reproduces A to fewer than half the digits
    (a Jordan block at -1 in a basis of condition 1e12) does not come back silently."""
    rng = np.random.default_rng(16_123)
    bad, _ = jordan_on_cut(rng, func, 4, 1.0, 1e12, False)
    good = np.eye(4) * 2.0
    match = r"batch indices \[\(1,\)\]"
    with pytest.warns(nnla.errors.InaccurateResultWarning, match=match) as rec:
        FUNCS[func](np.stack([good, bad, good]))
    w = rec[0].message
    assert w.indices == [(1,)]
    assert w.residual[1] > np.sqrt(U64)
    assert w.residual[0] < 1e-14
