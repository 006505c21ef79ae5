"""Build hooks: the wheel and the sdist carry the shipped model.

The repository keeps model versions in the top-level ``models/`` folder (``models/DEFAULT`` names
the shipped one). A source checkout reads them there; an installed copy cannot, so building the
wheel copies the version named in ``models/DEFAULT`` (and a ``DEFAULT`` naming it) into the
package as ``moderation/models/``, read-only package data (see ``moderation.model``), and the
sdist carries ``models/DEFAULT`` and that version so a wheel built from it gets the same. Other
versions in ``models/`` are never shipped. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
#: The files of one model version (moderation.model.MODEL_FILES and CARD_FILE).
MODEL_FILES = ("model.json", "pipeline.json", "pipeline.npz")


def shipped_model() -> tuple[str, list[Path]]:
    """The version named in models/DEFAULT and its files (relative to the project folder)."""
    pointer = HERE / "models" / "DEFAULT"
    if not pointer.is_file():
        raise SystemExit("models/DEFAULT is missing: it names the model version the package ships")
    name = pointer.read_text(encoding="utf-8").strip()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise SystemExit(f"models/DEFAULT names {name!r}, which is not a model version folder")
    files = [Path("models") / name / f for f in MODEL_FILES]
    missing = [str(f) for f in files if not (HERE / f).is_file()]
    if missing:
        raise SystemExit(f"the shipped model {name} is incomplete: missing {', '.join(missing)}")
    return name, files


class BuildPyWithModel(build_py):
    """``build_py`` that also copies the shipped model into ``moderation/models/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads models/ in the checkout
        name, files = shipped_model()
        target = Path(self.build_lib) / "moderation" / "models"
        shutil.rmtree(target, ignore_errors=True)  # never ship a stale version from an old build
        (target / name).mkdir(parents=True)
        for f in files:
            shutil.copyfile(HERE / f, target / name / f.name)
        (target / "DEFAULT").write_text(name + "\n", encoding="utf-8")

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            name, files = shipped_model()
            target = Path(self.build_lib) / "moderation" / "models"
            outputs += [str(target / "DEFAULT"), *(str(target / name / f.name) for f in files)]
        return outputs


class SdistWithModel(sdist):
    """``sdist`` that also carries ``models/DEFAULT`` and the version it names."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        _, model_files = shipped_model()
        for f in [Path("models") / "DEFAULT", *model_files]:
            dest = Path(base_dir) / f
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / f, dest)


setup(cmdclass={"build_py": BuildPyWithModel, "sdist": SdistWithModel})
