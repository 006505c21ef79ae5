"""The labels reader (moderation.retrain.load_labels) never loses a row silently (issue 11):
a stray quote is reported as file:line and stops the run (item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.cli import main
from moderation.retrain import LabelsError, load_labels

HEADER = "text,hostile,conspiratorial\n"


def _rows(n: int) -> list[str]:
    return [f"comment number {i} about the council,{i % 2},0\n" for i in range(n)]


@pytest.mark.parametrize("where", ["at the end", "before another quoted cell"])
def test_a_stray_quote_is_reported_at_its_line_and_stops(tmp_path: Path, where: str) -> None:
    rows = _rows(299)
    rows[4] = '"I said it, and I meant it,1,0\n'  # the quote is never closed
    if where == "before another quoted cell":
        rows[200] = '"a properly, quoted comment",1,0\n'
    labels = tmp_path / "labels.csv"
    labels.write_text(HEADER + "".join(rows))
    for skip in (False, True):
        with pytest.raises(LabelsError) as info:
            load_labels(labels, skip_invalid=skip)
        (problem,) = info.value.problems
        assert problem.fatal and problem.line == 6  # header is line 1, rows[4] is line 6
        assert str(problem).startswith(f"{labels}:6: not valid CSV from here to line ")
        assert "rest of the file was not read" in problem.message


def test_train_stops_on_a_stray_quote_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(HEADER + 'fine,1,0\n"broken, 1, 0\nlater,0,0\n')
    models = tmp_path / "models"
    code = main(["train", "--labels", str(labels), "--base", "none", "--models-dir", str(models),
                 "--skip-invalid"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{labels}:3: not valid CSV" in err
    assert "nothing was trained" in err
    assert not models.exists() or not any(models.iterdir())


def test_quotes_inside_cells_still_read(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(HEADER + 'He said "hi" to me,1,0\n"a, quoted ""cell""\nover two lines",0,1\n')
    frame, problems = load_labels(labels)
    assert problems == []
    assert frame["text"].tolist() == ['He said "hi" to me', 'a, quoted "cell"\nover two lines']
    assert frame["line"].tolist() == [2, 3]


def test_a_json_text_that_is_not_a_string_is_reported_not_stringified(tmp_path: Path) -> None:
    # regression: {"text": false} was read as the comment "False", and two such lines were
    # silently merged into one row (found by test_no_row_lost's property test)
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"text": false, "hostile": 0}\n{"text": false, "hostile": 0}\n'
                      '{"text": [1, 2], "hostile": 1}\n{"text": 12, "hostile": 1}\n'
                      '{"text": "a real comment about the council", "hostile": 0}\n')
    frame, problems = load_labels(labels, skip_invalid=True)
    assert frame["text"].tolist() == ["a real comment about the council"]
    assert [(p.line, p.message.split(",")[0]) for p in problems] == [
        (1, "text is a JSON boolean"), (2, "text is a JSON boolean"), (3, "text is a JSON array"),
        (4, "text is a JSON number")]
