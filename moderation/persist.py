"""A pickle-free file format for the fitted scoring pipeline: JSON plus numpy arrays.

``pickle`` (and ``joblib``, which uses it) rebuilds objects by running code named in the file,
so loading a pickled model from an untrusted place runs whatever that file says. This format
stores only data:

- ``pipeline.json``: the object tree. Every estimator is written as its class name (one of
  :data:`TRUSTED_CLASSES`) and its attributes; attribute values are JSON numbers, strings,
  booleans and nulls, lists, tuples, dicts, sets, numpy scalar types such as ``float32``, and
  references to arrays;
- ``pipeline.npz``: the numeric arrays (coefficients, idf weights, calibration), read with
  ``numpy.load(allow_pickle=False)``, so an object array is refused.

Loading creates each object with ``cls.__new__(cls)`` and sets its attributes: no constructor,
``__setstate__``, ``__reduce__`` or import named by the file is ever run, and a class that is
not in :data:`TRUSTED_CLASSES` is refused. Constructor parameters are then checked against
scikit-learn's own parameter constraints where the class declares them.

>>> from moderation.persist import dump_pipeline, load_pipeline
>>> dump_pipeline(pipeline, "folder")       # doctest: +SKIP
>>> pipeline = load_pipeline("folder")      # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ARRAYS_FILE",
    "FORMAT",
    "STRUCTURE_FILE",
    "TRUSTED_CLASSES",
    "PersistError",
    "dump_pipeline",
    "load_pipeline",
]

#: Name and version of the format, recorded in ``pipeline.json`` and the model card.
FORMAT = "moderation-pipeline/1"
STRUCTURE_FILE = "pipeline.json"
ARRAYS_FILE = "pipeline.npz"

#: The only classes a model file may name, by public import path. Nothing else is ever built.
TRUSTED_CLASSES: tuple[str, ...] = (
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model.LogisticRegression",
    "moderation.normalize.TextNormalizer",
    "moderation.features.TextFeatures",
    "moderation.features.CachedTfidfVectorizer",
    "moderation.features.CategoryNgramVectorizer",
    "moderation.features.LexiconFeatures",
    "moderation.features.LabelwiseClassifier",
    "moderation.features.NBLogisticRegression",
    "moderation.features.BlendedLogisticRegression",
    "moderation.features.WordEmbeddingFeatures",
)

#: numpy scalar types an attribute may hold (TfidfVectorizer's ``dtype`` is ``np.float32``).
_NUMPY_TYPES: dict[str, type] = {
    name: getattr(np, name)
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                 "uint8", "uint16", "uint32", "uint64", "bool_")
}
#: Attributes that are caches rebuilt on first use, never written (see each class's
#: ``__getstate__``).
_SKIPPED = frozenset({"_sklearn_version"})
#: Deepest nesting of values accepted when reading (the real pipeline needs about 12).
MAX_DEPTH = 64
#: Largest total size of the arrays, once inflated (the shipped model holds about 10 MB).
MAX_ARRAY_BYTES = 2 << 30
#: A str-keyed dict of int values longer than this stores its values as one array.
_INT_DICT_MIN = 16


class PersistError(ValueError):
    """A pipeline cannot be written in, or read from, the pickle-free format."""


def _trusted() -> dict[str, type]:
    out: dict[str, type] = {}
    for name in TRUSTED_CLASSES:
        module, _, attr = name.rpartition(".")
        out[name] = getattr(importlib.import_module(module), attr)
    return out


# ------------------------------------------------------------------------------- write
class _Writer:
    def __init__(self) -> None:
        self.classes = {cls: name for name, cls in _trusted().items()}
        self.arrays: dict[str, np.ndarray] = {}
        self.depth = 0

    def array(self, value: np.ndarray, where: str) -> dict[str, str]:
        if value.dtype.hasobject:
            raise PersistError(f"{where}: an array of Python objects cannot be saved without pickle")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"__array__": key}

    def encode(self, value: Any, where: str) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise PersistError(f"{where}: nested more than {MAX_DEPTH} levels deep (a cycle?)")
            return self._encode(value, where)
        finally:
            self.depth -= 1

    def _encode(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return value
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if isinstance(value, np.generic):
            if value.dtype.hasobject:
                raise PersistError(f"{where}: a numpy object scalar cannot be saved")
            return {"__npscalar__": value.dtype.str, "value": value.item()}
        if isinstance(value, type) and value.__name__ in _NUMPY_TYPES \
                and _NUMPY_TYPES[value.__name__] is value:
            return {"__type__": value.__name__}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple) and type(value) is tuple:
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, (set, frozenset)):
            items = sorted(value, key=repr)
            return {"__set__": [self.encode(v, f"{where}{{}}") for v in items],
                    "frozen": isinstance(value, frozenset)}
        if type(value) is dict:
            return self.encode_dict(value, where)
        if type(value) in self.classes:
            return self.encode_object(value, where)
        raise PersistError(
            f"{where} is a {type(value).__module__}.{type(value).__qualname__}, which the "
            "pickle-free model format cannot store; add the class to "
            "moderation.persist.TRUSTED_CLASSES (if it holds only data) or keep it out of the "
            "fitted pipeline"
        )

    def encode_dict(self, value: dict, where: str) -> dict[str, Any]:
        keys = list(value)
        vals = list(value.values())
        if len(keys) > _INT_DICT_MIN and all(type(k) is str for k in keys):
            kinds = {type(v) for v in vals}
            if len(kinds) == 1 and (kinds <= {int} or issubclass(next(iter(kinds)), np.integer)):
                return self.encode_vocabulary(keys, vals, next(iter(kinds)), where)
        return {"__dict__": {"keys": [self.encode(k, f"{where} key") for k in keys],
                             "values": [self.encode(v, f"{where}[{k!r}]") for k, v in value.items()]}}

    def encode_vocabulary(self, keys: list[str], vals: list[Any], kind: type, where: str) -> dict:
        """A str -> int dict (a vocabulary): keys as one NUL-separated UTF-8 array, values as
        one integer array (numpy integer values keep their dtype)."""
        dtype = np.int64 if kind is int else kind
        spec: dict[str, Any] = {"int_values": self.array(np.asarray(vals, dtype=dtype), where),
                                "numpy_values": kind is not int}
        if any("\x00" in k for k in keys):
            spec["keys"] = keys
        else:
            blob = "\x00".join(keys).encode("utf-8", "surrogatepass")
            spec["keys_utf8"] = self.array(np.frombuffer(blob, dtype=np.uint8), where)
        return {"__dict__": spec}

    def encode_object(self, obj: Any, where: str) -> dict[str, Any]:
        getstate = getattr(obj, "__getstate__", None)
        state = getstate() if callable(getstate) else vars(obj)
        if state is None:  # object.__getstate__ of an instance without attributes
            state = {}
        if not isinstance(state, dict):
            raise PersistError(f"{where}: {type(obj).__name__} has no attribute dict to save")
        name = self.classes[type(obj)]
        attrs = {k: self.encode(v, f"{where}.{k}") for k, v in state.items() if k not in _SKIPPED}
        return {"__object__": name, "state": attrs}


def dump_pipeline(pipeline: Any, folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write a fitted pipeline as ``pipeline.json`` and ``pipeline.npz`` into ``folder``.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline; every object in it must be of a class in :data:`TRUSTED_CLASSES`.
    folder : path
        An existing folder.

    Returns
    -------
    tuple of Path
        The structure file and the arrays file.

    Raises
    ------
    PersistError
        When the pipeline holds something the format cannot store (nothing is written).
    """
    writer = _Writer()
    tree = writer.encode(pipeline, "pipeline")
    folder = Path(folder)
    structure = folder / STRUCTURE_FILE
    arrays = folder / ARRAYS_FILE
    with open(arrays, "wb") as fh:
        np.savez_compressed(fh, allow_pickle=False, **writer.arrays)
    structure.write_text(
        json.dumps({"format": FORMAT, "pipeline": tree}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )
    return structure, arrays


# -------------------------------------------------------------------------------- read
class _Reader:
    def __init__(self, arrays: Any, source: str) -> None:
        self.arrays = arrays
        self.source = source
        self.trusted = _trusted()
        self.used: set[str] = set()

    def fail(self, where: str, what: str) -> PersistError:
        return PersistError(f"{self.source}: {where}: {what}")

    def array(self, key: Any, where: str) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays.files:
            raise self.fail(where, f"refers to array {key!r}, which {ARRAYS_FILE} does not hold")
        self.used.add(key)
        return self.arrays[key]

    def decode(self, value: Any, where: str, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(where, f"nested more than {MAX_DEPTH} levels deep")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v, where, depth + 1) for v in value]
        if not isinstance(value, dict) or len(value) == 0:
            raise self.fail(where, f"unexpected {type(value).__name__}")
        marker = next(iter(value))
        if marker == "__array__" and len(value) == 1:
            return self.array(value[marker], where)
        if marker == "__tuple__" and len(value) == 1 and isinstance(value[marker], list):
            return tuple(self.decode(v, where, depth + 1) for v in value[marker])
        if marker == "__type__" and len(value) == 1:
            if value[marker] not in _NUMPY_TYPES:
                raise self.fail(where, f"type {value[marker]!r} is not an allowed numpy type")
            return _NUMPY_TYPES[value[marker]]
        if marker == "__npscalar__" and set(value) == {"__npscalar__", "value"}:
            try:
                dtype = np.dtype(str(value[marker]))
            except TypeError as exc:
                raise self.fail(where, f"bad numpy dtype {value[marker]!r}") from exc
            if dtype.hasobject or dtype.kind not in "biufU":
                raise self.fail(where, f"numpy dtype {dtype} is not allowed")
            return np.array(value["value"], dtype=dtype)[()]
        if marker == "__set__" and set(value) == {"__set__", "frozen"} \
                and isinstance(value[marker], list):
            items = [self.decode(v, where, depth + 1) for v in value[marker]]
            try:
                return frozenset(items) if value["frozen"] else set(items)
            except TypeError as exc:
                raise self.fail(where, "a set holds an unhashable value") from exc
        if marker == "__dict__" and len(value) == 1 and isinstance(value[marker], dict):
            return self.decode_dict(value[marker], where, depth)
        if marker == "__object__" and set(value) == {"__object__", "state"}:
            return self.decode_object(value, where, depth)
        raise self.fail(where, f"unknown entry {marker!r}")

    def decode_dict(self, spec: dict, where: str, depth: int) -> dict:
        if "int_values" in spec:
            return self.decode_vocabulary(spec, where)
        keys = spec.get("keys")
        if not isinstance(keys, list):
            raise self.fail(where, "a dict without its keys")
        if set(spec) != {"keys", "values"} or not isinstance(spec["values"], list) \
                or len(spec["values"]) != len(keys):
            raise self.fail(where, "a dict whose keys and values do not match")
        out = {}
        for k, v in zip(keys, spec["values"], strict=True):
            key = self.decode(k, where, depth + 1)
            try:
                out[key] = self.decode(v, f"{where}[{key!r}]", depth + 1)
            except TypeError as exc:
                raise self.fail(where, "a dict key is unhashable") from exc
        return out

    def decode_vocabulary(self, spec: dict, where: str) -> dict:
        if set(spec) == {"keys_utf8", "int_values", "numpy_values"}:
            blob = self.array(_array_key(spec["keys_utf8"]), where)
            if blob.dtype != np.uint8 or blob.ndim != 1:
                raise self.fail(where, "dict keys that are not a UTF-8 byte array")
            try:
                text = blob.tobytes().decode("utf-8", "surrogatepass")
            except UnicodeDecodeError as exc:
                raise self.fail(where, "dict keys that are not valid UTF-8") from exc
            keys = text.split("\x00")
        elif set(spec) == {"keys", "int_values", "numpy_values"} and isinstance(spec["keys"], list) \
                and all(isinstance(k, str) for k in spec["keys"]):
            keys = spec["keys"]
        else:
            raise self.fail(where, "a malformed vocabulary")
        values = self.array(_array_key(spec["int_values"]), where)
        if values.ndim != 1 or values.dtype.kind not in "iu" or len(values) != len(keys):
            raise self.fail(where, "a dict whose keys and values do not match")
        if spec["numpy_values"] is True:
            return dict(zip(keys, values, strict=True))
        return dict(zip(keys, values.tolist(), strict=True))

    def decode_object(self, value: dict, where: str, depth: int) -> Any:
        name = value["__object__"]
        cls = self.trusted.get(name) if isinstance(name, str) else None
        if cls is None:
            raise self.fail(where, f"class {name!r} is not one of the trusted model classes "
                            "(moderation.persist.TRUSTED_CLASSES); refusing to build it")
        state = value["state"]
        if not isinstance(state, dict):
            raise self.fail(where, f"{name} without its attributes")
        obj = cls.__new__(cls)
        for attr, raw in state.items():
            if not isinstance(attr, str) or not attr.isidentifier() or attr.startswith("__"):
                raise self.fail(where, f"{name} has an invalid attribute name {attr!r}")
            obj.__dict__[attr] = self.decode(raw, f"{where}.{attr}", depth + 1)
        if hasattr(cls, "_parameter_constraints"):
            try:
                obj._validate_params()
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                raise self.fail(where, f"{name} has invalid parameters ({exc})") from exc
        return obj


def _array_key(ref: Any) -> Any:
    """The array name in an ``{"__array__": name}`` reference (None for anything else)."""
    return ref.get("__array__") if isinstance(ref, dict) and len(ref) == 1 else None


def _check_arrays(path: Path) -> None:
    """Refuse an arrays file that inflates beyond :data:`MAX_ARRAY_BYTES` (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise PersistError(f"{path}: not a readable numpy .npz file ({exc})") from exc
    if total > MAX_ARRAY_BYTES:
        raise PersistError(f"{path}: its arrays inflate to {total:,} bytes, over the "
                           f"{MAX_ARRAY_BYTES:,}-byte limit; this is not a model this package wrote")


def load_pipeline(folder: str | os.PathLike[str]) -> Any:
    """Rebuild the pipeline that :func:`dump_pipeline` wrote into ``folder``, running no code
    from the files.

    Parameters
    ----------
    folder : path
        Folder holding ``pipeline.json`` and ``pipeline.npz``.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Raises
    ------
    PersistError
        When a file is missing, malformed, names a class outside :data:`TRUSTED_CLASSES`, or
        holds values the format does not allow.
    """
    folder = Path(folder)
    structure, arrays_path = folder / STRUCTURE_FILE, folder / ARRAYS_FILE
    for f in (structure, arrays_path):
        if not f.is_file():
            raise PersistError(f"{f}: missing; the model folder is incomplete")
    try:
        doc = json.loads(structure.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:
        raise PersistError(f"{structure}: not valid JSON ({type(exc).__name__})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "pipeline" not in doc:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise PersistError(f"{structure}: format {found!r}, not {FORMAT!r}; upgrade moderation "
                           "or re-save the model with this version")
    _check_arrays(arrays_path)
    from sklearn.pipeline import Pipeline

    try:
        with np.load(arrays_path, allow_pickle=False) as arrays:
            reader = _Reader(arrays, str(structure))
            pipeline = reader.decode(doc["pipeline"], "pipeline")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, PersistError):
            raise
        raise PersistError(f"{arrays_path}: cannot read the arrays ({exc})") from exc
    if not isinstance(pipeline, Pipeline):
        raise PersistError(f"{structure}: holds a {type(pipeline).__name__}, not a Pipeline")
    return pipeline
