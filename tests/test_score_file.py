"""`moderation.score_file`: the Python batch API behind `moderation score` (issue 12, part 2)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import moderation
from moderation.batch import ScoreSummary, score_file
from moderation.cli import main
from moderation.io import TableError
from moderation.model import ModelError

DATA = Path(__file__).parent / "data" / "score"
COMMENTS = DATA / "comments.csv"


def _many(tmp_path: Path, copies: int = 100) -> Path:
    """A CSV of ``copies`` times the test comments, with a missing text, a line with too
    many cells and a German comment among them."""
    base = pd.read_csv(COMMENTS, dtype=str, keep_default_na=False)
    frame = pd.concat([base] * copies, ignore_index=True)
    frame["id"] = [f"{i:05d}" for i in range(len(frame))]
    frame.loc[7, "text"] = ""
    frame.loc[11, "text"] = "Das ist ein ganz normaler Kommentar über das Wetter in Berlin heute."
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(40, "99999,Zed,too,many,cells,here\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_exported_from_the_package():
    assert "score_file" in moderation.__all__ and "ScoreSummary" in moderation.__all__
    assert moderation.score_file is score_file


def test_summary_counts_every_row(tiny_model_path, tmp_path):
    src = _many(tmp_path, copies=10)
    out = tmp_path / "out.jsonl"
    summary = score_file(src, out, model=tiny_model_path, chunk_size=7)
    assert isinstance(summary, ScoreSummary)
    got = pd.read_json(out, lines=True, dtype=False)
    assert summary.rows_in == summary.rows_out == len(got) == 61
    assert summary.errors == 2 == got["error"].notna().sum()  # the missing text, the bad line
    assert summary.scored + summary.errors + summary.not_scored_language == summary.rows_in
    assert summary.flagged["hostile"] == int(got["hostile_flag"].fillna(False).astype(bool).sum())
    assert summary.output == str(out)


def test_output_and_summary_match_the_cli(tiny_model_path, tmp_path, capsys):
    src = _many(tmp_path, copies=5)
    api_out, cli_out = tmp_path / "api.csv", tmp_path / "cli.csv"
    summary = score_file(src, api_out, model=tiny_model_path, chunk_size=9)
    capsys.readouterr()
    assert main(["score", str(src), "-o", str(cli_out), "--model", str(tiny_model_path),
                 "--chunk-size", "9"]) == 0
    assert api_out.read_bytes() == cli_out.read_bytes()
    err = capsys.readouterr().err
    assert err.endswith(str(summary).replace(str(api_out), str(cli_out)))


def test_only_flagged_thresholds_and_explain(tiny_model_path, tmp_path):
    out = tmp_path / "out.jsonl"
    summary = score_file(COMMENTS, out, model=tiny_model_path, only_flagged=True, explain=True,
                         thresholds={"hostile": 0.0, "conspiratorial": 1.0})
    got = pd.read_json(out, lines=True, dtype=False)
    assert summary.rows_in == 6 and summary.rows_out == len(got) == summary.flagged["hostile"] == 6
    assert all(isinstance(r, dict) for r in got["reasons"].dropna())
    assert "reasons" in got.columns


def test_several_inputs_and_patterns(tiny_model_path, tmp_path):
    for i in range(3):
        (tmp_path / f"part-{i}.csv").write_bytes(COMMENTS.read_bytes())
    out = tmp_path / "all.parquet"
    summary = score_file(str(tmp_path / "part-*.csv"), out, model=tiny_model_path)
    assert summary.rows_in == summary.rows_out == 18 == len(pd.read_parquet(out))
    with pytest.raises(TableError, match="no file matches"):
        score_file(str(tmp_path / "nothing-*.csv"), out, model=tiny_model_path)


def test_errors_say_how_to_fix(tiny_model_path, tmp_path):
    with pytest.raises(TableError, match="no such file"):
        score_file(tmp_path / "missing.csv", model=tiny_model_path)
    with pytest.raises(TableError, match="text_column"):
        score_file(COMMENTS, tmp_path / "o.csv", model=tiny_model_path, text_column="nope")
    with pytest.raises(TableError, match="unsupported table extension"):
        score_file(COMMENTS, tmp_path / "o.xlsx", model=tiny_model_path)
    with pytest.raises(ModelError, match="No model at"):
        score_file(COMMENTS, tmp_path / "o.csv", model=tmp_path / "nomodel")
    with pytest.raises(ValueError, match="between 0 and 1"):
        score_file(COMMENTS, tmp_path / "o.csv", model=tiny_model_path, thresholds={"hostile": 2})
    with pytest.raises(ValueError, match="no label"):
        score_file(COMMENTS, tmp_path / "o.csv", model=tiny_model_path, thresholds={"rude": 0.5})
    with pytest.raises(ValueError, match="jobs"):
        score_file(COMMENTS, tmp_path / "o.csv", model=tiny_model_path, jobs=0)
    assert not (tmp_path / "o.csv").exists()


def test_a_loaded_model_is_used_as_it_is(tiny_model, tmp_path):
    out = tmp_path / "out.csv"
    summary = score_file(COMMENTS, out, model=tiny_model)
    got = pd.read_csv(out, dtype=str)
    expected = tiny_model.score(got["text"].tolist())
    assert got["hostile_score"].astype(float).tolist() == pytest.approx(expected["hostile_score"].tolist())
    assert summary.languages == tiny_model.languages


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_jobs_give_the_same_bytes(tiny_model_path, tmp_path, ext):
    src = _many(tmp_path, copies=100)
    one, two = tmp_path / f"one{ext}", tmp_path / f"two{ext}"
    first = score_file(src, one, model=tiny_model_path, chunk_size=50, explain=True)
    second = score_file(src, two, model=tiny_model_path, chunk_size=50, explain=True, jobs=2)
    assert one.read_bytes() == two.read_bytes()
    assert dataclasses.replace(second, output=first.output) == first
    assert first.rows_in == 601


def test_jobs_with_a_loaded_model(tiny_model, tmp_path):
    src = _many(tmp_path, copies=20)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    score_file(src, one, model=tiny_model, chunk_size=30)
    score_file(src, two, model=tiny_model, chunk_size=30, jobs=2)
    assert one.read_bytes() == two.read_bytes()


def test_jobs_leave_the_model_to_the_workers(tiny_model_path, tmp_path, monkeypatch):
    """With worker processes the parent only checks the model folder: loading it is the
    workers' job, done while the parent reads the first chunks."""
    import moderation.batch

    def no_load(model):
        raise AssertionError("the parent loaded the model")

    src = _many(tmp_path, copies=5)
    monkeypatch.setattr(moderation.batch, "load_model_checked", no_load)
    summary = score_file(src, tmp_path / "two.csv", model=tiny_model_path, jobs=2)
    assert summary.rows_in == 31 and summary.scored == 28


def test_a_model_only_workers_fail_to_load_is_a_model_error(tiny_model_path, tmp_path):
    """A folder whose card and checksums are right but whose arrays cannot be read passes
    the parent's check; the workers' error reaches the caller as a ModelError and nothing
    is written."""
    import hashlib
    import json
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_path, broken)
    (broken / "pipeline.json").write_text('{"not": "a pipeline"}', encoding="utf-8")
    card = json.loads((broken / "model.json").read_text(encoding="utf-8"))
    card["model_files"]["pipeline.json"] = hashlib.sha256(
        (broken / "pipeline.json").read_bytes()).hexdigest()
    (broken / "model.json").write_text(json.dumps(card), encoding="utf-8")
    out = tmp_path / "out.csv"
    for jobs in (1, 2):
        with pytest.raises(ModelError, match="restore the model folder or retrain"):
            score_file(COMMENTS, out, model=broken, jobs=jobs)
        assert not out.exists()


def test_a_refused_input_leaves_the_output_as_it_was(tiny_model_path, tmp_path):
    src = _many(tmp_path, copies=5)
    scored = tmp_path / "scored.csv"
    pd.DataFrame({"text": ["a"], "hostile_score": [1.0]}).to_csv(scored, index=False)
    out = tmp_path / "out.csv"
    out.write_text("kept\n", encoding="utf-8")
    with pytest.raises(TableError, match="already has column.*overwrite=True"):
        score_file([src, scored], out, model=tiny_model_path, jobs=2)
    assert out.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.csv", "out.csv", "scored.csv"]
    summary = score_file([src, scored], out, model=tiny_model_path, jobs=2, overwrite=True)
    assert summary.rows_in == 32


def test_cli_jobs_gives_the_same_output(tiny_model_path, tmp_path, capsys):
    src = _many(tmp_path, copies=20)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.jsonl"
        assert main(["score", str(src), "-o", str(out), "--model", str(tiny_model_path),
                     "--chunk-size", "25", "--jobs", jobs, "--explain"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    err = capsys.readouterr().err
    assert err.count("118 rows scored, 40 flagged HOSTILE") == 2  # 121 rows: 2 errors, 1 German
