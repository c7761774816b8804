"""Structure-guided Gauss-Newton (SgGN) training of shallow ReLU networks (spec: ``sggn.md``).

Public API: :func:`fit` (SgGN in 1D and 2D), the baselines :func:`fit_adam` (Adam with exact
gradients) and :func:`fit_least_squares` (1D, fixed uniform breakpoints), the built-in targets
:data:`TARGETS` and :func:`target_function` (one :class:`Target` type in 1D and 2D), and
:class:`FitResult`, the result shared by every fitting method.

Modules: :mod:`~nnla.sggn.result` (the result and its history), :mod:`~nnla.sggn.targets`
(targets, with the exact moments of the built-in 2D ones), :mod:`~nnla.sggn.engine1d` and
:mod:`~nnla.sggn.engine2d` (the methods, documented there), :mod:`~nnla.sggn.adaptive1d` and
:mod:`~nnla.sggn.adaptive2d` (the adaptive quadrature of targets given as plain callables),
:mod:`~nnla.sggn.baselines` and :mod:`~nnla.sggn.api` (:func:`fit` and the argument checks).
Imports flow one way: ``api, baselines -> engine1d, engine2d -> adaptive1d, adaptive2d, targets,
result``.
"""

from nnla.sggn.api import fit
from nnla.sggn.baselines import fit_adam, fit_least_squares
from nnla.sggn.result import HISTORY_KEYS, OPTIONAL_HISTORY_KEYS, FitResult
from nnla.sggn.targets import TARGETS, Target, target_function

__all__ = [
    "HISTORY_KEYS",
    "OPTIONAL_HISTORY_KEYS",
    "TARGETS",
    "FitResult",
    "Target",
    "fit",
    "fit_adam",
    "fit_least_squares",
    "target_function",
]
