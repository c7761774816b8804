"""``nnla.datasets`` number encodings (LAWT's P10, P1000, B1999, FP15) and scores.

The reference writes each number from Python's correctly rounded ``"%.2e"`` formatting (and exact
fractions for FP15's fixed-point range), one number at a time, following the rules restated in
the spec; the vectorised encoder must produce the same tokens.  Hand-written sequences pin the
format itself.
"""

from __future__ import annotations

from fractions import Fraction

import nnla.datasets as ds
import numpy as np
import pytest


def _ref_number(x: float, scheme: str) -> list[str]:
    """One number as the spec writes it, from ``"%.2e"`` (independent of the vectorised code)."""
    if scheme == "FP15":
        a = abs(x)
        if not a < 1e9:
            return ["-NaN" if x < 0 else "NaN"]
        if a < 1e-7:
            m, e = round(Fraction(a) * 10**9), 0
        else:
            mant, ex = f"{a:.2e}".split("e")
            m, e = int(mant.replace(".", "")), int(ex) + 7
        if e > 15:
            return ["-NaN" if x < 0 else "NaN"]
        return [f"N{'-' if x < 0 and m else ''}{m}e{e}"]
    mant, ex = f"{x:.2e}".split("e")
    neg = mant.startswith("-")
    m = int(mant.lstrip("-").replace(".", ""))
    e = int(ex) - 2
    if e < -100:
        m = 0
    if m == 0:
        e, neg = 0, False
    if scheme == "P10":
        return ["-" if neg else "+", *list(str(m)), f"E{e}"]
    if scheme == "P1000":
        return ["-" if neg else "+", str(m), f"E{e}"]
    return [f"N{'-' if neg else ''}{m}", f"E{e}"]


def _ref(x: np.ndarray, scheme: str) -> list[str]:
    out = [f"V{x.shape[0]}", f"V{x.shape[1]}"]
    for v in x.ravel():
        out += _ref_number(float(v), scheme)
    return out


def _values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random magnitudes over the whole range, ties of %.2e, powers of ten, zeros."""
    v = rng.uniform(-1, 1, n) * 10.0 ** rng.integers(-99, 100, n)
    ties = np.array([1.125, 2.675, 0.125, 9.995, 99.95, 999.5, 1.005, 3.145, 1e-98, 9.996e-99,
                     1e102, 9.99e102, 1e-7, 9.9949e-8, 5e-10, 1.5e-9, 2.5e-9, 999499999.0,
                     999500000.0, 1e9, 0.0, -0.0, 1e-300])
    v[: ties.size] = ties * np.where(rng.uniform(size=ties.size) < 0.5, -1, 1)
    return v


@pytest.mark.parametrize("scheme", ds.SCHEMES)
def test_encode_matches_reference(scheme: str) -> None:
    rng = np.random.default_rng(1)
    x = _values(rng, 3 * 5 * 400).reshape(400, 3, 5)
    if scheme == "FP15":
        x[200:] = rng.uniform(-1, 1, (200, 3, 5)) * 10.0 ** rng.integers(-10, 10, (200, 3, 5))
    enc = ds.encode(x, scheme)
    got = enc.tokens()
    for i in range(x.shape[0]):
        assert got[i] == _ref(x[i], scheme), i


@pytest.mark.parametrize(
    ("scheme", "x", "line"),
    [
        ("P10", [[3.14159]], "V1 V1 + 3 1 4 E-2"),
        ("P10", [[0.0, -2.0]], "V1 V2 + 0 E0 - 2 0 0 E-2"),
        ("P10", [[-1e-99], [123456.0]], "V2 V1 + 0 E0 + 1 2 3 E3"),
        ("P1000", [[3.14159, -0.0271]], "V1 V2 + 314 E-2 - 271 E-4"),
        ("P1000", [[0.0]], "V1 V1 + 0 E0"),
        ("B1999", [[-3.14159], [1e100]], "V2 V1 N-314 E-2 N100 E98"),
        ("FP15", [[3.14159, -1e9, np.inf, 3.14e-8]], "V1 V4 N314e7 -NaN NaN N31e0"),
        ("FP15", [[0.0, -1e-12, 999e6]], "V1 V3 N0e0 N0e0 N999e15"),
    ],
)
def test_hand_written_sequences(scheme: str, x: list, line: str) -> None:
    enc = ds.encode(np.array(x), scheme)
    assert enc.lines() == [line]
    assert enc.tokens() == [line.split()]
    voc = ds.vocabulary(scheme)
    assert [voc[i] for i in enc.ids[0, : enc.lengths[0]]] == line.split()


@pytest.mark.parametrize("scheme", ds.SCHEMES)
def test_round_trip_within_half_a_unit_of_the_third_digit(scheme: str) -> None:
    rng = np.random.default_rng(2)
    lo, hi = (-6, 8) if scheme == "FP15" else (-95, 95)
    x = rng.uniform(-1, 1, (3000, 4, 4)) * 10.0 ** rng.integers(lo, hi, (3000, 4, 4))
    x[::7, 1, 2] = 0.0
    enc = ds.encode(x, scheme)
    for back in (ds.decode(enc, scheme), ds.decode(enc.ids, scheme),
                 ds.decode(enc.lines(), scheme)):
        assert back.ok.all()
        assert back.errors == {}
        a = np.abs(x)
        e = np.floor(np.log10(np.where(a > 0, a, 1.0)))
        half = 0.5 * 10.0 ** (e - 2)  # half a unit of the third significant digit
        if scheme == "FP15":
            half = np.maximum(half, 0.5e-9)  # FP15's fixed step below 1e-7
        assert (np.abs(back.values - x) <= half * (1 + 1e-12)).all()
    # each decoded number is the double nearest to its three-digit decimal (|E| <= 22)
    small = (np.abs(x) > (1e-7 if scheme == "FP15" else 1e-20)) & (np.abs(x) < 1e20)
    ref = np.array([float(f"{v:.2e}") for v in x[small]])
    np.testing.assert_array_equal(ds.decode(enc, scheme).values[small], ref)


def test_fp15_small_values_keep_an_absolute_step() -> None:
    x = np.array([[3.14159e-8, 1e-7, 4.9e-10, 5.1e-10, -7.77e-9]])
    back = ds.decode(ds.encode(x, "FP15"), "FP15").values
    np.testing.assert_array_equal(back[0], [[3.1e-8, 1e-7, 0.0, 1e-9, -8e-9]])


def test_fp15_overflow_is_flagged_and_decodes_to_the_limit() -> None:
    x = np.array([[[1.0, 2e9]], [[3.0, 4.0]], [[-np.inf, 1.0]]])
    enc = ds.encode(x, "FP15")
    assert enc.overflow.tolist() == [True, False, True]
    np.testing.assert_array_equal(ds.decode(enc, "FP15").values[:, 0, 0], [1.0, 3.0, -1e9])


def test_batch_axes_are_flattened_and_p10_rows_padded() -> None:
    x = np.ones((2, 3, 2, 2))
    x[1, 2, 0, 1] = 0.0
    enc = ds.encode(x, "P10")
    assert enc.ids.shape == (6, 22)
    assert enc.lengths.tolist() == [22] * 5 + [20]
    assert (enc.ids[5, 20:] == 0).all()
    np.testing.assert_array_equal(ds.decode(enc, "P10").values, x.reshape(6, 2, 2))


@pytest.mark.parametrize(
    ("x", "scheme", "match"),
    [
        (np.array([[1.0, np.nan]]), "P10", r"NaN entries \(samples 0\)"),
        (np.array([[np.nan]]), "FP15", r"cannot encode NaN"),
        (np.array([[np.inf]]), "P1000", r"infinite or of magnitude >= 1e103"),
        (np.array([[1e103]]), "B1999", r"magnitude >= 1e103 .*use FP15"),
        (np.array([[1j]]), "P10", r"x must be real"),
        (np.array(["a"]), "P10", r"real numeric array"),
        (np.ones(3), "P10", r"shape \(\.\.\., rows, cols\)"),
        (np.ones((1, 101)), "P10", r"1\.\.100 rows and columns"),
        (np.ones((1, 1)), "P100", r"scheme must be one of"),
    ],
)
def test_encode_bad_input(x: np.ndarray, scheme: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ds.encode(x, scheme)


def test_nan_error_names_samples_past_the_first_block() -> None:
    x = np.ones((20000, 2, 2))
    x[17000, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"samples 17000\)"):
        ds.encode(x, "P1000")


@pytest.mark.parametrize(
    ("seq", "scheme", "reason"),
    [
        ("", "P10", "empty sequence"),
        ("V1", "P10", "ends before its two shape tokens"),
        ("+ 3 E0", "P10", "token '+' at position 0 where a shape token"),
        ("V1 V1 + 3 1 4", "P10", "ends inside a number (expected a digit or an exponent token)"),
        ("V1 V1 3 1 4 E0", "P10", "token '3' at position 2 (expected a sign)"),
        ("V1 V1 + E0", "P10", "token 'E0' at position 3 (expected a digit)"),
        ("V1 V1 + 3 E0 + 1 E0", "P10", "2 numbers for a 1x1 matrix"),
        ("V1 V1 + 3 E0 foo", "P10", "unknown token 'foo' at position 5"),
        ("V1 V1 + 1000 E0", "P1000", "unknown token '1000' at position 3"),
        ("V1 V1 N3 N4", "B1999", "token 'N4' at position 3 (expected an exponent token)"),
        ("V1 V1 E3", "B1999", "token 'E3' at position 2 (expected a mantissa token)"),
        ("V1 V1 N5e16", "FP15", "unknown token 'N5e16' at position 2"),
        ("V1 V1 N5e1", "FP15", "unknown token 'N5e1'"),  # not canonical: M >= 100 for e >= 1
        ("V2 V1 N500e1 N500e1", "FP15", "shape 2x1, expected 1x1"),
    ],
)
def test_malformed_sequences_are_reported_per_sample(seq: str, scheme: str, reason: str) -> None:
    good = {"P10": "V1 V1 + 5 E0", "P1000": "V1 V1 + 5 E0", "B1999": "V1 V1 N5 E0",
            "FP15": "V1 V1 N500e7"}[scheme]
    out = ds.decode([good, seq, good], scheme, shape=(1, 1))
    assert out.ok.tolist() == [True, False, True]
    assert reason in out.errors[1]
    assert list(out.errors) == [1]
    assert np.isnan(out.values[1]).all()
    assert out.values[0, 0, 0] == 5.0
    assert out.n_failed == 1


def test_lenient_reading_of_non_canonical_numbers() -> None:
    out = ds.decode(["V1 V2 + 0 3 1 E0 - 1 2 3 4 5 E-2", "V1 V2 + 999 999 E-3"], "P10")
    np.testing.assert_array_equal(out.values[0], [[31.0, -123.45]])
    assert not out.ok[1]  # '999' is not a P10 token
    out = ds.decode(["V1 V1 + 999 999 E-3"], "P1000")
    assert out.values[0, 0, 0] == 999999e-3
    out = ds.decode([["V1", "V1", "N1000", "E-2"]], "B1999")
    assert out.values[0, 0, 0] == 10.0


def test_decode_inputs_ids_with_padding_and_shape_inference() -> None:
    enc = ds.encode(np.array([[[0.0, 1.0]], [[2.0, 3.0]]]), "P10")
    ids = np.concatenate([enc.ids, np.zeros((2, 3), dtype=np.int32)], axis=1)  # extra padding
    out = ds.decode(ids, "P10")
    np.testing.assert_array_equal(out.values, [[[0.0, 1.0]], [[2.0, 3.0]]])
    ids[1, 4] = 0  # a pad inside a sequence
    ids[0, 3] = 10**6  # an id outside the vocabulary
    out = ds.decode(ids, "P10")
    assert out.errors == {0: "unknown token at position 3",
                          1: "<pad> inside the sequence at position 4"}
    assert not out.ok.any()
    # the most common shape wins; others are failures
    out = ds.decode(["V1 V1 + 1 E0", "V1 V1 + 2 E0", "V1 V2 + 1 E0 + 2 E0"], "P10")
    assert out.values.shape == (3, 1, 1)
    assert out.ok.tolist() == [True, True, False]
    assert out.errors[2] == "shape 1x2, expected 1x1"


def test_decode_bad_containers() -> None:
    enc = ds.encode(np.ones((1, 1, 1)), "P10")
    with pytest.raises(ValueError, match="encoded with P10, not FP15"):
        ds.decode(enc, "FP15")
    with pytest.raises(ValueError, match="scheme must be one of"):
        ds.decode(["V1 V1 + 1 E0"], "p10")
    with pytest.raises(ValueError, match="not a mixture"):
        ds.decode(["V1 V1 + 1 E0", ["V1"]], "P10")
    with pytest.raises(ValueError, match="contains a newline"):
        ds.decode(["V1 V1\n+ 1 E0"], "P10")
    with pytest.raises(ValueError, match="must be an Encoded"):
        ds.decode(3, "P10")


def test_vocabularies() -> None:
    for scheme, size in (("P10", 101 + 2 + 10 + 201), ("P1000", 101 + 2 + 1000 + 201),
                         ("B1999", 101 + 2001 + 201), ("FP15", 101 + 2 + 2 * 14500 - 1)):
        voc = ds.vocabulary(scheme)
        assert len(voc) == size
        assert len(set(voc)) == size
        assert voc[0] == "<pad>"
        assert voc[1] == "V1"
        assert voc[100] == "V100"


# ------------------------------------------------------------------------------------------------
# Scores
# ------------------------------------------------------------------------------------------------


def test_score_norms_closed_form() -> None:
    true = np.array([[[1.0, -2.0], [3.0, 4.0]]] * 4)
    pred = true.copy()
    pred[0, 0, 0] += 0.1  # d1 0.1/10, max 0.1/4, fro 0.1/sqrt(30)
    pred[1] *= 1.03
    pred[2, 1, 1] = np.nan
    pred[3, 1, 1] -= 0.6
    d1 = ds.score(pred, true)
    np.testing.assert_allclose(d1.errors, [0.01, 0.03, np.inf, 0.06], rtol=1e-12)
    assert d1.within == {0.05: 0.5, 0.02: 0.25, 0.01: 0.0, 0.005: 0.0}
    assert d1.n_failed == 1
    assert d1.n_scored == 4
    mx = ds.score(pred, true, norm="max", tolerances=(0.1,))
    np.testing.assert_allclose(mx.errors, [0.025, 0.03, np.inf, 0.15], rtol=1e-12)
    assert mx.within == {0.1: 0.5}
    fro = ds.score(pred, true, norm="fro")
    np.testing.assert_allclose(fro.errors, [0.1 / np.sqrt(30), 0.03, np.inf, 0.6 / np.sqrt(30)],
                               rtol=1e-12)
    d2 = ds.score(pred, true, norm="d2")
    np.testing.assert_allclose(d2.errors, fro.errors**2, rtol=1e-12)
    np.testing.assert_array_equal(d1.fro, fro.errors)


def test_score_counts_failed_decodes_as_wrong() -> None:
    true = np.array([[[1.0, 2.0]], [[3.0, 4.0]], [[5.0, 6.0]]])
    out = ds.decode(["V1 V2 + 1 E0 + 2 E0", "V1 V2 + 3 E0", "V1 V2 + 5 E0 + 6 E0"], "P10")
    rep = ds.score(out, true)
    assert rep.n_failed == 1
    assert rep.n_scored == 3
    assert rep.within[0.05] == pytest.approx(2 / 3)
    assert rep.errors[1] == np.inf
    assert "1 failed predictions" in rep.summary()
    nothing = ds.decode(["garbage", "V7"], "P10")
    rep = ds.score(nothing, true[:2])
    assert rep.within[0.05] == 0.0
    assert rep.n_failed == 2


def test_score_bad_norm() -> None:
    with pytest.raises(ValueError, match="norm must be one of"):
        ds.score(np.ones((1, 1, 1)), np.ones((1, 1, 1)), norm="l2")


def test_encoded_data_set_scores_within_the_rounding() -> None:
    X, FX, info = ds.matrix_function_pairs("expm", 500, 5, scale=1.0, seed=6)
    for scheme in ds.SCHEMES:
        rep = ds.score(ds.decode(ds.encode(FX, scheme), scheme), FX, info=info)
        assert rep.within[0.005] == 1.0
        assert rep.quantiles["max"] <= 0.005
