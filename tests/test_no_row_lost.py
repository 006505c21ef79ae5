"""Property tests (issue 11): the labels reader and the JSONL reader never lose a row silently.

Whatever a file holds, every row either comes out (with its values unchanged), or is reported
with its line, or the whole file is refused with an error; a row never just disappears.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.dataset import dedup_key
from moderation.io import READ_ERROR, Progress, Source, _read_jsonl
from moderation.retrain import LabelsError, load_labels

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text a spreadsheet or a script may write: quotes, separators, line breaks of every kind,
# control characters and non-ASCII (lone surrogates cannot be written as UTF-8).
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('"\',;\t\n\r \\{}[]:x\u2028\u0085\x0b\x0c\x1c\ufeff')),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=40,
)
LABEL = st.one_of(
    st.sampled_from(["1", "0", "", "yes", "no", "true", "false", " 1 ", "Y", "maybe", "2", "-"]),
    TEXT,
)
ROW = st.tuples(TEXT, LABEL, LABEL)


def _line_numbers(header: str, rows: list[str]) -> list[int]:
    """The line each record starts on, counted as the csv module counts lines."""
    starts, text = [], header
    for row in rows:
        starts.append(len(io.StringIO(text, newline="").readlines()) + 1)
        text += row
    return starts


def _accounted(rows: list[tuple[str, str, str]], lines: list[int], frame: Any, problems: list[Any],
               unlabelled: int) -> None:
    """Every row is in the frame (itself, or merged with a row of the same text), reported as a
    problem at its line, or counted as having both labels empty."""
    kept_lines = set(frame["line"].astype(int))
    kept_keys = set(frame["text"].map(dedup_key))
    reported = {p.line for p in problems}
    silent_empty = 0
    for (text, _, _), line in zip(rows, lines, strict=True):
        if line in kept_lines or line in reported:
            continue
        if text.strip() and dedup_key(text) in kept_keys:
            continue  # merged with another row of the same text
        silent_empty += 1
    assert silent_empty <= unlabelled, (silent_empty, unlabelled)


@SETTINGS
@given(rows=st.lists(ROW, max_size=12), delimiter=st.sampled_from([",", "\t"]))
def test_the_labels_csv_reader_loses_no_row(rows: list[tuple[str, str, str]], delimiter: str) -> None:
    def record(cells: tuple[str, ...]) -> str:
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerow(cells)  # quotes \r and \n
        return buf.getvalue()

    header = record(("text", "hostile", "conspiratorial"))
    written = [record(r) for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("labels.tsv" if delimiter == "\t" else "labels.csv")
        path.write_bytes((header + "".join(written)).encode("utf-8"))
        try:
            frame, problems = load_labels(path, skip_invalid=True)
        except LabelsError as exc:  # refused loudly, each problem with its place
            assert exc.problems and all(p.file == str(path) for p in exc.problems)
            return
    lines = _line_numbers(header, written)
    # a record of empty cells only (",,") is a blank line to the reader: it holds nothing
    data = [(r, n) for r, n in zip(rows, lines, strict=True) if any(c.strip() for c in r)]
    _accounted([r for r, _ in data], [n for _, n in data], frame, problems, frame.attrs["unlabelled"])


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
JSON_LINE = st.one_of(
    st.dictionaries(st.sampled_from(["text", "hostile", "conspiratorial", "id", "Hostile", "note"]),
                    JSON_VALUE, max_size=5).map(lambda d: ("object", d)),
    JSON_VALUE.map(lambda v: ("value", v)),
    st.sampled_from(["{", "not json", '{"text": "a",}', "[" * 200 + "]" * 200, "\ufeff{}"])
    .map(lambda s: ("raw", s)),
)


def _serialise(kind: str, value: Any, ascii_only: bool) -> str:
    return value if kind == "raw" else json.dumps(value, ensure_ascii=ascii_only)


@SETTINGS
@given(lines=st.lists(JSON_LINE, max_size=15), ascii_only=st.booleans())
def test_the_labels_jsonl_reader_loses_no_row(lines: list[tuple[str, Any]], ascii_only: bool) -> None:
    text = "".join(_serialise(k, v, ascii_only) + "\n" for k, v in lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labels.jsonl"
        path.write_text(text, encoding="utf-8")
        try:
            frame, problems = load_labels(path, skip_invalid=True)
        except LabelsError as exc:
            assert exc.problems
            return
    rows = [((v.get("text") if isinstance(v, dict) and isinstance(v.get("text"), str) else ""), "", "")
            for k, v in lines]
    numbers = list(range(1, len(lines) + 1))
    blank = {n for n, (k, v) in zip(numbers, lines, strict=True)
             if not _serialise(k, v, ascii_only).strip()}
    kept = [(r, n) for r, n in zip(rows, numbers, strict=True) if n not in blank]
    _accounted([r for r, _ in kept], [n for _, n in kept], frame, problems, frame.attrs["unlabelled"])


@SETTINGS
@given(lines=st.lists(JSON_LINE, max_size=15), chunk=st.integers(1, 4), ascii_only=st.booleans())
def test_the_score_jsonl_reader_keeps_every_line_as_a_row(
    lines: list[tuple[str, Any]], chunk: int, ascii_only: bool
) -> None:
    text = "".join(_serialise(k, v, ascii_only) + "\n" for k, v in lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_text(text, encoding="utf-8")
        frames = list(_read_jsonl(Source(str(path), "jsonl", path), chunk, Progress(False)))
    records = [r for f in frames for r in f.to_dict("records")]
    expected = [(n, k, v) for n, (k, v) in enumerate(lines, start=1)
                if _serialise(k, v, ascii_only).removeprefix("\ufeff" if n == 1 else "").strip()]
    assert len(records) == len(expected)
    for record, (n, kind, value) in zip(records, expected, strict=True):
        error = record.get(READ_ERROR)
        if kind != "raw" and isinstance(value, dict):
            assert not isinstance(error, str)
            for key, item in value.items():  # values come through unchanged
                assert _same(record[key], item), (key, record[key], item)
        elif isinstance(error, str):
            assert f"line {n}:" in error
        else:  # "\ufeff{}" as the first line is an empty object: a row with no values
            assert kind == "raw" and n == 1


def _same(got: Any, want: Any) -> bool:
    """Whether a value read back is the value written (a missing value may read as NaN/NA)."""
    if want is None:
        return got is None or got is pd.NA or (isinstance(got, float) and got != got)
    if isinstance(want, bool):
        return isinstance(got, (bool, np.bool_)) and bool(got) is want
    if isinstance(want, int):
        if isinstance(got, float):  # an integer beside floats: equal, and never rounded
            return abs(want) <= 2**53 and got == want
        return not isinstance(got, (bool, np.bool_)) and got == want
    return bool(got == want)
