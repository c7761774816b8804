"""Data sets of matrix-function pairs ``(X, f(X))``, their number encodings, scores and storage.

``pairs``      :func:`matrix_function_pairs` (in memory, or Dask-backed with ``chunks=``).
``encodings``  LAWT's number encodings P10, P1000, B1999, FP15: :func:`encode`, :func:`decode`.
``scores``     :func:`score`: the shares within tolerances as the literature reports them.
``storage``    :func:`write` (``.npz`` or Zarr shards, LAWT text, a manifest) and :func:`load`.
"""

from nnla.datasets.encodings import (
    MAX_DIM,
    SCHEMES,
    Decoded,
    Encoded,
    decode,
    encode,
    vocabulary,
)
from nnla.datasets.pairs import (
    FAMILIES,
    FUNCTIONS,
    DatasetInfo,
    MatrixFunctionData,
    matrix_function_pairs,
)
from nnla.datasets.scores import NORMS, ScoreReport, score
from nnla.datasets.storage import load, write

__all__ = [
    "FAMILIES",
    "FUNCTIONS",
    "MAX_DIM",
    "NORMS",
    "SCHEMES",
    "DatasetInfo",
    "Decoded",
    "Encoded",
    "MatrixFunctionData",
    "ScoreReport",
    "decode",
    "encode",
    "load",
    "matrix_function_pairs",
    "score",
    "vocabulary",
    "write",
]
