"""Shared batched numerics of :mod:`nnla.three_layer` (an internal module).

Norms, the non-raising matrix exponential (through :func:`nnla._native.run`), inverses that mark
singular matrices instead of raising, the least-squares top layer, eigenvalues over Python
threads, the flat forward pass with its relative residuals, and the formatting of batch indices
in messages. Every function works on flat stacks ``(n, d, d)`` and gives each matrix the same
result whatever the batch it is computed in.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from nnla._native import Status, batch_indices, run, where

__all__ = [
    "U",
    "eigvals",
    "expm_checked",
    "flat_indices",
    "flat_where",
    "fmt",
    "forward_flat",
    "fro",
    "inv_cond",
    "inv_each",
    "lstsq_right",
    "norm1",
    "rel_residual",
]

U = float(np.finfo(np.float64).eps) / 2
"""The unit roundoff of double precision."""


def norm1(a: np.ndarray) -> np.ndarray:
    """Matrix 1-norms of a stack (max column sum).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import norm1
    >>> norm1(np.array([[[1.0, -2.0], [3.0, 4.0]]]))
    array([6.])
    """
    return np.abs(a).sum(axis=-2).max(axis=-1)


def fro(a: np.ndarray) -> np.ndarray:
    """Frobenius norms of a stack.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import fro
    >>> fro(np.array([[[3.0, 0.0], [0.0, 4.0]]]))
    array([5.])
    """
    return np.sqrt((np.abs(a) ** 2).sum(axis=(-2, -1)))


def expm_checked(a: np.ndarray, nt: int) -> tuple[np.ndarray, np.ndarray]:
    """Batched expm of a stack ``(n, d, d)`` without raising: ``(result, ok mask)``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import expm_checked
    >>> e, ok = expm_checked(np.zeros((2, 3, 3)), 1)
    >>> bool(np.array_equal(e[1], np.eye(3))), ok.tolist()
    (True, [True, True])
    """
    if a.shape[0] == 0:
        return a.copy(), np.ones(0, dtype=bool)
    out, status = run("expm", np.ascontiguousarray(a), n_threads=nt)
    return out, status == Status.OK


def lstsq_right(y: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Least-squares ``W`` of ``W e = y`` for stacks ``e, y`` of shape (n, d, 2d), by QR.

    ``e^H = Q R`` (Q: 2d x d), so ``W = y Q R^{-H}``; matrices whose R is exactly singular get
    the minimum-norm solution by the pseudo-inverse instead.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import lstsq_right
    >>> e = np.concatenate([np.eye(2), 2 * np.eye(2)], axis=-1)[None]
    >>> bool(np.allclose(lstsq_right(3 * e, e), 3 * np.eye(2)))
    True
    """
    q, r = np.linalg.qr(np.conj(np.swapaxes(e, -1, -2)))
    yq = y @ q
    try:  # W R^H = y Q  <=>  conj(R) W^T = (y Q)^T
        return np.swapaxes(np.linalg.solve(np.conj(r), np.swapaxes(yq, -1, -2)), -1, -2)
    except np.linalg.LinAlgError:
        return y @ np.linalg.pinv(e)


def eigvals(a: np.ndarray, nt: int) -> np.ndarray:
    """Eigenvalues (complex128) of a stack, over ``nt`` Python threads for large stacks.

    numpy's LAPACK loops release the GIL; each matrix is one ``geev`` call whatever the split,
    so the result does not depend on ``nt``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import eigvals
    >>> eigvals(np.diag([1.0, 2.0])[None], 1)
    array([[1.+0.j, 2.+0.j]])
    """
    n = a.shape[0]
    if nt <= 1 or n < 256:
        return np.linalg.eigvals(a).astype(np.complex128, copy=False)
    parts = np.array_split(np.arange(n), nt)
    with ThreadPoolExecutor(max_workers=nt) as pool:
        outs = list(pool.map(lambda ix: np.linalg.eigvals(a[ix]).astype(np.complex128), parts))
    return np.concatenate(outs)


def inv_each(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched inverse that marks exactly singular matrices instead of raising: ``(inv, ok)``.

    numpy's batched ``inv`` raises for the whole stack; then the stack is split in halves
    until the singular matrices are isolated (the same LAPACK call per matrix whatever the
    split, so the results do not depend on the batch); a singular matrix gets the identity.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import inv_each
    >>> inv, ok = inv_each(np.stack([2 * np.eye(2), np.zeros((2, 2))]))
    >>> inv[0].tolist(), ok.tolist()
    ([[0.5, 0.0], [0.0, 0.5]], [True, False])
    """
    try:
        return np.linalg.inv(a), np.ones(a.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        if a.shape[0] == 1:
            return np.eye(a.shape[-1], dtype=a.dtype)[None], np.zeros(1, dtype=bool)
    h = a.shape[0] // 2
    (i1, ok1), (i2, ok2) = inv_each(a[:h]), inv_each(a[h:])
    return np.concatenate([i1, i2]), np.concatenate([ok1, ok2])


def inv_cond(a: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Inverse, 1-norm condition number and singular mask of each matrix of a stack (n, d, d).

    Singular means exactly singular or numerically singular: condition number >= 1 / (d u).
    The inverse is None when some matrix is exactly singular.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import inv_cond
    >>> inv, cond, bad = inv_cond(np.stack([np.diag([1.0, 4.0]), np.diag([1.0, 1e-17])]))
    >>> cond.tolist(), bad.tolist()
    ([4.0, 1e+17], [False, True])
    """
    d = a.shape[-1]
    with np.errstate(all="ignore"):
        try:
            inv: np.ndarray | None = np.linalg.inv(a)
            cond = norm1(a) * norm1(inv)
        except np.linalg.LinAlgError:
            inv = None
            sv = np.linalg.svd(a, compute_uv=False)
            cond = sv[:, 0] / sv[:, -1]
    bad = ~np.isfinite(cond) | (cond * d * U >= 1.0)
    return inv, cond, bad


def forward_flat(
    w1: np.ndarray, w2: np.ndarray, w3: np.ndarray, x: np.ndarray, nt: int
) -> tuple[np.ndarray, np.ndarray]:
    """``W3 expm(W2 expm(W1 X))`` on flat stacks, never raising: ``(result, ok mask)``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import forward_flat
    >>> z, eye = np.zeros((1, 2, 2)), np.eye(2)[None]
    >>> f, ok = forward_flat(z, z, 3 * eye, eye, 1)
    >>> f[0].tolist(), ok.tolist()
    ([[3.0, 0.0], [0.0, 3.0]], [True])
    """
    with np.errstate(all="ignore"):
        e1, ok1 = expm_checked(w1 @ x, nt)
        e2, ok2 = expm_checked(w2 @ e1, nt)
        out = w3 @ e2
    ok = ok1 & ok2 & np.isfinite(out).all(axis=(-2, -1))
    return out, ok


def rel_residual(f: np.ndarray, y: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``||f - y||_F / ||y||_F`` per matrix; infinite where ``ok`` is false or it is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import rel_residual
    >>> y = np.ones((2, 2, 2))
    >>> rel_residual(1.5 * y, y, np.array([True, False])).tolist()
    [0.5, inf]
    """
    with np.errstate(all="ignore"):
        r = fro(f - y) / fro(y)
    r = np.where(ok & np.isfinite(r), r, np.inf)
    return r


def fmt(values: np.ndarray) -> str:
    """The first five values, ``%.3g``, for messages.

    Examples
    --------
    >>> from nnla.three_layer.common import fmt
    >>> fmt([1e-3, 2.5, 3, 4, 5, 6])
    '0.001, 2.5, 3, 4, 5, ...'
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    shown = ", ".join(f"{x:.3g}" for x in v[:5])
    return shown + (", ..." if v.size > 5 else "")


def flat_where(mask: np.ndarray, batch: tuple[int, ...]) -> str:
    """``' at batch indices [...]'`` for a flat mask of a batch, ``''`` for a single problem.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import flat_where
    >>> flat_where(np.array([False, True, False, False]), (2, 2))
    ' at batch indices [(0, 1)]'
    """
    return where(mask.reshape(batch))


def flat_indices(mask: np.ndarray, batch: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The batch indices where a flat mask of a batch is true (``[()]`` for a single problem).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.common import flat_indices
    >>> flat_indices(np.array([False, True, False, True]), (2, 2))
    [(0, 1), (1, 1)]
    """
    m = mask.reshape(batch)
    return batch_indices(m) if m.ndim else ([()] if bool(m) else [])
