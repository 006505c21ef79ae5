"""Batch scoring at scale: ``moderation.score_file`` with 1 and 2 worker processes, and the Dask
engine on a local cluster of two worker processes, over real comments.

Not a test: run it by hand, then commit ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/batch_scale.py                 # 50,000 comments, the default model
    python benchmarks/batch_scale.py --rows 5000 --parts 5 --model PATH

The comments are distinct real comments from the public corpora in ``../shared/data`` (as in
``throughput.py``), written to a temporary folder (never into the repository) as one CSV and as
``--parts`` Parquet parts. Measured, wall clock, model loading and cluster start included:

- ``score_file(csv, out.parquet, jobs=1)`` and ``jobs=2``; the two outputs must be equal byte
  for byte;
- ``moderation.dask.score_files("part-*.parquet", out_dir, workers=2)``: rows in, rows out, and
  its scores compared with the ``jobs=1`` run's.

Written to the ``dask`` section of ``benchmarks/RESULTS.md`` (between ``<!-- dask:start -->``
and ``<!-- dask:end -->``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import results_file
from throughput import real_comments

START, END = "<!-- dask:start -->", "<!-- dask:end -->"


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="real comments to score")
    parser.add_argument("--parts", type=int, default=10, help="Parquet parts for the Dask run")
    parser.add_argument("--model", default=None, help="model folder (default: the default model)")
    parser.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = parser.parse_args(argv)

    from moderation.batch import score_file
    from moderation.dask import score_files
    from moderation.model import default_model_path, load_model

    texts = real_comments(args.rows)
    if texts is None:
        print("the public corpora (../shared/data) are not here; nothing to measure", file=sys.stderr)
        return 1
    model_path = Path(args.model) if args.model else default_model_path()
    version = load_model(model_path).version
    load_avg = os.getloadavg()[0]
    frame = pd.DataFrame({"id": range(len(texts)), "text": texts})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv = work / "comments.csv"
        frame.to_csv(csv, index=False)
        archive = work / "archive"
        archive.mkdir()
        size = -(-len(frame) // args.parts)
        for i, start in enumerate(range(0, len(frame), size)):
            frame.iloc[start:start + size].to_parquet(archive / f"part-{i:05d}.parquet", index=False)

        one, t_one = _timed(score_file, csv, work / "one.parquet", model=model_path, jobs=1)
        two, t_two = _timed(score_file, csv, work / "two.parquet", model=model_path, jobs=2)
        same_bytes = (work / "one.parquet").read_bytes() == (work / "two.parquet").read_bytes()
        dask, t_dask = _timed(score_files, str(archive / "part-*.parquet"), work / "dask",
                              model=model_path, workers=2)
        got = pd.read_parquet(work / "dask")
        ref = pd.read_parquet(work / "one.parquet")
        ref["id"] = ref["id"].astype(got["id"].dtype)
        same_scores = got.reset_index(drop=True).equals(ref)

    rows = len(frame)
    table = [
        ("`score_file`, jobs=1 (one process)", one, t_one),
        ("`score_file`, jobs=2 (two worker processes)", two, t_two),
        ("Dask: `score_files`, local cluster of 2 worker processes", dask, t_dask),
    ]
    lines = [
        START,
        "## Dask and batch scoring (benchmarks/batch_scale.py)",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `python benchmarks/batch_scale.py"
        f"{' ' + ' '.join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else ''}` on "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared with other work: load average "
        f"{load_avg:.1f} at start), Python {platform.python_version()}; model `{version}`. "
        f"{rows:,} distinct real comments from the public corpora: one CSV for `score_file`, "
        f"{args.parts} Parquet parts for Dask. Wall clock, model loading and worker or cluster "
        "start included.",
        "",
        "| Run | Rows in | Rows out | Errors | Flagged HOSTILE / CONSPIRATORIAL | Seconds | Rows/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s, t in table:
        lines.append(f"| {name} | {s.rows_in:,} | {s.rows_out:,} | {s.errors:,} | "
                     f"{s.flagged['hostile']:,} / {s.flagged['conspiratorial']:,} | {t:.1f} | "
                     f"{s.rows_in / t:,.0f} |")
    lines += [
        "",
        f"jobs=2 output equal to jobs=1, byte for byte: {'yes' if same_bytes else '**NO**'}. "
        f"Dask parts, read back as one table, equal to the jobs=1 output: "
        f"{'yes' if same_scores else '**NO**'}. Rows in equal rows out in every run: "
        f"{'yes' if all(s.rows_in == s.rows_out == rows for _, s, _ in table) else '**NO**'}.",
        "",
        *([f"jobs=2 took longer than jobs=1 here ({t_two:.1f} s against {t_one:.1f} s): starting two "
           "workers costs a model load each, the parent reads and writes while both score, and on "
           "this machine two processes scoring at once each run slower than one alone, so a second "
           "worker pays off only where cores are free.", ""] if t_two > t_one else []),
        f"Load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        END,
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        results_file.write_section(section, START, END)
    return 0 if same_bytes and same_scores else 1


if __name__ == "__main__":
    sys.exit(main())
