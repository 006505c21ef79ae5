"""Batch scoring at scale: ``moderation.score_file`` with 1 and 2 worker processes, and the Dask
engine on a local cluster of two worker processes, over real comments.

Not a test: run it by hand, then commit ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/batch_scale.py                 # 50,000 comments, the default model
    python benchmarks/batch_scale.py --rows 5000 --parts 5 --model PATH

The comments are distinct real comments from the public corpora in ``../shared/data`` (as in
``throughput.py``), written to a temporary folder (never into the repository) as one CSV and as
``--parts`` Parquet parts. Each run is a fresh ``moderation score`` process (wall clock, with
interpreter start, model loading and worker or cluster start; no cache warm), ``--repeats``
times each, interleaved; the fastest counts, as the machine may be shared:

- ``--jobs 1`` and ``--jobs 2`` (``score_file``) on the CSV; the two outputs must be equal
  byte for byte;
- ``--engine dask --jobs 2`` (``moderation.dask.score_files`` on a local cluster of two worker
  processes) on the parts: rows in, rows out, and its scores compared with the ``--jobs 1``
  run's.

Written to the ``dask`` section of ``benchmarks/RESULTS.md`` (between ``<!-- dask:start -->``
and ``<!-- dask:end -->``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import results_file
from throughput import real_comments

START, END = "<!-- dask:start -->", "<!-- dask:end -->"


def _cli(*argv: str) -> float:
    """Seconds one ``moderation score`` run takes in a fresh interpreter (a first pass: no cache
    is warm, as a batch job starts)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "moderation", "score", *argv, "--no-progress"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def _counts(path: Path) -> dict[str, int]:
    """Rows, rows with an error and flags per label of an output (a file or a folder of parts)."""
    got = pd.read_parquet(path)
    return {"rows": len(got), "errors": int(got["error"].notna().sum()),
            "hostile": int(got["hostile_flag"].fillna(False).astype(bool).sum()),
            "conspiratorial": int(got["conspiratorial_flag"].fillna(False).astype(bool).sum())}


def _joined(texts: list[str], n: int, seed: int = 7) -> list[str]:
    """``n`` more distinct texts, each two of the real comments joined (for more rows than the
    corpora hold distinct comments: issue 13 measures --jobs 2 on 200,000 rows)."""
    import random

    rng, seen, out = random.Random(seed), set(texts), []
    while len(out) < n:
        text = f"{rng.choice(texts)} {rng.choice(texts)}"
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="real comments to score")
    parser.add_argument("--parts", type=int, default=10, help="Parquet parts for the Dask run")
    parser.add_argument("--model", default=None, help="model folder (default: the default model)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (the fastest counts)")
    parser.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = parser.parse_args(argv)

    from moderation.model import default_model_path, load_model

    texts = real_comments(args.rows)
    if texts is None:
        print("the public corpora (../shared/data) are not here; nothing to measure", file=sys.stderr)
        return 1
    joined = _joined(texts, args.rows - len(texts))
    texts += joined
    model = str(Path(args.model) if args.model else default_model_path())
    version = load_model(model).version
    load_avg = os.getloadavg()[0]
    frame = pd.DataFrame({"id": range(len(texts)), "text": texts})
    runs = {
        "one": ("`moderation score` (`score_file`), --jobs 1: one process", ["--jobs", "1"]),
        "two": ("`moderation score` (`score_file`), --jobs 2: two worker processes", ["--jobs", "2"]),
        "dask": ("`moderation score --engine dask --jobs 2`: local cluster of 2 worker processes",
                 ["--engine", "dask", "--jobs", "2"]),
    }
    times: dict[str, list[float]] = {key: [] for key in runs}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv = work / "comments.csv"
        frame.to_csv(csv, index=False)
        archive = work / "archive"
        archive.mkdir()
        size = -(-len(frame) // args.parts)
        for i, start in enumerate(range(0, len(frame), size)):
            frame.iloc[start:start + size].to_parquet(archive / f"part-{i:05d}.parquet", index=False)
        source = {"one": str(csv), "two": str(csv), "dask": str(archive / "part-*.parquet")}
        for r in range(args.repeats):  # interleaved, so a busy spell on the machine hits all three
            for key, (_, options) in runs.items():
                out = work / (f"{key}{r}" + ("" if key == "dask" else ".parquet"))
                times[key].append(_cli(source[key], "-o", str(out), "--model", model, *options))
        counts = {key: _counts(work / (f"{key}0" + ("" if key == "dask" else ".parquet"))) for key in runs}
        same_bytes = (work / "one0.parquet").read_bytes() == (work / "two0.parquet").read_bytes()
        got = pd.read_parquet(work / "dask0")
        ref = pd.read_parquet(work / "one0.parquet")
        ref["id"] = ref["id"].astype(got["id"].dtype)
        same_scores = got.reset_index(drop=True).equals(ref)

    rows = len(frame)
    t_one, t_two = min(times["one"]), min(times["two"])
    lines = [
        START,
        "## Dask and batch scoring (benchmarks/batch_scale.py)",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `python benchmarks/batch_scale.py"
        f"{' ' + ' '.join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else ''}` on "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared with other work: load average "
        f"{load_avg:.1f} at start), Python {platform.python_version()}; model `{version}`. "
        f"{rows:,} distinct real comments from the public corpora"
        f"{f' ({len(joined):,} of them two real comments joined)' if joined else ''}: one CSV for `score_file`, "
        f"{args.parts} Parquet parts for Dask. Wall clock, model loading, worker or cluster "
        f"start and interpreter start included (each run is a fresh `moderation score` process, "
        f"so no cache is warm); each run {args.repeats} times, interleaved: rows/s from the "
        "fastest (the machine is shared, so the slower ones measure the neighbours too).",
        "",
        "| Run | Rows in | Rows out | Errors | Flagged HOSTILE / CONSPIRATORIAL | Seconds (each run) | Rows/s (fastest) |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, (name, _) in runs.items():
        c, ts = counts[key], times[key]
        lines.append(f"| {name} | {rows:,} | {c['rows']:,} | {c['errors']:,} | "
                     f"{c['hostile']:,} / {c['conspiratorial']:,} | "
                     f"{' / '.join(f'{t:.1f}' for t in ts)} | {rows / min(ts):,.0f} |")
    lines += [
        "",
        f"jobs=2 output equal to jobs=1, byte for byte: {'yes' if same_bytes else '**NO**'}. "
        f"Dask parts, read back as one table, equal to the jobs=1 output: "
        f"{'yes' if same_scores else '**NO**'}. Rows in equal rows out in every run: "
        f"{'yes' if all(c['rows'] == rows for c in counts.values()) else '**NO**'}.",
        "",
        f"--jobs 2 against --jobs 1: {t_one / t_two:.2f} x (issue 13's floor: 1.7 x on 200,000 rows): "
        f"{'pass' if t_one / t_two >= 1.7 else '**FAIL**'}.",
        "",
        *([f"jobs=2 took longer than jobs=1 here (fastest {t_two:.1f} s against {t_one:.1f} s): starting two "
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
