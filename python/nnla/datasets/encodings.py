"""Number encodings of matrices as token sequences, as Charton's LAWT defines them.

A matrix is two shape tokens ``V{rows} V{cols}`` followed by its entries in row order, each written
by the scheme with three significant digits: ``x ~ +-M 10^E`` with ``M = d0 d1 d2`` the digits of
``"%.2e" % x`` (100 <= M <= 999, or M = 0 for zero) and ``E`` its exponent minus 2.

``P10``    sign ``+``/``-``, the three digits of M, ``E{E}``: ``3.14159 -> + 3 1 4 E-2``;
           zero is ``+ 0 E0`` (3 tokens).
``P1000``  sign, M as one base-1000 digit, ``E{E}``: ``3.14159 -> + 314 E-2``.
``B1999``  one signed mantissa token and the exponent: ``-3.14159 -> N-314 E-2``.
``FP15``   one token a number: ``N{M}e{e}`` (``N-{M}e{e}``) with value ``+-M 10^e / 10^9``,
           ``0 <= e <= 15``; ``3.14159 -> N314e7``.  Values below ``10^-7`` in magnitude keep
           a fixed absolute step of ``10^-9`` (``e = 0``, ``M < 100``); ``|x| >= 9.995e8`` (Inf
           included) gives the overflow tokens ``NaN`` / ``-NaN``, decoded as ``+-10^9``.

The P schemes and B1999 write exponents ``E-100`` ... ``E100``: a number below ``10^-98`` is
written as 0 and a number of ``10^103`` or more is out of range (``ValueError``).  NaN is never
encoded (``ValueError``), and neither are complex numbers.

Every vocabulary starts with ``<pad>`` (id 0, filling short rows of an id array) and the shape
tokens ``V1`` ... ``V100``; :func:`vocabulary` lists it.  :func:`encode` returns the integer ids
(the form a model consumes) with views as token lists and text lines; :func:`decode` reads ids,
text lines or token lists back and reports each malformed sequence instead of raising.  Both
are vectorised over the whole batch (about a second per million 5x5 matrices and scheme).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from nnla._validate import check_choice

__all__ = ["MAX_DIM", "SCHEMES", "Decoded", "Encoded", "decode", "encode", "vocabulary"]

SCHEMES: tuple[str, ...] = ("P10", "P1000", "B1999", "FP15")
MAX_DIM = 100  # shape tokens V1 ... V100
_EMAX = 100  # exponent tokens E-100 ... E100
_FP_LIMIT = 1e9  # the FP15 overflow value
_FP_EMAX = 15

# token kinds
_PAD, _SHAPE, _SIGN, _DIGIT, _EXPO, _MANT, _NUM = range(7)
_UNKNOWN = -1  # id of a text token not in the vocabulary
_BLOCK = 1 << 14  # samples per block of the vectorised coders (bounded temporaries)

# correctly rounded powers of ten (float(10**k) rounds the exact integer once)
_POW10 = np.array([float(10**k) for k in range(309)])
_DIGITS3 = np.array([[k // 100, k // 10 % 10, k % 10] for k in range(1000)], dtype=np.int32)
# 10**k for k = -330..308, each correctly rounded (encoding: one multiplication)
_TEN_OFF = 330
_TEN = np.array([float(Fraction(10) ** k) for k in range(-_TEN_OFF, 309)])


@dataclass(frozen=True, eq=False)
class _Vocab:
    tokens: tuple[str, ...]
    kind: np.ndarray  # int8 per id
    value: np.ndarray  # float64 per id: shape size, sign, digit, exponent, mantissa or number
    index: dict[str, int]
    codes: np.ndarray  # sorted uint64 byte codes of the tokens (text look-up)
    code_ids: np.ndarray
    first: dict[int, int]  # first id of each kind
    kind_ext: np.ndarray  # kind of id - 1 (index 0: an unknown token, id -1)


def _pack(tok: bytes) -> int:
    return int.from_bytes(tok.ljust(8, b"\0"), "little")


@functools.cache
def _vocab(scheme: str) -> _Vocab:
    toks: list[str] = ["<pad>"]
    kinds: list[int] = [_PAD]
    vals: list[float] = [0.0]

    def add(kind: int, items: Sequence[tuple[str, float]]) -> None:
        for t, v in items:
            toks.append(t)
            kinds.append(kind)
            vals.append(v)

    add(_SHAPE, [(f"V{k}", k) for k in range(1, MAX_DIM + 1)])
    exps = [(f"E{e}", e) for e in range(-_EMAX, _EMAX + 1)]
    if scheme in ("P10", "P1000"):
        base = 10 if scheme == "P10" else 1000
        add(_SIGN, [("+", 1.0), ("-", -1.0)])
        add(_DIGIT, [(str(k), k) for k in range(base)])
        add(_EXPO, exps)
    elif scheme == "B1999":
        add(_MANT, [(f"N{m}", m) for m in range(-1000, 1001)])
        add(_EXPO, exps)
    else:  # FP15: canonical (e, M) pairs, M < 100 only with e = 0
        items = [("NaN", _FP_LIMIT), ("-NaN", -_FP_LIMIT)]
        for sgn in ("", "-"):
            for e in range(_FP_EMAX + 1):
                for m in range(0 if e == 0 and not sgn else 1 if e == 0 else 100, 1000):
                    items.append((f"N{sgn}{m}e{e}", (-1 if sgn else 1) * m * 10.0**e / 1e9))
        add(_NUM, items)
    kind = np.array(kinds, dtype=np.int8)
    codes = np.array([_pack(t.encode()) for t in toks], dtype=np.uint64)
    order = np.argsort(codes, kind="stable")
    first = {k: kinds.index(k) for k in set(kinds)}
    return _Vocab(
        tuple(toks),
        kind,
        np.array(vals, dtype=np.float64),
        {t: i for i, t in enumerate(toks)},
        codes[order],
        order.astype(np.int32),
        first,
        np.concatenate([np.array([_UNKNOWN], dtype=np.int8), kind]),
    )


def vocabulary(scheme: str) -> tuple[str, ...]:
    """The tokens of a scheme; a token's id is its position.

    Parameters
    ----------
    scheme : {"P10", "P1000", "B1999", "FP15"}
        The encoding.

    Returns
    -------
    tuple of str
        ``<pad>`` (id 0), the shape tokens ``V1`` ... ``V100``, then the scheme's tokens.

    Raises
    ------
    ValueError
        If ``scheme`` is not one of the four schemes.

    Examples
    --------
    >>> import nnla
    >>> voc = nnla.datasets.vocabulary("P10")
    >>> voc[:3], voc[101:105], len(voc)
    (('<pad>', 'V1', 'V2'), ('+', '-', '0', '1'), 314)
    """
    return _vocab(check_choice(scheme, "scheme", SCHEMES)).tokens


# ------------------------------------------------------------------------------------------------
# Numbers -> (M, E)
# ------------------------------------------------------------------------------------------------


def _scale10(v: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``v * 10**k`` with one rounding where ``|k| <= 22`` (exact powers of ten): decoding."""
    p = np.take(_POW10, np.abs(k))
    return np.where(k >= 0, v * p, v / p)


def _three_digits(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(M, e)`` with ``"%.2e" % a == f"{M // 100}.{M % 100:02d}e{e}"`` for ``a >= 1e-110``.

    The scaled value ``a 10^(2-e)`` is computed in floating point (an error of a few ulps); the
    rare values within 1e-7 of a rounding tie are redone with Python's correctly rounded
    formatting, so the result equals ``%.2e`` exactly.
    """
    e = np.floor(np.log10(a)).astype(np.int64)
    s = a * np.take(_TEN, _TEN_OFF + 2 - e)
    fix = np.flatnonzero((s < 100.0) | (s >= 1000.0))  # log10 rounded across a power of ten
    if fix.size:
        e[fix] += np.where(s[fix] < 100.0, -1, 1)
        s[fix] = a[fix] * np.take(_TEN, _TEN_OFF + 2 - e[fix])
    m = np.rint(s)
    for i in np.flatnonzero(np.abs(s - np.floor(s) - 0.5) < 1e-7):
        mant, ex = f"{a[i]:.2e}".split("e")
        m[i] = int(mant.replace(".", ""))
        e[i] = int(ex)
    up = m >= 1000.0
    if up.any():
        m[up] = 100.0
        e[up] += 1
    return m.astype(np.int64), e


def _mantissa_exponent(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(M, E)`` of the P and B schemes: ``|x| ~ M 10^E``; zero below ``10^-98``."""
    a = np.abs(x)
    m = np.zeros(a.shape, dtype=np.int64)
    ex = np.zeros(a.shape, dtype=np.int64)
    big = a >= 1e-110
    if big.any():
        mm, ee = _three_digits(a[big])
        ee -= 2
        tiny = ee < -_EMAX
        mm[tiny] = 0
        ee[tiny] = 0
        m[big] = mm
        ex[big] = ee
    return m, ex


def _fp15(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FP15 ``(M, e, overflow)``: ``|x| ~ M 10^e / 10^9``."""
    a = np.abs(x)
    m = np.zeros(a.shape, dtype=np.int64)
    e = np.zeros(a.shape, dtype=np.int64)
    over = ~(a < _FP_LIMIT)  # Inf included
    normal = (a >= 1e-7) & ~over
    if normal.any():
        mm, ee = _three_digits(a[normal])
        m[normal] = mm
        e[normal] = ee + 7
    small = a < 1e-7
    if small.any():
        s = a[small] * 1e9
        mm = np.rint(s)
        for i in np.flatnonzero(np.abs(s - np.floor(s) - 0.5) < 1e-7):
            mm[i] = round(_exact_ratio(a[small][i]))
        m[small] = mm.astype(np.int64)
    over |= e > _FP_EMAX
    m[over] = 0
    e[over] = 0
    return m, e, over


def _exact_ratio(v: float) -> Fraction:
    return Fraction(v) * 10**9


# ------------------------------------------------------------------------------------------------
# encode
# ------------------------------------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class Encoded:
    """Token sequences of a batch of matrices, as integer ids.

    Attributes
    ----------
    ids : ndarray of int32, shape (n, L)
        Row ``i`` holds sample ``i``'s token ids, padded with 0 (``<pad>``) after
        ``lengths[i]`` tokens (only P10 has rows of different lengths: zero is 3 tokens).
    lengths : ndarray of int64, shape (n,)
        Number of tokens of each sample.
    scheme : str
        The encoding.
    vocabulary : tuple of str
        The token of each id (:func:`vocabulary`).
    overflow : ndarray of bool, shape (n,)
        Samples with an FP15 overflow token (always False for the other schemes).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla import datasets
    >>> e = datasets.encode(np.array([[[1.5, -2.0], [0.001, 1e5]]]), "P1000")
    >>> e.tokens()[0]
    ['V2', 'V2', '+', '150', 'E-2', '-', '200', 'E-2', '+', '100', 'E-5', '+', '100', 'E3']
    """

    ids: np.ndarray
    lengths: np.ndarray
    scheme: str
    vocabulary: tuple[str, ...]
    overflow: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def tokens(self) -> list[list[str]]:
        """The sequences as lists of token strings (a Python list per sample)."""
        voc = np.array(self.vocabulary, dtype=object)
        return [voc[row[:k]].tolist() for row, k in zip(self.ids, self.lengths)]

    def lines(self) -> list[str]:
        """The sequences as text lines, tokens separated by one space (LAWT's format)."""
        if len(self) == 0:
            return []
        ends = np.full(len(self), ord("\n"), dtype=np.uint8)
        return to_text(self.ids, self.lengths, self.scheme, ends).decode("ascii").split("\n")[:-1]

    def __repr__(self) -> str:
        return (
            f"Encoded(scheme={self.scheme!r}, n={len(self)}, "
            f"max_length={self.ids.shape[1]}, overflow={int(self.overflow.sum())})"
        )


def _as_real_stack(x: ArrayLike) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind == "c":
        raise ValueError("x must be real: the number encodings write real numbers")
    if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b":
        raise ValueError(f"x must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim < 2:
        raise ValueError(f"x must have shape (..., rows, cols), got {arr.shape}")
    r, c = arr.shape[-2:]
    if not (1 <= r <= MAX_DIM and 1 <= c <= MAX_DIM):
        raise ValueError(
            f"x has matrices of shape {r}x{c}; the shape tokens cover 1..{MAX_DIM} rows and columns"
        )
    return arr.reshape(-1, r, c).astype(np.float64, copy=False)


def encode(x: ArrayLike, scheme: str) -> Encoded:
    """Encode a batch of real matrices as token sequences.

    Parameters
    ----------
    x : array_like, shape (..., rows, cols)
        Real matrices (1 <= rows, cols <= 100); the batch axes are flattened (C order).
    scheme : {"P10", "P1000", "B1999", "FP15"}
        The encoding (see the module docstring): each entry is rounded to three significant
        digits as ``"%.2e"`` rounds it.

    Returns
    -------
    Encoded
        Ids, lengths, and the vocabulary; ``.tokens()`` and ``.lines()`` give strings.

    Raises
    ------
    ValueError
        For an unknown scheme, complex or non-numeric input, a matrix larger than 100x100, a NaN
        entry (any scheme), or an infinite entry or one of magnitude ``10^103`` or more (P10,
        P1000, B1999; FP15 writes overflow tokens for those, see ``Encoded.overflow``).  The
        message names the first offending samples.

    Examples
    --------
    >>> import numpy as np
    >>> import nnla
    >>> x = np.array([[3.14159, -0.0271], [0.0, 1234.5]])
    >>> for s in ("P10", "P1000", "B1999", "FP15"):
    ...     print(s, nnla.datasets.encode(x, s).lines()[0])
    P10 V2 V2 + 3 1 4 E-2 - 2 7 1 E-4 + 0 E0 + 1 2 3 E1
    P1000 V2 V2 + 314 E-2 - 271 E-4 + 0 E0 + 123 E1
    B1999 V2 V2 N314 E-2 N-271 E-4 N0 E0 N123 E1
    FP15 V2 V2 N314e7 N-271e5 N0e0 N123e10
    """
    scheme = check_choice(scheme, "scheme", SCHEMES)
    arr = _as_real_stack(x)
    voc = _vocab(scheme)
    n, r, c = arr.shape
    m = r * c
    w = len(_CANONICAL[scheme])
    flat = arr.reshape(n, m)
    ids = np.empty((n, 2 + w * m), dtype=np.int32)
    ids[:, 0] = voc.first[_SHAPE] + r - 1
    ids[:, 1] = voc.first[_SHAPE] + c - 1
    overflow = np.zeros(n, dtype=bool)
    for b0 in range(0, n, _BLOCK):
        blk = flat[b0 : b0 + _BLOCK]
        body = ids[b0 : b0 + _BLOCK, 2:].reshape(blk.shape[0], m, w)
        overflow[b0 : b0 + _BLOCK] = _encode_block(blk, scheme, voc, body, b0)
    lengths = np.full(n, ids.shape[1], dtype=np.int64)
    if scheme == "P10":  # zero is "+ 0 E0": drop its two trailing digit tokens
        zero = ids[:, 3::5] == voc.first[_DIGIT]
        rows = np.flatnonzero(zero.any(axis=1))
        if rows.size:
            keep = np.ones((rows.size, m, 5), dtype=bool)
            keep[..., 2:4] = ~zero[rows, :, None]
            keep = np.concatenate(
                [np.ones((rows.size, 2), dtype=bool), keep.reshape(rows.size, -1)], axis=1
            )
            lengths[rows] = keep.sum(axis=1)
            packed = np.zeros((rows.size, ids.shape[1]), dtype=np.int32)
            rr, cc = np.nonzero(keep)
            packed[rr, np.cumsum(keep, axis=1)[rr, cc] - 1] = ids[rows][rr, cc]
            ids[rows] = packed
    return Encoded(ids, lengths, scheme, voc.tokens, overflow)


def _encode_block(
    x: np.ndarray, scheme: str, voc: _Vocab, body: np.ndarray, offset: int
) -> np.ndarray:
    """Write the number tokens of the rows of ``x`` into ``body`` (rows, numbers, tokens);
    returns the rows with an FP15 overflow token."""
    nan = np.isnan(x).any(axis=1)
    if nan.any():
        raise ValueError(
            f"x has NaN entries (samples {_first(nan, offset)}); {scheme} cannot encode NaN"
        )
    if scheme == "FP15":
        m, e, over = _fp15(x)
        body[..., 0] = _fp15_ids(voc, x, m, e, over)
        return over.any(axis=1)
    bad = ~(np.abs(x) < 10.0 ** (_EMAX + 3))
    if bad.any():
        raise ValueError(
            f"x has entries that are infinite or of magnitude >= 1e{_EMAX + 3} (samples "
            f"{_first(bad.any(axis=1), offset)}); {scheme} writes exponents -{_EMAX}..{_EMAX}: "
            "scale the data or use FP15, whose overflow tokens stand for such values"
        )
    m, e = _mantissa_exponent(x)
    neg = (x < 0) & (m > 0)
    body[..., -1] = voc.first[_EXPO] + _EMAX + e
    if scheme == "B1999":
        body[..., 0] = voc.first[_MANT] + 1000 + np.where(neg, -m, m)
        return np.zeros(x.shape[0], dtype=bool)
    body[..., 0] = voc.first[_SIGN] + neg
    dig = voc.first[_DIGIT]
    if scheme == "P1000":
        body[..., 1] = dig + m
    else:
        body[..., 1:4] = np.take(_DIGITS3, m, axis=0) + dig
    return np.zeros(x.shape[0], dtype=bool)


def _fp15_ids(
    voc: _Vocab, x: np.ndarray, m: np.ndarray, e: np.ndarray, over: np.ndarray
) -> np.ndarray:
    # positive ids: after NaN, -NaN: e = 0 has M = 0..999, e >= 1 has M = 100..999 (900 each)
    base = voc.first[_NUM] + 2
    pos = np.where(e == 0, m, 1000 + (e - 1) * 900 + (m - 100))
    npos = 1000 + _FP_EMAX * 900
    # negative ids: e = 0 has M = 1..999, then 900 per exponent
    negi = np.where(e == 0, m - 1, 999 + (e - 1) * 900 + (m - 100))
    neg = (x < 0) & (m > 0)
    ids = np.where(neg, base + npos + negi, base + pos)
    ids = np.where(over, voc.first[_NUM] + (x < 0), ids)
    return ids.astype(np.int32)


def _first(mask: np.ndarray, offset: int = 0, k: int = 5) -> str:
    idx = np.flatnonzero(mask) + offset
    s = ", ".join(str(i) for i in idx[:k])
    return s + (f", ... ({idx.size} in all)" if idx.size > k else "")


# ------------------------------------------------------------------------------------------------
# ids <-> text
# ------------------------------------------------------------------------------------------------


@functools.cache
def _token_bytes(scheme: str) -> tuple[np.ndarray, np.ndarray]:
    toks = _vocab(scheme).tokens
    width = max(len(t) for t in toks)
    table = np.zeros((len(toks), width), dtype=np.uint8)
    for i, t in enumerate(toks):
        table[i, : len(t)] = np.frombuffer(t.encode("ascii"), dtype=np.uint8)
    return table, np.array([len(t) for t in toks], dtype=np.int64)


def to_text(ids: np.ndarray, lengths: np.ndarray, scheme: str, ends: np.ndarray) -> bytes:
    """The rows of ``ids`` as ASCII, tokens separated by spaces and row ``i`` followed by the
    byte ``ends[i]`` (newline, tab, ...).  Vectorised: one pass per character of a token."""
    table, tlen = _token_bytes(scheme)
    width = ids.shape[1]
    valid = np.arange(width)[None, :] < lengths[:, None]
    flat = ids[valid]
    size = tlen[flat] + 1  # the token and its separator
    stop = np.cumsum(size)
    start = stop - size
    out = np.full(int(stop[-1]) if stop.size else 0, ord(" "), dtype=np.uint8)
    tl = tlen[flat]
    for k in range(table.shape[1]):
        sel = tl > k
        out[start[sel] + k] = table[flat[sel], k]
    has = lengths > 0
    out[stop[np.cumsum(lengths)[has] - 1] - 1] = np.asarray(ends, dtype=np.uint8)[has]
    return out.tobytes()


def _tokenise(buf: np.ndarray, scheme: str, n: int) -> np.ndarray:
    """Ids ``(n, L)`` of ``n`` newline-separated lines in ``buf`` (0-padded, -1 = unknown)."""
    voc = _vocab(scheme)
    ws = (buf == 32) | (buf == 9) | (buf == 10) | (buf == 13)
    one = np.ones(1, dtype=np.int8)
    edge = np.diff(np.concatenate([one, ws.view(np.int8), one]))
    starts = np.flatnonzero(edge == -1)
    tlen = np.flatnonzero(edge == 1) - starts
    code = np.zeros(starts.size, dtype=np.uint64)
    last = max(buf.size - 1, 0)
    for k in range(8):
        byte = buf[np.minimum(starts + k, last)].astype(np.uint64) << np.uint64(8 * k)
        code |= np.where(tlen > k, byte, np.uint64(0))
    pos = np.minimum(np.searchsorted(voc.codes, code), voc.codes.size - 1)
    found = (voc.codes[pos] == code) & (tlen <= 8)
    tid = np.where(found, voc.code_ids[pos], _UNKNOWN).astype(np.int32)
    row = np.searchsorted(np.flatnonzero(buf == 10), starts)
    counts = np.bincount(row, minlength=n)
    ids = np.zeros((n, int(counts.max()) if n else 0), dtype=np.int32)
    col = np.arange(starts.size) - (np.cumsum(counts) - counts)[row]
    ids[row, col] = tid
    return ids


def text_ids(lines: Sequence[str], scheme: str) -> np.ndarray:
    """Tokenise text lines into an id array ``(n, L)`` (vectorised over blocks of lines)."""
    n = len(lines)
    blocks = [_tokenise(np.frombuffer("\n".join(lines[i : i + _BLOCK]).encode("ascii", "replace"),
                                      dtype=np.uint8), scheme, min(_BLOCK, n - i))
              for i in range(0, n, _BLOCK)]
    width = max((b.shape[1] for b in blocks), default=0)
    ids = np.zeros((n, width), dtype=np.int32)
    for i, b in zip(range(0, n, _BLOCK), blocks):
        ids[i : i + b.shape[0], : b.shape[1]] = b
    return ids



# ------------------------------------------------------------------------------------------------
# decode
# ------------------------------------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class Decoded:
    """Matrices read back from token sequences.

    Attributes
    ----------
    values : ndarray of float64, shape (n, rows, cols)
        The decoded matrices; all NaN where a sequence did not parse.
    ok : ndarray of bool, shape (n,)
        True where the sequence parsed into a matrix of the expected shape.
    errors : dict of int to str
        Why each failed sample did not parse (sample index -> message).
    scheme : str
        The encoding.

    Examples
    --------
    >>> from nnla import datasets
    >>> d = datasets.decode([["V1", "V2", "+", "150", "E-2", "-", "200", "E-2"], ["V1"]], "P1000")
    >>> d.values[0].tolist(), d.ok.tolist(), d.n_failed
    ([[1.5, -2.0]], [True, False], 1)
    """

    values: np.ndarray
    ok: np.ndarray
    errors: dict[int, str]
    scheme: str

    @property
    def n_failed(self) -> int:
        """Number of sequences that did not parse."""
        return int(self.ok.size - np.count_nonzero(self.ok))

    def __len__(self) -> int:
        return int(self.ok.size)

    def __repr__(self) -> str:
        return (
            f"Decoded(scheme={self.scheme!r}, n={len(self)}, shape={self.values.shape[1:]}, "
            f"failed={self.n_failed})"
        )


_KIND_NAME = {
    _SHAPE: "a shape token",
    _SIGN: "a sign",
    _DIGIT: "a digit",
    _EXPO: "an exponent token",
    _MANT: "a mantissa token",
    _NUM: "a number token",
}
# (tokens a number has in canonical form, their kinds)
_CANONICAL = {
    "P10": (_SIGN, _DIGIT, _DIGIT, _DIGIT, _EXPO),
    "P1000": (_SIGN, _DIGIT, _EXPO),
    "B1999": (_MANT, _EXPO),
    "FP15": (_NUM,),
}


def _grammar(scheme: str) -> tuple[int, np.ndarray, np.ndarray]:
    """(kind that starts a number, allowed[k1, k2] transitions, kinds that may end a sequence)."""
    allowed = np.zeros((7, 7), dtype=bool)
    last = np.zeros(7, dtype=bool)
    if scheme in ("P10", "P1000"):
        allowed[_SIGN, _DIGIT] = allowed[_DIGIT, _DIGIT] = allowed[_DIGIT, _EXPO] = True
        allowed[_EXPO, _SIGN] = True
        start = _SIGN
        last[_EXPO] = True
    elif scheme == "B1999":
        allowed[_MANT, _EXPO] = allowed[_EXPO, _MANT] = True
        start = _MANT
        last[_EXPO] = True
    else:
        allowed[_NUM, _NUM] = True
        start = _NUM
        last[_NUM] = True
    return start, allowed, last


def _as_ids(seqs: object, scheme: str) -> tuple[np.ndarray, list | None]:
    """Ids ``(n, L)`` from an Encoded, an integer array, text lines or token lists, and the
    token strings where the source has them (for messages about unknown tokens)."""
    if isinstance(seqs, Encoded):
        if seqs.scheme != scheme:
            raise ValueError(f"seqs were encoded with {seqs.scheme}, not {scheme}")
        return seqs.ids, None
    if isinstance(seqs, np.ndarray) and seqs.dtype.kind in "iu":
        ids = seqs[None, :] if seqs.ndim == 1 else seqs
        if ids.ndim != 2:
            raise ValueError(f"an id array must have shape (n, L), got {seqs.shape}")
        nv = len(_vocab(scheme).tokens)
        return np.where((ids >= 0) & (ids < nv), ids, _UNKNOWN).astype(np.int32), None
    if isinstance(seqs, str):
        seqs = [seqs]
    if not isinstance(seqs, (Sequence, np.ndarray)):
        raise ValueError(
            "seqs must be an Encoded, an integer id array (n, L), a list of text lines or a list "
            f"of token lists, got {type(seqs).__name__}"
        )
    items = list(seqs)
    if all(isinstance(s, str) for s in items):
        if any("\n" in s for s in items):
            raise ValueError("a text line of seqs contains a newline: pass one sequence a line")
        return text_ids(items, scheme), items
    if all(isinstance(s, Sequence) and not isinstance(s, str) for s in items):
        index = _vocab(scheme).index
        width = max((len(s) for s in items), default=0)
        ids = np.zeros((len(items), width), dtype=np.int32)
        for i, s in enumerate(items):
            ids[i, : len(s)] = [index.get(t, _UNKNOWN) if isinstance(t, str) else _UNKNOWN
                                for t in s]
        return ids, items
    raise ValueError("seqs must be text lines (str) or token lists (lists of str), not a mixture")


def decode(seqs: object, scheme: str, *, shape: tuple[int, int] | None = None) -> Decoded:
    """Decode token sequences into matrices; malformed sequences are reported, not raised.

    Parameters
    ----------
    seqs : Encoded, int array (n, L), list of str, or list of list of str
        The sequences: an :func:`encode` result, integer ids (0 = ``<pad>`` only at the end of a
        row), text lines with whitespace-separated tokens, or token lists.  Ids, text and
        ``Encoded`` are decoded vectorised; token lists go through a Python look-up first.
    scheme : {"P10", "P1000", "B1999", "FP15"}
        The encoding.
    shape : (int, int), optional
        The expected matrix shape; sequences whose shape tokens differ are failures.  By default
        the most common pair of shape tokens among the sequences.

    Returns
    -------
    Decoded
        ``values`` (NaN where a sequence failed), ``ok`` and per-sample ``errors``.  Numbers are
        read as LAWT reads them: P10/P1000 accept any number of mantissa digits (``+ 0 3 1 E0``
        is 31) and every scheme any mantissa of its vocabulary; the grammar (sign, digits,
        exponent; mantissa, exponent) and the count of numbers are enforced.

    Raises
    ------
    ValueError
        For an unknown scheme or an unreadable ``seqs`` container (per-sample defects never raise).

    Examples
    --------
    >>> import nnla
    >>> out = nnla.datasets.decode(
    ...     ["V1 V2 + 3 1 4 E-2 - 2 7 1 E-4", "V1 V2 + 3 1 4 E-2 - 2 7",
    ...      "V1 V2 + 1 E0 + 2 E0 + 3 E0"], "P10")
    >>> out.values[0].tolist(), out.ok.tolist()
    ([[3.14, -0.0271]], [True, False, False])
    >>> out.errors[1]
    'the sequence ends inside a number (expected a digit or an exponent token)'
    >>> out.errors[2]
    '3 numbers for a 1x2 matrix'
    """
    scheme = check_choice(scheme, "scheme", SCHEMES)
    voc = _vocab(scheme)
    ids, source = _as_ids(seqs, scheme)
    n, width = ids.shape
    head = ids[:, :2] if width >= 2 else np.zeros((n, 2), dtype=np.int32)
    hk = voc.kind[np.maximum(head, 0)]
    has_shape = (hk == _SHAPE).all(axis=1) & (head >= 0).all(axis=1)
    rows = np.where(has_shape, voc.value[head[:, 0]], 0).astype(np.int64)
    cols = np.where(has_shape, voc.value[head[:, 1]], 0).astype(np.int64)
    if shape is not None:
        if not (isinstance(shape, Sequence) and len(shape) == 2):
            raise ValueError(f"shape must be (rows, cols), got {shape!r}")
        r, c = int(shape[0]), int(shape[1])
    elif has_shape.any():
        codes = rows[has_shape] * (MAX_DIM + 1) + cols[has_shape]
        top = np.bincount(codes).argmax()
        r, c = int(top // (MAX_DIM + 1)), int(top % (MAX_DIM + 1))
    else:
        r = c = 0
    values = np.full((n, r * c), np.nan)
    ok = np.zeros(n, dtype=bool)
    errors: dict[int, str] = {}
    for b0 in range(0, n, _BLOCK):
        blk = slice(b0, min(b0 + _BLOCK, n))
        ok[blk], msgs = _decode_block(ids[blk], scheme, voc, r, c, values[blk])
        for i, m in msgs.items():
            errors[b0 + i] = m
    for i in list(errors):
        if errors[i].startswith("unknown token ") and source is not None:
            p = int(errors[i].rsplit(" ", 1)[1])
            tok = source[i].split()[p] if isinstance(source[i], str) else source[i][p]
            errors[i] = f"unknown token {tok!r} at position {p}"
    return Decoded(values.reshape(n, r, c), ok, dict(sorted(errors.items())), scheme)


def _decode_block(
    ids: np.ndarray, scheme: str, voc: _Vocab, r: int, c: int, out: np.ndarray
) -> tuple[np.ndarray, dict[int, str]]:
    """Parse one block of rows into ``out`` (rows x r*c); returns ``(ok, messages)``.

    Rows in canonical form (what :func:`encode` writes, but for P10's zeros) are recognised by
    one comparison with the expected kinds and decoded by reshaping; the others go through the
    checks and the grammar.
    """
    nb, width = ids.shape
    kind = np.take(voc.kind_ext, ids + 1)
    m = r * c
    pattern = np.array(_CANONICAL[scheme], dtype=np.int8)
    w = pattern.size
    ok = np.zeros(nb, dtype=bool)
    if m and width == 2 + w * m:
        want = np.concatenate([np.array([_SHAPE, _SHAPE], dtype=np.int8), np.tile(pattern, m)])
        canon = (kind == want).all(axis=1)
        canon &= (ids[:, 0] == voc.first[_SHAPE] + r - 1) & (ids[:, 1] == voc.first[_SHAPE] + c - 1)
        fit = slice(None) if canon.all() else np.flatnonzero(canon)
        vv = np.take(voc.value, ids[fit, 2:]).reshape(-1, m, w)
        if scheme == "P10":
            mant = vv[..., 1] * 100.0 + vv[..., 2] * 10.0 + vv[..., 3]
            out[fit] = vv[..., 0] * _scale10(mant, vv[..., 4].astype(np.int64))
        elif scheme == "P1000":
            out[fit] = vv[..., 0] * _scale10(vv[..., 1], vv[..., 2].astype(np.int64))
        elif scheme == "B1999":
            out[fit] = _scale10(vv[..., 0], vv[..., 1].astype(np.int64))
        else:
            out[fit] = vv[..., 0]
        ok[fit] = True
    rest = np.flatnonzero(~ok)
    msgs: dict[int, str] = {}
    if rest.size:
        okr, more = _decode_rest(ids[rest], kind[rest], scheme, voc, r, c, out, rest)
        ok[rest] = okr
        msgs = {int(rest[i]): v for i, v in more.items()}
    return ok, msgs


def _decode_rest(
    ids: np.ndarray,
    kind: np.ndarray,
    scheme: str,
    voc: _Vocab,
    r: int,
    c: int,
    out: np.ndarray,
    where: np.ndarray,
) -> tuple[np.ndarray, dict[int, str]]:
    """Rows not in canonical form: padding, unknown tokens, shape, then the grammar."""
    nb, width = ids.shape
    nonpad = kind != _PAD
    lengths = np.where(nonpad.any(axis=1), width - np.argmax(nonpad[:, ::-1], axis=1), 0)
    inner = (~nonpad & (np.arange(width)[None, :] < lengths[:, None])).any(axis=1)
    head_ok = (lengths >= 2) & ((kind[:, :2] == _SHAPE).all(axis=1) if width >= 2 else False)
    good = head_ok & ~inner & ~(kind == _UNKNOWN).any(axis=1)
    msgs = {int(i): _head_defect(ids[i], kind[i], int(lengths[i]), voc)
            for i in np.flatnonzero(~good)}
    if width >= 2:
        rr = voc.value[np.maximum(ids[:, 0], 0)].astype(np.int64)
        cc = voc.value[np.maximum(ids[:, 1], 0)].astype(np.int64)
        other = good & ((rr != r) | (cc != c))
        for i in np.flatnonzero(other):
            msgs[int(i)] = f"shape {rr[i]}x{cc[i]}, expected {r}x{c}"
        good &= ~other
    ok = np.zeros(nb, dtype=bool)
    idx = np.flatnonzero(good)
    if idx.size:
        vals, parsed, more = _parse_general(ids[idx], kind[idx], lengths[idx], r * c, scheme, voc)
        out[where[idx[parsed]]] = vals
        ok[idx[parsed]] = True
        msgs.update({int(idx[i]): v for i, v in more.items()})
    return ok, msgs


def _head_defect(ids: np.ndarray, kind: np.ndarray, length: int, voc: _Vocab) -> str:
    if length == 0:
        return "empty sequence"
    for p in range(length):
        if kind[p] == _UNKNOWN:
            return f"unknown token at position {p}"
        if kind[p] == _PAD:
            return f"<pad> inside the sequence at position {p}"
        if p < 2 and kind[p] != _SHAPE:
            return (f"token {voc.tokens[ids[p]]!r} at position {p} where a shape token "
                    f"V1..V{MAX_DIM} belongs")
    return "the sequence ends before its two shape tokens"


def _parse_general(
    ids: np.ndarray, kind: np.ndarray, lengths: np.ndarray, m: int, scheme: str, voc: _Vocab
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """The grammar of a scheme on rows that are not in canonical form (few, usually).

    Returns the values ``(n_parsed, m)``, the parsed mask and messages for the others.
    """
    n, width = ids.shape
    start, allowed, last_ok = _grammar(scheme)
    body = (np.arange(width)[None, :] >= 2) & (np.arange(width)[None, :] < lengths[:, None])
    srow, pos = np.nonzero(body)
    k = kind[srow, pos]
    t = ids[srow, pos]
    ntok = lengths - 2
    begin = np.cumsum(ntok) - ntok
    has = ntok > 0
    is_first = np.zeros(k.size, dtype=bool)
    is_first[begin[has]] = True
    is_last = np.zeros(k.size, dtype=bool)
    is_last[(begin + ntok - 1)[has]] = True
    bad = is_first & (k != start)
    if k.size > 1:
        bad[1:] |= ~allowed[k[:-1], k[1:]] & ~is_last[:-1]
    end_bad = is_last & ~last_ok[k]
    numbers = np.bincount(srow, weights=(k == start), minlength=n).astype(np.int64)
    msgs: dict[int, str] = {}
    failed = np.zeros(n, dtype=bool)
    for j in np.flatnonzero(bad)[::-1]:  # the first bad token of each row wins
        i = int(srow[j])
        failed[i] = True
        want = _KIND_NAME[start] if is_first[j] else _expected(k[j - 1], allowed, at_end=False)
        msgs[i] = f"token {voc.tokens[t[j]]!r} at position {pos[j]} (expected {want})"
    for j in np.flatnonzero(end_bad):
        i = int(srow[j])
        if not failed[i]:
            failed[i] = True
            msgs[i] = ("the sequence ends inside a number (expected "
                       f"{_expected(k[j], allowed, at_end=True)})")
    for i in np.flatnonzero(~failed & (numbers != m)):
        failed[i] = True
        msgs[int(i)] = f"{numbers[i]} numbers for a {ids[i, 0] - voc.first[_SHAPE] + 1}x" \
                       f"{ids[i, 1] - voc.first[_SHAPE] + 1} matrix"
    parsed = ~failed
    keep = parsed[srow]
    k, t = k[keep], t[keep]
    val = voc.value[t]
    nid = np.cumsum(k == start) - 1  # number index over the parsed rows
    if scheme in ("P10", "P1000"):
        base = 10.0 if scheme == "P10" else 1000.0
        e_at = np.flatnonzero(k == _EXPO)
        dig = np.flatnonzero(k == _DIGIT)
        place = (e_at[nid[dig]] - dig - 1).astype(np.float64)
        with np.errstate(over="ignore"):
            mant = np.bincount(nid[dig], weights=val[dig] * base**place, minlength=e_at.size)
            nums = val[k == _SIGN] * _scale10(mant, val[e_at].astype(np.int64))
    elif scheme == "B1999":
        nums = _scale10(val[k == _MANT], val[k == _EXPO].astype(np.int64))
    else:
        nums = val
    return nums.reshape(-1, m), parsed, msgs


def _expected(prev: int, allowed: np.ndarray, *, at_end: bool) -> str:
    opts = [_KIND_NAME[q] for q in range(1, 7) if allowed[prev, q]]
    if at_end:  # a number cannot end where only the start of the next one may follow
        opts = [o for o in opts if o not in (_KIND_NAME[_SIGN], _KIND_NAME[_MANT])]
    return " or ".join(opts)
