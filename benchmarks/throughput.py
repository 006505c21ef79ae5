"""Speed and memory of scoring: batch throughput, single-comment latency, CLI memory, load time.

Not a test: run it by hand on a quiet machine, then commit ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/throughput.py                      # full run on the default model
    python benchmarks/throughput.py --model PATH --rows 2000 --csv-rows 5000 --requests 200

Measured in one run, and written to the ``throughput`` section of ``benchmarks/RESULTS.md``
(between ``<!-- throughput:start -->`` and ``<!-- throughput:end -->``; the rest of the file is
left alone):

- first pass (the headline): comments per second of a freshly loaded model's ``Model.score``
  on up to ``--rows`` distinct real comments from the public corpora (each scored once, as a
  batch job meets them), against alt-profanity-check's ``predict_prob`` on the same texts;
- the same on ``--rows`` news-length comments built from our resources, whose words repeat
  (this measures the caches, and is shown beside the headline only);
- single-comment latency p50/p99, in process (``Model.score([text])``) and over HTTP on
  loopback (``POST /v1/score`` to a ``moderation serve`` subprocess, one request at a time);
- peak resident memory of ``moderation score`` on a ``--csv-rows`` CSV;
- cold start: ``moderation score`` on the seed page in a fresh process;
- model load time in a fresh interpreter (import + ``load_model``).

Floors (issues 5 and 13): first-pass throughput >= 0.5 x alt-profanity-check's, in-process p99
<= 3 ms, cold `moderation score` on the seed <= 1.5 s, HTTP p99 <= 20 ms, peak memory <= 1.5 GB
for one million rows (``--jobs 2`` scaling is measured by ``benchmarks/batch_scale.py``). The comments are built from the package's own comment
resources (1-3 joined per row, ~280 characters on average), so no corpus is needed.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import results_file

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- throughput:start -->", "<!-- throughput:end -->"
FLOOR_RATIO = 0.5  # issue 13: first pass on distinct comments, one process, both labels
FLOOR_INPROC_P99_MS = 3.0  # issue 13
FLOOR_COLD_S = 1.5  # issue 13: `moderation score` on the seed page, fresh process
FLOOR_HTTP_P99_MS = 20.0
FLOOR_PEAK_MB = 1536.0
SEED = 20240501


# ------------------------------------------------------------------------------ data
def news_comments(n: int, seed: int = SEED) -> list[str]:
    """``n`` news-length comments, each 1-3 of the package's resource comments joined."""
    folder = ROOT / "moderation" / "resources" / "comments"
    pool = pd.concat([pd.read_csv(p) for p in sorted(folder.glob("*.csv"))])["text"].dropna().tolist()
    rng = random.Random(seed)
    return [" ".join(rng.sample(pool, rng.choice((1, 2, 3)))) for _ in range(n)]


def real_comments(n: int, seed: int = SEED) -> list[str] | None:
    """``n`` distinct real comments by other people (the public corpora in ``../shared/data``,
    our own comments left out), shuffled with a fixed seed; None when the corpora are absent."""
    import warnings

    from moderation.dataset import OWN_SOURCE, build_dataset, resolve_corpora

    if not resolve_corpora().is_dir():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = build_dataset(log_line=lambda _line: None)
    texts = data.loc[data["source"] != OWN_SOURCE, "text"].drop_duplicates().tolist()
    random.Random(seed).shuffle(texts)
    return texts[:n]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# -------------------------------------------------------------------------- measures
def batch_throughput(model, texts: list[str], chunk: int = 10_000) -> float:
    """Comments per second of ``Model.score`` over ``texts`` (in CLI-sized chunks)."""
    model.score(texts[:200])  # warm caches
    started = time.perf_counter()
    for i in range(0, len(texts), chunk):
        model.score(texts[i : i + chunk])
    return len(texts) / (time.perf_counter() - started)


def profanity_throughput(texts: list[str], chunk: int = 10_000) -> float | None:
    """Comments per second of alt-profanity-check's ``predict_prob``, or None if not installed."""
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None
    predict_prob(texts[:200])
    started = time.perf_counter()
    for i in range(0, len(texts), chunk):
        predict_prob(texts[i : i + chunk])
    return len(texts) / (time.perf_counter() - started)


def inprocess_latency(model, texts: list[str], n: int) -> list[float]:
    """Milliseconds per ``Model.score([text])`` call."""
    for t in texts[:50]:
        model.score([t])
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        started = time.perf_counter()
        model.score([text])
        out.append((time.perf_counter() - started) * 1000)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_latency(model_path: Path, texts: list[str], n: int) -> list[float]:
    """Milliseconds per single-comment ``POST /v1/score`` to a loopback ``moderation serve``."""
    import httpx

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MODERATION_API_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moderation", "serve", "--port", str(port), "--model", str(model_path),
         "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-1000:]}")
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start within 180 s")
                time.sleep(0.2)
            for t in texts[:50]:
                client.post("/v1/score", json={"comments": [{"id": 0, "text": t}]})
            out = []
            for i in range(n):
                body = {"comments": [{"id": i, "text": texts[i % len(texts)]}]}
                started = time.perf_counter()
                resp = client.post("/v1/score", json=body)
                out.append((time.perf_counter() - started) * 1000)
                if resp.status_code != 200:
                    raise RuntimeError(f"request {i} got {resp.status_code}: {resp.text[:200]}")
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cli_peak_memory(model_path: Path, texts: list[str], rows: int, workdir: Path) -> tuple[float, float]:
    """(peak RSS in MB, rows per second) of ``moderation score`` on a ``rows``-row CSV."""
    src = workdir / "big.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "author", "text"])
        for i in range(rows):
            writer.writerow([i, f"reader{i % 997}", texts[i % len(texts)]])
    cmd = [sys.executable, "-m", "moderation", "score", str(src), "-o", str(workdir / "out.csv"),
           "--model", str(model_path), "--no-progress"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"moderation score failed ({proc.returncode}): {err[-1000:]}")
    # ru_maxrss is in bytes on macOS, in kilobytes on Linux
    peak_mb = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return peak_mb, rows / elapsed


def cold_start(model_path: Path, workdir: Path, repeats: int = 3) -> float:
    """Median wall seconds of ``moderation score`` on the seed page in a fresh process (imports,
    model load, parsing, scoring and writing: what a user waits for)."""
    seed = next((ROOT / "seeds").glob("*.txt"))
    cmd = [sys.executable, "-m", "moderation", "score", str(seed), "-o", str(workdir / "seed.csv"),
           "--no-progress"]
    env = {**os.environ, "MODERATION_MODEL": str(model_path)}
    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def load_time(model_path: Path, repeats: int = 3) -> tuple[float, float]:
    """(median seconds for import + load_model in a fresh interpreter, of which load_model)."""
    code = (
        "import time; t0 = time.perf_counter(); from moderation import load_model; "
        f"t1 = time.perf_counter(); load_model({str(model_path)!r}); t2 = time.perf_counter(); "
        "print(t2 - t0, t2 - t1)"
    )
    totals, loads = [], []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        total, load = map(float, out.stdout.split())
        totals.append(total)
        loads.append(load)
    return statistics.median(totals), statistics.median(loads)


# --------------------------------------------------------------------------- report
def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("pass" if ok else "**FAIL**")


def render(r: dict) -> str:
    lines = [
        START,
        "## Throughput, latency and memory",
        "",
        f"Run {r['date']} with `{' '.join(['python benchmarks/throughput.py', r['argv']]).strip()}` on {r['machine']}; "
        f"model `{r['model']}`. First pass: distinct real comments, each scored once by a freshly "
        "loaded model (the headline, as a batch job meets them). Repeated texts: "
        f"{r['rows']:,} news-length texts (mean {r['mean_chars']:.0f} characters) built from the "
        "package's comment resources, whose words repeat (they measure the caches).",
        "",
        "| Measure | Result | Floor | |",
        "|---|---|---|---|",
    ]
    if r.get("first_cps") is not None:
        lines.append(f"| **first pass**: `Model.score` on {r['first_n']:,} distinct real comments from the "
                     f"public corpora, freshly loaded model (both labels) | {r['first_cps']:,.0f} comments/s | | |")
        if r.get("first_apc_cps") is not None:
            ratio = r["first_cps"] / r["first_apc_cps"]
            lines.append(f"| first pass: alt-profanity-check on the same texts | {r['first_apc_cps']:,.0f} comments/s | | |")
            lines.append(f"| **first pass ratio** ours / alt-profanity-check | {ratio:.2f} | >= {FLOOR_RATIO} | "
                         f"{_verdict(ratio >= FLOOR_RATIO)} |")
    if r.get("ours_cps") is not None:
        lines.append(f"| repeated texts (warm caches): `Model.score` batch throughput (both labels) | {r['ours_cps']:,.0f} comments/s | | |")
        if r.get("apc_cps") is not None:
            ratio = r["ours_cps"] / r["apc_cps"]
            lines.append(f"| repeated texts: alt-profanity-check `predict_prob` (one label) | {r['apc_cps']:,.0f} comments/s | | |")
            lines.append(f"| repeated texts: ratio ours / alt-profanity-check | {ratio:.2f} | | |")
        else:
            lines.append("| alt-profanity-check | not installed (`pip install alt-profanity-check`) | | n/a |")
    if r.get("inproc") is not None:
        p50, p99 = percentile(r["inproc"], 50), percentile(r["inproc"], 99)
        lines.append(f"| single comment in process, p50 / p99 ({len(r['inproc']):,} calls) | {p50:.2f} / {p99:.2f} ms | "
                     f"p99 <= {FLOOR_INPROC_P99_MS:.0f} ms | {_verdict(p99 <= FLOOR_INPROC_P99_MS)} |")
    if r.get("http") is not None:
        p50, p99 = percentile(r["http"], 50), percentile(r["http"], 99)
        lines.append(
            f"| single comment over HTTP (loopback), p50 / p99 ({len(r['http']):,} requests) | "
            f"{p50:.2f} / {p99:.2f} ms | p99 <= {FLOOR_HTTP_P99_MS:.0f} ms | {_verdict(p99 <= FLOOR_HTTP_P99_MS)} |"
        )
    if r.get("peak_mb") is not None:
        ok = r["peak_mb"] <= FLOOR_PEAK_MB if r["csv_rows"] >= 1_000_000 else None
        lines.append(
            f"| `moderation score` peak memory, {r['csv_rows']:,}-row CSV | {r['peak_mb']:,.0f} MB "
            f"({r['cli_rps']:,.0f} rows/s) | <= 1.5 GB at 1M rows | {_verdict(ok)} |"
        )
    if r.get("cold") is not None:
        lines.append(f"| cold start: `moderation score` on the seed page, fresh process (median of 3) | "
                     f"{r['cold']:.2f} s | <= {FLOOR_COLD_S} s | {_verdict(r['cold'] <= FLOOR_COLD_S)} |")
    if r.get("load") is not None:
        total, load = r["load"]
        lines.append(f"| model load, fresh interpreter (import + `load_model`) | {total:.2f} s (load {load:.2f} s) | | |")
    for failure in r.get("failed", []):
        lines.append(f"| failed: {failure} | | | **FAIL** |")
    lines += ["", END]
    return "\n".join(lines)


def write_section(section: str, path: Path) -> None:
    """Replace the throughput section of ``path`` (or append it), leaving the rest alone."""
    results_file.write_section(section, START, END, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the default model)")
    ap.add_argument("--rows", type=int, default=100_000, help="comments for the batch throughput (default 100,000)")
    ap.add_argument("--requests", type=int, default=2_000, help="single-comment calls/requests for latency (default 2,000)")
    ap.add_argument("--csv-rows", type=int, default=1_000_000, help="rows of the CLI memory CSV (default 1,000,000)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update (default benchmarks/RESULTS.md)")
    ap.add_argument("--skip", nargs="*", default=[], choices=("batch", "latency", "http", "cli", "cold", "load"),
                    help="parts to leave out")
    ap.add_argument("--dry-run", action="store_true", help="print the section instead of writing it")
    args = ap.parse_args(argv)

    from moderation.model import default_model_path, load_model

    source = (args.model or default_model_path()).resolve()
    if not (source / "model.json").is_file():
        print(f"throughput: no model at {source}; train one or pass --model PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="moderation-bench-model-") as tmp:
        # a private copy, so a model replaced or deleted during the run cannot change the figures
        model_path = Path(tmp) / source.name
        shutil.copytree(source, model_path)
        return _run(args, argv, source, model_path, load_model(model_path))


def _run(args: argparse.Namespace, argv: list[str] | None, source: Path, model_path: Path, model) -> int:
    texts = news_comments(max(args.rows, 1000))
    result: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "argv": " ".join(argv if argv is not None else sys.argv[1:]).strip(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start",
        "model": f"{model.version} ({source.name})",
        "rows": args.rows,
        "mean_chars": float(np.mean([len(t) for t in texts[: args.rows]])),
        "csv_rows": args.csv_rows,
    }

    def batch() -> None:
        distinct = real_comments(args.rows)
        if distinct is not None:  # the headline: every text new to a freshly loaded model
            from moderation.model import load_model

            fresh = load_model(model_path)
            fresh.score(["warm up the imports"])
            started = time.perf_counter()
            for i in range(0, len(distinct), 10_000):
                fresh.score(distinct[i : i + 10_000])
            result["first_cps"] = len(distinct) / (time.perf_counter() - started)
            result["first_apc_cps"] = profanity_throughput(distinct)
            result["first_n"] = len(distinct)
        sample = texts[: args.rows]
        result["ours_cps"] = batch_throughput(model, sample)
        result["apc_cps"] = profanity_throughput(sample)

    def latency() -> None:
        result["inproc"] = inprocess_latency(model, texts, args.requests)

    def http() -> None:
        result["http"] = http_latency(model_path, texts, args.requests)

    def cli() -> None:
        with tempfile.TemporaryDirectory(prefix="moderation-bench-") as tmp:
            result["peak_mb"], result["cli_rps"] = cli_peak_memory(model_path, texts, args.csv_rows, Path(tmp))

    def load() -> None:
        result["load"] = load_time(model_path)

    def cold() -> None:
        with tempfile.TemporaryDirectory(prefix="moderation-bench-") as tmp:
            result["cold"] = cold_start(model_path, Path(tmp))

    # each part runs on its own: one failing is reported and the others are still written
    # the CLI first: a child's peak RSS counts the parent's memory at fork time on Linux, and the
    # batch part holds the corpora and a second model
    for name, part in (("cli", cli), ("batch", batch), ("latency", latency), ("http", http), ("cold", cold), ("load", load)):
        if name in args.skip:
            continue
        print(f"throughput: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            part()
        except Exception as exc:  # noqa: BLE001 - reported in the results table
            result.setdefault("failed", []).append(f"{name}: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            print(f"throughput: {name} failed: {exc}", file=sys.stderr, flush=True)
        print(f"throughput: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    section = render(result)
    print(section)
    if not args.dry_run:
        write_section(section, args.results)
        print(f"throughput: wrote {args.results}", file=sys.stderr)
    return 1 if result.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
