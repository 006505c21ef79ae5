"""Input columns pass through unchanged (issue 11, item 5): an integer id column with a null in
JSONL or Parquet input stayed integers, not floats that round 9007199254740993 to
9007199254740992.0."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import moderation.io as mio
from moderation.cli import main

BIG = 9007199254740993  # 2**53 + 1: not a float
ROWS = [
    {"id": BIG, "ref": "007", "x": 0.1234567890123456789, "text": "you absolute moron"},
    {"id": None, "ref": None, "x": None, "text": "the bakery sells bread"},
    {"id": 3, "ref": "010", "x": 1e-300, "text": "thanks for the article"},
]


def _score(src: Path, out: Path, model: Path) -> None:
    assert main(["score", str(src), "--model", str(model), "-o", str(out), "--no-progress"]) == 0


def _jsonl(tmp_path: Path, rows: list[dict]) -> Path:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return src


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_jsonl_ids_with_a_null_pass_through(ext: str, tiny_model_path: Path, tmp_path: Path) -> None:
    out = tmp_path / f"out{ext}"
    _score(_jsonl(tmp_path, ROWS), out, tiny_model_path)
    if ext == ".csv":
        lines = out.read_text().splitlines()
        assert lines[0].startswith("id,ref,x,text,")
        assert lines[1].startswith(f"{BIG},007,0.12345678901234568,")
        assert lines[2].startswith(",,,")
        assert lines[3].startswith("3,010,1e-300,")
    elif ext == ".jsonl":
        back = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["id"] for r in back] == [BIG, None, 3]
        assert [r["ref"] for r in back] == ["007", None, "010"]
        assert [r["x"] for r in back] == [0.1234567890123456789, None, 1e-300]
    else:
        table = pq.read_table(out)
        assert table.schema.field("id").type == pa.int64()
        assert table.column("id").to_pylist() == [BIG, None, 3]
        assert table.column("ref").to_pylist() == ["007", None, "010"]


def test_integers_beyond_64_bits_pass_through_jsonl(tiny_model_path: Path, tmp_path: Path) -> None:
    huge = 2**70 + 1
    out = tmp_path / "out.jsonl"
    _score(_jsonl(tmp_path, [{"id": huge, "text": "hello"}, {"id": None, "text": "hi"}]), out,
           tiny_model_path)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [huge, None]


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_parquet_ids_with_a_null_pass_through(ext: str, tiny_model_path: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "id": pa.array([BIG, None, 3], pa.int64()),
        "small": pa.array([1, None, 2], pa.int8()),
        "ok": pa.array([True, None, False]),
        "text": ["you absolute moron", "the bakery sells bread", "thanks"],
    }), src)
    out = tmp_path / f"out{ext}"
    _score(src, out, tiny_model_path)
    if ext == ".parquet":
        table = pq.read_table(out)
        assert table.column("id").to_pylist() == [BIG, None, 3]
        assert table.schema.field("small").type == pa.int8()
        assert table.column("ok").to_pylist() == [True, None, False]
    elif ext == ".jsonl":
        back = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["id"] for r in back] == [BIG, None, 3]
        assert [r["ok"] for r in back] == [True, None, False]
    else:
        ids = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
        assert ids == [str(BIG), "", "3"]


def test_read_table_keeps_integer_ids(tmp_path: Path) -> None:
    src = _jsonl(tmp_path, ROWS)
    df = mio.read_table(src)
    assert df["id"].dtype == "Int64" and df["id"].tolist()[0] == BIG and df["id"].isna().tolist()[1]
    assert df["ref"].tolist()[0] == "007"
    pq_path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": pa.array([BIG, None], pa.int64())}), pq_path)
    assert mio.read_table(pq_path)["id"].tolist()[0] == BIG
    mixed = mio.frame_from_records([{"a": 1, "b": 1.5}, {"a": None, "b": None}, {"a": 2**70}])
    assert mixed["a"].tolist()[2] == 2**70 and mixed["b"].dtype.kind == "f"
    assert pd.isna(mixed["b"][1])
