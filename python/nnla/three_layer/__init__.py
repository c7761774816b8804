"""The analytic three-layer matrix-exponential network (Gai and Zhang, arXiv:2407.02540).

The network ``f(X) = W3 expm(W2 expm(W1 X))`` maps ``d x d`` matrices to ``d x d`` matrices. Two
input/output pairs ``f(X1) = Y1``, ``f(X2) = Y2`` can be fitted exactly whenever ``X2 - X1``, ``Y1``
and ``Y2`` are invertible: for a scalar ``mu`` with ``e^mu != 1`` and a logarithm ``L`` of
``M = Y1^{-1} Y2``,

    W1 = mu (X2 - X1)^{-1},   A = L / (e^mu - 1),   W2 = A expm(-W1 X1),   W3 = Y1 expm(-A).

Proof: ``W1 X2 = W1 X1 + mu I``, so ``expm(W1 X2) = e^mu B1`` with ``B1 = expm(W1 X1)``;
``W2 B1 = A`` and ``W2 e^mu B1 = e^mu A`` commute with ``A``, hence ``f(X1) = Y1 e^{-A} e^{A} = Y1``
and ``f(X2) = Y1 e^{(e^mu - 1) A} = Y1 e^L = Y2``.

:func:`solve` builds the weights for one problem or a batch of problems on the batched native
kernels (:func:`nnla.expm`, :func:`nnla.logm`), chooses ``mu`` (and, where the principal
logarithm has a large norm, the branch of ``L``) per problem, optionally refines the rare
instances the closed form leaves above 1e-10 by moving along the solution manifold
(``refine=True``: a damped first layer and a Newton continuation for ``W2``), and verifies every
solution by an independent forward pass; :func:`forward` evaluates the network;
:func:`fit_gradient` trains the same network by Adam (gradients through
:func:`nnla.expm_frechet`) and :func:`fit_one_layer` fits the one-layer network ``Y = W X``, for the
"power of depth" comparison.

The subpackage, one file per step (all but this one internal):

- ``solver``: :func:`solve`, from validated input to the verified :class:`ThreeLayerSolution`
  (``solution``);
- ``construction``: the prepared problem and the analytic weights for one ``mu`` per instance;
- ``logarithm``: the verified logarithm of ``Y1^{-1} Y2``, principal or on a rotated branch;
- ``candidates`` and ``search``: the ranked candidates for ``mu`` and the search over them
  (:class:`~nnla.three_layer.search.MuSearch`, the state of every instance and its stages);
- ``refinement``: the refinement off the analytic family (``refine=True``);
- ``network``: :func:`forward`; ``baselines``: :func:`fit_gradient`, :func:`fit_one_layer`;
- ``validation``: the input checks (on :mod:`nnla._validate`); ``common``: shared batched
  numerics (norms, non-raising ``expm`` through :func:`nnla._native.run`, inverses, residuals).

Examples
--------
>>> import numpy as np
>>> from nnla import three_layer
>>> X1, X2, Y1, Y2 = np.random.default_rng(0).standard_normal((4, 2, 2))
>>> sol = three_layer.solve(X1, X2, Y1, Y2)
>>> bool(sol.residual < 1e-12)
True
"""

from nnla.three_layer.baselines import GradientFit, OneLayerFit, fit_gradient, fit_one_layer
from nnla.three_layer.network import forward
from nnla.three_layer.solution import ThreeLayerSolution
from nnla.three_layer.solver import solve

__all__ = [
    "GradientFit",
    "OneLayerFit",
    "ThreeLayerSolution",
    "fit_gradient",
    "fit_one_layer",
    "forward",
    "solve",
]
