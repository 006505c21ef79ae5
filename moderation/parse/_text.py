"""Comments from plain-text page dumps (a page saved or copied as text).

Steps:

1. find the comment section: it opens after the widget's header strings (see
   :mod:`moderation.parse.phrases`) and closes at the widget's closing strings (invite bubble,
   "Load More Comments", a reply form after the first comment);
2. cut the section into paragraphs (runs of non-blank lines), dropping chrome lines (vote counts,
   "Reply", donation amounts, image alt text) and remembering how many blank lines precede each;
3. group paragraphs into comments: a name-like line directly followed by text signs the comment
   after it; two or more blank lines separate unsigned comments; a single blank line separates
   paragraphs of the same comment.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field

from moderation.parse._model import (
    Comment,
    ParseWarning,
    content_key,
    generated_id,
    normalise_ws,
)
from moderation.parse.phrases import CompiledPhrases, compile_tables, fold

_PHRASES = compile_tables()

# Emoticons as separate tokens (":)", ";-(", ":D", "xD", "^^", "<3") and emoji code points.
_EMOTICON_RE = re.compile(r"(?:^|\s)(?:[:;=8][-^'o]?[)(\]\[dpo3/\\|*]+|x-?d+|\^\^|<3|:'\()(?=\s|$)", re.I)
_SENTENCE_END = tuple(".!?:;,…\"”“'’")
_NAME_START = re.compile(r"[\w@(\[]")
_INITIAL_END = re.compile(r"(?:^|\s)(?:[A-Z]|Jr|Sr|Dr|St)\.$")
_MAX_NAME_CHARS = 50
_MAX_NAME_WORDS = 6


@dataclass
class _Para:
    """A run of non-blank content lines inside the comment section."""

    lines: list[str]
    gap: int  # blank lines before it (2 means "forced boundary" after chrome)
    has_image: bool = False
    image_after: bool = False  # an image line followed it on its own
    published: str | None = None  # a date line directly before it
    reply_to: str | None = None  # a "Reply to NAME" line directly before it

    @property
    def text(self) -> str:
        return normalise_ws(" ".join(self.lines))


@dataclass
class _Draft:
    author: str | None
    paras: list[_Para] = field(default_factory=list)
    published: str | None = None
    reply_to: str | None = None
    has_image: bool = False


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or unicodedata.category(ch) == "So"


def looks_like_name(line: str, phrases: CompiledPhrases = _PHRASES) -> bool:
    """True when a line has the shape of a display name rather than of a short comment.

    A name is short (at most 6 words, 50 characters), starts with a letter, digit, ``@`` or a
    bracket, has no sentence punctuation at the end or inside, no emoticon or emoji, no URL, and
    is not a common one-word reply ("Agreed", "Both").
    """
    s = line.strip()
    if not s or len(s) > _MAX_NAME_CHARS or len(s.split()) > _MAX_NAME_WORDS:
        return False
    if not _NAME_START.match(s):
        return False
    if s.endswith(_SENTENCE_END) and not _INITIAL_END.search(s):
        return False
    if re.search(r"[.!?;,]\s", s) or "://" in s or "www." in s.casefold():
        return False
    if _EMOTICON_RE.search(s) or any(_is_emoji(ch) for ch in s):
        return False
    folded = fold(s).strip(".!?")
    if folded in phrases.not_names or _is_chrome(folded, phrases) or _is_date(folded, phrases):
        return False
    return True


def _is_chrome(folded: str, phrases: CompiledPhrases) -> bool:
    return folded in phrases.chrome or bool(phrases.chrome_re.fullmatch(folded))


def _is_date(folded: str, phrases: CompiledPhrases) -> bool:
    return bool(phrases.date_re.fullmatch(folded))


def _is_header(folded: str, phrases: CompiledPhrases) -> bool:
    return folded in phrases.header or bool(phrases.header_re.fullmatch(folded))


def _is_form(folded: str, phrases: CompiledPhrases) -> bool:
    return folded in phrases.form or bool(phrases.form_re.fullmatch(folded))


def _strip_end(line: str, phrases: CompiledPhrases) -> tuple[str, bool]:
    """Cut a closing string (and the bubble's close "x" or counter) off a line.

    Returns the text before it and whether a closing string was found.
    """
    folded = line.casefold()
    for phrase in phrases.end:
        idx = folded.rfind(phrase)
        if idx < 0:
            continue
        rest = folded[idx + len(phrase) :].strip()
        if rest in ("", "x", "×", "x()x") or re.fullmatch(r"x?\(?\)?x?", rest):
            head = line[:idx].rstrip()
            head = re.sub(r"\d+$", "", head).rstrip()  # the bubble's comment counter "10"
            return head, True
    return line, False


def _strip_image_alt(line: str, phrases: CompiledPhrases) -> tuple[str, bool]:
    """Remove embedded-image alt text glued to the end (or start) of a line."""
    found = False
    changed = True
    while changed:
        changed = False
        low = line.casefold().rstrip()
        for alt in phrases.image_alt:
            if low.endswith(alt):
                line, found, changed = line.rstrip()[: -len(alt)].rstrip(), True, True
                break
            if low.startswith(alt) and len(low) > len(alt) and not low[len(alt)].isalnum():
                line, found, changed = line.strip()[len(alt) :].lstrip(), True, True
                break
    return line, found


def find_section(lines: list[str], phrases: CompiledPhrases = _PHRASES) -> tuple[int, int] | None:
    """Locate the comment section: (index of its first line, index after its opening header).

    Returns None when the dump has no recognisable comment widget. A strong header wins, first
    occurrence: a "N thoughts on ..." title, or a widget line ("Notify of", "Newest") that the
    widget's other header lines follow ("Newest Most Voted", "3 Comments"); a widget line alone
    (the words "Notify of" inside the article) counts only when no other strong header exists.
    Else the last weak header ("12 Comments"); else the first reply form, for themes that print
    the form above the comments.
    """
    folded = [fold(line) for line in lines]
    strong = [i for i, f in enumerate(folded) if f and _is_header(f, phrases)]
    for i in strong:
        if phrases.header_re.fullmatch(folded[i]) or _header_follows(folded, i, phrases):
            return i, i + 1
    if strong:
        return strong[0], strong[0] + 1
    last_weak = None
    for i, f in enumerate(folded):
        if f and phrases.weak_header_re.fullmatch(f):
            last_weak = i
    if last_weak is not None:
        return last_weak, last_weak + 1
    for i, f in enumerate(folded):
        if f and _is_form(f, phrases) and f not in ("comment", "kommentar", "website", "label"):
            return i, i + 1
    return None


def _header_follows(folded: list[str], i: int, phrases: CompiledPhrases, window: int = 3) -> bool:
    """Whether another header line (strong or weak) is among the ``window`` non-blank lines
    after line ``i``: a widget prints its header lines together."""
    seen = 0
    for f in folded[i + 1 :]:
        if not f:
            continue
        if _is_header(f, phrases) or phrases.weak_header_re.fullmatch(f):
            return True
        seen += 1
        if seen >= window:
            return False
    return False


def _paragraphs(lines: list[str], phrases: CompiledPhrases) -> list[_Para]:
    """Cut the section body into paragraphs, dropping chrome and stopping at its end."""
    paras: list[_Para] = []
    cur: _Para | None = None
    gap = 0
    image_gap: int | None = None  # blank run before a standalone image line
    pending_date: str | None = None
    pending_reply: str | None = None
    started = False

    def close() -> None:
        nonlocal cur
        if cur is not None:
            paras.append(cur)
            cur = None

    for raw in lines:
        line, ended = _strip_end(raw, phrases)
        line = line.strip()
        if not line:
            if ended:
                break
            close()
            gap += 1
            continue
        f = fold(line)
        if not started and (_is_header(f, phrases) or phrases.weak_header_re.fullmatch(f)):
            continue
        if _is_form(f, phrases):
            if started:
                break
            continue
        text, image = _strip_image_alt(line, phrases)
        if image and not text:  # a standalone image: belongs to the paragraph above
            target = cur or (paras[-1] if paras else None)
            if target is not None:
                target.has_image = True
                target.image_after = True
            close()
            image_gap = gap
            gap = 0
            if ended:
                break
            continue
        f = fold(text)
        if _is_date(f, phrases):
            close()
            pending_date = text
            if ended:
                break
            continue
        reply = phrases.reply_to_re.fullmatch(f)
        if reply and not cur:
            pending_reply = next(g for g in reply.groups() if g)
            continue
        if _is_chrome(f, phrases):
            close()
            gap = max(gap, 2)
            if ended:
                break
            continue
        if cur is None:
            if image_gap is not None:
                gap = max(gap, image_gap)
            cur = _Para(lines=[], gap=gap, published=pending_date, reply_to=pending_reply)
            gap, image_gap, pending_date, pending_reply = 0, None, None, None
        cur.lines.append(text)
        cur.has_image = cur.has_image or image
        started = True
        if ended:
            break
    close()
    return paras


def _group(paras: list[_Para], phrases: CompiledPhrases) -> list[_Draft]:
    """Group paragraphs into comments (see the module docstring)."""
    drafts: list[_Draft] = []
    cur: _Draft | None = None
    awaiting_text = False
    authored = False
    for i, p in enumerate(paras):
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        text = p.text
        said = phrases.author_re.fullmatch(fold(text)) if len(p.lines) == 1 else None
        if said and not awaiting_text and len(text) <= 80:
            name = text[: len(next(g for g in said.groups() if g))]
            cur, awaiting_text, authored = _Draft(author=name.strip()), True, True
            drafts.append(cur)
            continue
        name_like = len(p.lines) == 1 and not awaiting_text and looks_like_name(text, phrases)
        if name_like and p.image_after:
            # An author whose comment is only an image: nothing to return.
            cur, awaiting_text, authored = None, False, True
            continue
        if name_like and nxt is not None and nxt.gap <= 1:
            cur, awaiting_text, authored = _Draft(author=text), True, True
            cur.published, cur.reply_to = p.published, p.reply_to
            drafts.append(cur)
            continue
        if name_like and nxt is None and authored:
            break  # a trailing name with no comment after it
        if cur is None or (not awaiting_text and p.gap >= 2):
            cur = _Draft(author=None, published=p.published, reply_to=p.reply_to)
            drafts.append(cur)
        cur.paras.append(p)
        cur.published = cur.published or p.published
        cur.reply_to = cur.reply_to or p.reply_to
        cur.has_image = cur.has_image or p.has_image
        awaiting_text = False
    return [d for d in drafts if d.paras]


def parse_text_dump(text: str, source: str, *, warn: bool = True) -> list[Comment]:
    """Parse the comment section of a plain-text page dump.

    Parameters
    ----------
    text : str
        The whole dump.
    source : str
        Value for :attr:`Comment.source`.
    warn : bool
        Emit a :class:`ParseWarning` when no comment section is found.

    Returns
    -------
    list of Comment
        In page order; empty when the dump has no comment section.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    section = find_section(lines, _PHRASES)
    if section is None:
        if warn:
            warnings.warn(
                f"{source}: no comment section found (no comment-widget phrases such as "
                "'Notify of', 'N thoughts on', 'Leave a Reply'); returning no comments",
                ParseWarning,
                stacklevel=3,
            )
        return []
    _, body_start = section
    drafts = _group(_paragraphs(lines[body_start:], _PHRASES), _PHRASES)
    key = content_key(text)
    out: list[Comment] = []
    by_author: dict[str, str] = {}
    for draft in drafts:
        body = normalise_ws(" ".join(p.text for p in draft.paras))
        if not body:
            continue
        position = len(out) + 1
        cid = generated_id(key, position)
        parent = by_author.get(fold(draft.reply_to)) if draft.reply_to else None
        out.append(
            Comment(
                id=cid,
                author=draft.author,
                text=body,
                parent_id=parent,
                position=position,
                published=draft.published,
                has_image=draft.has_image,
                source=source,
            )
        )
        if draft.author:
            by_author[fold(draft.author)] = cid
    if not out and warn:
        warnings.warn(
            f"{source}: the comment section has no comments", ParseWarning, stacklevel=3
        )
    return out
