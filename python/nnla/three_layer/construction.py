"""The analytic construction: the prepared problem and the weights for a given ``mu``.

:func:`prepare` checks that ``X2 - X1``, ``Y1`` and ``Y2`` are invertible and computes what every
candidate ``mu`` shares (``(X2 - X1)^{-1}``, ``G``, ``M = Y1^{-1} Y2`` and its verified logarithm,
the condition numbers); :func:`construct` builds and verifies the weights

    W1 = mu (X2 - X1)^{-1},   A = L / (e^mu - 1),   W2 = A expm(-W1 X1),   W3 = Y1 expm(-A)

(``W3`` as the least-squares top layer) for a subset of the instances, one ``mu`` each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnla.errors import SingularMatrixError
from nnla.three_layer.common import (
    expm_checked,
    flat_indices,
    flat_where,
    fmt,
    fro,
    inv_cond,
    inv_each,
    lstsq_right,
    norm1,
    rel_residual,
)
from nnla.three_layer.logarithm import logarithm

__all__ = ["Problem", "construct", "prepare"]

_SINGULAR_HINT = {
    "X2 - X1": "the construction needs W1 = mu (X2 - X1)^{-1}; the two inputs must differ "
    "by an invertible, well-conditioned matrix",
    "Y1": "the construction needs Y1^{-1} Y2 and W3 = Y1 expm(-A); Y1 must be invertible",
    "Y2": "the logarithm of Y1^{-1} Y2 exists only for invertible Y2",
}


@dataclass
class Problem:
    """A flat batch of ``n`` problems, prepared for the construction.

    Attributes
    ----------
    x1, x2, y1, y2 : ndarray, shape (n, d, d)
        The two pairs (float64 for real data, complex128 otherwise).
    dinv : ndarray, shape (n, d, d)
        ``(X2 - X1)^{-1}``.
    g, m : ndarray, shape (n, d, d)
        ``G = (X2 - X1)^{-1} X1`` and ``M = Y1^{-1} Y2``.
    log : ndarray, shape (n, d, d)
        The logarithm ``L`` of ``M`` the construction uses (real or complex).
    phi, log_res : ndarray, shape (n,)
        Its branch rotation (0: principal) and check residual ``||expm(L) - M||_1 / ||M||_1``.
    n_dx : ndarray, shape (n,)
        ``||(X2 - X1)^{-1}||_1 max(||X1||_1, ||X2||_1)``, the rounding scale of ``W1 Xk``.
    cond_dx, cond_y1, cond_y2, cond_m, norm_g : ndarray, shape (n,)
        1-norm condition numbers of ``X2 - X1``, ``Y1``, ``Y2``, ``M``, and ``||G||_1``.
    """

    x1: np.ndarray
    x2: np.ndarray
    y1: np.ndarray
    y2: np.ndarray
    dinv: np.ndarray
    g: np.ndarray
    m: np.ndarray
    log: np.ndarray
    phi: np.ndarray
    log_res: np.ndarray
    n_dx: np.ndarray
    cond_dx: np.ndarray
    cond_y1: np.ndarray
    cond_y2: np.ndarray
    cond_m: np.ndarray
    norm_g: np.ndarray


def _raise_singular(
    name: str, cond: np.ndarray, bad: np.ndarray, batch: tuple[int, ...], extra: str = ""
) -> None:
    raise SingularMatrixError(
        f"{name} is singular or numerically singular (1-norm condition number "
        f"{fmt(cond[bad])}{extra}){flat_where(bad, batch)}",
        hint=_SINGULAR_HINT[name],
        indices=flat_indices(bad, batch),
    )


def prepare(
    x1: np.ndarray, x2: np.ndarray, y1: np.ndarray, y2: np.ndarray, batch: tuple[int, ...], nt: int
) -> Problem:
    """The :class:`Problem` of flat stacks ``(n, d, d)`` of the two pairs.

    Raises ``ValueError`` if ``X2 - X1`` overflows and :class:`nnla.errors.SingularMatrixError`
    (naming the batch indices of ``batch``) if ``X2 - X1``, ``Y1`` or ``Y2`` is singular or
    numerically singular.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.construction import prepare
    >>> eye = np.eye(2)[None]
    >>> p = prepare(0 * eye, 2 * eye, eye, np.e * eye, (), 1)
    >>> p.log[0].tolist(), p.cond_dx.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [1.0])
    """
    dx = x2 - x1
    if not np.isfinite(dx).all():
        raise ValueError("X2 - X1 overflows (its entries exceed the floating-point range)")
    dinv, cond_dx, bad = inv_cond(dx)
    if bad.any():
        with np.errstate(all="ignore"):
            g = norm1(dinv[bad] @ x1[bad]) if dinv is not None else np.full(bad.sum(), np.inf)
        _raise_singular("X2 - X1", cond_dx, bad, batch, f"; ||(X2 - X1)^-1 X1||_1 = {fmt(g)}")
    assert dinv is not None
    _, cond_y1, bad = inv_cond(y1)
    if bad.any():
        _raise_singular("Y1", cond_y1, bad, batch)
    y2inv, cond_y2, bad = inv_cond(y2)
    if bad.any():
        _raise_singular("Y2", cond_y2, bad, batch)
    assert y2inv is not None
    with np.errstate(all="ignore"):
        g = dinv @ x1
        m = np.linalg.solve(y1, y2)
        minv = y2inv @ y1
    log, phi, log_res = logarithm(np.ascontiguousarray(m), nt)
    n_dx = norm1(dinv) * np.maximum(norm1(x1), norm1(x2))
    return Problem(
        x1, x2, y1, y2, dinv, g, m, log, phi, log_res, n_dx,
        cond_dx=cond_dx, cond_y1=cond_y1, cond_y2=cond_y2,
        cond_m=norm1(m) * norm1(minv), norm_g=norm1(g),
    )


def construct(
    p: Problem, idx: np.ndarray, mu: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights, their residuals (n, 2) and kappa(B1) for instances ``idx`` with ``mu``.

    The construction ``W1 = mu (X2 - X1)^{-1}``, ``A = L / (e^mu - 1)``, ``W2 = A expm(-W1 X1)``
    (``expm(-W1 X1)`` as the LU inverse of ``expm(W1 X1)``). The top layer enters linearly,
    ``f(Xk) = W3 Ek`` with ``Ek = expm(W2 expm(W1 Xk))`` evaluated as the forward pass does, and
    ``W3`` is the least-squares solution of ``W3 [E1 E2] = [Y1 Y2]`` (each pair weighted by
    ``1/||Yk||_F``). In exact arithmetic it equals ``Y1 expm(-A)``; in floating point it absorbs
    the rounding errors of the lower layers. The residuals are those of the forward pass
    ``W3 expm(W2 expm(W1 Xk))`` of the returned weights, evaluated as
    :func:`nnla.three_layer.forward` does (``B1``, ``B2 = expm(W1 X2)``, ``E1``, ``E2`` from the
    weights and ``Xk`` alone); :func:`nnla.three_layer.solve` reports them for the candidate it
    keeps.

    Real ``mu`` (float64) means a real solution: the caller passes only instances with real data
    and a real logarithm, and everything is computed in real arithmetic.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.construction import construct, prepare
    >>> x1, x2, y1, y2 = np.random.default_rng(0).standard_normal((4, 2, 3, 3))
    >>> p = prepare(x1, x2, y1, y2, (2,), 1)
    >>> w1, w2, w3, res, kappa = construct(p, np.array([1]), np.array([np.log(2.0) + 0j]), 1)
    >>> bool(np.allclose(w1[0], np.log(2.0) * np.linalg.inv(x2[1] - x1[1]))), res.shape
    (True, (1, 2))
    """
    real = mu.dtype.kind == "f"
    dt = np.float64 if real else np.complex128
    m = mu[:, None, None]
    x1, x2, y1, y2 = (a[idx].astype(dt, copy=False) for a in (p.x1, p.x2, p.y1, p.y2))
    log = p.log[idx].real if real and p.log.dtype.kind == "c" else p.log[idx]
    with np.errstate(all="ignore"):
        w1 = m * p.dinv[idx].astype(dt, copy=False)
        a = log.astype(dt, copy=False) / np.expm1(m)
        # B1 = expm(W1 X1) as the forward pass computes it; W2 = A B1^{-1} (LU, batched).
        b1, ok1 = expm_checked(w1 @ x1, nt)
        ok_b = ok1 & np.isfinite(b1).all(axis=(-2, -1))
        binv, ok_i = inv_each(np.where(ok_b[:, None, None], b1, np.eye(b1.shape[-1])))
        ok_b &= ok_i
        w2 = a @ binv
        e1, ok2 = expm_checked(w2 @ b1, nt)
        b2, ok3 = expm_checked(w1 @ x2, nt)
        e2, ok4 = expm_checked(w2 @ b2, nt)
        ok = ok_b & ok2 & ok3 & ok4
        ok &= np.isfinite(e1).all(axis=(-2, -1)) & np.isfinite(e2).all(axis=(-2, -1))
        kappa = np.where(ok, norm1(b1) * norm1(binv), np.inf)
        w3 = np.zeros_like(w1)
        res = np.full((w1.shape[0], 2), np.inf)
        if ok.any():
            # Each pair weighted by 1/||Yk||_F, so that the fit balances the relative residuals.
            s1, s2 = (1.0 / fro(yk[ok])[:, None, None] for yk in (y1, y2))
            w3[ok] = lstsq_right(
                np.concatenate([y1[ok] * s1, y2[ok] * s2], axis=-1),
                np.concatenate([e1[ok] * s1, e2[ok] * s2], axis=-1),
            )
            w3k, okk = w3[ok], ok[ok]
            r1 = rel_residual(w3k @ e1[ok], y1[ok], okk)
            res[ok] = np.stack([r1, rel_residual(w3k @ e2[ok], y2[ok], okk)], axis=-1)
    return w1, w2, w3, res, kappa
