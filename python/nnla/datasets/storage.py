"""Writing data sets as shards (``.npz``, Zarr, LAWT text) with a manifest, and reading them back.

A directory written by :func:`write` holds ``manifest.json`` and, per form:

``npz``   ``pairs-00000.npz``, ... one shard a file, each in the layout of
          :meth:`MatrixFunctionData.save` (``X``, ``FX``, ``valid``, ``cond``, metadata with the
          shard's ``start``): every shard is a data set of its own.
``zarr``  ``pairs.zarr``: a Zarr group with the arrays ``X``, ``FX``, ``valid``, ``cond`` chunked
          by shard and the metadata in its attributes (needs ``zarr``).
``text``  ``pairs-00000.txt``, ...: LAWT's format, one pair a line, the tokens of ``X``, a tab, the
          tokens of ``FX`` (see :mod:`nnla.datasets.encodings`).  Only samples that are valid
          and that the encoding can write are written (NaN never is; P10/P1000/B1999 cannot write
          ``|x| >= 1e103``; complex ``FX`` only where its imaginary part is zero); the manifest
          counts the lines and the samples left out.

The manifest records the function, family, d, count, seed, scale, dtypes, condition method,
encoding, nnla version and the shards.  A Dask-backed data set (``chunks=``) is written one task a
shard, in parallel, wherever Dask runs (the directory must be reachable from the workers).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnla._dask import is_dask, materialize
from nnla._native import VERSION
from nnla._validate import check_choice, check_int
from nnla.datasets.encodings import SCHEMES, decode, encode, to_text
from nnla.datasets.pairs import DatasetInfo, MatrixFunctionData, read_npz, write_npz

__all__ = ["FORMS", "load", "write"]

FORMS: tuple[str, ...] = ("npz", "zarr", "text")
MANIFEST = "manifest.json"
_FORMAT = "nnla.datasets.shards/1"
_ZARR = "pairs.zarr"


def _zarr() -> Any:
    try:
        import zarr  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise ImportError("the zarr form needs zarr: pip install zarr") from None
    return zarr


# ------------------------------------------------------------------------------------------------
# write
# ------------------------------------------------------------------------------------------------


def _text_bytes(x: np.ndarray, fx: np.ndarray, valid: np.ndarray, scheme: str):
    """LAWT lines of the writable samples, and how many were written."""
    keep = np.asarray(valid, dtype=bool) & np.isfinite(x).all(axis=(1, 2))
    keep &= np.isfinite(fx).all(axis=(1, 2))
    if fx.dtype.kind == "c":
        keep &= (fx.imag == 0).all(axis=(1, 2))
        fx = fx.real
    if scheme != "FP15":
        keep &= (np.abs(x) < 1e103).all(axis=(1, 2)) & (np.abs(fx) < 1e103).all(axis=(1, 2))
    k = int(keep.sum())
    if k == 0:
        return b"", 0
    ex = encode(x[keep], scheme)
    ef = encode(fx[keep], scheme)
    ids = np.zeros((2 * k, max(ex.ids.shape[1], ef.ids.shape[1])), dtype=np.int32)
    ids[0::2, : ex.ids.shape[1]] = ex.ids
    ids[1::2, : ef.ids.shape[1]] = ef.ids
    lengths = np.empty(2 * k, dtype=np.int64)
    lengths[0::2] = ex.lengths
    lengths[1::2] = ef.lengths
    ends = np.tile(np.array([ord("\t"), ord("\n")], dtype=np.uint8), k)
    return to_text(ids, lengths, scheme, ends), k


def _write_shard(
    directory: str,
    index: int,
    start: int,
    forms: tuple[str, ...],
    scheme: str | None,
    meta: dict,
    x: np.ndarray,
    fx: np.ndarray,
    valid: np.ndarray,
    cond: np.ndarray,
) -> dict[str, Any]:
    """Write shard ``index`` (samples ``start:start + len(x)``) in the per-shard forms."""
    rec: dict[str, Any] = {"index": index, "start": start, "count": int(len(x))}
    if "npz" in forms:
        name = f"pairs-{index:05d}.npz"
        write_npz(Path(directory) / name, x, fx, valid, cond, {**meta, "n": len(x), "start": start})
        rec["npz"] = name
    if "text" in forms:
        assert scheme is not None
        name = f"pairs-{index:05d}.txt"
        data, k = _text_bytes(x, fx, valid, scheme)
        (Path(directory) / name).write_bytes(data)
        rec.update(text=name, text_lines=k, text_skipped=int(len(x)) - k)
    return rec


def write(
    data: MatrixFunctionData,
    path: str | Path,
    *,
    forms: str | Sequence[str] = "npz",
    encoding: str = "P1000",
    shard_size: int | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a data set as shards with a manifest, in parallel for a Dask-backed data set.

    Parameters
    ----------
    data : MatrixFunctionData
        From :func:`matrix_function_pairs` (in memory or with ``chunks=``).
    path : str or Path
        The directory (created).
    forms : str or sequence of str, default "npz"
        Any of "npz", "zarr", "text" (see the module docstring).
    encoding : {"P1000", "P10", "B1999", "FP15"}, default "P1000"
        The number encoding of the text form.
    shard_size : int, optional
        Samples per shard.  Default: the Dask chunks of a Dask-backed data set, else one shard.
    overwrite : bool, default False
        Replace a data set already in ``path``; without it, a directory with a manifest is an
        error.

    Returns
    -------
    Path
        The manifest written (``path/manifest.json``).

    Raises
    ------
    ValueError
        For an unknown form or encoding, a bad ``shard_size``, text of complex ``X``, or an
        existing data set in ``path`` without ``overwrite``.
    ImportError
        For the zarr form without ``zarr`` installed.

    Examples
    --------
    >>> import tempfile
    >>> import nnla
    >>> data = nnla.datasets.matrix_function_pairs("expm", 6, 2, scale=1.0, seed=3)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     m = nnla.datasets.write(data, tmp, forms=("npz", "text"), shard_size=4)
    ...     first = (m.parent / "pairs-00000.txt").read_text().splitlines()[0]
    ...     back = nnla.datasets.load(tmp)
    ...     text = nnla.datasets.load(tmp, form="text")
    >>> bool((back.FX == data.FX).all()), text.info.encoding, len(text.X)
    (True, 'P1000', 6)
    >>> first.split("\\t")[0] == " ".join(nnla.datasets.encode(data.X[0], "P1000").tokens()[0])
    True
    """
    forms_t = (forms,) if isinstance(forms, str) else tuple(forms)
    if not forms_t:
        raise ValueError("forms must name at least one of 'npz', 'zarr', 'text'")
    forms_t = tuple(check_choice(f, "forms", FORMS) for f in forms_t)
    scheme = check_choice(encoding, "encoding", SCHEMES) if "text" in forms_t else None
    if not isinstance(data, MatrixFunctionData):
        raise ValueError(f"data must be a MatrixFunctionData, got {type(data).__name__}")
    x, fx, info = data
    if scheme is not None and np.dtype(x.dtype).kind == "c":
        raise ValueError("the text form writes real matrices; X is complex")
    n = int(x.shape[0])
    lazy = is_dask(x, fx, info.valid, info.cond)
    if shard_size is not None:
        shard_size = check_int(shard_size, "shard_size", 1)
    directory = Path(path)
    if (directory / MANIFEST).exists() and not overwrite:
        raise ValueError(f"{str(directory)!r} holds a data set; pass overwrite=True to replace it")
    directory.mkdir(parents=True, exist_ok=True)
    meta = info.metadata()
    arrays = [x, fx, info.valid, info.cond]
    zarr_out = None
    if lazy:
        import dask  # noqa: PLC0415 - optional dependency; lazy data means it is installed
        import dask.array as da  # noqa: PLC0415

        arrays = [a if is_dask(a) else da.from_array(np.asarray(a)) for a in arrays]
        arrays = [a.rechunk({0: shard_size or arrays[0].chunks[0]}) for a in arrays]
        bounds = np.concatenate([[0], np.cumsum(arrays[0].chunks[0])]).astype(int)
        blocks = [a.to_delayed(optimize_graph=False).ravel() for a in arrays]  # shared tasks
        tasks = []
        if set(forms_t) - {"zarr"}:
            tasks = [
                dask.delayed(_write_shard, pure=False)(
                    str(directory), i, int(bounds[i]), forms_t, scheme, meta,
                    *(b[i] for b in blocks),
                )
                for i in range(len(bounds) - 1)
            ]
        if "zarr" in forms_t:
            chunk = int(max(arrays[0].chunks[0], default=1))
            zarr_out = _zarr_group(directory, arrays, meta, chunk)
            tasks += [
                da.to_zarr(a, str(directory / _ZARR), component=name, compute=False)
                for a, name in zip(arrays, ("X", "FX", "valid", "cond"))
            ]
        records = [r for r in dask.compute(*tasks) if isinstance(r, dict)]
    else:
        arrs = materialize(*arrays)
        size = shard_size or max(n, 1)
        bounds = np.append(np.arange(0, n, size), n) if n else np.array([0, 0])
        records = []
        if set(forms_t) - {"zarr"}:
            records = [
                _write_shard(str(directory), i, int(s), forms_t, scheme, meta,
                             *(a[s:e] for a in arrs))
                for i, (s, e) in enumerate(zip(bounds[:-1], bounds[1:]))
            ]
        if "zarr" in forms_t:
            zarr_out = _zarr_group(directory, arrs, meta, size)
    manifest = {
        "format": _FORMAT,
        "function": info.f,
        "family": info.family,
        "d": info.d,
        "count": n,
        "seed": info.seed,
        "scale": info.scale,
        "dtype": info.dtype,
        "fx_dtype": str(np.dtype(fx.dtype)),
        "cond_method": info.cond_method,
        "encoding": scheme,
        "nnla_version": VERSION,
        "data_version": info.version,
        "forms": list(forms_t),
        "shards": records,
        "zarr": zarr_out,
        "metadata": meta,
    }
    out = directory / MANIFEST
    out.write_text(json.dumps(manifest, indent=1))
    return out


def _zarr_group(directory: Path, arrays: list, meta: dict, chunk: int) -> str:
    """Create ``pairs.zarr``: the arrays themselves for numpy input, empty ones for Dask."""
    zarr = _zarr()
    group = zarr.open_group(str(directory / _ZARR), mode="w")
    group.attrs["metadata"] = meta
    for a, name in zip(arrays, ("X", "FX", "valid", "cond")):
        if not is_dask(a):
            group.create_array(name, data=np.asarray(a), chunks=(chunk, *a.shape[1:]))
    return _ZARR


# ------------------------------------------------------------------------------------------------
# load
# ------------------------------------------------------------------------------------------------


def _info(meta: dict, n: int, valid: np.ndarray, cond: np.ndarray, encoding: str | None):
    return DatasetInfo(
        f=meta["f"],
        family=meta["family"],
        n=n,
        d=int(meta["d"]),
        scale=float(meta["scale"]),
        dtype=meta["dtype"],
        seed=int(meta["seed"]),
        valid=valid,
        cond=cond,
        cond_method=meta["cond_method"],
        version=meta.get("version", ""),
        encoding=encoding,
    )


def _read_text(files: list[Path], scheme: str, d: int) -> tuple[np.ndarray, ...]:
    lines: list[str] = []
    for f in files:
        lines.extend(f.read_text(encoding="ascii").splitlines())
    parts = [ln.split("\t") for ln in lines]
    two = np.array([len(p) == 2 for p in parts], dtype=bool)
    xs = [p[0] if len(p) == 2 else "" for p in parts]
    fs = [p[1] if len(p) == 2 else "" for p in parts]
    dx = decode(xs, scheme, shape=(d, d))
    df = decode(fs, scheme, shape=(d, d))
    ok = two & dx.ok & df.ok
    return dx.values, df.values, ok


def load(
    path: str | Path, *, form: str | None = None, encoding: str | None = None
) -> MatrixFunctionData:
    """Read a data set: an ``.npz`` file, a directory written by :func:`write` (or its
    manifest), a Zarr group, or a LAWT text file.

    Parameters
    ----------
    path : str or Path
        What to read.
    form : {"npz", "zarr", "text"}, optional
        Which form of a directory to read (default: npz, else zarr, else text, as written).
    encoding : str, optional
        The scheme of a text file without a manifest beside it.

    Returns
    -------
    MatrixFunctionData
        ``(X, FX, info)`` in memory.  From text, ``X`` and ``FX`` hold the decoded values (three
        significant digits), ``info.valid`` is False where a line did not parse, ``info.cond`` is
        NaN and ``info.encoding`` names the scheme.

    Raises
    ------
    ValueError
        If ``path`` is none of these, the form was not written, or a text file has no known
        encoding.

    Examples
    --------
    >>> import tempfile, os
    >>> import nnla
    >>> data = nnla.datasets.matrix_function_pairs("expm", 3, 2, family="symmetric", seed=4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = nnla.datasets.load(data.save(os.path.join(tmp, "d")))
    >>> back.info.n, back.info.d, bool((back.X == data.X).all())
    (3, 2, True)
    """
    p = Path(path)
    if p.name == MANIFEST:
        p = p.parent
    if p.is_dir() and (p / MANIFEST).exists():
        return _load_manifest(p, form)
    if p.suffix == ".npz" and p.is_file():
        return read_npz(p)
    if p.suffix == ".zarr" and p.is_dir():
        return _load_zarr(p)
    if p.suffix == ".txt" and p.is_file():
        man = p.parent / MANIFEST
        meta = json.loads(man.read_text()) if man.exists() else None
        scheme = encoding or (meta or {}).get("encoding")
        if scheme is None or meta is None:
            raise ValueError(
                f"{str(p)!r} has no manifest beside it: pass encoding= and read it with "
                "nnla.datasets.decode, or load its directory"
            )
        return _from_text([p], meta, check_choice(scheme, "encoding", SCHEMES))
    raise ValueError(
        f"path {str(path)!r} is not an nnla data set (.npz, .zarr, .txt or a directory with "
        f"{MANIFEST})"
    )


def _load_manifest(directory: Path, form: str | None) -> MatrixFunctionData:
    man = json.loads((directory / MANIFEST).read_text())
    if man.get("format") != _FORMAT:
        raise ValueError(f"{str(directory)!r} has an unknown manifest format {man.get('format')!r}")
    written = man["forms"]
    if form is None:
        form = next(f for f in FORMS if f in written)
    form = check_choice(form, "form", FORMS)
    if form not in written:
        raise ValueError(f"form {form!r} was not written to {str(directory)!r} (it has {written})")
    meta = man["metadata"]
    shards = sorted(man["shards"], key=lambda r: r["index"])
    if form == "zarr":
        return _load_zarr(directory / man["zarr"])
    if form == "text":
        return _from_text([directory / r["text"] for r in shards], meta, man["encoding"])
    parts = [read_npz(directory / r["npz"]) for r in shards]
    d = int(meta["d"])
    if parts:
        x, fx, valid, cond = (np.concatenate(a) for a in zip(
            *[(q.X, q.FX, q.info.valid, q.info.cond) for q in parts]))
    else:
        x = np.empty((0, d, d), dtype=meta["dtype"])
        fx = np.empty((0, d, d), dtype=man["fx_dtype"])
        valid, cond = np.empty(0, dtype=bool), np.empty(0)
    return MatrixFunctionData(x, fx, _info(meta, len(x), valid, cond, meta.get("encoding")))


def _load_zarr(p: Path) -> MatrixFunctionData:
    group = _zarr().open_group(str(p), mode="r")
    meta = dict(group.attrs["metadata"])
    x, fx, valid, cond = (np.asarray(group[k][...]) for k in ("X", "FX", "valid", "cond"))
    return MatrixFunctionData(x, fx, _info(meta, len(x), valid, cond, meta.get("encoding")))


def _from_text(files: list[Path], meta: dict, scheme: str) -> MatrixFunctionData:
    x, fx, ok = _read_text(files, scheme, int(meta["d"]))
    info = _info(meta, len(x), ok, np.full(len(x), np.nan), scheme)
    return MatrixFunctionData(x, fx, info)
