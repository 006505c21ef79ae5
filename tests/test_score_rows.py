"""`moderation score` keeps every row (issue 11, item 7): a CSV line with extra cells, a JSONL
line that is not an object, a key that first appears late or a value whose type changes are
rows in the output (with ``error`` when they cannot be scored), and every chunk has the same
columns."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from moderation.cli import main


@pytest.fixture
def score(tiny_model_path: Path, capsys: pytest.CaptureFixture):
    def _run(*args: str) -> tuple[int, str]:
        code = main(["score", *args, "--model", str(tiny_model_path), "--no-progress"])
        return code, capsys.readouterr().err

    return _run


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])
    return pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("sep,ext", [(",", ".csv"), ("\t", ".tsv")])
def test_a_line_with_extra_cells_is_kept_with_an_error(score, tmp_path: Path, sep: str, ext: str) -> None:
    lines = [f"id{sep}text"]
    lines += [f"{i}{sep}comment number {i}" for i in range(1, 8)]
    lines.insert(3, f'x{sep}"a cell over\ntwo lines"')
    lines.insert(6, f"bad1{sep}an unquoted{sep} extra cell")
    lines.append(f"bad2{sep}one{sep}two{sep}three")
    src = tmp_path / f"in{ext}"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / f"out{ext}"
    code, err = score(str(src), "-o", str(out), "--chunk-size", "3")
    assert code == 0, err
    got = _read(out)
    assert len(got) == 10 and "2 rows with errors" in err
    assert sorted(got["id"]) == sorted(["1", "2", "3", "4", "5", "6", "7", "x", "bad1", "bad2"])
    bad = got[got["id"].str.startswith("bad")].set_index("id")
    assert bad.loc["bad1", "error"] == f"{src}, line 8: 3 cells but the header has 2 (is a separator in " \
        "the text not quoted?); the row was not scored"
    assert bad.loc["bad2", "error"].startswith(f"{src}, line 12: 4 cells")
    assert bad.loc["bad1", "text"] == "an unquoted" and bad.loc["bad1", "hostile_score"] == ""
    assert (got[~got["id"].str.startswith("bad")]["error"] == "").all()


def test_a_key_that_first_appears_late_is_a_column(score, tmp_path: Path) -> None:
    rows = [{"id": i, "text": f"comment {i}"} for i in range(25)]
    rows[21]["late"] = "here"
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for ext in (".csv", ".parquet", ".tsv", ".jsonl"):
        out = tmp_path / f"out{ext}"
        code, err = score(str(src), "-o", str(out), "--chunk-size", "10")
        assert code == 0, (ext, err)
        got = _read(out)
        assert len(got) == 25 and "late" in got.columns, ext
        assert got["late"].tolist()[21] == "here"
        if ext != ".jsonl":
            assert list(got.columns)[:3] == ["id", "text", "late"]


def test_a_type_change_part_way_keeps_every_value(score, tmp_path: Path) -> None:
    rows = [{"id": i, "text": f"comment {i}", "ref": i, "w": 1} for i in range(15)]
    rows[12]["ref"] = "abc"  # a string after ten integers
    rows[13]["w"] = 0.5  # a float after integers
    rows[14]["ref"] = {"nested": [1, 2]}
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.parquet"
    code, err = score(str(src), "-o", str(out), "--chunk-size", "5")
    assert code == 0, err
    table = pq.read_table(out)
    assert table.schema.field("ref").type == pa.string()
    assert table.schema.field("w").type == pa.float64()
    assert table.schema.field("id").type == pa.int64()
    refs = table.column("ref").to_pylist()
    assert refs[:2] == ["0", "1"] and refs[12] == "abc" and json.loads(refs[14]) == {"nested": [1, 2]}
    assert table.column("w").to_pylist()[12:14] == [1.0, 0.5]


def test_a_late_key_that_clashes_is_refused_before_anything_is_written(score, tmp_path: Path) -> None:
    rows = [{"text": f"comment {i}"} for i in range(15)]
    rows[14]["error"] = "mine"
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.csv"
    code, err = score(str(src), "-o", str(out), "--chunk-size", "5")
    assert code == 2 and "already has column(s) error" in err and not out.exists()
    assert score(str(src), "-o", str(out), "--chunk-size", "5", "--overwrite")[0] == 0
    assert _read(out)["error"].tolist() == [""] * 15


def test_a_binary_text_column_is_read_as_utf8(score, tmp_path: Path) -> None:
    """Issue 11, item 13: a Parquet binary column holding UTF-8 was "not valid UTF-8"."""
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": pa.array([b"you absolute moron", b"\xff\xfe",
                                               "naïve café".encode()], pa.binary())}), src)
    out = tmp_path / "out.csv"
    code, err = score(str(src), "-o", str(out))
    assert code == 0 and "1 rows with errors" in err
    got = _read(out)
    assert got["error"].tolist() == ["", "text is not valid UTF-8; re-save the file as UTF-8", ""]
    assert got["hostile_score"][0] != "" and got["hostile_score"][2] != ""
