"""`moderation score`: every input kind, streaming, bad rows kept, malformed files, safe output."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from moderation.batch import UNDECODABLE
from moderation.cli import main
from moderation.model import SCORE_COLUMNS

DATA = Path(__file__).parent / "data" / "score"
COMMENTS = DATA / "comments.csv"
ADDED = [*SCORE_COLUMNS, "error"]


def _input_frame() -> pd.DataFrame:
    return pd.read_csv(COMMENTS, dtype=str, keep_default_na=False)


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    sep = "\t" if path.suffix == ".tsv" else ","
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])


def _write_input(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        df.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        df.to_csv(path, sep="\t" if path.suffix == ".tsv" else ",", index=False)
    return path


@pytest.fixture
def run(tiny_model_path, capsys):
    """Run the CLI with the tiny model; return (exit code, stdout, stderr)."""

    def _run(*argv: str) -> tuple[int, str, str]:
        code = main(["score", *argv, "--model", str(tiny_model_path)])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.mark.parametrize("in_ext", [".csv", ".tsv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("out_ext", [".csv", ".jsonl", ".parquet"])
def test_table_formats_keep_every_column_and_add_scores(run, tmp_path, in_ext, out_ext):
    src = _write_input(_input_frame(), tmp_path / f"in{in_ext}")
    out = tmp_path / f"out{out_ext}"
    code, stdout, err = run(str(src), "-o", str(out))
    assert code == 0, err
    assert stdout == ""
    got = _read(out)
    assert list(got.columns) == ["id", "author", "text", "likes", *ADDED]
    assert got["text"].tolist() == _input_frame()["text"].tolist()
    assert [str(v) for v in got["author"]] == _input_frame()["author"].tolist()
    assert got["hostile_score"].astype(float).between(0, 1).all()
    assert got["error"].isna().all()
    assert "6 rows scored" in err and "0 rows with errors" in err


def test_csv_keeps_ids_as_text_and_scores_match_the_model(run, tiny_model, tmp_path):
    out = tmp_path / "out.csv"
    assert run(str(COMMENTS), "-o", str(out))[0] == 0
    got = _read(out)
    assert got["id"].tolist() == ["007", "008", "009", "010", "011", "012"]
    expected = tiny_model.score(_input_frame()["text"].tolist())
    assert got["hostile_score"].astype(float).tolist() == pytest.approx(expected["hostile_score"].tolist())
    assert got["hostile_flag"].tolist() == [str(v) for v in expected["hostile_flag"]]


def test_default_output_is_csv_on_stdout(run):
    code, stdout, err = run(str(COMMENTS))
    assert code == 0
    got = pd.read_csv(io.StringIO(stdout), dtype=str)
    assert list(got.columns) == ["id", "author", "text", "likes", *ADDED]
    assert len(got) == 6
    assert err.startswith("moderation score: 6 rows scored")  # no progress bar when not a tty


@pytest.mark.parametrize("page", ["page.txt", "page.html"])
def test_pages_are_parsed_then_scored(run, tmp_path, page):
    from moderation.parse import COLUMNS, parse_comments

    out = tmp_path / "out.csv"
    code, _, err = run(str(DATA / page), "-o", str(out))
    assert code == 0, err
    got = _read(out)
    assert list(got.columns) == [*COLUMNS, *ADDED]
    assert got["text"].tolist() == [c.text for c in parse_comments(DATA / page)]


def test_stdin_one_comment_per_line(run, monkeypatch, tmp_path):
    data = b"You are a pathetic moron.\n\nThe bakery sells great bread.\r\nbad \xff byte\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = tmp_path / "out.csv"
    code, _, err = run("-", "-o", str(out))
    assert code == 0
    assert b"bad \xff byte" in out.read_bytes()  # undecodable bytes are written back unchanged
    got = pd.read_csv(out, dtype=str, keep_default_na=False, na_values=[""], encoding="latin-1")
    assert got["text"].iloc[0] == "You are a pathetic moron."
    assert pd.isna(got["text"].iloc[1])
    assert got["text"].iloc[2] == "The bakery sells great bread."
    assert got["error"].fillna("").tolist() == ["", "missing text", "", UNDECODABLE]
    assert "2 rows scored" in err and "2 rows with errors" in err


def test_stdin_to_stdout(run, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"one\ntwo\n")))
    code, stdout, _ = run("-")
    assert code == 0
    assert pd.read_csv(io.StringIO(stdout))["text"].tolist() == ["one", "two"]


def test_bad_rows_stay_with_an_error_and_the_run_goes_on(run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"id,text\n1,You are a pathetic moron.\n2,\n3,caf\xe9 latin-1 text\n4,Nice bread.\n"
    )
    out = tmp_path / "out.csv"
    code, _, err = run(str(src), "-o", str(out))
    assert code == 0
    # a file that is not UTF-8 is read as Windows-1252, as `train --labels` reads it
    assert "in.csv is not UTF-8; read as Windows-1252" in err
    got = pd.read_csv(out, dtype=str, keep_default_na=False, na_values=[""])
    assert got["id"].tolist() == ["1", "2", "3", "4"]
    assert got["text"].iloc[2] == "caf\u00e9 latin-1 text"
    assert got["error"].fillna("").tolist() == ["", "missing text", "", ""]
    assert pd.isna(got["hostile_score"].iloc[1]) and pd.isna(got["hostile_flag"].iloc[1])
    assert "3 rows scored" in err and "1 rows with errors" in err


def test_jsonl_non_string_text_is_a_row_error(run, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": 42}\n\n{"id": 2, "text": "hello", "extra": {"a": 1}}\n')
    out = tmp_path / "out.jsonl"
    assert run(str(src), "-o", str(out))[0] == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["error"] == "text is int, not a string" and rows[0]["text"] == 42
    assert rows[1]["error"] is None and rows[1]["extra"] == {"a": 1}


def test_text_column_detection_and_option(run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("n,Comment,note\n1,You are a pathetic moron.,x\n")
    code, stdout, _ = run(str(src))
    assert code == 0 and "pathetic moron" in stdout
    src.write_text("n,words,note\n1,You are a pathetic moron.,x\n")
    code, _, err = run(str(src))
    assert code == 2
    assert "no text column" in err and "--text-column" in err and err.count("\n") == 1
    code, stdout, _ = run(str(src), "--text-column", "words")
    assert code == 0 and pd.read_csv(io.StringIO(stdout))["hostile_score"].notna().all()
    code, _, err = run(str(src), "--text-column", "nope")
    assert code == 2 and "'nope'" in err and "words" in err


def test_existing_score_columns_need_overwrite(run, tmp_path):
    first = tmp_path / "first.csv"
    assert run(str(COMMENTS), "-o", str(first))[0] == 0
    code, _, err = run(str(first), "-o", str(tmp_path / "second.csv"))
    assert code == 2 and "--overwrite" in err and "hostile_score" in err
    second = tmp_path / "second.csv"
    assert not second.exists()
    assert run(str(first), "-o", str(second), "--overwrite")[0] == 0
    got = _read(second)
    assert list(got.columns) == ["id", "author", "text", "likes", *ADDED]
    pd.testing.assert_frame_equal(got, _read(first))


def test_malformed_csv_exits_2_and_keeps_existing_output(run, tmp_path):
    src = tmp_path / "bad.csv"
    good_rows = "".join(f"{i},comment number {i}\n" for i in range(50))
    src.write_text("id,text\n" + good_rows + '1,"unterminated, 2, 3\n4,5,6,7,8\n')
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    code, stdout, err = run(str(src), "-o", str(out), "--chunk-size", "10")
    assert code == 2
    assert err.startswith("moderation score: error: ") and "malformed CSV" in err
    assert err.count("\n") == 1
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "out.csv"]  # no temp left


def test_malformed_jsonl_lines_are_kept_as_rows_naming_the_line(run, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"text": "fine"}\n{"text": "broken\n["a list"]\n{"text": "also fine"}\n')
    out = tmp_path / "o.csv"
    code, _, err = run(str(src), "-o", str(out))
    assert code == 0 and "2 rows with errors" in err
    got = _read(out)
    assert got["text"].tolist()[::3] == ["fine", "also fine"]
    assert f"{src}, line 2: not valid JSON" in got["error"][1]
    assert f"{src}, line 3: a JSON list, not an object" in got["error"][2]
    assert got["hostile_score"].isna().tolist() == [False, True, True, False]


def test_malformed_parquet_exits_2(run, tmp_path):
    src = tmp_path / "bad.parquet"
    src.write_bytes(b"PAR1 this is not parquet")
    code, _, err = run(str(src))
    assert code == 2 and "malformed Parquet" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "no such file"),
        (["in.xlsx"], "unsupported input extension"),
        (["COMMENTS", "-o", "out.xlsx"], "unsupported table extension"),
    ],
)
def test_usage_errors_exit_2(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.xlsx").write_text("x")
    args = [str(COMMENTS) if a == "COMMENTS" else a for a in args]
    code, _, err = run(*args)
    assert code == 2 and message in err


def test_missing_model_is_a_one_line_error(capsys, tmp_path):
    code = main(["score", str(COMMENTS), "--model", str(tmp_path / "nomodel")])
    err = capsys.readouterr().err
    assert code == 2 and "No model at" in err and err.count("\n") == 1


def test_streams_in_chunks(run, tmp_path, monkeypatch):
    from moderation.model import Model

    sizes: list[int] = []
    real = Model.score

    def spy(self, texts):
        texts = list(texts)
        sizes.append(len(texts))
        return real(self, texts)

    monkeypatch.setattr(Model, "score", spy)
    big = pd.concat([_input_frame()] * 5, ignore_index=True)  # 30 rows
    for ext in (".csv", ".jsonl", ".parquet"):
        sizes.clear()
        src = _write_input(big, tmp_path / f"big{ext}")
        out = tmp_path / f"big_out{ext}"
        assert run(str(src), "-o", str(out), "--chunk-size", "7")[0] == 0
        assert max(sizes) <= 7 and sum(sizes) == 30, ext
        got = _read(out)
        assert len(got) == 30 and list(got.columns)[-len(ADDED):] == ADDED


def test_chunked_output_equals_single_chunk(run, tmp_path):
    big = pd.concat([_input_frame()] * 4, ignore_index=True)
    src = _write_input(big, tmp_path / "big.csv")
    assert run(str(src), "-o", str(tmp_path / "a.csv"), "--chunk-size", "5")[0] == 0
    assert run(str(src), "-o", str(tmp_path / "b.csv"))[0] == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_thresholds_and_only_flagged(run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,You are a pathetic moron.\n2,\n3,Nice bread.\n")
    code, stdout, err = run(str(src), "--threshold-hostile", "0", "--threshold-conspiratorial", "0")
    got = pd.read_csv(io.StringIO(stdout), dtype=str, keep_default_na=False, na_values=[""])
    assert got["hostile_flag"].tolist()[0::2] == ["True", "True"]
    assert "2 flagged HOSTILE" in err
    code, stdout, _ = run(
        str(src), "--only-flagged", "--threshold-hostile", "1", "--threshold-conspiratorial", "1"
    )
    got = pd.read_csv(io.StringIO(stdout), dtype=str, keep_default_na=False, na_values=[""])
    assert got["id"].tolist() == ["2"]  # nothing flagged; the error row is still reported
    code, stdout, _ = run(str(src), "--only-flagged", "--threshold-hostile", "0.0")
    got = pd.read_csv(io.StringIO(stdout), dtype=str)
    assert got["id"].tolist() == ["1", "2", "3"]


def test_threshold_must_be_a_probability(run):
    with pytest.raises(SystemExit) as exc:
        run(str(COMMENTS), "--threshold-hostile", "1.5")
    assert exc.value.code == 2


def test_explain_adds_reasons_for_flagged_labels(run, tmp_path):
    out = tmp_path / "out.jsonl"
    assert run(str(COMMENTS), "-o", str(out), "--explain")[0] == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all("reasons" in r for r in rows)
    for r in rows:
        flagged = {k for k in ("hostile", "conspiratorial") if r[f"{k}_flag"]}
        # in JSONL, reasons is a JSON object, not JSON text inside a string
        assert r["reasons"] is None or isinstance(r["reasons"], dict)
        assert set(r["reasons"] or {}) == flagged
    assert any(r["reasons"] for r in rows)


def test_several_inputs_go_to_one_output(run, tmp_path):
    out = tmp_path / "out.csv"
    code, _, err = run(str(COMMENTS), str(COMMENTS), "-o", str(out))
    assert code == 0 and "12 rows scored" in err
    assert len(_read(out)) == 12
    code, _, err = run(str(COMMENTS), str(DATA / "page.txt"), "-o", str(out))
    assert code == 0  # one table with the columns of both inputs
    got = _read(out)
    assert list(got.columns)[:4] == ["id", "author", "text", "likes"]
    assert {"parent_id", "position", "source"} <= set(got.columns) and len(got) == 9


def test_a_header_only_csv_gives_an_empty_table(run, tmp_path):
    src = tmp_path / "header.csv"
    src.write_text("id,text\n")
    out = tmp_path / "out.csv"
    assert run(str(src), "-o", str(out))[0] == 0
    assert out.read_text().startswith("id,text,hostile_score")


def test_a_0_byte_file_is_a_clear_error(run, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("")
    out = tmp_path / "out.csv"
    code, _, err = run(str(src), "-o", str(out))
    assert code == 2 and "empty.csv: the file is empty (0 bytes); nothing to score" in err
    assert not out.exists()


def test_progress_bar_only_on_a_terminal(run, monkeypatch, tmp_path):
    big = pd.concat([_input_frame()] * 10, ignore_index=True)
    src = _write_input(big, tmp_path / "big.csv")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _, _, err = run(str(src), "-o", str(tmp_path / "o.csv"), "--chunk-size", "10")
    assert "big.csv" in err and "\r" in err  # tqdm redraws in place
    _, _, err = run(str(src), "-o", str(tmp_path / "o.csv"), "--no-progress")
    assert "\r" not in err and err.startswith("moderation score: 60 rows scored")


def test_help_lists_score_and_serve(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "score" in out and "serve" in out
