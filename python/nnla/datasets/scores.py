"""Scores of predicted matrix-function values, as the literature on learning them reports them.

A prediction ``P`` of a solution ``S`` is correct when its relative error is below a tolerance;
the score is the share of correct predictions over all samples, predictions that failed to decode
(or are NaN) counted as wrong.  Norms (Charton, "Linear algebra with transformers", 2022):

``d1``    ``sum |P - S| / sum |S|`` (LAWT's default).
``d2``    ``sum |P - S|^2 / sum |S|^2`` (LAWT's squared-Frobenius ratio: compare with ``tol``, so a
          2% tolerance in d2 is ``||P - S||_F <= 14% ||S||_F``).
``fro``   ``||P - S||_F / ||S||_F``.
``max``   ``max |P - S| / max |S|``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from nnla._validate import check_choice
from nnla.datasets.encodings import Decoded
from nnla.datasets.pairs import DatasetInfo

__all__ = ["NORMS", "ScoreReport", "score"]

NORMS: tuple[str, ...] = ("d1", "d2", "fro", "max")
_QUANTILES = (0.5, 0.9, 0.99)


@dataclass(repr=False)
class ScoreReport:
    """Errors of predicted matrix-function values, per sample and summarised.

    Attributes
    ----------
    errors : ndarray, shape (n_scored,)
        Relative error of each scored sample in ``norm`` (inf where the prediction failed to
        decode or is not finite).
    norm : str
        The norm of ``errors`` and ``within`` (see :data:`NORMS`).
    quantiles : dict of float to float
        Quantiles (0.5, 0.9, 0.99) of ``errors`` and ``"mean"``, ``"max"``.
    within : dict of float to float
        Share of scored samples with ``errors < tol`` for each tolerance (failed decodes are
        scored, and wrong).
    n_scored : int
        Number of samples scored (the valid ones when ``info`` is given).
    n_failed : int
        Scored predictions that failed to decode or are not finite (counted as wrong).
    fro : ndarray, shape (n_scored,)
        The relative Frobenius error of each sample, whatever ``norm`` is.
    kernel_error : dict or None
        Quantiles of ``cond * u`` (``u`` the unit roundoff of the data set's dtype): the error
        to expect of the exact kernel, when ``info`` with a condition estimate is given.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import datasets
    >>> rep = datasets.score(np.ones((3, 2, 2)) * 1.01, np.ones((3, 2, 2)))
    >>> rep.n_scored, rep.n_failed, rep.within[0.02], rep.within[0.005]
    (3, 0, 1.0, 0.0)
    """

    errors: np.ndarray
    norm: str
    quantiles: dict[object, float]
    within: dict[float, float]
    n_scored: int
    n_failed: int
    fro: np.ndarray
    kernel_error: dict[object, float] | None = None

    def summary(self) -> str:
        """A short table of the errors."""
        q = self.quantiles
        lines = [
            f"relative error ({self.norm}) over {self.n_scored} samples "
            f"({self.n_failed} failed predictions): median {q[0.5]:.3g}, 90% {q[0.9]:.3g}, "
            f"99% {q[0.99]:.3g}, max {q['max']:.3g}",
            "within tolerance: "
            + ", ".join(f"{t:g}: {100 * s:.1f}%" for t, s in self.within.items()),
        ]
        if self.kernel_error is not None:
            k = self.kernel_error
            lines.append(
                f"exact kernel (cond * u): median {k[0.5]:.3g}, 99% {k[0.99]:.3g}, "
                f"max {k['max']:.3g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        w = ", ".join(f"{t:g}: {s:.3f}" for t, s in self.within.items())
        return (
            f"ScoreReport(norm={self.norm!r}, n_scored={self.n_scored}, "
            f"n_failed={self.n_failed}, median={self.quantiles[0.5]:.3g}, within={{{w}}})"
        )


def _quantiles(v: np.ndarray) -> dict[object, float]:
    if v.size == 0:
        out: dict[object, float] = dict.fromkeys(_QUANTILES, math.nan)
        out.update(mean=math.nan, max=math.nan)
        return out
    with np.errstate(invalid="ignore"):  # inf errors (failed predictions) may meet in a quantile
        qs = np.quantile(v, _QUANTILES)
    out = {q: float(x) for q, x in zip(_QUANTILES, qs)}
    out.update(mean=float(v.mean()), max=float(v.max()))
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        err = num / den
    return np.where(np.isnan(err), np.inf, err)  # a NaN prediction counts as infinitely wrong


def score(
    pred: ArrayLike | Decoded,
    true: ArrayLike,
    *,
    tolerances: Sequence[float] = (0.05, 0.02, 0.01, 0.005),
    norm: str = "d1",
    info: DatasetInfo | None = None,
) -> ScoreReport:
    """Score predicted matrix-function values against the true ones.

    Parameters
    ----------
    pred : Decoded or array_like, shape (n, d, d) or (n, d*d)
        Predictions: a :func:`nnla.datasets.decode` result (its failed samples count as wrong)
        or an array (NaN or infinite predictions count as wrong; flattened matrices are
        reshaped like ``true``).
    true : array_like, shape (n, d, d)
        The true values, e.g. ``FX`` of :func:`matrix_function_pairs`.
    tolerances : sequence of float, default (0.05, 0.02, 0.01, 0.005)
        A prediction is correct when its relative error is below the tolerance.
    norm : {"d1", "d2", "fro", "max"}, default "d1"
        The relative error (see the module docstring); ``ScoreReport.fro`` has the Frobenius
        one in any case.
    info : DatasetInfo, optional
        Restrict the score to ``info.valid`` samples and report the exact kernel's expected
        error ``info.cond * u`` next to the model's.

    Returns
    -------
    ScoreReport
        Per-sample errors, quantiles, shares within the tolerances and the count of failed
        predictions.

    Raises
    ------
    ValueError
        If the shapes do not match, the arrays are not numeric, a tolerance is not positive, the
        norm is unknown, or ``true`` has a zero or non-finite scored sample.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> X, FX, info = nnla.datasets.matrix_function_pairs("expm", 100, 3, scale=1.0, seed=2)
    >>> rep = nnla.datasets.score(FX * 1.03, FX, info=info)
    >>> rep.within
    {0.05: 1.0, 0.02: 0.0, 0.01: 0.0, 0.005: 0.0}
    >>> dec = nnla.datasets.decode(nnla.datasets.encode(FX, "P1000"), "P1000")
    >>> nnla.datasets.score(dec, FX).within[0.005], dec.n_failed
    (1.0, 0)
    """
    norm = check_choice(norm, "norm", NORMS)
    failed = None
    if isinstance(pred, Decoded):
        failed = ~pred.ok
        pred = pred.values
    t = np.asarray(true)
    p = np.asarray(pred)
    for name, a in (("true", t), ("pred", p)):
        if a.dtype.kind not in "iufc":
            raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if t.ndim < 2:
        raise ValueError(f"true must have shape (n, d, d) or (n, k), got {t.shape}")
    n = t.shape[0]
    if p.shape != t.shape:
        if p.ndim >= 1 and p.size == t.size and p.shape[0] == n:
            p = p.reshape(t.shape)
        elif failed is not None and p.shape[0] == n and bool(failed.all()):
            p = np.full(t.shape, np.nan)  # nothing decoded: every prediction is wrong
        else:
            raise ValueError(f"pred has shape {p.shape}, expected {t.shape} (or (n, d*d))")
    tl = [float(x) for x in tolerances]
    if not tl or any(not (math.isfinite(x) and x > 0) for x in tl):
        raise ValueError(f"tolerances must be positive finite numbers, got {tolerances!r}")
    mask = np.ones(n, dtype=bool)
    if info is not None:
        if info.valid.shape != (n,):
            raise ValueError(f"info describes {info.valid.shape[0]} samples, true has {n}")
        mask = np.asarray(info.valid).copy()
    m = int(mask.sum())
    tf = t[mask].reshape(m, -1)
    pf = p[mask].reshape(m, -1)
    bad = ~np.isfinite(pf).all(axis=1)
    if failed is not None:
        bad |= failed[mask]
    at = np.abs(tf)
    if not np.isfinite(at).all() or (at.max(axis=1, initial=0.0) == 0).any():
        raise ValueError(
            "true has a zero or non-finite sample (its relative error is undefined); "
            "pass info= to score only the valid samples of a data set"
        )
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(pf - tf)
    fro = _ratio(np.linalg.norm(diff, axis=1), np.linalg.norm(tf, axis=1))
    if norm == "d1":
        err = _ratio(diff.sum(axis=1), at.sum(axis=1))
    elif norm == "d2":
        err = fro * fro
    elif norm == "fro":
        err = fro
    else:
        err = _ratio(diff.max(axis=1, initial=0.0), at.max(axis=1))
    err[bad] = np.inf
    fro[bad] = np.inf
    within = {x: float(np.mean(err < x)) if err.size else math.nan for x in tl}
    kernel = None
    if info is not None:
        c = np.asarray(info.cond)[mask]
        if np.isfinite(c).any():
            u = float(np.finfo(np.dtype(info.dtype)).eps) / 2.0
            kernel = _quantiles(c[np.isfinite(c)] * u)
    return ScoreReport(err, norm, _quantiles(err), within, m, int(bad.sum()), fro, kernel)
