"""Model versions on disk: listing, the DEFAULT pointer, use and rollback (moderation.registry)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from moderation.cli import main
from moderation.model import load_model
from moderation.registry import ModelRegistry


def make_version(root: Path, name: str, created: str, hostile_f1: float = 0.8) -> Path:
    """A version folder holding only a card (enough for the registry)."""
    folder = root / name
    folder.mkdir(parents=True)
    card = {
        "name": name,
        "created": created,
        "model_bytes": 2_500_000,
        "validation_metrics": {"source": {"news_comments": {
            "hostile": {"f1": hostile_f1}, "conspiratorial": {"f1": 0.7}}}},
        "labels_files": [{"file": "new.csv"}],
        "gate": {"passed": name != "refused"},
    }
    (folder / "model.json").write_text(json.dumps(card))
    return folder


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    """Three versions, oldest first: v1, v2, v3 (created in that order, named out of order)."""
    make_version(tmp_path, "v2", "2026-02-01T00:00:00+00:00", 0.82)
    make_version(tmp_path, "v1", "2026-01-01T00:00:00+00:00", 0.80)
    make_version(tmp_path, "v3", "2026-03-01T00:00:00+00:00", 0.84)
    return ModelRegistry(tmp_path)


def test_names_are_versions_with_a_card_oldest_first(registry: ModelRegistry) -> None:
    root = registry.root
    (root / "no-card").mkdir()
    make_version(root, ".tmp-abc123", "2026-04-01T00:00:00+00:00")  # a killed save
    (root / "notes.txt").write_text("not a version")
    assert registry.names() == ["v1", "v2", "v3"]


def test_default_name_reads_the_pointer_then_the_default_folder(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    assert registry.default_name() is None
    make_version(tmp_path, "default", "2026-01-01")
    assert registry.default_name() == "default"
    (tmp_path / "DEFAULT").write_text("v9\n")
    assert registry.default_name() == "v9"


def test_use_records_history_and_rollback_walks_it_back(registry: ModelRegistry) -> None:
    registry.use("v1")
    assert registry.default_name() == "v1" and registry.history() == []
    registry.use("v2")
    registry.use("v2")  # already the default: no history entry
    registry.use("v3")
    assert (registry.root / "DEFAULT").read_text() == "v3\n"
    assert registry.history() == ["v1", "v2"]
    assert registry.rollback() == "v2"
    assert registry.default_name() == "v2" and registry.history() == ["v1"]
    assert registry.rollback() == "v1"
    with pytest.raises(LookupError, match="no previous default"):
        registry.rollback()
    assert registry.default_name() == "v1"
    assert sorted(p.name for p in registry.root.iterdir() if p.name.startswith(".")) == []


def test_rollback_skips_deleted_versions_and_the_current_default(registry: ModelRegistry) -> None:
    (registry.root / "HISTORY").write_text("v1\nv2\nv3\n")  # v3 also current: a change cut short
    (registry.root / "DEFAULT").write_text("v3\n")
    shutil.rmtree(registry.root / "v2")
    assert registry.rollback() == "v1"
    assert registry.history() == []


def test_use_refuses_unknown_and_path_like_names(registry: ModelRegistry) -> None:
    registry.use("v2")
    with pytest.raises(FileNotFoundError, match=r"known: v1, v2, v3"):
        registry.use("v7")
    for name in ("../v1", ".tmp-abc", ""):
        with pytest.raises(FileNotFoundError):
            registry.use(name)
    assert registry.default_name() == "v2" and registry.history() == []


def test_list_rows(registry: ModelRegistry) -> None:
    registry.use("v2")
    rows = registry.list()
    assert [r["name"] for r in rows] == ["v1", "v2", "v3"]
    assert [r["default"] for r in rows] == [False, True, False]
    assert rows[2]["hostile_f1"] == 0.84 and rows[2]["conspiratorial_f1"] == 0.7
    assert rows[0]["created"] == "2026-01-01T00:00:00+00:00"
    assert rows[0]["size_mb"] == 2.5 and rows[0]["labels_files"] == 1 and rows[0]["gate"] is True


def test_a_broken_card_does_not_break_the_listing(registry: ModelRegistry) -> None:
    (registry.root / "v2" / "model.json").write_text("{not json")
    assert [r["name"] for r in registry.list()] == ["v2", "v1", "v3"]  # unknown date sorts first


# --------------------------------------------------------------------------- the CLI
def test_models_cli_list_use_rollback(registry: ModelRegistry, capsys: pytest.CaptureFixture) -> None:
    root = str(registry.root)
    assert main(["models", "--models-dir", root, "use", "v1"]) == 0
    assert main(["models", "--models-dir", root, "use", "v3"]) == 0
    assert "default model is now v3" in capsys.readouterr().out
    assert main(["models", "--models-dir", root, "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # the user's versions, then the shipped ones (read-only), never the default here
    assert [line.split()[0] for line in lines[:3]] == ["v1", "v2", "*"]
    assert all(line.endswith("(shipped, read-only)") and line.startswith("  ") for line in lines[3:])
    assert lines[2].split()[1] == "v3" and "hostile F1 0.840" in lines[2]
    assert "2026-03-01" in lines[2]
    assert main(["models", "--models-dir", root, "rollback"]) == 0
    assert capsys.readouterr().out.strip() == "default model is now v1"
    assert registry.default_name() == "v1"


def test_models_cli_errors_exit_2(registry: ModelRegistry, capsys: pytest.CaptureFixture,
                                  tmp_path: Path) -> None:
    root = str(registry.root)
    assert main(["models", "--models-dir", root, "use", "nope"]) == 2
    assert "No model version 'nope'" in capsys.readouterr().err
    assert main(["models", "--models-dir", root, "rollback"]) == 2
    assert "no previous default" in capsys.readouterr().err
    assert not (registry.root / "DEFAULT").exists()
    assert main(["models", "--models-dir", str(tmp_path / "empty"), "list"]) == 0
    assert "no model versions" in capsys.readouterr().out


def test_the_default_pointer_decides_what_load_model_loads(
    tiny_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "models"
    for name in ("old", "new"):
        folder = Path(shutil.copytree(tiny_model_path, root / name))
        card = json.loads((folder / "model.json").read_text())
        card["name"] = f"tiny-{name}"
        (folder / "model.json").write_text(json.dumps(card))
    monkeypatch.delenv("MODERATION_MODEL", raising=False)
    monkeypatch.setenv("MODERATION_MODELS", str(root))
    registry = ModelRegistry()
    assert registry.root == root
    registry.use("old")
    registry.use("new")
    assert load_model().version == "tiny-new"
    registry.rollback()
    assert load_model().version == "tiny-old"
