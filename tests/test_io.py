"""Table I/O: round trips per format, stdout, atomic writes, readable errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from moderation import io as mio


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a1", "007", "c3"],
            "author": ["Ann", None, "Bo, \"the\" one"],
            "text": ["NA", "line one\nline two", "null"],
            "score": [0.5, 1.0, 0.25],
            "flag": [True, False, True],
        }
    )


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".pq"])
def test_round_trip(tmp_path: Path, df: pd.DataFrame, ext: str) -> None:
    path = tmp_path / f"t{ext}"
    mio.write_table(df, path)
    back = mio.read_table(path, dtype={"id": str} if ext != ".parquet" and ext != ".pq" else None)
    assert list(back.columns) == list(df.columns)
    assert back["id"].tolist() == ["a1", "007", "c3"]
    assert back["text"].tolist() == ["NA", "line one\nline two", "null"]  # not turned into NaN
    assert pd.isna(back["author"][1]) and back["author"][2] == 'Bo, "the" one'
    assert back["score"].tolist() == [0.5, 1.0, 0.25]


def test_csv_missing_value_is_empty_cell(tmp_path: Path, df: pd.DataFrame) -> None:
    path = tmp_path / "t.csv"
    mio.write_table(df, path)
    assert path.read_text(encoding="utf-8").splitlines()[2].startswith('007,,"line one')


def test_stdout_for_none_and_dash(df: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    mio.write_table(df, None)
    first = capsys.readouterr().out
    mio.write_table(df, "-")
    assert capsys.readouterr().out == first
    assert first.startswith("id,author,text,score,flag\n")


def test_unknown_extension(tmp_path: Path, df: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"use one of .*\.csv"):
        mio.write_table(df, tmp_path / "t.xlsx")
    with pytest.raises(ValueError, match="unsupported table extension"):
        mio.read_table(tmp_path / "t")


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path, df: pd.DataFrame,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("old\n", encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(mio, "_write_jsonl", boom)
    with pytest.raises(RuntimeError):
        mio.write_table(df, path)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.jsonl"]


def test_creates_parent_folders(tmp_path: Path, df: pd.DataFrame) -> None:
    path = tmp_path / "a" / "b" / "t.csv"
    mio.write_table(df, path)
    assert len(mio.read_table(path)) == 3


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        mio.read_table(tmp_path / "missing.csv")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot read as JSONL"):
        mio.read_table(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert mio.read_table(empty).empty


def test_csv_with_bom_and_tsv(tmp_path: Path) -> None:
    p = tmp_path / "excel.csv"
    p.write_bytes("\ufeffid,text\n1,hé\n".encode())
    assert mio.read_table(p).columns[0] == "id"
    t = tmp_path / "t.tsv"
    t.write_text("id\ttext\n1\ta, b\n", encoding="utf-8")
    assert mio.read_table(t)["text"][0] == "a, b"
