"""Refinement off the analytic family, for the rare instances the closed form leaves above
``REFINE_LEVEL``.

The construction forces ``W1 = mu (X2 - X1)^{-1}``, which gives ``G`` a large part along the
smallest singular direction of ``X2 - X1``. :func:`refine` damps that direction in ``W1`` and
solves for ``W2`` by a Newton continuation in the target (:func:`homotopy_w2`); ``W3`` is the
least-squares top layer, and the result is verified by its own forward pass.
"""

from __future__ import annotations

import numpy as np

from nnla.errors import NonFiniteResultError
from nnla.linalg import expm_frechet
from nnla.three_layer.common import (
    expm_checked,
    forward_flat,
    fro,
    lstsq_right,
    norm1,
    rel_residual,
)
from nnla.three_layer.construction import Problem

__all__ = ["REFINE_LEVEL", "REFINE_MAX_D", "homotopy_w2", "refine"]

REFINE_LEVEL = 1e-10
"""Instances still above this residual are refined (``solve(..., refine=True)``)."""
REFINE_MAX_D = 16
"""Larger matrices are not refined (the Jacobian is ``d^2 x d^2``)."""
_RHOS = (0.1, 0.3)  # damping of the smallest singular direction of X2 - X1 in W1
_HOM_DS0, _HOM_DS_MAX, _HOM_DS_MIN = 0.02, 0.1, 1e-4  # steps of the target homotopy
_HOM_MAX_STEPS = 200
_HOM_MAX_NEWTON = 600  # Newton iterations per homotopy, in all
_HOM_NEWTON = 8  # Newton iterations per homotopy step
_HOM_TRACK, _HOM_FINAL = 1e-9, 1e-13  # Newton tolerances along the path and at its end


def _newton(
    w: np.ndarray,
    b: tuple[np.ndarray, np.ndarray],
    units: tuple[np.ndarray, np.ndarray],
    target: np.ndarray,
    final: bool,
    nt: int,
) -> tuple[bool, np.ndarray, int]:
    """Newton for ``expm(-W B1) expm(W B2) = target`` from ``w``: (converged, W, iterations).

    At most ``_HOM_NEWTON`` iterations, to ``_HOM_TRACK`` along the path or ``_HOM_FINAL`` at its
    end (``final``), where a stall at the rounding level counts as converged below
    ``_HOM_TRACK``. ``units`` are ``E B1`` and ``E B2`` for the ``d^2`` unit matrices ``E``.
    """
    (b1, b2), (eb1, eb2) = b, units
    d = b1.shape[-1]
    n = d * d
    level = _HOM_FINAL if final else _HOM_TRACK
    prev = np.inf
    for k in range(1, _HOM_NEWTON + 1):
        z1, z2 = w @ b1, w @ b2
        e, ok_e = expm_checked(np.stack([-z1, z2]), nt)
        if not ok_e.all():
            return False, w, k
        f = e[0] @ e[1] - target
        nf = float(np.linalg.norm(f) / np.linalg.norm(target))
        if not np.isfinite(nf):
            return False, w, k
        if nf < level:
            return True, w, k
        if final and nf >= 0.5 * prev:  # stalled at the rounding level
            return nf < _HOM_TRACK, w, k
        prev = nf
        a = np.ascontiguousarray(np.concatenate([np.broadcast_to(-z1, (n, d, d)),
                                                 np.broadcast_to(z2, (n, d, d))]))
        try:
            _, fr = expm_frechet(a, np.concatenate([-eb1, eb2]), n_threads=nt)
            jac = (fr[:n] @ e[1] + e[0] @ fr[n:]).reshape(n, n).T
            step = np.linalg.solve(jac, -f.ravel())
        except (np.linalg.LinAlgError, ValueError, NonFiniteResultError):
            return False, w, k
        w = w + step.reshape(d, d)
    return False, w, _HOM_NEWTON


def homotopy_w2(
    b1: np.ndarray, b2: np.ndarray, log: np.ndarray, nt: int
) -> np.ndarray | None:
    """``W2`` with ``expm(-W2 B1) expm(W2 B2) = expm(L)`` for one instance, or None.

    Continuation in the target: ``M(s) = expm(s L)``, ``s`` from 0 (``W2 = 0``) to 1, Newton at
    each ``s`` from the previous ``W2`` with the ``d^2 x d^2`` Jacobian from
    :func:`nnla.expm_frechet` over the ``d^2`` unit directions (``d(e^{-W2 B1} e^{W2 B2}) =
    L(-W2 B1, -E B1) e^{W2 B2} + e^{-W2 B1} L(W2 B2, E B2)``); the step in ``s`` grows by 1.5 after
    a converged step (at most 0.1) and halves after a failed one; None after
    ``_HOM_MAX_STEPS`` steps or ``_HOM_MAX_NEWTON`` Newton iterations.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.refinement import homotopy_w2
    >>> b1, b2 = np.eye(2), 2 * np.eye(2)  # expm(-W2) expm(2 W2) = expm(W2): W2 = L
    >>> log = np.array([[0.1, 0.2], [0.0, -0.3]])
    >>> bool(np.allclose(homotopy_w2(b1, b2, log, 1), log, rtol=0, atol=1e-12))
    True
    """
    d = b1.shape[-1]
    n = d * d
    unit = np.zeros((n, d, d), dtype=np.complex128)
    unit[np.arange(n), np.arange(n) // d, np.arange(n) % d] = 1.0
    units = (unit @ b1, unit @ b2)
    w2 = np.zeros((d, d), dtype=np.complex128)
    s, ds, steps, iters = 0.0, _HOM_DS0, 0, 0
    with np.errstate(all="ignore"):
        while s < 1.0:
            if ds < _HOM_DS_MIN or steps >= _HOM_MAX_STEPS or iters >= _HOM_MAX_NEWTON:
                return None
            steps += 1
            sn = min(1.0, s + ds)
            target, ok_t = expm_checked(np.ascontiguousarray(sn * log[None]), nt)
            if not ok_t[0]:
                return None
            conv, w, k = _newton(w2, (b1, b2), units, target[0], sn >= 1.0, nt)
            iters += k
            if conv and np.isfinite(w).all():
                s, w2 = sn, w
                ds = min(1.5 * ds, _HOM_DS_MAX)
            else:
                ds /= 2
    return w2


def refine(
    p: Problem, i: int, mu: complex, log: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Weights off the analytic family for instance ``i``: (W1, W2, W3, residuals, kappa(B1)),
    or None.

    ``X2 - X1 = U S V^H``; ``W1 = mu (I - (1 - rho) v v^H) (X2 - X1)^{-1}`` with ``v`` the right
    singular vector of the smallest singular value damps the direction in which ``G`` has its
    large (rank-one) part, so that ``expm(W1 X1)`` is far better conditioned, at the price of
    ``expm(W1 X2) != e^mu expm(W1 X1)``: ``W2`` then solves ``expm(-W2 B1) expm(W2 B2) = M``
    (:func:`homotopy_w2`), and ``W3`` is the least-squares top layer of
    :func:`nnla.three_layer.construction.construct`. The residuals are those of the forward pass
    of the returned weights. Each ``rho`` of ``_RHOS`` is tried; the best result is returned.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.construction import prepare
    >>> from nnla.three_layer.refinement import refine
    >>> x1, x2, y1, y2 = np.random.default_rng(1).standard_normal((4, 1, 2, 2))
    >>> p = prepare(x1, x2, y1, y2, (), 1)
    >>> w1, w2, w3, res, kappa = refine(p, 0, 1.0, p.log[0], 1)
    >>> bool(res.max() < 1e-12)
    True
    """
    x1, x2, y1, y2 = (a[i].astype(np.complex128) for a in (p.x1, p.x2, p.y1, p.y2))
    d = x1.shape[-1]
    try:
        _, _, vh = np.linalg.svd(x2 - x1)
    except np.linalg.LinAlgError:
        return None
    v = np.conj(vh[-1])
    proj = np.outer(v, np.conj(v))
    dinv = p.dinv[i].astype(np.complex128)
    best: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None = None
    for rho in _RHOS:
        w1 = mu * (np.eye(d) - (1.0 - rho) * proj) @ dinv
        with np.errstate(all="ignore"):
            b, ok = expm_checked(np.stack([w1 @ x1, w1 @ x2]), nt)
        if not ok.all():
            continue
        w2 = homotopy_w2(b[0], b[1], log.astype(np.complex128), nt)
        if w2 is None:
            continue
        with np.errstate(all="ignore"):
            e, ok = expm_checked(np.stack([w2 @ b[0], w2 @ b[1]]), nt)
            if not ok.all():
                continue
            s1, s2 = 1.0 / fro(y1), 1.0 / fro(y2)
            w3 = lstsq_right(np.concatenate([y1 * s1, y2 * s2], axis=-1)[None],
                              np.concatenate([e[0] * s1, e[1] * s2], axis=-1)[None])[0]
        ws = [np.broadcast_to(a, (2, d, d)) for a in (w1, w2, w3)]
        f, okf = forward_flat(*(np.ascontiguousarray(a) for a in ws), np.stack([x1, x2]), nt)
        res = rel_residual(f, np.stack([y1, y2]), okf)
        if best is None or res.max() < best[3].max():
            with np.errstate(all="ignore"):
                kap = float(norm1(b[0]) * norm1(np.linalg.inv(b[0])))
            best = (w1, w2, w3, res, kap)
        if res.max() <= REFINE_LEVEL:
            break
    return best
