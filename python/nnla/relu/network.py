"""The shallow ReLU network value type, :class:`ShallowNetwork`."""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

import numpy as np
from numpy.typing import ArrayLike

from nnla._validate import as_permutation, as_polygon, as_real, as_relu_params
from nnla.relu.interval import classes, order_1d
from nnla.relu.kinds import Domain
from nnla.relu.polygon import order_2d

__all__ = ["ShallowNetwork"]


@dataclass(frozen=True)
class ShallowNetwork:
    """The hidden layer ``(w, b)`` of a shallow ReLU network and, optionally, its output layer.

    ``v(x) = c0 + sum_i c_i max(w_i . x + b_i, 0)``. The arrays are validated, converted to
    float64 and stored read-only.

    Parameters
    ----------
    w : array_like, shape (n,), (n, 1) or (n, 2)
        Weights; ``(n, 1)`` is stored as ``(n,)``.
    b : array_like, shape (n,)
        Biases.
    c : array_like, shape (n,), optional
        Output weights (needed for evaluation).
    c0 : float, default 0.0
        Output bias.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.relu import ShallowNetwork
    >>> net = ShallowNetwork(w=[1.0, -1.0], b=[-0.5, 0.25], c=[2.0, 1.0], c0=0.5)
    >>> net.breakpoints().tolist()
    [0.5, 0.25]
    >>> net(np.array([0.0, 1.0])).tolist()
    [0.75, 1.5]
    """

    w: np.ndarray
    b: np.ndarray
    c: np.ndarray | None = None
    c0: float = 0.0

    def __post_init__(self) -> None:
        w, b, _ = as_relu_params(self.w, self.b)
        w, b = w.copy(), b.copy()
        c = None
        if self.c is not None:
            c = as_real(self.c, "c").copy()
            if c.shape != b.shape:
                raise ValueError(f"c must have shape {b.shape} to match w, got {c.shape}")
            c.setflags(write=False)
        c0 = np.asarray(self.c0)
        if c0.shape != () or c0.dtype.kind not in "iuf" or not np.isfinite(c0):
            raise ValueError(f"c0 must be a finite real number, got {self.c0!r}")
        w.setflags(write=False)
        b.setflags(write=False)
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "c0", float(c0))

    @property
    def dim(self) -> int:
        """Input dimension d (1 or 2).

        Examples
        --------
        >>> from nnla.relu import ShallowNetwork
        >>> ShallowNetwork([[1.0, 0.0]], [0.0]).dim
        2
        """
        return 1 if self.w.ndim == 1 else 2

    @property
    def n(self) -> int:
        """Number of hidden neurons.

        Examples
        --------
        >>> from nnla.relu import ShallowNetwork
        >>> ShallowNetwork([1.0, 2.0], [0.0, 0.0]).n
        2
        """
        return int(self.b.shape[0])

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Evaluate the network at points ``x``: shape (m,) in 1D, (m, 2) in 2D; returns (m,).

        Examples
        --------
        >>> from nnla.relu import ShallowNetwork
        >>> ShallowNetwork([[1.0, 1.0]], [0.0], c=[2.0])([[0.25, 0.5]]).tolist()
        [1.5]
        """
        if self.c is None:
            raise ValueError("c is None: the network has no output layer to evaluate")
        xa = as_real(x, "x")
        if self.dim == 1 and xa.ndim != 1:
            raise ValueError(f"x must have shape (m,) for a 1D network, got {xa.shape}")
        if self.dim == 2 and (xa.ndim != 2 or xa.shape[1] != 2):
            raise ValueError(f"x must have shape (m, 2) for a 2D network, got {xa.shape}")
        out = np.empty(xa.shape[0])
        step = max(1, (1 << 22) // max(self.n, 1))  # bounded (m, n) temporaries
        for k in range(0, xa.shape[0], step):
            xs = xa[k : k + step]
            pre = np.multiply.outer(xs, self.w) if self.dim == 1 else xs @ self.w.T
            out[k : k + step] = self.c0 + np.maximum(pre + self.b, 0.0) @ self.c
        return out

    def breakpoints(self) -> np.ndarray:
        """1D breakpoints ``s_i = -b_i / w_i`` (NaN where ``w_i = 0``).

        Examples
        --------
        >>> from nnla.relu import ShallowNetwork
        >>> ShallowNetwork([2.0, 0.0], [-1.0, 1.0]).breakpoints().tolist()
        [0.5, nan]
        """
        if self.dim != 1:
            raise ValueError("breakpoints() is defined for 1D networks only")
        return classes(self.w, self.b, 0.0, 1.0)[0]

    def order(self, domain: Domain = None) -> np.ndarray:
        """A permutation that orders the neurons geometrically (for hierarchical compression).

        1D: by breakpoint, ascending; ties (equal breakpoints) put right-facing neurons
        (``w > 0``) before left-facing ones, then keep the index order; neurons with ``w = 0``
        (no breakpoint) come last in index order. ``domain`` is not used in 1D. 2D: recursive PCA
        bisection of the lines' closest points to the domain centre
        (:func:`nnla.relu.polygon.order_2d`; ``domain`` as in :func:`nnla.relu.mass_matrix`).

        Examples
        --------
        >>> from nnla.relu import ShallowNetwork
        >>> ShallowNetwork([1.0, 1.0, -1.0], [-0.75, -0.25, 0.5]).order().tolist()
        [1, 2, 0]
        """
        if self.dim == 1:
            return order_1d(self.w, self.b)
        return order_2d(self.w, self.b, as_polygon(domain))

    def permuted(self, perm: ArrayLike) -> ShallowNetwork:
        """The same network with its neurons in the order ``perm`` (a permutation of range(n)).

        Examples
        --------
        >>> from nnla.relu import ShallowNetwork
        >>> ShallowNetwork([1.0, 2.0], [0.0, -1.0]).permuted([1, 0]).w.tolist()
        [2.0, 1.0]
        """
        p = as_permutation(perm, self.n, "perm")
        c = None if self.c is None else self.c[p]
        return ShallowNetwork(self.w[p], self.b[p], c, self.c0)

    def save(self, path: str | PathLike[str]) -> None:
        """Write the network to an ``.npz`` file (arrays ``w``, ``b``, ``c0`` and ``c`` if set).

        Examples
        --------
        >>> import os, tempfile
        >>> from nnla.relu import ShallowNetwork
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> ShallowNetwork([1.0], [0.0], c=[2.0], c0=1.0).save(path)
        >>> ShallowNetwork.load(path).c.tolist()
        [2.0]
        """
        arrays = {"w": self.w, "b": self.b, "c0": np.array(self.c0)}
        if self.c is not None:
            arrays["c"] = self.c
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> ShallowNetwork:
        """Read a network written by :meth:`save` (see its example)."""
        with np.load(path, allow_pickle=False) as z:
            return cls(z["w"], z["b"], z["c"] if "c" in z.files else None, float(z["c0"]))
