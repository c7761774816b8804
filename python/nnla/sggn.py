"""Structure-guided Gauss-Newton (SgGN) training of shallow ReLU networks (spec: ``sggn.md``).

The fitting result shared by every fitting method of this module (SgGN, Adam, least squares on
fixed breakpoints) in 1D and 2D.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np

from nnla.relu import ShallowNetwork

__all__ = ["HISTORY_KEYS", "FitResult"]

#: Per-iteration records of :attr:`FitResult.history` (one entry per iteration, iteration 0 is
#: the initial network after its first linear solve): ``loss`` = ``1/2 int (u_n - u)^2``,
#: ``rel_error`` = ``||u_n - u|| / ||u||`` (L2 over the domain), ``step`` = the accepted step
#: length (0 at iteration 0), ``active`` = neurons whose breakpoint/line cuts the domain, ``time``
#: = seconds since the start of the fit (cumulative).
HISTORY_KEYS: tuple[str, ...] = ("loss", "rel_error", "step", "active", "time")


@dataclass(frozen=True)
class FitResult:
    """The outcome of a fit.

    Attributes
    ----------
    network : ShallowNetwork
        The fitted network (``c`` and ``c0`` set), callable on points.
    history : dict of str to ndarray
        One float64 array per key of :data:`HISTORY_KEYS`, all of length ``iterations + 1``.
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
        The domain: ``(a, b)`` in 1D, ``(x0, x1, y0, y1)`` in 2D.
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
    domain: tuple[float, ...]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [k for k in HISTORY_KEYS if k not in self.history]
        if missing:
            raise ValueError(f"history is missing the keys {missing}")
        hist = {k: np.asarray(self.history[k], dtype=np.float64) for k in HISTORY_KEYS}
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
            "domain": [float(v) for v in self.domain],
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
