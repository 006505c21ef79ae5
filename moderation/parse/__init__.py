"""Parse reader comments out of saved pages: HTML or plain-text dumps.

>>> from moderation.parse import parse_comments
>>> comments = parse_comments("page.html")  # doctest: +SKIP

See :func:`parse_comments`. Warnings (no comment section, fallback decoding, comments loaded by
script) are issued as :class:`ParseWarning` through :mod:`warnings`.
"""

from __future__ import annotations

import os
import re
import warnings
import zlib
from pathlib import Path
from typing import Literal

from moderation.parse._html import parse_html
from moderation.parse._model import COLUMNS, Comment, ParseWarning
from moderation.parse._text import parse_text_dump

__all__ = [
    "COLUMNS",
    "MAX_PAGE_BYTES",
    "BinaryFileError",
    "PageTooLargeError",
    "Comment",
    "ParseWarning",
    "decode_page",
    "detect_format",
    "parse_comments",
    "read_page",
]

Format = Literal["auto", "html", "text"]

_HTML_START_RE = re.compile(r"\s*(?:<!doctype\s+html|<html\b|<\?xml|<!--|<head\b|<body\b)", re.I)
_HTML_TAG_RE = re.compile(
    r"<(?:html|head|body|div|p|article|section|span|ol|ul|li|meta|script|a|br|table|main)\b[^>]*>",
    re.I,
)
_TEXT_SUFFIXES = (".txt", ".html", ".htm", ".xhtml", ".text", ".gz", ".md")
#: Largest page read, in bytes, both as stored and once a gzipped page is inflated. Saved pages
#: are rarely over a few megabytes; beyond this a page is refused, not read whole into memory.
MAX_PAGE_BYTES = 32 * 1024 * 1024
_SNIFF_BYTES = 8192


class BinaryFileError(ValueError):
    """The input is a binary file (image, archive, PDF), not a page."""


class PageTooLargeError(ValueError):
    """The page (or what a gzipped page inflates to) is over :data:`MAX_PAGE_BYTES`."""


def _too_large(name: str, what: str) -> PageTooLargeError:
    return PageTooLargeError(
        f"{name}: {what} over the {MAX_PAGE_BYTES // (1024 * 1024)} MB page limit; this is not a "
        "saved page (or split it into smaller pages)"
    )


def _gunzip(data: bytes, name: str) -> bytes:
    """Inflate a gzipped page (every member), refusing to inflate beyond :data:`MAX_PAGE_BYTES`."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out += inflater.decompress(rest, MAX_PAGE_BYTES + 1 - len(out))
        except zlib.error as exc:
            raise BinaryFileError(f"{name}: a damaged gzip file ({exc}); gunzip it to check") from exc
        if len(out) > MAX_PAGE_BYTES or inflater.unconsumed_tail:
            raise _too_large(name, "inflates to")
        if not inflater.eof:
            raise BinaryFileError(f"{name}: a damaged gzip file (truncated); gunzip it to check")
        rest = inflater.unused_data.lstrip(b"\x00")  # members may be padded with NULs
    return bytes(out)


def _check_binary(head: bytes, name: str) -> None:
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    if b"\x00" in head or controls > max(8, len(head) // 100):
        raise BinaryFileError(
            f"{name}: a binary file, not an HTML page or text dump; pass the saved page (.html or .txt)"
        )


def decode_page(data: bytes, name: str = "<bytes>") -> str:
    """Decode page bytes: a BOM's encoding, else UTF-8, else cp1252 with a :class:`ParseWarning`.

    Raises
    ------
    BinaryFileError
        When the bytes are not text (NUL bytes in the first 8 KB), or a damaged gzip file.
    PageTooLargeError
        When the page, or what a gzipped page inflates to, is over :data:`MAX_PAGE_BYTES`.
    """
    if len(data) > MAX_PAGE_BYTES:
        raise _too_large(name, f"{len(data):,} bytes,")
    if data[:2] == b"\x1f\x8b":  # a gzipped page (pages are often stored as .html.gz)
        data = _gunzip(data, name)
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    _check_binary(data[:_SNIFF_BYTES], name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        warnings.warn(
            f"{name}: not valid UTF-8; decoded as cp1252 (Windows Western European), "
            "so a few characters may be wrong. Re-save the page as UTF-8 to avoid this",
            ParseWarning,
            stacklevel=3,
        )
        return data.decode("cp1252", errors="replace")


def read_page(path: str | os.PathLike[str]) -> str:
    """Read and decode one page file, reading at most :data:`MAX_PAGE_BYTES`.

    The first 8 KB are checked before the rest is read, so a binary file or a device such as
    ``/dev/zero`` is refused at once, and a stream that never ends is cut at the limit.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        With the path in the message.
    BinaryFileError
        When the file is not text.
    PageTooLargeError
        When the file, or what a gzipped file inflates to, is over :data:`MAX_PAGE_BYTES`.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
            if head[:2] != b"\x1f\x8b" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
                _check_binary(head, str(p))
            data = head + fh.read(MAX_PAGE_BYTES + 1 - len(head))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{p}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise IsADirectoryError(f"{p}: is a folder; pass the page files inside it") from exc
    except PermissionError as exc:
        raise PermissionError(f"{p}: not readable (permission denied)") from exc
    return decode_page(data, str(p))


def detect_format(text: str) -> Literal["html", "text"]:
    """Tell an HTML page from a plain-text dump by its start and its tag density."""
    head = text[:65536]
    if _HTML_START_RE.match(head):
        return "html"
    return "html" if len(_HTML_TAG_RE.findall(head)) >= 3 else "text"


def _looks_like_path(s: str) -> bool:
    if "\n" in s or "<" in s or len(s) > 4096 or not s.strip():
        return False
    try:
        return Path(s).is_file() or s.lower().endswith(_TEXT_SUFFIXES)
    except OSError:  # name too long and the like
        return False


def parse_comments(
    source: str | bytes | os.PathLike[str], *, fmt: Format = "auto"
) -> list[Comment]:
    """Parse the reader comments of one page.

    Parameters
    ----------
    source : str, bytes or path-like
        A path (``pathlib.Path``, or a ``str`` naming an existing file or ending in ``.html``,
        ``.txt``...), the page text as ``str``, or the raw page as ``bytes``.
    fmt : {"auto", "html", "text"}
        ``"auto"`` tells HTML from a plain-text dump by content.

    Returns
    -------
    list of Comment
        In page order. Empty, with a :class:`ParseWarning`, when the page has no comments.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError, BinaryFileError
        When a path cannot be read as a page.
    ValueError
        For an unknown ``fmt``.
    """
    if fmt not in ("auto", "html", "text"):
        raise ValueError(f"fmt={fmt!r} is not a format; use 'auto', 'html' or 'text'")
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        name = os.fspath(source)
        text = read_page(name)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        name = "<bytes>"
        text = decode_page(bytes(source), name)
    elif isinstance(source, str):
        name, text = "<text>", source
    else:
        raise TypeError(
            f"source must be a path, str or bytes, not {type(source).__name__}"
        )
    kind = detect_format(text) if fmt == "auto" else fmt
    if kind == "html":
        return parse_html(text, name)
    return parse_text_dump(text, name)
