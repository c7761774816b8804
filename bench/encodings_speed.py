"""Benchmark: encode and decode 10^6 5x5 matrices in each LAWT number encoding on one core.

Self-contained (not a pytest-benchmark file).  Goal: encode + decode <= 10 s per scheme on one
core.  The matrices are uniform in [-10, 10] (the literature's usual family).  Wall-clock and CPU
(``time.process_time``) seconds are printed: on a machine shared with other work the CPU time is
the figure of one core; numpy runs these loops on one thread.  Also timed: ids -> text lines and
text lines -> decode (LAWT's text form).

Usage::

    PYTHONPATH=python python bench/encodings_speed.py [--n 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import nnla
import numpy as np


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--text", action="store_true", help="also time the text form")
    args = ap.parse_args()
    x = np.random.default_rng(0).uniform(-10, 10, (args.n, 5, 5))
    res: dict[str, object] = {"n": args.n, "loadavg_before": os.getloadavg()}
    for scheme in nnla.datasets.SCHEMES:
        rows = []
        for _ in range(args.repeat):
            enc, we, ce = _timed(lambda s=scheme: nnla.datasets.encode(x, s))
            dec, wd, cd = _timed(lambda s=scheme, e=enc: nnla.datasets.decode(e, s))
            assert dec.ok.all()
            row = {"encode_wall": we, "encode_cpu": ce, "decode_wall": wd, "decode_cpu": cd}
            if args.text:
                lines, wt, ct = _timed(enc.lines)
                back, wl, cl = _timed(lambda s=scheme, t=lines: nnla.datasets.decode(t, s))
                assert back.ok.all()
                row.update(lines_wall=wt, lines_cpu=ct, decode_text_wall=wl, decode_text_cpu=cl)
            rows.append(row)
            del enc, dec
        med = {k: float(np.median([r[k] for r in rows])) for k in rows[0]}
        med["total_cpu"] = med["encode_cpu"] + med["decode_cpu"]
        med["total_wall"] = med["encode_wall"] + med["decode_wall"]
        res[scheme] = med
        print(scheme, {k: round(v, 2) for k, v in med.items()}, flush=True)
    res["loadavg_after"] = os.getloadavg()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
