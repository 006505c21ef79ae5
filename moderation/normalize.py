"""Undo disguised spelling before features are extracted.

Abusive comments dodge keyword filters with digits and symbols for letters ("1d10t"),
masks ("f*ck"), spaced or dotted letters ("J e w s", "i.d.i.o.t"), look-alike letters from
other scripts, zero-width characters and stretched words ("stuuupid"). The normaliser maps
them back to plain lower-case words so the model sees one spelling, and keeps, for every
output token, the span of original text it came from (used by explanations).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product

from sklearn.base import BaseEstimator, TransformerMixin

from moderation.arrowtext import string_array
from moderation.lexicon import (
    CATEGORIES,
    EMOJI_WORDS,
    HATE_WORDS,
    LEXICON,
    MASK_TARGETS,
    MORE_GROUP_WORDS,
)

__all__ = ["TextNormalizer", "Token", "normalize", "normalize_tokens"]

URL_TOKEN = "xurl"
USER_TOKEN = "xuser"
NUMBER_TOKEN = "xnum"
QUOTE_TOKEN = "xquote"  # marks a word that opens a quotation: quoted abuse is often condemned
ECHO_TOKEN = "xecho"  # the antisemitic "(((name)))" echo brackets
# Numbers that carry meaning of their own and must not become the number placeholder.
_KEEP_NUMBERS = {"9/11": "nineeleven", "9-11": "nineeleven", "14/88": "fourteen88", "1488": "fourteen88"}

# Look-alike letters from Cyrillic, Greek and symbol blocks that NFKC leaves alone.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ɡ": "g", "ո": "n", "ս": "u", "ԛ": "q", "ԝ": "w", "ɑ": "a",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ℓ": "l", "ı": "i", "ø": "o",
        "ð": "d", "þ": "p", "ł": "l", "đ": "d", "ħ": "h", "ß": "ss", "æ": "ae", "œ": "oe",
    }
)
# Digits and symbols read as letters inside words; ambiguous ones list every reading.
_LEET: dict[str, str] = {
    "0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
    "!": "il", "|": "il", "€": "e", "+": "t",
}
_MASK_CHARS = "*#%"
_OPEN_QUOTES = "\"'‘“«„"
_LEAD_PUNCT = "\"'([{<«“‘„`¿¡-–—…"
_TRAIL_PUNCT = "\"'.,;:?!)]}>»”’…-–—"
_SEPARATORS = re.compile(r"[._\-·•~^/\\]+")
_URL = re.compile(
    r"^(?:https?://|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|co|uk|io|me|ru|de|info|gov|edu|tv|ly)(?:/|$))"
)
_NUMBER = re.compile(r"^[£$€]?\d[\d,.:/%]*(?:k|m|bn|st|nd|rd|th|s|am|pm|%)?$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$")
_RUN3 = re.compile(r"(.)\1\1")
_WORDS = re.compile(r"[a-z]{2,}")
_LEET_CHAR = re.compile("[" + re.escape("".join(_LEET)) + "]")  # any(ch in _LEET ...) at C speed
_MASK_CHAR = re.compile("[" + re.escape(_MASK_CHARS) + "]")
_ASCII_ALPHA = re.compile("[A-Za-z]")
_ASCII_DIGIT = re.compile("[0-9]")


def _has_alpha(text: str) -> bool:
    """``any(ch.isalpha() for ch in text)``, at C speed for ASCII text."""
    if text.isascii():
        return _ASCII_ALPHA.search(text) is not None
    return any(ch.isalpha() for ch in text)


def _has_digit(text: str) -> bool:
    """``any(ch.isdigit() for ch in text)``, at C speed for ASCII text."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(ch.isdigit() for ch in text)


@dataclass(frozen=True)
class Token:
    """One normalised token and the span of original text it stands for."""

    text: str
    start: int
    end: int


def _fold(raw: str) -> str:
    """Unicode-fold a token: NFKC, strip accents, zero-width and control marks, homoglyphs."""
    if raw.isascii() and raw.isprintable():  # nothing to fold but the case
        return raw.lower()
    t = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", raw))
    t = "".join(ch for ch in t if unicodedata.category(ch) not in ("Mn", "Cf", "Cc", "Me"))
    return t.casefold().translate(_HOMOGLYPHS)


def _squeeze(word: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """Shorten stretched letters: 3+ repeats become 2, or 1 when that gives a known word.

    Only the stretched runs shrink first, so a real double letter survives ("kiiill" ->
    "kill", "riggeeed" -> "rigged"); collapsing every double is the last resort.
    """
    if not _RUN3.search(word):
        return word
    two = re.sub(r"(.)\1{2,}", r"\1\1", word)
    if two in vocab:
        return two
    for candidate in (re.sub(r"(.)\1{2,}", r"\1", word), re.sub(r"(.)\1+", r"\1", word)):
        if candidate in vocab:
            return candidate
    return two


def _deleet(core: str, vocab: Mapping[str, int] | frozenset[str]) -> str | None:
    """Read digits and symbols inside a word as letters, or None if it is not a disguise."""
    if not _LEET_CHAR.search(core) or not _has_alpha(core):
        return None
    options = [_LEET.get(ch, ch) for ch in core]
    combos = 1
    for opt in options:
        combos *= len(opt)
    candidates = (
        ["".join(c) for c in product(*options)] if combos <= 16 else ["".join(o[0] for o in options)]
    )
    for cand in candidates:
        squeezed = _squeeze(cand, vocab)
        if cand in vocab or squeezed in vocab:
            return squeezed if squeezed in vocab else cand
    # Unknown word: only trust the reading when every symbol sits between letters ("h4te").
    def letterish(j: int) -> bool:
        return 0 <= j < len(core) and (core[j].isalpha() or core[j] in _LEET)

    for i, ch in enumerate(core):
        if ch in _LEET and not (letterish(i - 1) and letterish(i + 1)):
            return None
    return _squeeze(candidates[0], vocab)


def _unmask(core: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """Resolve an asterisk-masked word ("f*ck", "c**t") to the listed word it hides."""
    pattern = ""
    for is_mask, run in _runs(core, lambda ch: ch in _MASK_CHARS):
        if is_mask:
            pattern += f"[a-z]{{{len(run)}}}"
        else:
            pattern += "".join(
                f"[{_LEET[ch]}{re.escape(ch)}]" if ch in _LEET else re.escape(ch) for ch in run
            )
    # Each list is searched at once, one word per line: the first line the pattern fills is
    # the first word that fits (no part of a pattern matches a line break).
    exact = re.compile(f"^{pattern}$", re.M)
    first = core[0] if core[0] not in _MASK_CHARS and core[0] not in _LEET else None
    found = exact.search(_MASK_LINES) or exact.search(_shape_index(vocab).get((len(core), first), ""))
    if found:
        return found.group()
    loose = re.compile("^" + re.sub(r"\[a-z\]\{\d+\}", "[a-z]{1,4}", pattern) + "$", re.M)
    found = loose.search(_MASK_LINES)
    if found:
        return found.group()
    plain = "".join(ch for ch in core if ch not in _MASK_CHARS)
    return _deleet(plain, vocab) or plain


_MASK_LINES = "\n".join(MASK_TARGETS)
_SHAPES: dict[int, tuple[object, dict[tuple[int, str | None], str]]] = {}


def _shape_index(vocab: Mapping[str, int] | frozenset[str]) -> dict[tuple[int, str | None], str]:
    """Vocabulary words grouped by (length, first letter), most frequent first, one per line."""
    entry = _SHAPES.get(id(vocab))
    if entry is not None and entry[0] is vocab:
        return entry[1]
    ranked = sorted(vocab, key=vocab.get) if isinstance(vocab, Mapping) else sorted(vocab)
    index: dict[tuple[int, str | None], list[str]] = {}
    for word in ranked:
        if "\n" in word:  # cannot be a normalised word (they hold no whitespace)
            continue
        index.setdefault((len(word), word[0]), []).append(word)
        index.setdefault((len(word), None), []).append(word)
    joined = {shape: "\n".join(words) for shape, words in index.items()}
    if len(_SHAPES) > 8:
        _SHAPES.clear()
    _SHAPES[id(vocab)] = (vocab, joined)
    return joined


def _runs(text: str, pred) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    for ch in text:
        flag = bool(pred(ch))
        if out and out[-1][0] == flag:
            out[-1] = (flag, out[-1][1] + ch)
        else:
            out.append((flag, ch))
    return out


#: Short words a glued token may be made of ("youareanidiot", "killallthe"); other pieces need
#: four letters or more, or to be lexicon words ("transphobes" is not "trans pho bes").
_SHORT_PIECES = frozenset(
    "a i an am as at be by do go he if in is it me my no of on or so to up us we im ur "
    "the all and for not are you her his him she our out who why how can get got now was too "
    "off any one own say see way yes let put its".split())
#: Words of the lexicon: a glued token is read as words only when one of them is among these.
_SIGNAL_WORDS = frozenset().union(*CATEGORIES.values(), MORE_GROUP_WORDS, HATE_WORDS)
#: Shortest unknown word read as glued words or a misspelling; a dropped letter is read back
#: only in words of at least one letter more. Longer than the longest is left alone.
_SHORTEST_READ, _LONGEST_READ = 4, 40
#: A glued token made only of words this frequent in the training text (their rank in the
#: normaliser's vocabulary) is split too ("allthe", "thenewspaperisgreat").
_COMMON_RANK = 2000


@functools.cache
def _typo_table() -> dict[str, str]:
    """Each misspelling of a lexicon word by two neighbouring letters swapped ("mulsims") or one
    letter dropped ("idot", words of five letters or more) -> the word; a misspelling two
    words share is left out."""
    table: dict[str, str] = {}
    shared: set[str] = set()
    for word in sorted(_SIGNAL_WORDS):
        if len(word) < _SHORTEST_READ or not word.isalpha() or not word.isascii():
            continue
        variants = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
        if len(word) > _SHORTEST_READ:
            variants |= {word[:i] + word[i + 1:] for i in range(len(word))}
        for v in variants - {word}:
            if table.get(v, word) != word:
                shared.add(v)
            table[v] = word
    for v in shared | _SIGNAL_WORDS:
        table.pop(v, None)
    return table


def _unglue(word: str, vocab: Mapping[str, int] | frozenset[str]) -> str | None:
    """A token written without the spaces between its words ("hatewomen", "killallimmigrants",
    hashtags) as the fewest known words it splits into ("hate women"), when one of them is a
    word of the lexicon (a slur, an insult, a group, a violent or hateful word) or all of them
    are common words; None otherwise, so names and rare words stay as they are."""
    if not word.isascii() or not word.isalpha():
        return None
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(1, n + 1):
        for j in range(max(0, i - 20), i):
            before = best[j]
            if before is None or len(before) >= 5:
                continue
            piece = word[j:i]
            if (len(piece) >= 4 or piece in _SHORT_PIECES or piece in _SIGNAL_WORDS) and piece in vocab:
                now = best[i]
                if now is None or len(before) + 1 < len(now):
                    best[i] = (*before, piece)
    pieces = best[n]
    if not pieces or len(pieces) < 2:
        return None
    common = isinstance(vocab, Mapping) and all(
        p in _SIGNAL_WORDS or vocab[p] < _COMMON_RANK for p in pieces)
    if not common and not any(p in _SIGNAL_WORDS for p in pieces):
        return None
    return " ".join(pieces)


def read_plain(word: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """A plainly spelled lower-case word as the reader leaves it: for a word the training text
    never used, the words it is glued from or the lexicon word it misspells by a swap or a
    dropped letter ("wmoen", "htae"; a real word one letter from a slur stays itself), else the
    word. (The fast paths for plain words call this instead of the whole reader.)"""
    if not _SHORTEST_READ <= len(word) <= _LONGEST_READ or word in vocab:
        return word
    return _unglue(word, vocab) or _typo_table().get(word) or word


def _normalise_word(core: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """Normalise one punctuation-stripped, folded word."""
    return read_plain(_read_word(core, vocab), vocab)


def _read_word(core: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """:func:`_normalise_word` before a glued word is split."""
    if _MASK_CHAR.search(core) and _has_alpha(core):
        return _unmask(core, vocab)
    if "__" in core and _has_alpha(core):
        return _unmask(re.sub(r"__+", lambda m: "*" * len(m.group()), core), vocab)
    parts = [p for p in _SEPARATORS.split(core) if p]
    if len(parts) >= 2:
        joined = "".join(parts)
        if all(len(p) == 1 for p in parts):
            return _deleet(joined, vocab) or joined
        resolved = _deleet(joined, vocab) or _squeeze(joined, vocab)
        if resolved in vocab and not all(p in vocab for p in parts):
            return resolved
        return " ".join(_normalise_word(p, vocab) for p in parts)
    deleeted = _deleet(core, vocab)
    if deleeted is not None:
        return deleeted
    return _squeeze(core, vocab)


_EMOJI = re.compile("(" + "|".join(map(re.escape, EMOJI_WORDS)) + ")+")


def _emoji_words(t: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """A token holding abuse-carrying emoji: the words around them, each run of emoji as the
    word it stands for ("lesbians🐀🐀" -> "lesbians rat")."""
    pieces = _EMOJI.sub(lambda m: f" {EMOJI_WORDS[m.group(1)]} ", t).split()
    return " ".join(w for w in (normalize_token(p, vocab) for p in pieces) if w)


def normalize_token(raw: str, vocab: Mapping[str, int] | frozenset[str] = LEXICON) -> str:
    """Normalise one whitespace-delimited token; returns "" for pure punctuation."""
    t = _fold(raw)
    if not t:
        return ""
    if _EMOJI.search(t):
        return _emoji_words(t, vocab)
    if _URL.match(t):
        return URL_TOKEN
    if t in _KEEP_NUMBERS:
        return _KEEP_NUMBERS[t]
    if t.startswith("((("):
        inner = normalize_token(t.strip("()"), vocab)
        return f"{ECHO_TOKEN} {inner}".strip()
    core = t.lstrip(_LEAD_PUNCT).rstrip(_TRAIL_PUNCT)
    if not core:
        return ""
    if t[0] in _OPEN_QUOTES and len(t) > 1:
        rest = normalize_token(t[1:], vocab)
        return f"{QUOTE_TOKEN} {rest}" if rest else ""
    if core in _KEEP_NUMBERS:
        return _KEEP_NUMBERS[core]
    if _EMAIL.match(core):
        return URL_TOKEN
    if core.startswith("#") and len(core) > 1:
        core = core.lstrip("#")
    if core.startswith("@") and len(core) > 1:
        as_word = _deleet(core, vocab)
        if as_word is not None and as_word in vocab:
            return as_word
        return USER_TOKEN
    if _NUMBER.match(core):
        return NUMBER_TOKEN
    if _has_digit(core) and not _has_alpha(core):
        return NUMBER_TOKEN
    return _normalise_word(core, vocab)


def _is_letter_token(raw: str) -> bool:
    core = raw.rstrip(_TRAIL_PUNCT) or raw
    return len(core) == 1 and (core.isalnum() or core in _LEET or core in _MASK_CHARS)


_TOKENS = re.compile(r"\S+")


def _raw_tokens(
    text: str, vocab: Mapping[str, int] | frozenset[str] = LEXICON
) -> list[tuple[int, int, str]]:
    """Whitespace tokens with spans; runs of 3+ single letters ("s c u m") become one token.

    A leading "a" or "I" stays a word of its own when the rest of the run spells a word
    ("a s c u m" -> "a", "scum").
    """
    toks = [(m.start(), m.end(), m.group()) for m in _TOKENS.finditer(text)]
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        j = i
        while j < len(toks) and _is_letter_token(toks[j][2]):
            j += 1
        if j - i >= 3:
            cores = [t[2].rstrip(_TRAIL_PUNCT) or t[2] for t in toks[i:j]]
            joined = "".join(cores)
            if (
                j - i >= 4
                and cores[0].lower() in ("a", "i")
                and normalize_token(joined, vocab) not in vocab
                and normalize_token(joined[1:], vocab) in vocab
            ):
                out.append(toks[i])
                i += 1
                joined = joined[1:]
            out.append((toks[i][0], toks[j - 1][1], joined))
            i = j
        else:
            out.append(toks[i])
            i += 1
    return out


def normalize_tokens(
    text: str, vocab: Mapping[str, int] | frozenset[str] = LEXICON, cache: dict[str, str] | None = None
) -> list[Token]:
    """Normalise ``text`` into tokens that remember their span in the original.

    Parameters
    ----------
    text : str
        The original comment.
    vocab : frozenset of str
        Known words used to choose between readings of a disguised token.
    cache : dict, optional
        Memo of raw token -> normalised token, shared across calls for speed.

    Returns
    -------
    list of Token
        Normalised tokens (possibly containing spaces when a hyphenated word splits).
    """
    out: list[Token] = []
    for start, end, raw in _raw_tokens(text, vocab):
        norm = cached_token(raw, vocab, cache) if cache is not None else normalize_token(raw, vocab)
        if norm:
            out.append(Token(norm, start, end))
    return out


# A plain word: ASCII letters (inner apostrophes allowed), then ordinary closing punctuation.
_PLAIN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*[\"'.,;:?!)\]}>]*")


def _plain_word(raw: str) -> str | None:
    """The normalised form of a plainly spelled word, without the disguise reader, or None when
    the token needs :func:`normalize_token` (most tokens of real comments are plain)."""
    if not _PLAIN.fullmatch(raw):
        return None
    core = raw.rstrip(_TRAIL_PUNCT).lower()
    if core == "www" or _RUN3.search(core):
        return None
    return core


# Tokens whose normal form needs no disguise reading: a word of ASCII letters (inner
# apostrophes allowed), opening punctuation before it and closing punctuation after it; the
# characters are ones _fold leaves alone, so the form is the lower-case word after one QUOTE_TOKEN
# per opening quote that starts the token (normalize_token's quote rule). In RE2 syntax.
_SIMPLE_OPEN = "\"'([{<`«“‘„"
_SIMPLE_CLOSE = "\"'.,;:?!)]}>»”’"
_SIMPLE_ARROW = (
    "^[" + re.escape(_SIMPLE_OPEN) + "]*[A-Za-z]+(?:['’][A-Za-z]+)*[" + re.escape(_SIMPLE_CLOSE) + "]*$"
)
# RE2 has no back-references, but a run of three equal characters in such a word is letters
_RUN3_ARROW = "|".join(ch * 3 for ch in "abcdefghijklmnopqrstuvwxyz")


def simple_tokens(raws: list[str]) -> list[str | None]:
    """:func:`normalize_token` of many tokens at once for the tokens of the simple shape above
    (plain words, "(remember", '"Mike', "“Literally", "banning’"; most tokens of real comments),
    None for the others, which need the per-token reader. pyarrow's string kernels do the work;
    all None when pyarrow cannot take the tokens. Stretched words ("sooo", which depend on the
    vocabulary), "www" and tokens holding "((" (echo brackets) are left to the reader."""
    import pyarrow.compute as pc

    tokens = string_array(raws)
    if tokens is None:
        return [None] * len(raws)
    simple = pc.and_(pc.match_substring_regex(tokens, _SIMPLE_ARROW),
                     pc.invert(pc.match_substring(tokens, "((")))
    # the word starts and ends with a letter, so trimming the punctuation sets leaves it alone
    word = pc.utf8_lower(pc.utf8_rtrim(pc.utf8_ltrim(tokens, characters=_SIMPLE_OPEN),
                                       characters=_SIMPLE_CLOSE))
    odd = pc.or_(pc.equal(word, "www"), pc.match_substring_regex(word, _RUN3_ARROW))
    keep = pc.and_(simple, pc.invert(odd))
    out = pc.if_else(keep, word, None).to_pylist()
    quotes = pc.subtract(pc.utf8_length(tokens),
                         pc.utf8_length(pc.utf8_ltrim(tokens, characters=_OPEN_QUOTES)))
    quoted = pc.and_(keep, pc.greater(quotes, 0)).to_numpy(zero_copy_only=False)
    if quoted.any():
        counts = quotes.to_numpy(zero_copy_only=False)
        for i in quoted.nonzero()[0].tolist():
            out[i] = f"{QUOTE_TOKEN} " * int(counts[i]) + out[i]
    return out


def cached_token(raw: str, vocab: Mapping[str, int] | frozenset[str], cache: dict[str, str]) -> str:
    """:func:`normalize_token` memoised in ``cache`` (bounded: cleared past 500,000 entries)."""
    norm = cache.get(raw)
    if norm is None:
        norm = _plain_word(raw)
        norm = normalize_token(raw, vocab) if norm is None else read_plain(norm, vocab)
        if len(cache) > 500_000:
            cache.clear()
        cache[raw] = norm
    return norm


# Could the text hold a run of 3+ one-letter tokens ("s c u m")? A superset test, in C speed.
_MAYBE_SPACED = re.compile(r"(?:^|\s)\S[^\s\w]*(?:\s+\S[^\s\w]*){2,}(?=\s|$)")


def _normalize_fast(text: str, vocab: Mapping[str, int] | frozenset[str], cache: dict[str, str]) -> str:
    """``normalize`` without spans: the same output, faster (used when scoring)."""
    if _MAYBE_SPACED.search(text):
        return " ".join(t.text for t in normalize_tokens(text, vocab, cache))
    get = cache.get
    out = [get(raw) for raw in text.split()]
    if None in out:  # tokens not seen before
        out = [cached_token(raw, vocab, cache) for raw in text.split()]
    return " ".join(filter(None, out))


def normalize(text: str, vocab: Mapping[str, int] | frozenset[str] = LEXICON) -> str:
    """Normalise a single text with the built-in lexicon (see :class:`TextNormalizer`)."""
    return " ".join(t.text for t in normalize_tokens(text, vocab))


class TextNormalizer(TransformerMixin, BaseEstimator):
    """scikit-learn transformer that undoes disguised spelling in raw comments.

    ``fit`` learns the vocabulary of plainly spelled words in the training text (words seen at
    least ``min_count`` times) and adds the built-in lexicon; ``transform`` maps each text to
    its normalised form, resolving ambiguous disguises ("1" as i or l) towards known words.

    Parameters
    ----------
    min_count : int, default=3
        Minimum frequency for a training word to join the vocabulary.
    max_vocabulary : int, default=60000
        Keep at most this many of the most frequent training words.
    """

    def __init__(self, *, min_count: int = 3, max_vocabulary: int = 60_000) -> None:
        self.min_count = min_count
        self.max_vocabulary = max_vocabulary

    def fit(self, X: Iterable[str], y=None) -> TextNormalizer:
        counts: Counter[str] = Counter()
        for text in X:
            counts.update(_WORDS.findall(str(text).casefold()))
        frequent = [w for w, c in counts.most_common(self.max_vocabulary) if c >= self.min_count]
        ranked = {w: i for i, w in enumerate(frequent)}
        for word in MASK_TARGETS:
            ranked.setdefault(word, len(ranked))
        self.vocabulary_ = ranked
        self._cache: dict[str, str] = {}
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        vocab = getattr(self, "vocabulary_", None)
        if vocab is None:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("TextNormalizer is not fitted yet; call fit first.")
        cache = self.__dict__.setdefault("_cache", {})
        return [_normalize_fast("" if x is None else str(x), vocab, cache) for x in X]

    def tokens(self, text: str) -> list[Token]:
        """Normalised tokens of one text with their original spans (for explanations)."""
        return normalize_tokens(text, getattr(self, "vocabulary_", LEXICON))

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cache", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
