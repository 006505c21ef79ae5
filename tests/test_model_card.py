"""A broken model card (issue 11, item 9): invalid JSON, missing or non-numeric thresholds give
a one-line error and exit status 2, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from moderation.cli import main
from moderation.model import CARD_FILE, ModelFormatError, load_model
from moderation.registry import ModelRegistry


def _broken(tiny_model_path: Path, tmp_path: Path, edit) -> Path:
    folder = Path(shutil.copytree(tiny_model_path, tmp_path / "models" / "broken"))
    card_path = folder / CARD_FILE
    if callable(edit):
        card = json.loads(card_path.read_text())
        edit(card)
        card_path.write_text(json.dumps(card))
    else:
        card_path.write_bytes(edit)
    return folder


def _drop_thresholds(card: dict) -> None:
    del card["thresholds"]


CASES = {
    "invalid JSON": (b'{"thresholds": {"hostile": 0.5,', "not valid JSON"),
    "not an object": (b"[1, 2, 3]", "not an object"),
    "not UTF-8": (b'{"version": "\xff\xfe"}', "not a readable JSON file"),
    "deep JSON": (b"[" * 100_000 + b"]" * 100_000, "not a readable JSON file"),
    "no thresholds": (_drop_thresholds, "no thresholds"),
    "threshold missing": (lambda c: c["thresholds"].pop("conspiratorial"), "conspiratorial is missing"),
    "threshold a string": (lambda c: c["thresholds"].update(hostile="high"), 'hostile is "high"'),
    "threshold a bool": (lambda c: c["thresholds"].update(hostile=True), "hostile is true"),
    "threshold above 1": (lambda c: c["thresholds"].update(hostile=1.5), "hostile is 1.5"),
    "threshold NaN": (lambda c: c["thresholds"].update(hostile=float("nan")), "hostile is NaN"),
    "thresholds a list": (lambda c: c.update(thresholds=[0.5, 0.5]), "no thresholds"),
    "languages not codes": (lambda c: c.update(languages=[5]), "languages must be"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_card_is_one_error_that_says_how_to_fix_it(
    case: str, tiny_model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    edit, needle = CASES[case]
    folder = _broken(tiny_model_path, tmp_path, edit)
    with pytest.raises(ModelFormatError) as info:
        load_model(folder)
    assert needle in str(info.value)
    comments = tmp_path / "c.csv"
    comments.write_text("text,hostile,conspiratorial\nhello there,0,0\nyou moron,1,0\n")
    for argv in (["score", str(comments), "--no-progress"], ["evaluate", "--data", str(comments)],
                 ["review", str(comments), "-o", str(tmp_path / "r.csv")]):
        assert main([*argv, "--model", str(folder)]) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert needle in err


def test_models_list_survives_hand_edited_cards(tiny_model_path: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    folder = _broken(tiny_model_path, tmp_path, lambda c: c.update(
        validation_metrics=[1], gate="yes", model_bytes="big", created=5, labels_files=3))
    shutil.copytree(tiny_model_path, folder.parent / "other")
    (folder.parent / "third").mkdir()
    (folder.parent / "third" / CARD_FILE).write_text("{broken")
    rows = ModelRegistry(folder.parent).list()
    assert sorted(r["name"] for r in rows) == ["broken", "other", "third"]
    broken = next(r for r in rows if r["name"] == "broken")
    assert broken["hostile_f1"] is None and broken["size_mb"] == 0 and broken["gate"] is None
    assert main(["models", "--models-dir", str(folder.parent), "list"]) == 0
    assert "broken" in capsys.readouterr().out
