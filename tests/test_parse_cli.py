"""``moderation parse``: output formats, warnings on stderr, exit codes for bad input."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from moderation.cli import main

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "southfront_russia_china_wpdiscuz.txt"
DATA = REPO / "tests" / "data" / "parse"
COLUMNS = ["id", "author", "text", "parent_id", "position", "published", "has_image", "source"]


def test_seed_to_stdout_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    df = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert len(df) == 12
    assert (df["author"] == "").sum() == 5  # a missing author is an empty cell
    assert df["text"].str.len().min() > 0
    assert err == ""


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet", ".tsv"])
def test_output_by_extension(tmp_path: Path, ext: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / f"comments{ext}"
    assert main(["parse", str(DATA / "wp_html5.html"), str(SEED), "-o", str(out)]) == 0
    from moderation.io import read_table

    df = read_table(out)
    assert list(df.columns) == COLUMNS
    assert len(df) == 5 + 12
    assert df["source"].nunique() == 2
    assert "17 comments" in capsys.readouterr().err
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temp file left behind


def test_jsonl_rows_are_json(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    assert main(["parse", str(DATA / "wp_html5.html"), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[1]["parent_id"] == "11" and rows[4]["author"] is None
    assert rows[0]["text"].endswith("😅")


def test_page_without_comments_warns_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(DATA / "no_comments.txt")]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == ",".join(COLUMNS)
    assert err.startswith("moderation parse: warning:") and "no comment section" in err
    assert len(err.strip().splitlines()) == 1


def test_disqus_warning_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(DATA / "disqus_placeholder.html")]) == 0
    assert "loaded by script" in capsys.readouterr().err


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("moderation parse: error:")
    assert len(err.strip().splitlines()) == 1
    return err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED), str(tmp_path / "missing.html")]) == 2
    assert "no such file" in _one_line_error(capsys)


def test_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path)]) == 2
    assert "folder" in _one_line_error(capsys)


def test_binary_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert main(["parse", str(png)]) == 2
    assert "binary" in _one_line_error(capsys)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions")
def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "locked.html"
    page.write_text("<html></html>", encoding="utf-8")
    page.chmod(0)
    try:
        assert main(["parse", str(page)]) == 2
    finally:
        page.chmod(0o644)
    assert "not readable" in _one_line_error(capsys)


def test_unknown_output_extension_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert ".xlsx" in _one_line_error(capsys)
    assert not list(tmp_path.iterdir())


def test_cp1252_page_warns_and_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "latin.txt"
    page.write_bytes("Art.\n\n2 thoughts on “Café”\n\nSehr schön, merci.\n".encode("cp1252"))
    assert main(["parse", str(page)]) == 0
    out, err = capsys.readouterr()
    assert "Sehr schön, merci." in out
    assert "cp1252" in err


def test_format_option_forces_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--format", "text", str(DATA / "wp_html5.html")]) == 0
    assert "no comment section" in capsys.readouterr().err
