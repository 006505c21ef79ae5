"""Files shared with other processes (issue 11): the models folder is locked while a version is
saved (item 10), SIGTERM and SIGKILL leave no temporary behind for good (item 11), and outputs
follow the umask or keep the existing file's mode (item 12)."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import moderation.model
from moderation.atomic import locked, temp_file_beside
from moderation.cli import main
from moderation.io import write_table
from moderation.model import load_model
from moderation.registry import ModelRegistry
from moderation.retrain import Trainer


@pytest.fixture
def umask():
    """Set the umask for one test: ``umask(0o027)``; the old one is restored after."""
    old = os.umask(0o022)
    os.umask(old)

    def _set(mask: int) -> None:
        os.umask(mask)

    yield _set
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------------------- item 10
def test_cleanup_waits_for_a_save_in_progress(tiny_model, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "models"
    root.mkdir()
    writing, release = threading.Event(), threading.Event()
    real_dump = moderation.model.dump_pipeline

    def slow_dump(pipeline, folder):
        out = real_dump(pipeline, folder)
        writing.set()
        assert release.wait(30)
        return out

    monkeypatch.setattr(moderation.model, "dump_pipeline", slow_dump)
    errors: list[BaseException] = []

    def save() -> None:
        try:
            tiny_model.save(root / "first")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    saver = threading.Thread(target=save)
    saver.start()
    assert writing.wait(30)
    (in_progress,) = root.glob(".tmp-*")
    cleaner = threading.Thread(target=Trainer(registry=ModelRegistry(root), name="second")._clean_stale)
    cleaner.start()
    cleaner.join(0.5)
    assert cleaner.is_alive() and in_progress.is_dir()  # the second run waits for the save
    release.set()
    saver.join(30)
    cleaner.join(30)
    assert not errors, errors
    assert load_model(root / "first").version == tiny_model.version
    assert not list(root.glob(".tmp-*"))


def test_stale_temporary_folders_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "models"
    stale = root / ".tmp-dead"
    stale.mkdir(parents=True)
    (stale / "pipeline.npz").write_bytes(b"half written")
    Trainer(registry=ModelRegistry(root), name="x")._clean_stale()
    assert not stale.exists()


# ---------------------------------------------------------------------------- item 11
def _big_input(tmp_path: Path, rows: int = 30_000) -> Path:
    src = tmp_path / "big.csv"
    pd.DataFrame({"id": range(rows), "text": [f"comment {i} about the new bus lane" for i in range(rows)]}) \
        .to_csv(src, index=False)
    return src


def _start_score(src: Path, out: Path, model: Path) -> subprocess.Popen:
    code = ("import sys; from moderation.cli import main; "
            f"sys.exit(main(['score', {str(src)!r}, '-o', {str(out)!r}, '--model', {str(model)!r}, "
            "'--chunk-size', '200', '--no-progress']))")
    return subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)


def _wait_for_temp(out: Path, proc: subprocess.Popen) -> Path:
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        temps = list(out.parent.glob(f".{out.name}.*.tmp"))
        if temps and temps[0].stat().st_size > 0:
            return temps[0]
        time.sleep(0.05)
    raise AssertionError("the score run never started writing")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_score_leaves_no_temporary_for_good(sig: int, tiny_model_path: Path, tmp_path: Path) -> None:
    src = _big_input(tmp_path)
    out = tmp_path / "out.csv"
    out.write_text("previous\n")
    proc = _start_score(src, out, tiny_model_path)
    _wait_for_temp(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert out.read_text() == "previous\n"
    left = list(tmp_path.glob(".out.csv.*"))
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "terminated" in err
        assert left == []  # removed on the way out
    else:
        assert proc.returncode == -signal.SIGKILL and len(left) == 1
        # the next run to the same target sweeps what the killed one left
        small = tmp_path / "small.csv"
        small.write_text("text\nhello\n")
        assert main(["score", str(small), "-o", str(out), "--model", str(tiny_model_path),
                     "--no-progress"]) == 0
        assert list(tmp_path.glob(".out.csv.*")) == []


def test_a_temporary_another_process_holds_is_never_swept(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    fd, held = temp_file_beside(target)
    try:
        other = tmp_path / ".out.csv.dead.tmp"
        other.write_text("left by a killed run")
        write_table(pd.DataFrame({"a": [1]}), target)
        assert held.exists() and not other.exists()
        with pytest.raises(BlockingIOError):  # still locked by us
            probe = os.open(held, os.O_RDONLY)
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(probe)
    finally:
        os.close(fd)


def test_sigterm_handler_is_restored_after_a_command(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    assert main(["models", "--models-dir", str(tmp_path), "list"]) == 0
    assert signal.getsignal(signal.SIGTERM) == before


# ---------------------------------------------------------------------------- item 12
@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_outputs_follow_the_umask(mask: int, expected: int, umask, tiny_model_path: Path,
                                      tmp_path: Path) -> None:
    umask(mask)
    src = tmp_path / "in.csv"
    src.write_text("text\nhello there\n")
    for ext in (".csv", ".parquet", ".jsonl"):
        out = tmp_path / f"scored{ext}"
        assert main(["score", str(src), "-o", str(out), "--model", str(tiny_model_path),
                     "--no-progress"]) == 0
        assert _mode(out) == expected, ext
    table = tmp_path / "t.parquet"
    write_table(pd.DataFrame({"a": [1]}), table)
    assert _mode(table) == expected


def test_an_existing_output_keeps_its_mode(umask, tiny_model_path: Path, tmp_path: Path) -> None:
    umask(0o077)
    src = tmp_path / "in.csv"
    src.write_text("text\nhello there\n")
    out = tmp_path / "scored.csv"
    out.write_text("old\n")
    out.chmod(0o644)
    assert main(["score", str(src), "-o", str(out), "--model", str(tiny_model_path), "--no-progress"]) == 0
    assert _mode(out) == 0o644 and "hello there" in out.read_text()
    write_table(pd.DataFrame({"a": [1]}), out)
    assert _mode(out) == 0o644


def test_model_versions_and_pointers_follow_the_umask(umask, tiny_model, tmp_path: Path) -> None:
    umask(0o027)
    root = tmp_path / "models"
    saved = tiny_model.save(root / "v1")
    assert _mode(saved) == 0o750
    assert all(_mode(p) == 0o640 for p in saved.iterdir())
    ModelRegistry(root).use("v1")
    assert _mode(root / "DEFAULT") == 0o640
    (root / "DEFAULT").chmod(0o644)
    tiny_model.save(root / "v2")
    ModelRegistry(root).use("v2")
    assert _mode(root / "DEFAULT") == 0o644 and _mode(root / "HISTORY") == 0o640
    with locked(root):  # the lock is on the folder itself: nothing is added to it
        assert sorted(p.name for p in root.iterdir()) == ["DEFAULT", "HISTORY", "v1", "v2"]
