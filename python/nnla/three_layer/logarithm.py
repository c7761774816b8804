"""The logarithm ``L`` of ``M = Y1^{-1} Y2``, principal or on a rotated branch, verified.

:func:`logarithm` takes the principal logarithm where its check
``||expm(L) - M||_1 / ||M||_1 <= LOG_TOL`` passes and the rotated branch
``L = logm(e^{-i phi} M) + i phi I`` (:func:`rotated_logarithm`) where it does not; the mu search
also tries the rotated branch where the principal one has a large norm. Every native call goes
through :func:`nnla._native.run` and never raises.
"""

from __future__ import annotations

import numpy as np

from nnla._native import Status, run
from nnla.three_layer.common import expm_checked, norm1

__all__ = ["LOG_TOL", "choose_rotation", "logarithm", "rotated_logarithm"]

LOG_TOL = 1e-10
"""Accepted ``||expm(L) - M||_1 / ||M||_1`` of a logarithm."""


def choose_rotation(eig_m: np.ndarray) -> np.ndarray:
    """Angle phi per instance turning the eigenvalues of M farthest from the negative axis.

    ``phi`` is one of 32 angles in ``[-pi, pi)``: the one that maximises the smallest distance
    of ``arg(lambda) - phi`` to the cut at ``+-pi``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.logarithm import choose_rotation
    >>> float(choose_rotation(np.array([[-1.0 + 0j, -2.0 + 0j]]))[0])  # onto the positive axis
    -3.141592653589793
    """
    phis = np.linspace(-np.pi, np.pi, 32, endpoint=False)
    args = np.angle(eig_m)[:, None, :] - phis[None, :, None]
    wrapped = np.angle(np.exp(1j * args))  # in (-pi, pi]
    dist = (np.pi - np.abs(wrapped)).min(axis=-1)  # distance to the cut
    return phis[np.argmax(dist, axis=1)]


def rotated_logarithm(
    m: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rotated branch ``L = logm(e^{-i phi} M) + i phi I`` of a stack of ``M``.

    ``phi`` turns the eigenvalues of ``M`` farthest from the negative real axis (the cut of the
    principal logarithm). Returns ``(L, phi, check residual ||expm(L) - M||_1 / ||M||_1,
    eigenvalues of L)``; each matrix is one LAPACK/kernel call, so the result of an instance does
    not depend on its batch.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.logarithm import rotated_logarithm
    >>> lr, phi, res, ell = rotated_logarithm(-np.eye(2)[None], 1)  # e^{-i phi} M = I
    >>> bool(np.allclose(lr[0], 1j * phi[0] * np.eye(2))), bool(res[0] < 1e-15)
    (True, True)
    """
    d = m.shape[-1]
    eig = np.linalg.eigvals(m).astype(np.complex128, copy=False)
    ph = choose_rotation(eig)
    rot = np.ascontiguousarray(np.exp(-1j * ph)[:, None, None] * m)
    lr, st = run("logm", rot, n_threads=nt)
    okr = st == Status.OK
    lr = np.where(okr[:, None, None], lr, 0) + 1j * ph[:, None, None] * np.eye(d)
    with np.errstate(all="ignore"):
        er, ok_er = expm_checked(lr, nt)
        rr = norm1(er - m) / norm1(m)
        ell = np.log(eig * np.exp(-1j * ph)[:, None]) + 1j * ph[:, None]
    rr = np.where(okr & ok_er & np.isfinite(rr), rr, np.inf)
    return lr, ph, rr, ell


def logarithm(m: np.ndarray, nt: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L with a verified ``expm(L) = M``: (L complex or real, phi, check residual).

    The eigenvalues of ``M`` (for the rotation ``phi``) are computed only for the instances
    whose principal logarithm fails its check.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.logarithm import logarithm
    >>> log, phi, res = logarithm(np.stack([np.e * np.eye(2), -np.eye(2)]), 1)
    >>> bool(np.allclose(log[0], np.eye(2))), phi.tolist(), bool(res.max() < 1e-15)
    (True, [0.0, 0.0], True)
    """
    n = m.shape[0]
    log, status = run("logm", m, n_threads=nt)
    ok = status == Status.OK
    log = np.where(ok[:, None, None], log, 0)
    with np.errstate(all="ignore"):
        if m.dtype.kind == "f" and log.dtype.kind == "c":
            # logm decides the dtype for the whole batch; check each real logarithm in real
            # arithmetic so that an instance's result does not depend on its batch.
            e = np.empty_like(log)
            ok_e = np.empty(n, dtype=bool)
            isreal = (log.imag == 0).all(axis=(-2, -1))
            for sel, part in ((isreal, log.real), (~isreal, log)):
                if sel.any():
                    e[sel], ok_e[sel] = expm_checked(np.ascontiguousarray(part[sel]), nt)
        else:
            e, ok_e = expm_checked(log, nt)
        res = norm1(e - m) / norm1(m)
    res = np.where(ok & ok_e & np.isfinite(res), res, np.inf)
    phi = np.zeros(n)
    bad = res > LOG_TOL
    if bad.any():
        b = np.flatnonzero(bad)
        lr, ph, rr, _ = rotated_logarithm(m[b], nt)
        better = (rr <= LOG_TOL) | (rr < res[b])
        if better.any():
            log = log.astype(np.complex128)
            log[b[better]] = lr[better]
            res[b[better]] = rr[better]
            phi[b[better]] = ph[better]
    return log, phi, res
