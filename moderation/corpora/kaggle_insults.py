"""Kaggle 2012 "Detecting Insults in Social Commentary", training file (``kaggle_insults_train``)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ._base import (
    Corpus,
    CorpusFormatError,
    Mapping,
    abusive_word_mask,
    clean_series,
    labelled_frame,
    read_csv,
    strip_markup,
)

FILE = "train.csv"
COLUMNS = ("Insult", "Date", "Comment")

MAPPING = (
    Mapping("1 (insult)", 1, None,
            "insulting to a participant of the conversation (the person replied to or another "
            "commenter)"),
    Mapping("0 (not insult)", 0, None, "not insulting anyone in the conversation"),
    Mapping("0, with an insult or slur word", None, None,
            "insults at people outside the conversation (public figures) were labelled 0, but "
            "our guide counts them as hostile: unknown"),
)
_KEYS = {"1": MAPPING[0].original, "0": MAPPING[1].original}

#: One escape of the ``Comment`` field: a run of ``\xNN`` byte escapes, ``\uXXXX`` or ``\<char>``.
_ESCAPE = re.compile(r"((?:\\x[0-9a-fA-F]{2})+)|\\(u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\n", "t": " ", "\\": "\\", "'": "'", '"': '"'}
#: A few comments were escaped twice upstream: ``That\\'s`` decodes to ``That\'s``.
_LEFTOVER_QUOTE_ESCAPE = re.compile(r"\\+(?=['\"])")


def _decode_bytes(data: bytes) -> str:
    """Decode bytes as UTF-8 where they form valid sequences and as Latin-1 where they do not."""
    out: list[str] = []
    while data:
        try:
            out.append(data.decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(data[:exc.start].decode("utf-8"))
            out.append(data[exc.start:exc.end].decode("latin-1"))
            data = data[exc.end:]
    return "".join(out)


def _unescape(match: re.Match[str]) -> str:
    if match.group(1):
        return _decode_bytes(bytes.fromhex(match.group(1).replace("\\x", "")))
    code = match.group(2)
    if len(code) == 5:  # uXXXX
        return chr(int(code[1:], 16))
    return _SIMPLE.get(code, "\\" + code)


def decode_comment(raw: str) -> str:
    r"""Decode one escaped ``Comment`` field of the Kaggle insults file.

    The field is a quoted, backslash-escaped string (``"Yes\xc2\xa0it\'s\nfine"``).

    Parameters
    ----------
    raw : str
        The field as read from the CSV (CSV quoting already undone).

    Returns
    -------
    str
        The comment with its outer quotes stripped, ``\uXXXX`` turned into characters, runs of
        ``\xNN`` byte escapes decoded as UTF-8 (Latin-1 for bytes that are not valid UTF-8, so
        ``\xa0`` and ``\xc2\xa0`` both give a no-break space), ``\n`` / ``\r`` as newlines,
        ``\t`` as a space and ``\'`` / ``\"`` as quotes. Unknown escapes are kept as written.
    """
    if not isinstance(raw, str):
        return ""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    text = _ESCAPE.sub(_unescape, text)
    return _LEFTOVER_QUOTE_ESCAPE.sub("", text)


def load(folder: Path) -> pd.DataFrame:
    """Read ``train.csv``, decode each comment and map ``Insult``; the row number is the id."""
    path = folder / FILE
    raw = read_csv(path, COLUMNS)
    insult = raw["Insult"].str.strip()
    bad = sorted(set(insult) - set(_KEYS))
    if bad:
        raise CorpusFormatError(
            f"{path}: column 'Insult' must hold 1 or 0, found {bad[:5]}. The corpus format "
            "changed: update moderation/corpora/kaggle_insults.py or restore the original file.")
    text = strip_markup(raw["Comment"].map(decode_comment))
    text = clean_series(text)
    keys = insult.map(_KEYS).where(~(abusive_word_mask(text) & (insult == "0")), MAPPING[2].original)
    return labelled_frame(
        text,
        keys,
        MAPPING,
        raw.index.astype(str),
    )


CORPUS = Corpus(
    name="kaggle_insults",
    folder="kaggle_insults_train",
    title='Kaggle "Detecting Insults in Social Commentary" (Impermium, 2012), training file',
    origin="github.com/AWConant/internet-hate-comments, copy of the Kaggle 2012 competition's "
           "train.csv (data from Impermium)",
    licence="Kaggle competition data, none stated (research use)",
    commercial=False,
    domain="news, blog and forum comments",
    mapping=MAPPING,
    loader=load,
    files=(FILE,),
    notes="Only the training file; no official split is used (free hash split).",
)
