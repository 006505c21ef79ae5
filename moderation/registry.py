"""Model versions on disk: which one is the default, switching and rolling back.

Each version is a folder under the models root: ``$MODERATION_MODELS`` (or ``--models-dir``),
else ``models/`` in a source checkout, else the per-user data folder of an installed copy
(:func:`moderation.model.user_models_root`). The default is named in the one-line file
``DEFAULT``; every change of default appends the previous one to ``HISTORY`` so ``rollback``
can return to it. Both files are replaced atomically, so a reader never sees a half-written
pointer. The versions shipped with the package (:func:`moderation.model.shipped_models_root`)
are listed too, read-only: they can be chosen as the default, and are the default as long as
the models root has no ``DEFAULT``; nothing is ever written beside them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from moderation.model import (
    CARD_FILE,
    ModelError,
    models_root,
    read_card,
    shipped_models_root,
    valid_version_name,
)

__all__ = ["ModelRegistry"]


class ModelRegistry:
    """The model versions in one folder.

    Parameters
    ----------
    root : path, optional
        Folder of model versions (written to); defaults to
        :func:`moderation.model.models_root`.
    shipped : path or bool, optional
        Read-only folder of the shipped versions, listed after ``root``'s own and the default
        while ``root`` has no ``DEFAULT``. None (the default): the shipped models folder when
        ``root`` is not given, none otherwise; True: the shipped models folder; False: none.
    """

    def __init__(self, root: str | Path | None = None, *,
                 shipped: str | Path | bool | None = None) -> None:
        self.root = Path(root) if root is not None else models_root()
        if shipped is None:
            shipped = root is None
        if shipped is True:
            shipped = shipped_models_root()
        self.shipped: Path | None = Path(shipped) if shipped else None
        if self.shipped is not None and _same(self.shipped, self.root):
            self.shipped = None

    # --------------------------------------------------------------- queries
    def names(self) -> list[str]:
        """Version names (folders with a model card): ``root``'s own oldest first, then the
        shipped ones it does not hold."""
        own = _versions(self.root)
        return [*own, *(n for n in self.shipped_names() if n not in own)]

    def shipped_names(self) -> list[str]:
        """Names of the shipped (read-only) versions, oldest first."""
        return _versions(self.shipped) if self.shipped is not None else []

    def is_shipped(self, name: str) -> bool:
        """Whether version ``name`` is a shipped, read-only one (not in ``root``)."""
        return (self.shipped is not None and valid_version_name(name)
                and not (self.root / name / CARD_FILE).is_file()
                and (self.shipped / name / CARD_FILE).is_file())

    def default_name(self) -> str | None:
        """Name of the current default version, or None when there is none (or when
        ``DEFAULT`` names something that is not a version folder, such as ``../elsewhere``:
        it is never followed; `use` writes a valid pointer again). Without a ``DEFAULT`` in
        ``root``, the shipped default."""
        pointer = self.root / "DEFAULT"
        if pointer.is_file():
            name = pointer.read_text(encoding="utf-8", errors="replace").strip()
            return name if name and valid_version_name(name) else None
        if (self.root / "default" / CARD_FILE).is_file():
            return "default"
        if self.shipped is not None:
            return ModelRegistry(self.shipped, shipped=False).default_name()
        return None

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
            if self.is_shipped(name):
                return self.shipped / name  # type: ignore[operator]
            known = ", ".join(self.names()) or "none"
            where = f"{self.root} or {self.shipped}" if self.shipped is not None else str(self.root)
            raise FileNotFoundError(f"No model version {name!r} in {where} (known: {known}).")
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
            card = _card(self.path(name))
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
                    "forced": bool(_get(card, "gate").get("forced")),
                    "size_mb": round((_number(card.get("model_bytes")) or 0) / 1e6, 1),
                    "shipped": self.is_shipped(name),
                    "trained": str(card.get("version", "")),
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
        while hist and (hist[-1] == current or not self._exists(hist[-1])):
            hist.pop()
        if not hist:
            raise LookupError("There is no previous default model to roll back to.")
        name = hist.pop()
        self._write("DEFAULT", name + "\n")
        self._write("HISTORY", "\n".join(hist) + ("\n" if hist else ""))
        return name

    def _exists(self, name: str) -> bool:
        return (self.root / name / CARD_FILE).is_file() or self.is_shipped(name)

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


def _versions(root: Path) -> list[str]:
    """Version folders (with a card) in ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir()
             if p.is_dir() and not p.name.startswith(".") and (p / CARD_FILE).is_file()]
    return [p.name for p in sorted(found, key=lambda p: (str(_card(p).get("created", "")), p.name))]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
