"""Model versions on disk: which one is the default, switching and rolling back.

Each version is a folder under the models root (``models/`` in the repository, or
``$MODERATION_MODELS``). The default is named in the one-line file ``DEFAULT``; every change
of default appends the previous one to ``HISTORY`` so ``rollback`` can return to it. Both
files are replaced atomically, so a reader never sees a half-written pointer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from moderation.model import CARD_FILE, ModelError, models_root, read_card, valid_version_name

__all__ = ["ModelRegistry"]


class ModelRegistry:
    """The model versions in one folder.

    Parameters
    ----------
    root : path, optional
        Folder of model versions; defaults to :func:`moderation.model.models_root`.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else models_root()

    # --------------------------------------------------------------- queries
    def names(self) -> list[str]:
        """Version names (folders with a model card), oldest first."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir()
                 if p.is_dir() and not p.name.startswith(".") and (p / CARD_FILE).is_file()]
        return [p.name for p in sorted(found, key=lambda p: (str(_card(p).get("created", "")), p.name))]

    def default_name(self) -> str | None:
        """Name of the current default version, or None when there is none (or when
        ``DEFAULT`` names something that is not a version folder, such as ``../elsewhere``:
        it is never followed; `use` writes a valid pointer again)."""
        pointer = self.root / "DEFAULT"
        if pointer.is_file():
            name = pointer.read_text(encoding="utf-8", errors="replace").strip()
            return name if name and valid_version_name(name) else None
        return "default" if (self.root / "default" / CARD_FILE).is_file() else None

    def path(self, name: str) -> Path:
        """Folder of version ``name``; raises a helpful error when it does not exist or when
        ``name`` is not a version name (a path such as ``../elsewhere`` is never followed)."""
        if not valid_version_name(name):
            raise FileNotFoundError(
                f"{name!r} is not a model version name (a folder name in {self.root}, without "
                "'/' or a leading '.')."
            )
        folder = self.root / name
        if not (folder / CARD_FILE).is_file():
            known = ", ".join(self.names()) or "none"
            raise FileNotFoundError(f"No model version {name!r} in {self.root} (known: {known}).")
        return folder

    def history(self) -> list[str]:
        """Previous defaults, oldest first."""
        hist = self.root / "HISTORY"
        if not hist.is_file():
            return []
        return [line.strip() for line in hist.read_text(encoding="utf-8").splitlines() if line.strip()]

    def list(self) -> list[dict[str, Any]]:
        """One summary row per version: name, created, thresholds, key metrics, default flag."""
        current = self.default_name()
        rows = []
        for name in self.names():
            card = _card(self.root / name)
            own = _get(card, "validation_metrics", "source", "news_comments")
            rows.append(
                {
                    "name": name,
                    "created": str(card.get("created", "")),
                    "default": name == current,
                    "hostile_f1": _number(_get(own, "hostile").get("f1")),
                    "conspiratorial_f1": _number(_get(own, "conspiratorial").get("f1")),
                    "labels_files": len(card.get("labels_files") or []) if isinstance(
                        card.get("labels_files") or [], list) else 0,
                    "gate": _get(card, "gate").get("passed"),
                    "size_mb": round((_number(card.get("model_bytes")) or 0) / 1e6, 1),
                }
            )
        return rows

    # --------------------------------------------------------------- changes
    def use(self, name: str) -> None:
        """Make version ``name`` the default (the previous default goes on the history)."""
        from moderation.atomic import locked

        self.path(name)
        with locked(self.root):  # two changes at once must not lose a history line
            previous = self.default_name()
            if previous == name:
                return
            if previous:
                self._write("HISTORY", "\n".join([*self.history(), previous]) + "\n")
            self._write("DEFAULT", name + "\n")

    def rollback(self) -> str:
        """Return to the previous default; returns its name."""
        from moderation.atomic import locked

        with locked(self.root):
            return self._rollback()

    def _rollback(self) -> str:
        hist = self.history()
        for entry in hist:
            if not valid_version_name(entry):
                raise LookupError(
                    f"{self.root / 'HISTORY'} names {entry!r}, which is not a model version in "
                    f"{self.root}; it is never followed. Remove that line, or choose the default "
                    "with `moderation models use NAME`."
                )
        current = self.default_name()
        # skip versions deleted since, and the current default itself (left there when a
        # change was interrupted between writing HISTORY and DEFAULT)
        while hist and (hist[-1] == current or not (self.root / hist[-1] / CARD_FILE).is_file()):
            hist.pop()
        if not hist:
            raise LookupError("There is no previous default model to roll back to.")
        name = hist.pop()
        self._write("DEFAULT", name + "\n")
        self._write("HISTORY", "\n".join(hist) + ("\n" if hist else ""))
        return name

    def _write(self, filename: str, content: str) -> None:
        """Replace ``filename`` in the models folder atomically (keeping its mode)."""
        from moderation.atomic import temp_file_beside

        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file_beside(self.root / filename)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
                fh.flush()
                os.replace(tmp, self.root / filename)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _get(obj: Any, *keys: str) -> dict[str, Any]:
    """``obj[k1][k2]...`` when each level is a dict, else an empty dict (a hand-edited card
    must not break the listing)."""
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, dict) else {}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _card(folder: Path) -> dict[str, Any]:
    """The card of ``folder``, or an empty dict when it cannot be read."""
    try:
        return read_card(folder)
    except (OSError, ValueError, ModelError):
        return {}
