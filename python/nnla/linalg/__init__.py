"""Batched matrix functions on stacks ``(..., d, d)`` of real or complex matrices.

Each function validates its input (:mod:`nnla._validate`), calls the native kernel through the one
status path :func:`nnla._native.run` and raises for failed matrices
(:func:`nnla._native.raise_for_status`). ``exponential``: ``expm``, ``expm_frechet``,
``expm_cond``; ``logarithm``: ``logm``; ``roots``: ``sqrtm``; ``sign``: ``signm``.

Every one of them accepts a Dask array (``pip install 'nnla[dask]'``) chunked along its batch axes
and returns a lazy Dask array: the matrix axes are rechunked to one chunk, each chunk is one call
of the in-memory function (the same bits), and inside a task ``n_threads=None`` follows the
worker's threads (one nnla thread per Dask worker thread, so nothing oversubscribes; see
``nnla._dask``).  ``logm`` and ``sqrtm`` of a real Dask array are complex.  With a
``dask.distributed.Client`` connected, the chunks run on its cluster::

    import dask.array as da
    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")        # or Client() for a local cluster
    a = da.from_zarr("matrices.zarr").rechunk({0: 100_000})
    nnla.expm(a).to_zarr("expm.zarr")
"""

from nnla.linalg.exponential import expm, expm_cond, expm_frechet
from nnla.linalg.logarithm import logm
from nnla.linalg.roots import sqrtm
from nnla.linalg.sign import signm

__all__ = ["expm", "expm_cond", "expm_frechet", "logm", "signm", "sqrtm"]
