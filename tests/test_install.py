"""An installed copy (not a source checkout) and the rough edges a new user hit (issue 12).

The installed layout is simulated by pointing :data:`moderation.model._PACKAGE_DIR` at a fake
``site-packages/moderation`` holding ``models/`` as the wheel does; `.ci/run` proves the real
thing (a wheel installed in a fresh virtual environment, used from another folder).
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from moderation import model as model_module
from moderation.cli import build_parser, main
from moderation.model import (
    CARD_FILE,
    default_model_path,
    load_model,
    models_root,
    shipped_models_root,
    source_checkout,
)
from moderation.registry import ModelRegistry

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "southfront_russia_china_wpdiscuz.txt"


# ------------------------------------------------------------------ what the wheel ships
def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _package_data_patterns() -> list[str]:
    config = _pyproject()
    return config["tool"]["setuptools"]["package-data"]["moderation"]


def _matches(relative: str, pattern: str) -> bool:
    """setuptools' package-data glob: ``**/`` is any number of folders."""
    return fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern.replace("**/", ""))


def test_package_data_covers_every_resource() -> None:
    patterns = _package_data_patterns()
    resources = [p for p in (ROOT / "moderation" / "resources").rglob("*") if p.is_file()]
    assert resources
    missed = [str(p) for p in resources
              if not any(_matches(p.relative_to(ROOT / "moderation").as_posix(), pat) for pat in patterns)]
    assert not missed, f"not shipped in the wheel: {missed}"


def test_the_build_ships_the_version_named_in_models_default() -> None:
    setup_text = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "shipped_model" in setup_text and "make_release_tree" in setup_text
    name = (ROOT / "models" / "DEFAULT").read_text().strip()
    for f in ("model.json", "pipeline.json", "pipeline.npz"):
        assert (ROOT / "models" / name / f).is_file()


@pytest.mark.slow
def test_the_wheel_holds_the_model_and_every_resource(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(tmp_path), "--no-deps",
                    "--quiet"], check=True, cwd=tmp_path)
    wheel = next(tmp_path.glob("moderation-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    default = (ROOT / "models" / "DEFAULT").read_text().strip()
    assert "moderation/models/DEFAULT" in names
    for f in ("model.json", "pipeline.json", "pipeline.npz"):
        assert f"moderation/models/{default}/{f}" in names
    for p in (ROOT / "moderation" / "resources").rglob("*"):
        if p.is_file():
            assert p.relative_to(ROOT).as_posix() in names
    assert not any(n.startswith("models/") for n in names)  # nothing outside the package


# ------------------------------------------------------------------- an installed copy
@pytest.fixture
def installed(tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake installed package whose shipped model is the tiny one, and a per-user data folder."""
    package = tmp_path / "site-packages" / "moderation"
    shipped = Path(shutil.copytree(tiny_model_path, package / "models" / "shipped-1"))
    card = json.loads((shipped / CARD_FILE).read_text())
    card["name"] = "shipped-1"  # as Model.save writes it: the folder's name
    (shipped / CARD_FILE).write_text(json.dumps(card))
    (package / "models" / "DEFAULT").write_text("shipped-1\n")
    monkeypatch.setattr(model_module, "_PACKAGE_DIR", package)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.delenv("MODERATION_MODEL", raising=False)
    monkeypatch.delenv("MODERATION_MODELS", raising=False)
    return package


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_repository_is_a_source_checkout() -> None:
    assert source_checkout() == ROOT
    assert shipped_models_root() == ROOT / "models"


def test_an_installed_copy_reads_the_shipped_model_and_writes_user_models_elsewhere(
    installed: Path, tmp_path: Path, tiny_model_path: Path, capsys: pytest.CaptureFixture
) -> None:
    before = _snapshot(installed)
    user = tmp_path / "user-data" / "moderation" / "models"
    assert source_checkout() is None
    assert shipped_models_root() == installed / "models"
    assert models_root() == user  # platformdirs.user_data_dir("moderation")/models
    assert default_model_path() == installed / "models" / "shipped-1"
    assert load_model().version == "shipped-1"
    registry = ModelRegistry()
    assert registry.root == user and registry.default_name() == "shipped-1"

    # a model the user trains goes to the per-user folder and can be chosen and rolled back
    shutil.copytree(tiny_model_path, user / "mine")
    card = json.loads((user / "mine" / CARD_FILE).read_text())
    card["name"] = "mine"
    (user / "mine" / CARD_FILE).write_text(json.dumps(card))
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split()[0] == "mine"
    assert listing[1].startswith("* shipped-1") and listing[1].endswith("(shipped, read-only)")
    assert main(["models", "use", "mine"]) == 0
    assert default_model_path() == user / "mine" and load_model().version == "mine"
    assert main(["models", "rollback"]) == 0
    assert "default model is now shipped-1" in capsys.readouterr().out
    assert default_model_path() == installed / "models" / "shipped-1"
    assert main(["models", "use", "shipped-1"]) == 0  # the shipped one can be chosen by name
    assert (user / "DEFAULT").read_text() == "shipped-1\n"
    assert _snapshot(installed) == before  # nothing written beside the shipped model


def test_train_in_an_installed_copy_saves_to_the_user_folder(installed: Path, tmp_path: Path) -> None:
    from moderation.retrain import Trainer

    trainer = Trainer(registry=ModelRegistry(), name="team-1")
    assert trainer.check_name() == tmp_path / "user-data" / "moderation" / "models" / "team-1"
    parser = build_parser()
    args = parser.parse_args(["train", "--name", "x"])
    assert args.models_dir is None  # so the registry's root is models_root(), never the package


def test_moderation_models_still_wins(installed: Path, tmp_path: Path, tiny_model_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine"
    monkeypatch.setenv("MODERATION_MODELS", str(mine))
    assert models_root() == mine
    assert default_model_path() == installed / "models" / "shipped-1"  # no DEFAULT of its own yet
    shutil.copytree(tiny_model_path, mine / "v1")
    ModelRegistry().use("v1")
    assert default_model_path() == mine / "v1"
    monkeypatch.setenv("MODERATION_MODEL", str(installed / "models" / "shipped-1"))
    assert default_model_path() == installed / "models" / "shipped-1"


# ----------------------------------------------------------------- one model, one name
def test_one_model_one_name_everywhere(tiny_model_path: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture) -> None:
    from fastapi.testclient import TestClient

    from moderation.serve import create_app

    root = tmp_path / "models"
    shutil.copytree(tiny_model_path, root / "news-1")
    card = json.loads((root / "news-1" / CARD_FILE).read_text())
    card["name"] = "news-1"  # as Model.save writes it: the folder's name
    (root / "news-1" / CARD_FILE).write_text(json.dumps(card))
    (root / "DEFAULT").write_text("news-1\n")
    monkeypatch.setenv("MODERATION_MODELS", str(root))
    monkeypatch.delenv("MODERATION_MODEL", raising=False)
    model = load_model()
    assert model.version == "news-1" == ModelRegistry().default_name()
    assert model.timestamp == card["version"] != "news-1"  # the build timestamp, kept apart
    with TestClient(create_app(model, token="")) as client:
        assert client.get("/healthz").json() == {"status": "ok", "model": "news-1",
                                                 "trained": card["version"]}
        scored = client.post("/v1/score", json={"comments": [{"text": "hello"}]}).json()
        assert scored["model"] == "news-1"
    data = tmp_path / "labelled.csv"
    data.write_text("text,hostile,conspiratorial\nyou idiot,1,0\nnice bread,0,0\n")
    assert main(["evaluate", "--data", str(data)]) == 0
    assert capsys.readouterr().out.startswith(f"model news-1 (trained {card['version']}), 2 rows")


# ------------------------------------------------------------------------- models CLI
def test_models_dir_is_accepted_after_the_action(tiny_model_path: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "models"
    shutil.copytree(tiny_model_path, root / "v1")
    shutil.copytree(tiny_model_path, root / "v2")
    assert main(["models", "list", "--models-dir", str(root)]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[0] == "v1"
    assert main(["models", "use", "v1", "--models-dir", str(root)]) == 0
    assert main(["models", "use", "--models-dir", str(root), "v2"]) == 0
    assert (root / "DEFAULT").read_text() == "v2\n"
    assert main(["models", "rollback", "--models-dir", str(root)]) == 0
    assert (root / "DEFAULT").read_text() == "v1\n"
    # before the action still works, and one given before is not lost by the action's
    assert main(["models", "--models-dir", str(root), "list"]) == 0
    assert "* v1" in capsys.readouterr().out


@pytest.mark.parametrize("action", ["list", "use", "rollback", "convert"])
def test_models_actions_have_a_description(action: str) -> None:
    parser = build_parser()
    models = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["models"]
    sub = next(a for a in models._actions if isinstance(a, argparse._SubParsersAction)).choices[action]
    assert sub.description and len(sub.description) > 40
    assert "--models-dir" in sub.format_help()


# --------------------------------------------------------------------------- parse | head
class _ClosedPipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_parse_into_a_closed_pipe_stops_quietly(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main(["parse", str(SEED)])
    monkeypatch.undo()
    assert code == 0
    assert capsys.readouterr().err == ""


def test_parse_piped_into_head(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        f"'{sys.executable}' -m moderation parse '{SEED}' | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120,
    )
    assert proc.stdout.startswith("id,author,text")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


# ----------------------------------------------------------------- inputs read one way
def _labels_texts(path: Path) -> list[str]:
    from moderation.retrain import load_labels

    labels, problems = load_labels([path])
    assert not problems
    return labels["text"].tolist()


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_score_reads_semicolon_and_windows_1252_csv_like_train(
    encoding: str, tmp_path: Path, tiny_model_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = tmp_path / "labels.csv"
    rows = ["text;hostile;conspiratorial", "Caf\u00e9 owners are \u201cidiots\u201d;1;0",
            "The na\u00efve r\u00e9sum\u00e9 \u2013 fine;0;0"]
    src.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
    out = tmp_path / "scored.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(tiny_model_path), "--no-progress"]) == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert got["text"].tolist() == _labels_texts(src)
    assert got["text"].tolist()[0] == "Caf\u00e9 owners are \u201cidiots\u201d"
    assert list(got.columns[:3]) == ["text", "hostile", "conspiratorial"]
    assert (got["error"] == "").all()
    err = capsys.readouterr().err
    assert ("read as Windows-1252" in err) == (encoding == "cp1252")


def test_a_folder_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["score", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "is a folder, not a file; pass the files inside it" in err
    assert "unsupported input extension" not in err


def test_jsonl_keeps_types_and_reasons_is_an_object(tmp_path: Path, tiny_model_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "n": 2, "text": "you absolute idiot moron"}\n'
                   '{"id": "2", "n": 3, "text": "The bakery sells bread."}\n')
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--explain", "--model", str(tiny_model_path),
                 "--no-progress", "--threshold-hostile", "0"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"] and [r["n"] for r in rows] == [2, 3]
    assert isinstance(rows[0]["reasons"], dict) and "hostile" in rows[0]["reasons"]
    # CSV and Parquet keep reasons as JSON text
    pq_out = tmp_path / "out.parquet"
    assert main(["score", str(src), "-o", str(pq_out), "--explain", "--model", str(tiny_model_path),
                 "--no-progress", "--threshold-hostile", "0"]) == 0
    table = pd.read_parquet(pq_out)
    assert isinstance(table["reasons"].iloc[0], str) and "hostile" in json.loads(table["reasons"].iloc[0])
    assert table["id"].tolist() == ["1", "2"]


# ------------------------------------------------------------------------ extras named
def test_evaluate_names_the_extra_when_matplotlib_is_missing(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture
) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text("text,hostile,conspiratorial\nyou idiot,1,0\nnice bread,0,0\nthey staged it,0,1\n")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "report"
    assert main(["evaluate", "--data", str(data), "--model", str(tiny_model_path), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "plots skipped: matplotlib is not installed" in err
    assert 'pip install -e ".[report]"' in err and "matplotlib>=3.8" in err
    assert (out / "report.md").is_file() and not list(out.glob("*.png"))


def test_extra_hints_match_pyproject_and_readme() -> None:
    from moderation.cli import EXTRAS, extra_hint

    config = _pyproject()
    extras = config["project"]["optional-dependencies"]
    for name, packages in EXTRAS.items():
        assert list(packages) == extras[name]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[serve]"' in extra_hint("serve") and 'pip install -e ".[serve]"' in readme


def test_an_installed_copy_looks_for_corpora_in_the_user_folder(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moderation.dataset import resolve_corpora

    monkeypatch.delenv("MODERATION_CORPORA", raising=False)
    assert resolve_corpora() == tmp_path / "user-data" / "moderation" / "corpora"
    assert resolve_corpora(tmp_path / "mine") == tmp_path / "mine"


def test_raise_floors_never_writes_into_an_installed_package(
    installed: Path, capsys: pytest.CaptureFixture
) -> None:
    from moderation.check import FLOORS_FILE

    before = Path(FLOORS_FILE).read_bytes()
    assert main(["check", "--raise-floors"]) == 2
    assert "pass it with --floors FILE" in capsys.readouterr().err
    assert Path(FLOORS_FILE).read_bytes() == before
