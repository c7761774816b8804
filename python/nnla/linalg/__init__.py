"""Batched matrix functions on stacks ``(..., d, d)`` of real or complex matrices.

Each function validates its input (:mod:`nnla._validate`), calls the native kernel through the one
status path :func:`nnla._native.run` and raises for failed matrices
(:func:`nnla._native.raise_for_status`). ``exponential``: ``expm``, ``expm_frechet``,
``expm_cond``; ``logarithm``: ``logm``; ``roots``: ``sqrtm``; ``sign``: ``signm``.
"""

from nnla.linalg.exponential import expm, expm_cond, expm_frechet
from nnla.linalg.logarithm import logm
from nnla.linalg.roots import sqrtm
from nnla.linalg.sign import signm

__all__ = ["expm", "expm_cond", "expm_frechet", "logm", "signm", "sqrtm"]
