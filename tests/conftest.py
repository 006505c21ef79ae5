"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


# ---------------------------------------------------------------- scoring (tiny model)
@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny model trained once per session on tests/data/score/train_tiny.csv.

    Tests of the scoring CLI, API and service use it instead of the shipped default model, so
    they run before (and independently of) the default model being trained.
    """
    import pandas as pd

    from moderation.training import TrainConfig, train_model

    df = pd.read_csv(DATA / "score" / "train_tiny.csv")
    model = train_model(
        df, TrainConfig(augment_copies=0, word_max_features=5000, char_max_features=5000)
    )
    model.card["version"] = "tiny-test"
    return model.save(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path: Path):
    """The tiny test model, loaded once per session."""
    from moderation.model import load_model

    return load_model(tiny_model_path)


# ------------------------------------------------------------- retraining (temporary models)
@pytest.fixture(scope="session")
def base_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder holding one version, ``base`` (the default), trained once per session
    on our own comments only (no corpora) with a small config that later runs inherit."""
    from moderation.registry import ModelRegistry
    from moderation.retrain import Trainer
    from moderation.training import TrainConfig

    root = tmp_path_factory.mktemp("retrain-base-models")
    config = TrainConfig(augment_copies=1, word_max_features=20_000, char_max_features=20_000)
    Trainer(corpora="/nonexistent/corpora", config=config, registry=ModelRegistry(root), name="base").run()
    return root


@pytest.fixture
def models_dir(base_models_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the base models folder (tests never touch the repository's models/)."""
    import shutil

    return Path(shutil.copytree(base_models_dir, tmp_path / "models"))


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """The unpacked language model goes to a folder of this test session, not the user's cache
    (a test that sets MODERATION_CACHE_DIR itself still wins)."""
    before = os.environ.get("MODERATION_CACHE_DIR")
    os.environ["MODERATION_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("MODERATION_CACHE_DIR", None)
    else:
        os.environ["MODERATION_CACHE_DIR"] = before
