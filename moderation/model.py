"""The scoring model: a fitted pipeline plus its thresholds and card, saved and loaded safely.

A model version is a folder holding ``pipeline.json`` and ``pipeline.npz`` (the fitted
scikit-learn pipeline in the pickle-free format of :mod:`moderation.persist`: a JSON
description plus numpy arrays) and ``model.json`` (its card: version, thresholds, metrics,
data provenance and the SHA-256 of each model file). Loading never unpickles and never runs
code from the folder: it rebuilds only the classes in
:data:`moderation.persist.TRUSTED_CLASSES`. The hashes catch a damaged copy (they are not a
signature: whoever can write the files can rewrite the card too). A legacy folder holding a
pickled ``model.joblib`` is refused with the command that converts it
(:func:`convert_legacy_model`, ``moderation models convert``), which a user runs only on a
file they trust.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline

from moderation.explain import explain_items
from moderation.features import LABELS
from moderation.persist import (
    ARRAYS_FILE,
    FORMAT,
    STRUCTURE_FILE,
    PersistError,
    dump_pipeline,
    load_pipeline,
)

__all__ = [
    "MAX_EXPLAIN_CHARS",
    "Model",
    "ModelError",
    "ModelFormatError",
    "ModelIntegrityError",
    "ModelVersionError",
    "check_model",
    "convert_legacy_model",
    "default_model_path",
    "explained_part",
    "load_model",
    "models_root",
    "shipped_models_root",
    "source_checkout",
    "user_models_root",
]

#: The model's files (pickle-free, see :mod:`moderation.persist`): structure, then arrays.
MODEL_FILES = (STRUCTURE_FILE, ARRAYS_FILE)
#: The arrays file, whose SHA-256 is also recorded as the card's ``model_sha256``.
MODEL_FILE = ARRAYS_FILE
#: A pickled pipeline written by earlier versions: never loaded, only converted on request.
LEGACY_MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"
SCORE_COLUMNS = (
    "hostile_score", "conspiratorial_score", "hostile_flag", "conspiratorial_flag", "language",
)
#: Longest piece of a text that :meth:`Model.explain` and :meth:`Model.reasons` read: longer
#: texts are explained by their first ``MAX_EXPLAIN_CHARS`` characters (cut at a space). An
#: explanation costs about 0.1 s per 1,000 characters, so this bounds one at about half a
#: second; scoring always reads the whole text.
MAX_EXPLAIN_CHARS = 5_000
#: Comments featurised and classified at once by :meth:`Model.predict_proba` (bounds memory).
SCORE_ROWS = 2_500


class ModelError(RuntimeError):
    """A model folder cannot be loaded; the message says why and how to fix it."""


class ModelIntegrityError(ModelError):
    """A model file does not match the SHA-256 recorded in its card."""


class ModelVersionError(ModelError):
    """The model was built with a scikit-learn version this environment cannot load."""


class ModelFormatError(ModelError):
    """The model folder is not in the pickle-free format (a legacy pickle, or broken files)."""


#: The package folder; the shipped model lives in its ``models/`` folder in an installed copy.
_PACKAGE_DIR = Path(__file__).resolve().parent


def source_checkout() -> Path | None:
    """The repository folder when running from a source checkout (``pyproject.toml`` and
    ``models/`` beside the package), else None (an installed copy)."""
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "models").is_dir():
        return root
    return None


def shipped_models_root() -> Path:
    """Folder holding the shipped model version(s), read-only: the repository's ``models/`` in a
    source checkout, else ``moderation/models/`` inside the installed package (copied there
    from ``models/DEFAULT`` when the wheel is built)."""
    checkout = source_checkout()
    return checkout / "models" if checkout is not None else _PACKAGE_DIR / "models"


def user_models_root() -> Path:
    """Per-user folder for the models a user trains in an installed copy:
    ``platformdirs.user_data_dir("moderation")/models`` (``~/.local/share/moderation/models``
    on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("moderation")) / "models"


def models_root() -> Path:
    """Writable folder of model versions (where ``moderation train`` saves and ``models use``
    writes ``DEFAULT``): ``$MODERATION_MODELS``, else the repository's ``models/`` in a source
    checkout, else :func:`user_models_root`. Never inside site-packages."""
    env = os.environ.get("MODERATION_MODELS")
    if env:
        return Path(env)
    checkout = source_checkout()
    if checkout is not None:
        return checkout / "models"
    return user_models_root()


def version_folder(name: str, root: Path, shipped: Path | None = None) -> Path:
    """Folder of version ``name``: in ``root``, else in ``shipped`` when it is there (a user's
    ``DEFAULT`` may name the shipped version), else ``root / name``."""
    folder = root / name
    if shipped is not None and not (folder / CARD_FILE).is_file() \
            and (shipped / name / CARD_FILE).is_file():
        return shipped / name
    return folder


def valid_version_name(name: str) -> bool:
    """Whether ``name`` can name a model version: a folder directly inside the models folder
    (not empty, not hidden, no path separator, not ``..``), as ``moderation models use``
    requires."""
    return (
        isinstance(name, str)
        and bool(name)
        and not name.startswith(".")
        and "\x00" not in name
        and "/" not in name
        and "\\" not in name
        and Path(name).name == name
        and name not in ("DEFAULT", "HISTORY")
    )


def _pointer(root: Path) -> str | None:
    """The version named in ``root/DEFAULT`` (None when there is no such file or it is empty);
    a name that is not a version folder name raises :class:`ModelError`."""
    pointer = root / "DEFAULT"
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8", errors="replace").strip()
    if not name:
        return None
    if not valid_version_name(name):
        raise ModelError(
            f"{pointer} names {name!r}, which is not a model version in {root} (a folder "
            "name without '/' or a leading '.'); choose the default again with "
            "`moderation models use NAME`."
        )
    return name


def default_model_path() -> Path:
    """The current default model: ``$MODERATION_MODEL``; else the version named in
    ``DEFAULT`` of the writable models folder (:func:`models_root`: ``$MODERATION_MODELS``,
    the checkout's ``models/`` or the per-user folder), found there or among the shipped
    versions; else its legacy ``default`` folder; else the shipped default
    (:func:`shipped_models_root`).

    Raises
    ------
    ModelError
        When a ``DEFAULT`` names something other than a version folder inside the models
        folder (``../elsewhere``, an absolute path): it is never followed.
    """
    env = os.environ.get("MODERATION_MODEL")
    if env:
        return Path(env)
    root = models_root()
    shipped = shipped_models_root()
    name = _pointer(root)
    if name:
        return version_folder(name, root, shipped)
    if (root / "default" / CARD_FILE).is_file() or root == shipped:
        return root / "default"
    name = _pointer(shipped)
    return shipped / name if name else shipped / "default"


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:2])


class Model:
    """A trained HOSTILE/CONSPIRATORIAL scorer.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted ``normalize -> features -> classify`` pipeline (see :mod:`moderation.features`).
    thresholds : dict
        Score at or above which each label is flagged, e.g. ``{"hostile": 0.5, ...}``.
    card : dict, optional
        Metadata written to ``model.json`` (version, metrics, provenance).
    """

    def __init__(self, pipeline: Pipeline, *, thresholds: dict[str, float], card: dict | None = None):
        self.pipeline = pipeline
        self.thresholds = {label: float(thresholds[label]) for label in LABELS}
        self.card: dict[str, Any] = dict(card or {})
        self.card.setdefault("thresholds", self.thresholds)

    @property
    def version(self) -> str:
        """The model's version name, as ``models list`` and ``models/DEFAULT`` show it
        (``news-20261203-3``: the card's ``name``, which is its folder's name; the card's build
        timestamp for a card without one). The build timestamp is :attr:`timestamp`."""
        return str(self.card.get("name") or self.card.get("version") or "unversioned")

    @property
    def timestamp(self) -> str:
        """When the model was trained, as its card's ``version`` records it (``20261203-132228``,
        UTC); empty when the card does not say."""
        return str(self.card.get("version") or "")

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the model was trained for (ISO 639-1, from the card's ``languages``;
        English when the card does not say). :meth:`score` leaves other languages unscored."""
        from moderation.language import supported_languages

        return supported_languages(self.card)

    # ----------------------------------------------------------------- scoring
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated scores, shape (n, 2), columns in :data:`LABELS` order.

        A large batch is featurised and classified :data:`SCORE_ROWS` comments at a time (in
        slices of equal size): the feature matrix and its temporaries take a few times the
        matrix's memory, and every score depends on its own comment only."""
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        texts = list(texts)
        parts = -(-len(texts) // SCORE_ROWS)
        if parts == 1:
            return self._predict_proba(texts)
        size = -(-len(texts) // parts)
        return np.concatenate([self._predict_proba(texts[i : i + size]) for i in range(0, len(texts), size)])

    def _predict_proba(self, texts: list[str]) -> np.ndarray:
        """:meth:`predict_proba` of one slice: features (the fused path when the pipeline has
        it), then the classifier."""
        steps = self.pipeline.named_steps
        features = steps.get("features")
        if hasattr(features, "transform_raw") and "normalize" in steps and len(self.pipeline) == 3:
            Xt = features.transform_raw(list(texts), steps["normalize"])  # fused fast path
        else:
            Xt = self.pipeline[:-1].transform(list(texts))
        return self.pipeline[-1].positive_proba(Xt)

    def score(self, texts: Iterable[str | None], *, language: str | None = None) -> pd.DataFrame:
        """Score comments in the model's languages; leave the others unscored.

        Parameters
        ----------
        texts : iterable of str
            A list, tuple, pandas Series or any iterable. ``None``/NaN entries get NaN scores
            and False flags (one warning counts them).
        language : str, optional
            The language of every text, when the caller knows it (``"en"``, ``"de-DE"``):
            detection is skipped. By default each text's language is detected, conservatively
            (:func:`moderation.language.detect_language`: short, ambiguous, slang and disguised
            texts count as English).

        Returns
        -------
        pandas.DataFrame
            One row per input, in input order, with ``hostile_score``,
            ``conspiratorial_score`` (0-1), ``hostile_flag``, ``conspiratorial_flag`` and
            ``language`` (ISO 639-1 code; missing for a missing text). A comment in a language
            the model does not support (:attr:`languages`) gets NaN scores and False flags.
            A Series input keeps its index. :meth:`predict_proba` gives raw scores without
            language detection.
        """
        from moderation.language import detect_language, normalize_language

        index = texts.index if isinstance(texts, pd.Series) else None
        items = list(texts)
        valid_pos: list[int] = []
        valid: list[str] = []
        missing = 0
        for i, t in enumerate(items):
            if t is None or (isinstance(t, float) and math.isnan(t)) or t is pd.NA:
                missing += 1
                continue
            if not isinstance(t, str):
                raise TypeError(
                    f"texts[{i}] is {type(t).__name__}, not str; convert it with str() or drop it."
                )
            valid_pos.append(i)
            valid.append(t)
        if missing:
            warnings.warn(
                f"{missing} missing text(s) (None/NaN) got NaN scores and False flags.",
                UserWarning,
                stacklevel=2,
            )
        supported = self.languages
        if language is not None:
            found = [normalize_language(language)] * len(valid)
        else:
            found = detect_language(valid, default=supported[0])
        languages = np.full(len(items), None, dtype=object)
        languages[valid_pos] = found
        keep = [k for k, lang in enumerate(found) if lang in supported]
        scores = np.full((len(items), len(LABELS)), np.nan)
        if keep:
            scores[[valid_pos[k] for k in keep]] = self.predict_proba([valid[k] for k in keep])
        columns: dict[str, Any] = {f"{label}_score": scores[:, j] for j, label in enumerate(LABELS)}
        for j, label in enumerate(LABELS):
            columns[f"{label}_flag"] = np.nan_to_num(scores[:, j], nan=-1.0) >= self.thresholds[label]
        columns["language"] = languages
        return pd.DataFrame(columns, index=index)  # built at once: a column at a time costs ms

    # ------------------------------------------------------------- explaining
    def explain(self, text: str, *, top: int = 8) -> dict[str, list[dict[str, Any]]]:
        """The words and phrases that pushed each label's score most, and where they sit in ``text``.

        Each item is one word or phrase of the comment, listed once: the contributions of all
        the features found on it (its word n-gram, character n-grams, lexicon categories and,
        when the model has that block, category-stream n-grams) are summed, and the places
        that read the same ("1d10t" and "idiot") are one item with several spans. Spans leave
        out the punctuation around a word ("you." shows as "you") but keep a disguise whole
        ("1d10t"). Function words ("you", "the", "to", :data:`moderation.explain.FUNCTION_WORDS`)
        are never listed alone, only inside a phrase ("kill you").

        Parameters
        ----------
        text : str
            One comment.
        top : int
            Number of items to return per label.

        Returns
        -------
        dict
            ``{label: [{"ngram", "type", "weight", "spans", "text", "features"}, ...]}`` sorted
            by weight, largest push towards the label first. ``ngram`` is the normalised
            reading of the words ("idiot", "cannot stand muslims"); ``type`` the feature block
            of the largest contribution ("word", "char", "lexicon" or "category");
            ``weight`` the summed contribution to the label's calibrated linear score (always
            positive); ``spans`` ``[start, end]`` character offsets in the original text and
            ``text`` the original substrings they cover (``text[start:end]``); ``features``
            the contributing model features (``type``, ``feature``, ``weight``). A text longer
            than :data:`MAX_EXPLAIN_CHARS` is explained by its first part
            (:func:`explained_part`), so the time an explanation takes stays bounded.
        """
        if not isinstance(text, str):
            raise TypeError(f"explain() takes one str, not {type(text).__name__}.")
        return {
            label: [item.as_dict(text) for item in items[:top]]
            for label, items in explain_items(self.pipeline, explained_part(text)).items()
        }

    def reasons(self, text: str, *, top: int = 3) -> dict[str, list[str]]:
        """Short per-label list of the original words and phrases that drove the score most.

        Parameters
        ----------
        text : str
            One comment.
        top : int
            Number of words or phrases per label.

        Returns
        -------
        dict
            ``{label: [original text, ...]}``, largest push first: substrings of ``text``
            without surrounding punctuation, each listed once (ignoring case), never a
            function word alone (see :meth:`explain`). Only the first
            :data:`MAX_EXPLAIN_CHARS` characters are read (:func:`explained_part`).
        """
        if not isinstance(text, str):
            raise TypeError(f"reasons() takes one str, not {type(text).__name__}.")
        out: dict[str, list[str]] = {}
        for label, items in explain_items(self.pipeline, explained_part(text)).items():
            seen: dict[str, list[Any]] = {}  # casefolded piece -> [shown spelling, weight]
            for item in items:
                for (s, e), weight in zip(item.spans, item.span_weights, strict=True):
                    piece = text[s:e]
                    entry = seen.setdefault(piece.casefold(), [piece, 0.0])
                    entry[1] += weight
            ranked = sorted((v for v in seen.values() if v[1] > 0), key=lambda v: -v[1])
            out[label] = [piece for piece, _ in ranked[:top]]
        return out

    # ----------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Write the model into a new folder, atomically, in the pickle-free format.

        The folder holds ``pipeline.json`` and ``pipeline.npz`` (see :mod:`moderation.persist`)
        and the card ``model.json``. The files are written to a temporary folder beside
        ``path`` and renamed at the end, so an interrupted save never leaves a half-written
        model. An existing folder at ``path`` is refused: model versions are never
        overwritten in place.

        Parameters
        ----------
        path : str or Path
            The new model folder (its name is the version name).

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        FileExistsError
            When ``path`` exists.
        moderation.persist.PersistError
            When the pipeline holds an object the format cannot store (nothing is written).
        """
        from moderation.atomic import locked, new_dir_mode

        path = Path(path)
        if path.exists():
            raise FileExistsError(f"{path} already exists; choose a new model name.")
        path.parent.mkdir(parents=True, exist_ok=True)
        # the models folder stays locked until the version is in place: another run's clean-up
        # of stale temporary folders (Trainer) waits instead of deleting this one
        with locked(path.parent):
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path.parent))
            try:
                tmp.chmod(new_dir_mode())  # mkdtemp makes it private; follow the umask
                dump_pipeline(self.pipeline, tmp)
                card = dict(self.card)
                card["thresholds"] = self.thresholds
                card["sklearn_version"] = sklearn.__version__
                card.update(_file_entries(tmp))
                card.setdefault("name", path.name)
                (tmp / CARD_FILE).write_text(json.dumps(card, indent=2, default=_json_default) + "\n")
                if path.exists():
                    raise FileExistsError(f"{path} already exists; choose a new model name.")
                os.replace(tmp, path)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        self.card = card
        return path


def _file_entries(folder: Path) -> dict[str, Any]:
    """Card entries describing the model files in ``folder``: format, hashes and size."""
    hashes = {name: sha256_file(folder / name) for name in MODEL_FILES}
    return {
        "model_format": FORMAT,
        "model_files": hashes,
        "model_sha256": hashes[MODEL_FILE],
        "model_bytes": sum((folder / name).stat().st_size for name in MODEL_FILES),
    }


def explained_part(text: str, limit: int = MAX_EXPLAIN_CHARS) -> str:
    """The part of ``text`` an explanation reads: all of it up to ``limit`` characters, else
    its first ``limit`` characters cut back to the last space (so no word is split), which
    keeps every span an offset into ``text`` itself.

    Parameters
    ----------
    text : str
        One comment.
    limit : int
        Most characters read.

    Returns
    -------
    str
        A prefix of ``text``.
    """
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit + 1)
    return text[: cut if cut > 0 else limit]


def _json_default(obj):
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def read_card(path: str | Path) -> dict[str, Any]:
    """The card (``model.json``) of the model folder ``path``.

    Parameters
    ----------
    path : str or Path
        A model folder.

    Returns
    -------
    dict

    Raises
    ------
    FileNotFoundError
        The folder has no card.
    ModelFormatError
        The card is not a JSON object (invalid JSON, not UTF-8, nested too deep).
    """
    card_path = Path(path) / CARD_FILE
    if not card_path.is_file():
        raise FileNotFoundError(
            f"No model at {path} (missing {CARD_FILE}). Train one with `moderation train`."
        )
    fix = "restore it from version control, or retrain with `moderation train`."
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(
            f"{card_path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); {fix}"
        ) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ModelFormatError(f"{card_path}: not a readable JSON file ({type(exc).__name__}); {fix}") from None
    if not isinstance(card, dict):
        raise ModelFormatError(f"{card_path}: a JSON {type(card).__name__}, not an object; {fix}")
    return card


def _checked_thresholds(card: dict[str, Any], card_path: Path) -> dict[str, float]:
    """The card's thresholds: one number in [0, 1] per label, or a :class:`ModelFormatError`."""
    thresholds = card.get("thresholds")
    fix = ("give each label a number from 0 to 1, e.g. "
           '"thresholds": {"hostile": 0.5, "conspiratorial": 0.5}, or restore the card from '
           "version control")
    if not isinstance(thresholds, dict):
        raise ModelFormatError(f"{card_path}: no thresholds object; {fix}.")
    out = {}
    for label in LABELS:
        value = thresholds.get(label)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not 0.0 <= value <= 1.0:
            shown = "missing" if label not in thresholds else f"{json.dumps(value)[:40]}"
            raise ModelFormatError(f"{card_path}: threshold for {label} is {shown}; {fix}.")
        out[label] = float(value)
    try:
        from moderation.language import supported_languages

        supported_languages(card)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ModelFormatError(
            f"{card_path}: languages must be a list of ISO 639-1 codes such as [\"en\"] ({exc})."
        ) from None
    return out


def _legacy_message(folder: Path) -> str:
    return (
        f"{folder} holds a pickled model ({LEGACY_MODEL_FILE}), which this version never loads: "
        "unpickling runs whatever code the file contains. If you trust the file (you trained it, "
        f"or it came with this repository), convert it once with `moderation models convert "
        f"{folder}` (or moderation.model.convert_legacy_model), then load it again."
    )


def check_model(path: str | Path | None = None) -> tuple[Path, dict[str, Any], dict[str, float]]:
    """Everything :func:`load_model` checks before it reads the model's arrays: the card, the
    format, the scikit-learn version, the files' SHA-256 and the thresholds. Cheap: a batch
    run whose worker processes load the model checks it here first, in the parent.

    Parameters
    ----------
    path : str or Path, optional
        The model folder (or one of its files). Default: :func:`default_model_path`.

    Returns
    -------
    tuple
        The model folder, its card and its thresholds (one per label).

    Raises
    ------
    FileNotFoundError, ModelFormatError, ModelIntegrityError, ModelVersionError
        As :func:`load_model` documents.
    """
    folder = Path(path) if path is not None else default_model_path()
    if folder.is_file() and folder.name in (*MODEL_FILES, LEGACY_MODEL_FILE, CARD_FILE):
        folder = folder.parent
    card = read_card(folder)
    files = card.get("model_files")
    if card.get("model_format") is None and not (folder / STRUCTURE_FILE).is_file():
        if (folder / LEGACY_MODEL_FILE).is_file():
            raise ModelFormatError(_legacy_message(folder))
        raise ModelFormatError(
            f"{folder / CARD_FILE} does not describe a saved model (no model_format); save "
            "the model again with Model.save or retrain it with `moderation train`."
        )
    if card.get("model_format") != FORMAT:
        raise ModelFormatError(
            f"{folder} is in model format {card.get('model_format')!r}, not {FORMAT!r}; "
            "upgrade moderation (pip install -U moderation) or retrain with `moderation train`."
        )
    built = card.get("sklearn_version", "")
    if _minor(str(built)) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"The model at {folder} was built with scikit-learn {built}, but {sklearn.__version__} "
            f"is installed. Install scikit-learn=={built} (pip install 'scikit-learn=={built}'), "
            "or retrain with this version: `moderation train --out models/NAME`."
        )
    if not isinstance(files, dict) or set(files) != set(MODEL_FILES):
        raise ModelFormatError(
            f"{folder / CARD_FILE}: model_files must list the SHA-256 of {' and '.join(MODEL_FILES)}; "
            "restore the card from version control or save the model again."
        )
    for name in MODEL_FILES:
        model_file = folder / name
        if not model_file.is_file():
            raise ModelFormatError(
                f"{model_file} is missing; restore the model folder from version control or "
                "retrain with `moderation train`."
            )
        actual = sha256_file(model_file)
        if actual != files[name]:
            raise ModelIntegrityError(
                f"{model_file} has SHA-256 {actual[:12]}..., but its card records "
                f"{str(files[name])[:12]}...; the file was changed or corrupted. "
                "Restore it from version control or retrain with `moderation train`."
            )
    return folder, card, _checked_thresholds(card, folder / CARD_FILE)


def load_model(path: str | Path | None = None) -> Model:
    """Load a model folder (default: the current default model) without running code from it.

    Parameters
    ----------
    path : str or Path, optional
        The model folder (or one of its files). Default: :func:`default_model_path`.

    Returns
    -------
    Model

    Raises
    ------
    FileNotFoundError
        There is no model card in the folder.
    ModelFormatError
        The folder holds a legacy pickle (convert it with ``moderation models convert``), or
        its card or model files are malformed.
    ModelIntegrityError
        A model file's SHA-256 does not match its card.
    ModelVersionError
        The model was built with a different scikit-learn minor version.
    """
    folder, card, thresholds = check_model(path)
    try:
        pipeline = load_pipeline(folder)
    except PersistError as exc:
        raise ModelFormatError(f"{exc}; restore the model folder or retrain it.") from None
    return Model(pipeline, thresholds=thresholds, card=card)


#: Comments scored with the pickled and the converted pipeline during a conversion: the two
#: must give exactly the same scores.
_CONVERSION_PROBES = (
    "You are a stupid 1d10t and a m0r0n.",
    "The bus timetable changes on Monday.",
    "The gl0b@lists planned the pandemic to control us.",
    "What a f*cking i d i o t the mayor is, I can't stand people like him.",
    "They are vermin and should all be deported, every last one of them.",
    "Do your own research: the elites staged it and the media covered it up!!!",
    "Thanks for the thoughtful article, I learned a lot about the new library.",
    "",
)


def convert_legacy_model(path: str | Path, *, keep_legacy: bool = False) -> Path:
    """Convert a legacy model folder (pickled ``model.joblib``) to the pickle-free format.

    This unpickles ``model.joblib``, which runs any code the file holds: convert only a file
    you trust (one you trained, or the one shipped with this repository). The new files are
    checked before anything is replaced: the rebuilt pipeline must give exactly the scores of
    the pickled one. The card is then replaced atomically and the pickle removed.

    Parameters
    ----------
    path : str or Path
        The model folder (or its ``model.joblib``).
    keep_legacy : bool
        Keep ``model.joblib`` beside the new files (it is never loaded again).

    Returns
    -------
    Path
        The converted folder.

    Raises
    ------
    FileNotFoundError
        No card, or no ``model.joblib`` in the folder.
    ModelIntegrityError
        ``model.joblib`` does not match the SHA-256 on its card.
    ModelVersionError
        The pickle was made with another scikit-learn minor version (it cannot be read).
    ModelFormatError
        The converted pipeline does not give the same scores (nothing is changed).
    """
    import joblib

    from moderation.atomic import new_file_mode

    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    card = read_card(folder)
    legacy = folder / LEGACY_MODEL_FILE
    if not legacy.is_file():
        raise FileNotFoundError(f"{legacy}: no legacy model to convert (the folder is "
                                f"{'already converted' if (folder / STRUCTURE_FILE).is_file() else 'not a model'}).")
    built = str(card.get("sklearn_version", ""))
    if _minor(built) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"{legacy} was pickled with scikit-learn {built}, but {sklearn.__version__} is "
            f"installed; convert it in an environment with pip install 'scikit-learn=={built}'."
        )
    actual = sha256_file(legacy)
    if actual != card.get("model_sha256"):
        raise ModelIntegrityError(
            f"{legacy} has SHA-256 {actual[:12]}..., but its card records "
            f"{str(card.get('model_sha256'))[:12]}...; it was changed or corrupted. Restore it "
            "from version control before converting."
        )
    thresholds = _checked_thresholds(card, folder / CARD_FILE)
    pipeline = joblib.load(legacy)  # the one place a pickle is read: an explicit, trusted step
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=folder))
    try:
        dump_pipeline(pipeline, staging)
        rebuilt = load_pipeline(staging)
        before = Model(pipeline, thresholds=thresholds).predict_proba(list(_CONVERSION_PROBES))
        after = Model(rebuilt, thresholds=thresholds).predict_proba(list(_CONVERSION_PROBES))
        if not np.array_equal(before, after):
            raise ModelFormatError(
                f"{folder}: the converted pipeline does not give the pickled one's scores; "
                "nothing was changed. Please report this with the model's card."
            )
        new_card = dict(card)
        new_card.update(_file_entries(staging))
        new_card["converted_from"] = {"file": LEGACY_MODEL_FILE, "sha256": actual}
        (staging / CARD_FILE).write_text(json.dumps(new_card, indent=2, default=_json_default) + "\n")
        mode = new_file_mode(folder / CARD_FILE)  # the card's own mode, else the umask's
        for name in MODEL_FILES:
            (staging / name).chmod(mode)
            os.replace(staging / name, folder / name)
        (staging / CARD_FILE).chmod(mode)
        os.replace(staging / CARD_FILE, folder / CARD_FILE)  # the switch: atomic for readers
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not keep_legacy:
        legacy.unlink()
    return folder
