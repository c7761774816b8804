"""The candidates for ``mu``: an error model that ranks them, and the cascade of stages.

The model (:func:`rank_candidates`) estimates the log-error of the construction for a ``mu`` from
the eigenvalues of ``G = (X2 - X1)^{-1} X1`` and of ``L``; :func:`candidate_lists` turns the ranked
grid and the defaults into the per-instance stages the mu search tries in turn.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "FIRST_COMPLEX",
    "FIRST_REAL",
    "N_GRID_FALLBACK",
    "candidate_lists",
    "rank_candidates",
    "spectral_candidates",
]

_DEFAULTS = (np.log(2.0), 0.5j * np.pi, -0.5j * np.pi, 1.0)
# The default tried first by "auto", before any eigenvalues are computed (the one of _DEFAULTS
# that reached 2^-44 most often on random d = 8 data: 88% complex, 72% real).
FIRST_COMPLEX = 1.0
FIRST_REAL = 0.5j * np.pi
_RADII = np.geomspace(1e-3, 20.0, 10)
_ANGLES = np.linspace(-np.pi, np.pi, 12, endpoint=False)
_REAL_GRID = np.concatenate([np.geomspace(1e-3, 20.0, 24), -np.geomspace(1e-3, 20.0, 24)])
_RADII_DENSE = np.geomspace(1e-4, 30.0, 24)
_ANGLES_DENSE = np.linspace(-np.pi, np.pi, 32, endpoint=False)
_N_DENSE = 16
N_GRID_FALLBACK = 10  # grid candidates tried after the defaults
_CHUNK = 256  # instances per block in the vectorised candidate ranking


def _spread(re: np.ndarray) -> np.ndarray:
    return re.max(axis=-1) - re.min(axis=-1)


def rank_candidates(
    grid: np.ndarray,
    lam_g: np.ndarray,
    ell: np.ndarray,
    n_dx: np.ndarray,
    nt: int = 1,
) -> np.ndarray:
    """Estimated log-error of each candidate ``mu`` for each instance: shape (n, K).

    ``grid`` holds the candidates per instance, shape (n, K). The model:
    ``log(err/u) ~ s1 + s2 + log(magnitudes)``, where ``s1`` is the spread of
    ``Re(mu lambda_j(G))`` (``log kappa(B1)``, ``kappa(B1) = ||e^{mu G}|| ||e^{-mu G}||``; infinite
    where ``e^{+-mu lambda_j}`` would leave the floating-point range), ``s2`` the larger spread of
    ``Re(c ell_j)`` for ``c = 1/(e^mu - 1)`` and ``e^mu/(e^mu - 1)`` (the top layer's
    cancellation ``||e^{-A}|| ||e^{A}||`` and ``||e^{-A}|| ||e^{e^mu A}|| / ||e^L||``), and the
    magnitudes the sizes of the exponents and the rounding of ``W1 X2 - W1 X1 = mu I``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.candidates import rank_candidates
    >>> lam_g = np.array([[10j, -10j]])  # mu i 10 purely imaginary for real mu: no amplification
    >>> cost = rank_candidates(np.array([[1.0 + 0j, 1j]]), lam_g, np.zeros((1, 2)), np.ones(1))
    >>> bool(cost[0, 0] < cost[0, 1])
    True
    """
    n, k = grid.shape
    with np.errstate(all="ignore"):
        c1 = 1.0 / np.expm1(grid)  # (n, K)
    c2 = 1.0 + c1
    rho_g = np.abs(lam_g).max(axis=-1)[:, None]  # (n, 1)
    n_l = np.abs(ell).max(axis=-1)[:, None]
    out = np.empty((n, k))

    def re_prod(z: np.ndarray, w: np.ndarray) -> np.ndarray:
        # Re(z_k w_j) for z (m, K), w (m, d): (m, K, d), in real single precision (a ranking).
        zr, zi = z.real.astype(np.float32), z.imag.astype(np.float32)
        wr, wi = w.real.astype(np.float32), w.imag.astype(np.float32)
        return zr[:, :, None] * wr[:, None, :] - zi[:, :, None] * wi[:, None, :]

    def block(s: int) -> None:
        sl = slice(s, s + _CHUNK)
        g = grid[sl]
        with np.errstate(all="ignore"):  # huge inputs rank last (inf or nan cost)
            re1 = re_prod(g, lam_g[sl])
            hi, lo = re1.max(axis=-1), re1.min(axis=-1)
            s1 = np.where(np.maximum(hi, -lo) < 600.0, hi - lo, np.inf)
            s2 = np.maximum(_spread(re_prod(c1[sl], ell[sl])), _spread(re_prod(c2[sl], ell[sl])))
            ag = np.abs(g)
            mag = 2.0 + ag * rho_g[sl] + np.abs(c2[sl]) * n_l[sl] * (1.0 + ag * n_dx[sl, None])
            out[sl] = s1 + s2 + np.log(mag)

    starts = range(0, n, _CHUNK)
    if nt > 1 and n > 2 * _CHUNK:  # numpy's loops release the GIL; blocks are disjoint
        with ThreadPoolExecutor(max_workers=nt) as pool:
            list(pool.map(block, starts))
    else:
        for s in starts:
            block(s)
    return np.where(np.isnan(out), np.inf, out)


def spectral_candidates(lam_g: np.ndarray, radii: np.ndarray = _RADII) -> np.ndarray:
    """Per instance, ``mu`` with ``mu lambda`` purely imaginary for the two largest eigenvalues
    ``lambda`` of ``G`` (both signs, every radius): shape (n, 4 len(radii)).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.candidates import spectral_candidates
    >>> mus = spectral_candidates(np.array([[2.0 + 0j, 1.0 + 0j]]), np.array([1.0]))
    >>> bool(np.allclose((mus * 2.0).real, 0))  # mu lambda purely imaginary
    True
    """
    top = np.take_along_axis(lam_g, np.argsort(-np.abs(lam_g), axis=1)[:, :2], axis=1)
    if top.shape[1] == 1:
        top = np.concatenate([top, top], axis=1)
    theta = np.pi / 2 - np.angle(top)  # (n, 2)
    dirs = np.exp(1j * np.concatenate([theta, theta + np.pi], axis=1))  # (n, 4)
    return (dirs[:, :, None] * radii[None, None, :]).reshape(lam_g.shape[0], -1)


def candidate_lists(
    mode: str,
    lam_g: np.ndarray,
    ell: np.ndarray,
    n_dx: np.ndarray,
    real: bool,
    dense: bool = False,
    nt: int = 1,
    skip: complex | None = None,
) -> list[np.ndarray]:
    """The cascade of ``mu`` candidates per instance: a list of (n,) arrays.

    ``dense``: the last resort for instances that missed the tolerance, a finer grid
    (``_RADII_DENSE`` x ``_ANGLES_DENSE`` plus the spectral directions), its best ranked
    ``_N_DENSE`` candidates and no defaults. ``skip``: a default already tried, left out.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.three_layer.candidates import candidate_lists
    >>> lam_g, ell = np.array([[1.0 + 0j, -1.0 + 0j]]), np.array([[0.1 + 0j, 0.2 + 0j]])
    >>> stages = candidate_lists("auto", lam_g, ell, np.ones(1), real=False)
    >>> len(stages)  # the best ranked candidate, four defaults, ten more ranked ones
    15
    """
    n = lam_g.shape[0]
    if dense:
        base = (_RADII_DENSE[:, None] * np.exp(1j * _ANGLES_DENSE)[None, :]).ravel()
        grid = np.concatenate(
            [np.broadcast_to(base, (n, base.size)), spectral_candidates(lam_g, _RADII_DENSE)],
            axis=1,
        )
        cost = rank_candidates(grid, lam_g, ell, n_dx, nt)
        order = np.argsort(cost, axis=1, kind="stable")[:, :_N_DENSE]
        pick = np.take_along_axis(grid, order, axis=1)
        return [pick[:, k] for k in range(_N_DENSE)]
    if mode == "real" or real:
        base = _REAL_GRID if real and mode == "auto" else _REAL_GRID[_REAL_GRID > 0]
        grid = np.broadcast_to(base.astype(np.complex128), (n, base.size))
        defaults: tuple = (np.log(2.0), 1.0) if mode == "real" else (np.log(2.0), 1.0, -np.log(2.0))
    else:
        base = (_RADII[:, None] * np.exp(1j * _ANGLES)[None, :]).ravel()
        tiny = np.abs(base.real) < 1e-12 * np.abs(base)
        base = np.where(tiny, 1j * base.imag, base)  # exactly imaginary on the imaginary axis
        grid = np.concatenate(
            [np.broadcast_to(base, (n, base.size)), spectral_candidates(lam_g)], axis=1
        )
        defaults = _DEFAULTS
    cost = rank_candidates(grid, lam_g, ell, n_dx, nt)
    order = np.argsort(cost, axis=1, kind="stable")
    pick = np.take_along_axis(grid, order[:, : 1 + N_GRID_FALLBACK], axis=1)
    if mode == "real" or real:
        pick = pick.real
    stages = [pick[:, 0]]
    stages += [np.full(n, mu, dtype=pick.dtype) for mu in defaults if mu != skip]
    stages += [pick[:, k] for k in range(1, 1 + N_GRID_FALLBACK)]
    return stages
