"""Writing files and folders atomically, safely next to other processes.

Every output (a scored table, a model version, the ``DEFAULT`` pointer) is written to a hidden
temporary beside its target and renamed over it at the end. This module makes that safe when
several processes share a folder and when a process dies half-way:

- :func:`temp_file_beside` locks the temporary it creates (``flock``) for as long as it is open,
  and first removes the temporaries of the same target that no live process holds (left by a
  run that was killed, even with ``SIGKILL``);
- :func:`locked` is an exclusive lock on a folder (``flock`` on the folder itself, so no lock
  file is left in it), held while a model version is saved, while stale temporary folders are
  cleaned up and while ``DEFAULT``/``HISTORY`` change, so a second run never deletes the folder
  the first one is writing;
- :func:`new_file_mode` and :func:`new_dir_mode` give the mode a new file or folder gets from
  the umask (``mkstemp``/``mkdtemp`` would make them private), or the existing target's mode.

Locks are advisory ``fcntl.flock`` locks on POSIX systems; elsewhere they are no-ops and only
temporaries older than :data:`STALE_SECONDS` count as stale.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STALE_SECONDS",
    "locked",
    "new_dir_mode",
    "new_file_mode",
    "remove_stale_dirs",
    "temp_file_beside",
]

#: Without ``flock``, a temporary older than this is taken for stale.
STALE_SECONDS = 24 * 3600


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux), so no
    other thread ever sees a different umask."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(target: str | os.PathLike[str]) -> int:
    """Mode for a file replacing ``target``: the existing file's mode, else ``0o666`` less the
    umask (what ``open()`` would give a new file)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def new_dir_mode() -> int:
    """Mode for a new folder: ``0o777`` less the umask (what ``mkdir`` would give it)."""
    return 0o777 & ~current_umask()


def _try_lock(fd: int) -> bool:
    """Lock ``fd`` exclusively without waiting; True when it is now ours."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _stale_file(path: Path) -> bool:
    """True when no live process holds ``path`` (a temporary made by :func:`temp_file_beside`)."""
    if fcntl is None:  # pragma: no cover
        try:
            return time.time() - path.stat().st_mtime > STALE_SECONDS
        except OSError:
            return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return _try_lock(fd)
    finally:
        os.close(fd)  # closing releases the probe's lock


def temp_file_beside(target: str | os.PathLike[str]) -> tuple[int, Path]:
    """A new, locked temporary file ``.NAME.XXXX.tmp`` beside ``target``, with the mode the
    target will have (:func:`new_file_mode`).

    The temporaries of the same target that no live process holds are removed first. The
    lock lasts as long as the returned descriptor is open: keep it open until the temporary
    has been renamed over the target or removed.

    Parameters
    ----------
    target : path
        The file the temporary will replace.

    Returns
    -------
    fd : int
        An open, writable descriptor of the temporary, locked.
    path : Path
        The temporary's path.
    """
    target = Path(target)
    pattern = re.compile(re.escape(f".{target.name}.") + r"[^/]*\.tmp")
    with contextlib.suppress(OSError):
        for old in target.parent.iterdir():
            if pattern.fullmatch(old.name) and old.is_file() and _stale_file(old):
                old.unlink(missing_ok=True)
    # made under a name no sweep matches, locked, then renamed: another process's sweep never
    # sees it unlocked
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp-new")
    path = Path(name[: -len("-new")])
    try:
        _try_lock(fd)
        os.fchmod(fd, new_file_mode(target))
        os.rename(name, path)
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return fd, path


@contextlib.contextmanager
def locked(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` (``flock`` on the folder itself), waiting for
    other holders."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_stale_dirs(folder: str | os.PathLike[str], prefix: str) -> list[Path]:
    """Remove the folders ``prefix*`` in ``folder`` left by runs that died while writing.

    Holds :func:`locked` on ``folder`` while it looks, so a folder another process is writing
    (under the same lock) is never taken for stale. Without ``flock`` only folders older than
    :data:`STALE_SECONDS` are removed.

    Returns
    -------
    list of Path
        The folders removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    with locked(folder):
        for tmp in folder.glob(f"{prefix}*"):
            if not tmp.is_dir():
                continue
            if fcntl is None:  # pragma: no cover
                with contextlib.suppress(OSError):
                    if time.time() - tmp.stat().st_mtime <= STALE_SECONDS:
                        continue
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed
