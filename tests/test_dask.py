"""`moderation.dask` and `moderation score --engine dask` (issue 12, part 3) on a LocalCluster of
two worker processes: the scores equal a single process's, and rows in equal rows out."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from moderation.cli import main

DATA = Path(__file__).parent / "data" / "score"
DASK_MISSING = "dask is not installed: install the 'dask' extra (pip install -e \".[dask]\")"


def _comments(rows: int = 3000) -> pd.DataFrame:
    """``rows`` varied comments (the tiny training texts with a number each), a few without a
    usable text."""
    texts = pd.read_csv(DATA / "train_tiny.csv")["text"]
    frame = pd.DataFrame({
        "id": range(rows),
        "text": [f"{texts[i % len(texts)]} ({i})" for i in range(rows)],
    })
    frame["text"] = frame["text"].astype(object)
    frame.loc[[i for i in (5, 1500) if i < rows], "text"] = None
    frame.loc[rows - 1, "text"] = "Heute regnet es in Berlin den ganzen Tag, sagt der Wetterbericht."
    return frame


# ------------------------------------------------------------- without dask: the import guard
def test_import_guard_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    monkeypatch.delitem(sys.modules, "moderation.dask", raising=False)
    with pytest.raises(ImportError, match=r'pip install "moderation\[dask\]"'):
        importlib.import_module("moderation.dask")


def test_cli_engine_dask_without_dask_names_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    monkeypatch.delitem(sys.modules, "moderation.dask", raising=False)
    code = main(["score", str(DATA / "comments.csv"), "--engine", "dask", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "'dask' extra" in err and ".[dask]" in err and err.count("\n") == 1


def test_cli_engine_dask_needs_an_output_folder(capsys):
    assert main(["score", str(DATA / "comments.csv"), "--engine", "dask"]) == 2
    assert "-o OUT_DIR" in capsys.readouterr().err


def test_scheduler_goes_with_engine_dask(capsys):
    assert main(["score", str(DATA / "comments.csv"), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--engine dask" in capsys.readouterr().err


# ------------------------------------------------------------------- on a two-worker cluster
@pytest.fixture(scope="module")
def client():
    pytest.importorskip("dask.dataframe", reason=DASK_MISSING)
    distributed = pytest.importorskip("distributed", reason=DASK_MISSING)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_score_dataframe_equals_one_process(client, tiny_model, tiny_model_path, tmp_path):
    import dask.dataframe as dd

    from moderation.batch import score_chunk
    from moderation.dask import score_dataframe

    frame = _comments()
    ddf = dd.from_pandas(frame, npartitions=6)
    got = score_dataframe(ddf, model=tiny_model_path).compute()
    expected = score_chunk(tiny_model, frame, "text", tiny_model.thresholds, explain=False)
    assert len(got) == len(frame) == 3000
    assert got.index.tolist() == frame.index.tolist()
    for col in expected.columns:
        assert got[col].astype(object).where(got[col].notna(), None).tolist() == \
            expected[col].astype(object).where(expected[col].notna(), None).tolist(), col
    assert got["error"].notna().sum() == 2 and got["language"].eq("de").sum() == 1
    score_dataframe(ddf, model=tiny_model_path).to_parquet(tmp_path / "scored")  # as the README shows
    back = pd.read_parquet(tmp_path / "scored")
    assert len(back) == 3000 and back["error"].notna().sum() == 2
    # one load per worker process, however many partitions it scored
    loads = client.run(lambda: sys.modules["moderation.dask"].LOADS)
    assert len(loads) == 2 and all(n <= 1 for n in loads.values()) and sum(loads.values()) >= 1


def test_score_dataframe_checks_its_arguments(client, tiny_model_path):
    import dask.dataframe as dd

    from moderation.dask import score_dataframe

    ddf = dd.from_pandas(_comments(20), npartitions=2)
    with pytest.raises(ValueError, match="text_column"):
        score_dataframe(ddf, model=tiny_model_path, text_column="body")
    with pytest.raises(ValueError, match="between 0 and 1"):
        score_dataframe(ddf, model=tiny_model_path, thresholds={"hostile": 3})
    got = score_dataframe(ddf, model=tiny_model_path, thresholds={"hostile": 0.0}, explain=True)
    got = got.compute()
    scored = got["error"].isna() & got["language"].eq("en")
    assert got.loc[scored, "hostile_flag"].all() and got.loc[scored, "reasons"].notna().all()


def _archive(folder: Path) -> list[Path]:
    """Three CSV parts (one with a line of too many cells), a JSONL part (one line not an
    object) and a Parquet part: 3,000 comments and two unreadable rows."""
    folder.mkdir()
    frame = _comments()
    frame["id"] = frame["id"].astype(str)
    paths = []
    for i, part in enumerate(range(0, 1800, 600)):
        path = folder / f"part-{i}.csv"
        frame.iloc[part:part + 600].to_csv(path, index=False)
        paths.append(path)
    with open(paths[1], "a", encoding="utf-8") as fh:
        fh.write("x,too,many,cells\n")
    path = folder / "part-3.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for row in frame.iloc[1800:2400].to_dict("records"):
            fh.write(json.dumps(row) + "\n")
        fh.write("[1, 2]\n")
    paths.append(path)
    path = folder / "part-4.parquet"
    frame.iloc[2400:].to_parquet(path, index=False)
    paths.append(path)
    return paths


def test_cli_engine_dask_keeps_every_row_and_matches_one_process(client, tiny_model_path, tmp_path, capsys):
    from moderation.batch import score_file

    inputs = _archive(tmp_path / "archive")
    out = tmp_path / "scored"
    code = main(["score", str(tmp_path / "archive" / "part-*"), "--engine", "dask",
                 "--scheduler", client.scheduler.address, "-o", str(out),
                 "--model", str(tiny_model_path), "--chunk-size", "250", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "2,997 rows scored" in err and "4 rows with errors" in err  # 2 texts missing, 2 unreadable
    assert sorted(p.name for p in out.iterdir()) == [f"part-0000{i}.parquet" for i in range(5)]
    got = pd.read_parquet(out)
    assert len(got) == 3002  # 3,000 comments and the two unreadable rows
    local = tmp_path / "local.parquet"
    summary = score_file(inputs, local, model=tiny_model_path, chunk_size=250)
    assert summary.rows_in == summary.rows_out == 3002
    pd.testing.assert_frame_equal(got.reset_index(drop=True), pd.read_parquet(local))
    assert f"-> {out}" in err and err.startswith(str(summary).split(" -> ")[0])


def test_score_files_refuses_a_folder_with_parquet_files(client, tiny_model_path, tmp_path):
    from moderation.dask import score_files
    from moderation.io import TableError

    out = tmp_path / "out"
    out.mkdir()
    (out / "old.parquet").write_bytes(b"")
    with pytest.raises(TableError, match="already holds 1 Parquet"):
        score_files(DATA / "comments.csv", out, scheduler=client, model=tiny_model_path)


def test_score_files_on_its_own_local_cluster(tiny_model_path, tmp_path, capsys):
    pytest.importorskip("distributed", reason=DASK_MISSING)
    from moderation.dask import score_files

    summary = score_files([DATA / "comments.csv", DATA / "page.txt"], tmp_path / "out", workers=2,
                          model=tiny_model_path, only_flagged=True, thresholds={"hostile": 0.0},
                          progress=True)
    got = pd.read_parquet(tmp_path / "out")
    assert summary.rows_out == len(got) == summary.rows_in and summary.output == str(tmp_path / "out")
    assert "parts:" in capsys.readouterr().err  # the progress bar counts finished parts
