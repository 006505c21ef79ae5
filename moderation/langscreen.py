"""Whole-batch first look of language detection: which texts are English without per-text work.

:meth:`moderation.language.LanguageDetector.detect` gives most comments the default language
(English) after a per-text regular-expression clean-up (:func:`moderation.language._clean`) and
word counts; on a batch of new comments that Python loop is a large share of scoring time.
:func:`settled_english` reaches the same decision for a batch at once, with array operations,
for the texts where the clean-up provably reduces to something arrays can do:

* "simple" texts: ASCII (NFKC, small capitals and look-alike letters change nothing), with
  none of ``& @ # _ < * $ % |``, no URL hint, no placeholder word ("URL", "USER", "RT"), no
  run of spaced letters ("s c u m", tested with a wider pattern) and no letter written three
  times in a row. Found with one pyarrow regular-expression pass over the whole batch. For
  such a text the clean-up only removes whitespace-delimited tokens holding a digit ("1d10t"),
  turns other non-letters into spaces and collapses whitespace: letters, apostrophes and the
  gaps between them keep their order, so the words, the letter count and the capital "I"
  after a word are the same read from the (token-removed) raw text;
* of those, the texts that keep the default language whatever py3langid says: the fast "plainly
  English" look (three words and 15% common English words, read from the raw text), or fewer
  than ``min_letters`` letters, fewer than ``min_words`` words or a share of common English
  words of at least ``max_english_share`` after the clean-up.

Words are found over the batch's characters joined into one byte array (letter runs joined
over one apostrophe, as ``language._WORD`` reads them), each coded as an integer and looked up
among the common English words' codes. Every other text (non-ASCII, links, handles, masks,
spaced letters, or a text that needs py3langid) is left to the per-text path, so decisions are
the per-text path's own (tests compare them on real and disguised comments).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from moderation.arrowtext import string_array

__all__ = ["settled_english"]

# Any of these and the text takes the per-text path (see the module docs). Case-insensitive.
_NOT_SIMPLE = (
    r"[&@#_<*$%|]"
    r"|(?i:https?:|www\.|\.(?:com|org|net|co|io|de|fr|es|uk|ly|me|tv)\b"  # language._URL_HINT
    r"|\b(?:url|user|rt)\b"  # language._PLACEHOLDERS (its "<...>" form needs "<")
    r"|(?:^|[^a-z0-9_])[a-z][ ._-][a-z][ ._-][a-z]"  # wider than language._SPACED
    r"|" + "|".join(c * 3 for c in "abcdefghijklmnopqrstuvwxyz") + ")"  # language._STRETCH
)
# Python's whitespace (str.split, the \s of re) among ASCII characters
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0") : ord("9") + 1] = True
_LETTER = np.zeros(256, dtype=bool)
_LETTER[ord("a") : ord("z") + 1] = True
_LETTER[ord("A") : ord("Z") + 1] = True
_WORD_CHARS = "abcdefghijklmnopqrstuvwxyz'"
_APOSTROPHE = ord("'")
_CAPITAL_I = ord("I")


_KNOWN: dict[frozenset[str], _Known] = {}


def _known(words: Iterable[str]) -> _Known:
    """The :class:`_Known` of a word set, built once."""
    key = frozenset(words)
    found = _KNOWN.get(key)
    if found is None:
        found = _KNOWN[key] = _Known(key)
    return found


def _simple(texts: list[str]) -> np.ndarray:
    """Which texts are "simple" (see the module docs); all False when pyarrow cannot read them."""
    import pyarrow.compute as pc

    array = string_array(texts)
    if array is None:
        return np.zeros(len(texts), dtype=bool)
    simple = pc.and_(pc.string_is_ascii(array), pc.invert(pc.match_substring_regex(array, _NOT_SIMPLE)))
    return simple.to_numpy(zero_copy_only=False).astype(bool)


class _Words:
    """The words of a joined byte array, as ``language._WORD`` reads ASCII text: each word's
    first byte, and whether it is one of the given lower-case words."""

    def __init__(self, chars: np.ndarray, letter: np.ndarray, known: _Known) -> None:
        n = len(chars)
        edge = np.diff(letter.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edge == 1)
        ends = np.flatnonzero(edge == -1)  # exclusive
        # a run of letters continues the word of the run before it over one apostrophe, once
        # ("rock'n'roll" reads "rock'n", "roll")
        gap = ends[:-1]
        link = (starts[1:] == gap + 1) & (chars[np.minimum(gap, n - 1)] == _APOSTROPHE)
        if link.any():
            chain = np.concatenate([[True], ~link])  # the run starts a chain of linked runs
            head = np.flatnonzero(chain)
            place = np.arange(len(starts)) - head[np.cumsum(chain) - 1]
            first = np.flatnonzero(place % 2 == 0)
            joined = np.zeros(len(first), dtype=bool)
            inner = first < len(link)
            joined[inner] = link[first[inner]]
            self.start = starts[first]
            end = ends[first]
            end[joined] = ends[first[joined] + 1]
        else:
            self.start, end = starts, ends
        self.known = known.contains(chars, self.start, end - self.start)


class _Known:
    """A set of lower-case ASCII words, tested against many words of a byte array at once: a
    word of up to 8 bytes is its bytes read as one little-endian integer (zero-padded; letters
    and apostrophes are never zero), a longer one that and its further bytes compared one by
    one."""

    def __init__(self, words: Iterable[str]) -> None:
        keep = sorted(w for w in words if w and w.isascii() and set(w) <= set(_WORD_CHARS))
        self.short = np.array(sorted(self._key(w.encode()) for w in keep if len(w) <= 8), dtype=np.uint64)
        self.long = [w.encode() for w in keep if len(w) > 8]

    @staticmethod
    def _key(word: bytes) -> int:
        return int.from_bytes(word[:8].ljust(8, b"\0"), "little")

    def contains(self, chars: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Whether each word (``length`` bytes from ``start``, letters in either case) is known."""
        padded = np.zeros(len(chars) + 16, dtype=np.uint8)
        padded[: len(chars)] = chars | 0x20  # lower case (apostrophes keep their code)
        # every 8-byte window of the bytes, as an unaligned view of the same memory
        window = np.ndarray((len(chars),), dtype="<u8", buffer=padded, strides=(1,))
        head = window[start]
        size = np.minimum(length, 8).astype(np.uint64)
        low = (np.uint64(1) << (np.minimum(size, np.uint64(7)) * np.uint64(8))) - np.uint64(1)
        mask = np.where(size == 8, np.uint64(0xFFFFFFFFFFFFFFFF), low)
        key = head & mask
        found = np.zeros(len(start), dtype=bool)
        if len(self.short):
            at = np.minimum(np.searchsorted(self.short, key), len(self.short) - 1)
            found = (self.short[at] == key) & (length <= 8)
        for word in self.long:
            same = np.flatnonzero((length == len(word)) & (key == np.uint64(self._key(word))))
            for k in range(8, len(word)):
                same = same[padded[start[same] + k] == word[k]]
            found[same] = True
        return found


def _capital_i(chars: np.ndarray, letter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of each capital "I" that ``language._CAPITAL_I`` counts (after a letter and a
    run of characters that are neither word characters nor apostrophes, and not followed by a
    letter or an apostrophe; the bytes hold no digits or underscores), and of that letter
    (the caller checks both are in one text)."""
    n = len(chars)
    at = np.flatnonzero(chars == _CAPITAL_I)
    if not len(at):
        return at, at
    nxt = np.minimum(at + 1, n - 1)
    free = (at + 1 >= n) | ~(letter[nxt] | (chars[nxt] == _APOSTROPHE))
    other = ~(letter | (chars == _APOSTROPHE))
    last = np.maximum.accumulate(np.where(other, -1, np.arange(n)))  # last letter or apostrophe
    before = last[np.maximum(at - 1, 0)]
    ok = free & (at >= 1) & other[np.maximum(at - 1, 0)] & (before >= 0)
    ok[ok] = letter[before[ok]]
    return at[ok], before[ok]


def settled_english(
    texts: Sequence[str],
    english: Iterable[str],
    *,
    min_letters: int,
    min_words: int,
    max_english_share: float,
    fast_share: float,
) -> np.ndarray:
    """Which texts the detector gives the default language English, decided for the batch.

    Parameters
    ----------
    texts : sequence of str
        Comments (no ``None``).
    english : iterable of str
        The common English words (``language._ENGLISH_WORDS``).
    min_letters, min_words, max_english_share
        The detector's rule (:class:`moderation.language.LanguageDetector`).
    fast_share
        The share of the fast first look (``language.FAST_ENGLISH_SHARE``).

    Returns
    -------
    numpy.ndarray of bool
        True where the text is English; False means "not decided here" (the per-text path
        decides).
    """
    out = np.zeros(len(texts), dtype=bool)
    texts = list(texts)
    if not texts:
        return out
    simple = np.flatnonzero(_simple(texts))
    if not len(simple):
        return out
    chosen = [texts[i] for i in simple.tolist()]
    lengths = np.fromiter(map(len, chosen), dtype=np.int64, count=len(chosen))
    begin = np.cumsum(lengths + 1) - lengths - 1  # each text's first byte ("\n" between texts)
    raw = np.frombuffer(("\n".join(chosen) + "\n").encode("ascii"), dtype=np.uint8)
    m = len(chosen)
    letter = _LETTER[raw]
    words = _Words(raw, letter, _known(english))

    def per_text(positions: np.ndarray) -> np.ndarray:
        """How many of ``positions`` fall in each text."""
        marks = np.zeros(len(raw), dtype=np.int8)
        marks[positions] = 1
        return np.add.reduceat(marks, begin, dtype=np.int64)

    # the fast first look, on the raw text: >= 3 words, >= 3 of them common, >= fast_share
    n_seen = per_text(words.start)
    hits_seen = per_text(words.start[words.known])
    plain = (n_seen >= 3) & (hits_seen >= 3) & (hits_seen >= fast_share * n_seen)
    # the clean-up removes whitespace-delimited tokens holding a digit (language._MASKED), and
    # the words in them (a word never spans whitespace)
    cleaned = raw
    n_words, hits = n_seen, hits_seen
    digit = _DIGIT[raw]
    if digit.any():
        space = _SPACE[raw]
        token = np.cumsum(np.diff(space.view(np.int8), prepend=np.int8(1)) == -1)  # token number
        has_digit = np.bincount(token, weights=digit, minlength=int(token[-1]) + 1) > 0
        drop = has_digit[token] & ~space
        if drop.any():
            cleaned = raw.copy()
            cleaned[drop] = ord(" ")
            letter = letter & ~drop
            kept = ~drop[words.start]
            n_words = per_text(words.start[kept])
            hits = per_text(words.start[kept & words.known])
    hits = hits.astype(np.float64)
    capital, before = _capital_i(cleaned, letter)
    if len(capital):
        capital_doc = np.searchsorted(begin, capital, side="right") - 1
        same = capital_doc == np.searchsorted(begin, before, side="right") - 1
        hits += np.bincount(capital_doc[same], minlength=m)
    letters = np.add.reduceat(letter, begin, dtype=np.int64)
    share = hits / np.maximum(n_words, 1)
    settled = (letters < min_letters) | (n_words < min_words) | (share >= max_english_share)
    out[simple] = plain | (letters == 0) | settled
    return out
