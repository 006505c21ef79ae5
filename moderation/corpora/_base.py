"""Shared pieces of the corpus adapters: the adapter record, text cleaning and file checks.

Every adapter turns one folder of ``/work/shared/data``-style files into a *raw frame* with the
columns in :data:`RAW_COLUMNS`. Labels are pandas ``Int8`` with ``<NA>`` for "this corpus says
nothing about it" -- never a silent 0.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Columns of the frame an adapter's ``load`` returns.
RAW_COLUMNS = ("text", "hostile", "conspiratorial", "source_id", "official_split", "group")

#: Values of ``official_split``: a fixed split, ``"trainval"`` (train or validation by hash, never
#: test) or ``<NA>`` (free deterministic hash split).
OFFICIAL_SPLITS = ("train", "validation", "test", "trainval")


class CorpusFormatError(ValueError):
    """A corpus file no longer has the columns (or shape) its adapter expects."""


class DatasetWarning(UserWarning):
    """A corpus folder or file is missing; the build goes on without it."""


@dataclass(frozen=True)
class Mapping:
    """One row of a corpus's label mapping table: an original label and what it becomes.

    ``hostile`` / ``conspiratorial`` are 1, 0 or ``None`` (unknown).
    """

    original: str
    hostile: int | None
    conspiratorial: int | None
    reason: str


@dataclass(frozen=True)
class Corpus:
    """An adapter: where a corpus lives, what it may be used for and how to read it."""

    name: str
    folder: str
    title: str
    origin: str
    licence: str
    #: ``True`` when the licence allows commercial use; ``False`` for non-commercial or unknown.
    commercial: bool
    domain: str
    #: Label mapping table; ``docs/data.md`` must show exactly these rows (a test checks it).
    mapping: tuple[Mapping, ...]
    #: ``load(folder) -> raw frame`` with :data:`RAW_COLUMNS`.
    loader: Callable[[Path], pd.DataFrame] = field(repr=False)
    #: Files the loader needs (relative to ``folder``); missing ones are reported by name.
    files: tuple[str, ...] = ()
    notes: str = ""

    def load(self, root: str | Path) -> pd.DataFrame:
        """Read this corpus from ``root / folder`` and return its raw frame."""
        frame = self.loader(Path(root) / self.folder)
        return finish_frame(frame)


# --------------------------------------------------------------------------------------------
# File helpers
# --------------------------------------------------------------------------------------------


def require_columns(frame: pd.DataFrame, expected: Iterable[str], path: Path) -> None:
    """Raise :class:`CorpusFormatError` unless ``frame`` has every ``expected`` column."""
    expected = list(expected)
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise CorpusFormatError(
            f"{path}: expected columns {expected}, found {list(frame.columns)} "
            f"(missing {missing}). The corpus format changed: update its adapter in "
            f"moderation/corpora/ or restore the original file."
        )


def read_text(path: Path) -> str:
    """Read a text file as UTF-8, falling back to Windows-1252 (some corpora ship cp1252)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_csv(path: Path, expected: Iterable[str], **kwargs) -> pd.DataFrame:
    """Read a CSV (UTF-8 or cp1252) with string columns and check its header."""
    import io

    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    frame = pd.read_csv(io.StringIO(read_text(path)), **kwargs)
    require_columns(frame, expected, path)
    return frame


def labels(values: Iterable[int | None]) -> pd.Series:
    """Turn 1/0/None values into a pandas nullable ``Int8`` series."""
    return pd.array([pd.NA if v is None else int(v) for v in values], dtype="Int8")


def map_labels(keys: pd.Series, mapping: tuple[Mapping, ...]) -> tuple[pd.Series, pd.Series]:
    """Map original label strings through a mapping table; unmapped keys are an error."""
    table = {m.original: m for m in mapping}
    unknown = sorted(set(keys) - set(table))
    if unknown:
        raise CorpusFormatError(
            f"unexpected original labels {unknown[:10]}; expected one of {sorted(table)}. "
            "Add them to the adapter's mapping table."
        )
    hostile = labels(table[k].hostile for k in keys)
    consp = labels(table[k].conspiratorial for k in keys)
    return hostile, consp


def labelled_frame(
    text: Iterable[str], keys: Iterable[str], mapping: tuple[Mapping, ...], source_id: Iterable,
    **extra: Iterable,
) -> pd.DataFrame:
    """An adapter's output: cleaned texts, our two labels mapped from the corpus's own label
    ``keys`` through its ``mapping`` table, the corpus's ids and any ``extra`` columns."""
    hostile, consp = map_labels(pd.Series(list(keys)), mapping)
    columns = {"text": text, "hostile": hostile, "conspiratorial": consp, "source_id": source_id, **extra}
    return pd.DataFrame({k: v.to_numpy() if isinstance(v, pd.Series | pd.Index) else v
                         for k, v in columns.items()})


def finish_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a raw frame the standard columns and dtypes; drop empty or label-less rows."""
    out = pd.DataFrame(index=range(len(frame)))
    out["text"] = frame["text"].astype(str).to_numpy()
    for col in ("hostile", "conspiratorial"):
        out[col] = pd.array(frame[col], dtype="Int8") if col in frame else pd.NA
        out[col] = out[col].astype("Int8")
    out["source_id"] = frame["source_id"].astype(str).to_numpy()
    for col in ("official_split", "group"):
        values = frame[col].to_numpy() if col in frame else [pd.NA] * len(frame)
        out[col] = pd.array(values, dtype="string")
    keep = out["text"].str.strip().astype(bool) & (
        out["hostile"].notna() | out["conspiratorial"].notna()
    )
    return out[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Cleaning: remove corpus artefacts so they do not become features
# --------------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?:\S*|https?…|www\.\S+)", re.I)
# PAN's tokenised URLs and domains: "https :// t . me / channel / 123", "tinyurl. com / x - y"
_SEP = r"\s*[./?=&#%:@_~+\-]+\s*"
_PATH = r"[\w\-@]+(?:" + _SEP + r"[\w\-@]+)*"
_SPACED_URL = re.compile(
    r"\bhttps?\s*:\s*//\s*" + _PATH + r"\s*/?"
    r"|(?:@\s*)?\b(?:www\s*\.\s*)?[\w\-]+(?:\s*\.\s*[\w\-]+)*\s*\.\s*"
    r"(?:com|org|net|me|ru|io|info|uk|de|live|tv|co|news|gov|edu|ly|be)\b"
    r"(?:\s*/\s*" + _PATH + r")?\s*/?", re.I)
_SPACED_MENTION = re.compile(r"(?<![\w@])@\s+(?=\w)")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")
_RT = re.compile(r"\bRT\s+@\w+\s*:?", re.I)
_MENTION = re.compile(r"(?<![\w@])@(?:\[USER\]|USER\b|\w+)", re.I)
_PLACEHOLDER = re.compile(r"<\s*(?:user|url|number)\s*>|\bURL\b", re.I)  # OLID `URL`, <user>
_HASHTAG = re.compile(r"(?<![\w&])#(?=\w)")
_LITERAL_NEWLINE = re.compile(r"\\[nrt]")
_WS = re.compile(r"\s+")
_MOJIBAKE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u2018-\u203a\u20ac\u0152-\u0178]")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as cp1252 ("donâ€™t" -> "don't") when that round-trips cleanly."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def detokenize(text: str) -> str:
    """Undo spaCy-style pre-tokenised spacing ("do n't" -> "don't", "word ." -> "word.")."""
    text = re.sub(r"\s+(n't|'s|'re|'ve|'ll|'d|'m|’s|’re|’ve|’ll|’d|’m|n’t)\b", r"\1", text,
                  flags=re.I)
    text = re.sub(r"\s+([.,!?;:%)\]}…])", r"\1", text)
    text = re.sub(r"([(\[{$£€#@])\s+", r"\1", text)
    text = re.sub(r"([‘“])\s+", r"\1", text)
    text = re.sub(r"\s+([’”])", r"\1", text)
    # straight double quotes: glue alternate quotes to the following / preceding word
    parts = text.split(' " ')
    if len(parts) > 1:
        rebuilt = parts[0]
        for i, part in enumerate(parts[1:]):
            rebuilt += (' "' if i % 2 == 0 else '" ') + part
        text = rebuilt
    text = re.sub(r"\s*-\s*-\s*", " -- ", text)
    return text.replace("``", '"').replace("''", '"')


def clean_text(text: str, *, pretokenized: bool = False) -> str:
    """Remove corpus artefacts: HTML entities, RT prefixes, mentions, URLs, placeholders.

    Parameters
    ----------
    text : str
        Raw corpus text.
    pretokenized : bool
        Also undo spaCy token spacing (PAN Telegram texts).

    Returns
    -------
    str
        Text with artefacts removed and whitespace collapsed to single spaces.
    """
    if not isinstance(text, str):
        return ""
    text = fix_mojibake(text)
    for _ in range(2):  # "&amp;amp;" exists in tweets
        text = html.unescape(text)
    text = _LITERAL_NEWLINE.sub(" ", text)
    if pretokenized:
        text = _SPACED_MENTION.sub("@", text)
        text = _SPACED_URL.sub(" ", text)
        text = detokenize(text)
    text = _URL.sub(" ", text)
    text = _RT.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _HASHTAG.sub("", text)
    text = _EMPTY_BRACKETS.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    text = _WS.sub(" ", text).strip()
    # leading punctuation left behind by removed RT/mentions ("!!! : text")
    text = re.sub(r"^[\s:;,.!\-|]+(?=\w)", "", text).strip()
    return text


def clean_series(texts: pd.Series, *, pretokenized: bool = False) -> pd.Series:
    """Apply :func:`clean_text` to every element."""
    return texts.map(lambda t: clean_text(t, pretokenized=pretokenized))


_ABUSE_WORD = None


def abusive_word_mask(texts: pd.Series) -> pd.Series:
    """True where a text holds an insult, slur or dehumanising word from the lexicon.

    Corpora that mark only group hate (or only insults at fellow commenters) label a post that
    insults someone else 0; by our label guide such a post is hostile, so its 0 is not trusted.
    """
    global _ABUSE_WORD
    if _ABUSE_WORD is None:
        from moderation.lexicon import DEHUMANISING, INSULTS, SLURS

        words = sorted(set(INSULTS + SLURS + DEHUMANISING), key=len, reverse=True)
        _ABUSE_WORD = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I)
    return texts.astype(str).str.contains(_ABUSE_WORD, regex=True)


#: Zero-width and bidi control characters (Gab leaves a U+200D after most @mentions; byte-order
#: marks get pasted mid-text). A joiner between two emoji (a ZWJ sequence) is kept.
_INVISIBLE = re.compile("[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
                        "|(?<![\u2000-\U0010ffff])\u200d|\u200d(?![\u2000-\U0010ffff])")
#: HTML tags pasted from forum pages: inline ones (``<i>``) are dropped, block ones (``<br>``,
#: ``<div class=...>``) become a space. Made-up tags such as ``<sarc>`` are the author's words.
_HTML_TAG = re.compile(r"</?(?:a|b|i|u|s|em|strong|span|cite|font)\b[^<>]*>", re.I)
_HTML_BLOCK = re.compile(r"</?(?:div|p|br|blockquote|object)\b[^<>]*>", re.I)
#: Quotes escaped twice upstream (``""word""`` for ``"word"``).
_DOUBLE_QUOTE = re.compile(r'""')
#: Personal data that ``clean_text`` leaves: e-mail addresses and chained mentions
#: (``@first@second``, where only the first is removed there).
_PERSONAL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@])@\w+(?:@\w+)+")


def strip_markup(text: pd.Series) -> pd.Series:
    """Remove invisible characters, pasted HTML tags, doubled quotes, e-mail addresses and
    chained mentions: what scraped comment files carry besides the words (before
    :func:`clean_series`)."""
    return (text.str.replace(_INVISIBLE, "", regex=True)
            .str.replace(_HTML_TAG, "", regex=True)
            .str.replace(_HTML_BLOCK, " ", regex=True)
            .str.replace(_DOUBLE_QUOTE, '"', regex=True)
            .str.replace(_PERSONAL, " ", regex=True))
