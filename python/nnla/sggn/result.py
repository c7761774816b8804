"""The result of every fitting method (:class:`FitResult`) and the history it records.

:data:`HISTORY_KEYS` names the per-iteration records; :class:`Recorder` keeps them (with the
callback and the progress bar) for the 2D engines, :func:`record` and :func:`progress_bar` for the
1D ones.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np

from nnla.relu import ShallowNetwork

__all__ = ["HISTORY_KEYS", "OPTIONAL_HISTORY_KEYS", "FitResult", "Recorder", "domain_bounds",
           "progress_bar", "record"]

#: Per-iteration records of :attr:`FitResult.history` (one entry per iteration, iteration 0 is
#: the initial network after its first linear solve): ``loss`` = ``1/2 int (u_n - u)^2``,
#: ``rel_error`` = ``||u_n - u|| / ||u||`` (L2 over the domain), ``step`` = the accepted step
#: length (0 at iteration 0), ``active`` = neurons whose breakpoint/line cuts the domain, ``time``
#: = seconds since the start of the fit (cumulative).
HISTORY_KEYS: tuple[str, ...] = ("loss", "rel_error", "step", "active", "time")

#: Records an engine may add to :attr:`FitResult.history`: ``quad_error`` = the a-posteriori
#: estimate of the quadrature error of ``loss`` (SgGN with a quadrature: the loss on every
#: quadrature cell bisected minus the loss; 0 where the loss is integrated exactly);
#: ``solve_residual`` = the relative residual of the iteration's Gauss-Newton solve against the
#: exact matrix (2D SgGN; 0 at iteration 0).
OPTIONAL_HISTORY_KEYS: tuple[str, ...] = ("quad_error", "solve_residual")


@dataclass(frozen=True)
class FitResult:
    """The outcome of a fit.

    Attributes
    ----------
    network : ShallowNetwork
        The fitted network (``c`` and ``c0`` set), callable on points.
    history : dict of str to ndarray
        One float64 array per key of :data:`HISTORY_KEYS` (and of those
        :data:`OPTIONAL_HISTORY_KEYS` the engine records), all of length ``iterations + 1``.
    reason : str
        Why the fit stopped: ``"converged"`` (the loss decrease fell below ``tol``),
        ``"max_iter"``, ``"stalled"`` (no step length decreased the loss), ``"callback"`` (the
        callback returned True), ``"time_limit"`` or ``"solved"`` (a direct, non-iterative fit).
    method : str
        ``"sggn"``, ``"adam"`` or ``"least_squares"``.
    target : str or None
        The built-in target's name, or None for a user callable.
    dim : int
        1 or 2.
    domain : tuple
        The domain in the form :func:`nnla.sggn.fit` takes: ``(a, b)`` in 1D; in 2D the box
        ``((x0, x1), (y0, y1))`` for a rectangle, else the polygon's counter-clockwise vertices
        ``((x, y), ...)``.
    info : dict
        Method-specific extras (JSON-serialisable: numbers, strings, lists).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import ShallowNetwork
    >>> from nnla.sggn import FitResult
    >>> net = ShallowNetwork(w=[1.0], b=[-0.5], c=[1.0])
    >>> h = {k: np.zeros(1) for k in ("loss", "rel_error", "step", "active", "time")}
    >>> r = FitResult(net, h, "solved", "least_squares", None, 1, (0.0, 1.0))
    >>> r.iterations, r.rel_error
    (0, 0.0)
    """

    network: ShallowNetwork
    history: dict[str, np.ndarray]
    reason: str
    method: str
    target: str | None
    dim: int
    domain: tuple[Any, ...]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [k for k in HISTORY_KEYS if k not in self.history]
        if missing:
            raise ValueError(f"history is missing the keys {missing}")
        keys = HISTORY_KEYS + tuple(k for k in OPTIONAL_HISTORY_KEYS if k in self.history)
        hist = {k: np.asarray(self.history[k], dtype=np.float64) for k in keys}
        lengths = {v.shape for v in hist.values()}
        if len(lengths) != 1 or len(next(iter(lengths))) != 1 or not next(iter(lengths))[0]:
            raise ValueError("history arrays must be 1-D, non-empty and of equal length")
        object.__setattr__(self, "history", hist)

    @property
    def iterations(self) -> int:
        """Iterations performed (``len(history["loss"]) - 1``)."""
        return int(self.history["loss"].shape[0] - 1)

    @property
    def rel_error(self) -> float:
        """Final relative L2 error ``||u_n - u|| / ||u||``."""
        return float(self.history["rel_error"][-1])

    @property
    def loss(self) -> float:
        """Final loss ``1/2 int (u_n - u)^2``."""
        return float(self.history["loss"][-1])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary: metadata, the history and the network's parameters."""
        net = self.network
        return {
            "method": self.method,
            "target": self.target,
            "dim": self.dim,
            "domain": np.asarray(self.domain, dtype=np.float64).tolist(),
            "reason": self.reason,
            "iterations": self.iterations,
            "rel_error": self.rel_error,
            "loss": self.loss,
            "history": {k: v.tolist() for k, v in self.history.items()},
            "network": {
                "w": net.w.tolist(),
                "b": net.b.tolist(),
                "c": None if net.c is None else net.c.tolist(),
                "c0": net.c0,
            },
            "info": self.info,
        }

    def save_json(self, path: str | PathLike[str]) -> None:
        """Write :meth:`to_dict` to a JSON file."""
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=1)


def domain_bounds(domain: Any) -> tuple[float, ...]:
    """The bounding box of a result's domain: ``(a, b)`` in 1D, ``(x0, x1, y0, y1)`` in 2D.

    Examples
    --------
    >>> from nnla.sggn.result import domain_bounds
    >>> domain_bounds(((0.0, 2.0), (-1.0, 1.0)))
    (0.0, 2.0, -1.0, 1.0)
    >>> domain_bounds(((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)))
    (0.0, 1.0, 0.0, 1.0)
    """
    arr = np.asarray(domain, dtype=np.float64)
    if arr.ndim == 1:
        return float(arr[0]), float(arr[1])
    if arr.shape == (2, 2):  # a box ((x0, x1), (y0, y1))
        return float(arr[0, 0]), float(arr[0, 1]), float(arr[1, 0]), float(arr[1, 1])
    return (float(arr[:, 0].min()), float(arr[:, 0].max()), float(arr[:, 1].min()),
            float(arr[:, 1].max()))


# ------------------------------------------------------------------------------------------------
# recording the history
# ------------------------------------------------------------------------------------------------


def record(hist: dict[str, list[float]], loss: float, rel: float, step: float, active: int,
           t0: float, quad_error: float | None = None) -> dict[str, Any]:
    """Append one record to ``hist`` (time measured from ``t0``; ``quad_error`` too when given)
    and return it as a dict."""
    vals = (loss, rel, step, float(active), time.perf_counter() - t0)
    rec = dict(zip(HISTORY_KEYS, vals))
    if quad_error is not None:
        rec["quad_error"] = float(quad_error)
    for key, v in rec.items():
        hist.setdefault(key, []).append(v)
    return rec


def progress_bar(enabled: bool, total: int, desc: str) -> Any:
    """A tqdm bar on stderr (disabled unless ``enabled``)."""
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, file=sys.stderr, desc=desc, leave=True,
                dynamic_ncols=True)


class Recorder:
    """History, callback and progress bar of the 2D methods.

    Parameters
    ----------
    callback : callable or None
        Called after every iteration ``>= 1`` with the record and ``"iteration"``; a true return
        value asks to stop.
    progress : bool
        Show a tqdm bar on stderr.
    total : int or None
        The bar's length.
    desc : str
        The bar's label.
    """

    def __init__(self, callback: Callable[[dict[str, Any]], Any] | None, progress: bool,
                 total: int | None, desc: str) -> None:
        self.callback = callback
        self.hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
        self.t0 = time.perf_counter()
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=True)

    def elapsed(self) -> float:
        """Seconds since the recorder was made."""
        return time.perf_counter() - self.t0

    def record(self, loss: float, rel: float, step: float, active: int,
               quad_error: float | None = None, solve_residual: float | None = None) -> bool:
        """Append a record (``quad_error`` and ``solve_residual`` too when given); True if the
        callback asks to stop."""
        rec = {"loss": loss, "rel_error": rel, "step": step, "active": float(active),
               "time": self.elapsed()}
        if quad_error is not None:
            rec["quad_error"] = float(quad_error)
        if solve_residual is not None:
            rec["solve_residual"] = float(solve_residual)
        for k, v in rec.items():
            self.hist.setdefault(k, []).append(float(v))
        it = len(self.hist["loss"]) - 1
        if self.bar is not None:
            if it:
                self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.3e}", rel_error=f"{rel:.3e}", refresh=False)
        if self.callback is not None and it:  # after every iteration >= 1, as in 1D
            return bool(self.callback({**rec, "iteration": it}))
        return False

    def close(self) -> dict[str, np.ndarray]:
        """Close the bar; the history as float64 arrays."""
        if self.bar is not None:
            self.bar.close()
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.hist.items()}
