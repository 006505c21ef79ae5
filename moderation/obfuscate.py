"""Disguise comments the way evaders do, reproducibly.

Used twice, with different seeds: to augment training data with disguised copies of
positive examples, and by the benchmark to build disguised copies of test positives. The
disguises mirror those the normaliser undoes: leetspeak, masks, spaced, dotted or
underscored letters, look-alike letters, zero-width characters and stretched letters.
"""

from __future__ import annotations

import random
import re

from moderation.lexicon import LEXICON

__all__ = ["DISGUISES", "obfuscate"]

_LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "l": "1"}
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "s": "ѕ"}
_VOWELS = set("aeiou")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _leet(word: str, rng: random.Random) -> str:
    out = [rng.choice(_LEET[ch.lower()]) if ch.lower() in _LEET and rng.random() < 0.6 else ch for ch in word]
    if "".join(out) == word:  # make sure at least one letter changes
        idx = [i for i, ch in enumerate(word) if ch.lower() in _LEET]
        if idx:
            i = rng.choice(idx)
            out[i] = rng.choice(_LEET[word[i].lower()])
    return "".join(out)


def _mask(word: str, rng: random.Random) -> str:
    inner = [i for i in range(1, len(word) - 1) if word[i].lower() in _VOWELS] or list(range(1, len(word) - 1))
    chosen = set(rng.sample(inner, k=min(len(inner), rng.choice((1, 2)))))
    return "".join("*" if i in chosen else ch for i, ch in enumerate(word))


def _spaced(word: str, rng: random.Random) -> str:
    return rng.choice((" ", ".", "-", "_", " ")).join(word) if len(word) <= 10 else word


def _homoglyph(word: str, rng: random.Random) -> str:
    return "".join(_CYRILLIC.get(ch, ch) if rng.random() < 0.7 else ch for ch in word)


def _zero_width(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + rng.choice(("\u200b", "\u200c", "\u00ad")) + word[i:]


def _stretch(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[: i + 1] + word[i] * rng.choice((2, 3, 4)) + word[i + 1 :]


def _underscore(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + "_" + word[i:]


#: Named disguises, each a function (word, rng) -> disguised word.
DISGUISES = {
    "leet": _leet,
    "mask": _mask,
    "spaced": _spaced,
    "homoglyph": _homoglyph,
    "zero_width": _zero_width,
    "stretch": _stretch,
    "underscore": _underscore,
}


def obfuscate(text: str, *, seed: int = 0, rate: float = 0.35, disguises: tuple[str, ...] | None = None) -> str:
    """Return ``text`` with some words disguised, reproducibly for a given seed.

    Lexicon words (insults, slurs, group names, conspiracy terms) are always disguised; other
    words of three or more letters are disguised with probability ``rate``. At least one word
    is changed whenever the text has a word of three letters or more.

    Parameters
    ----------
    text : str
        The comment to disguise.
    seed : int
        Random seed; the same text and seed always give the same output.
    rate : float
        Probability of disguising a word that is not in the lexicon.
    disguises : tuple of str, optional
        Names from :data:`DISGUISES` to draw from; all by default.
    """
    rng = random.Random(f"{seed}:{text}")
    names = list(disguises or DISGUISES)
    words = list(_WORD.finditer(text))
    if not words:
        return text
    picked = [m for m in words if m.group().lower() in LEXICON or rng.random() < rate]
    if not picked:
        picked = [rng.choice(words)]
    out, last = [], 0
    for m in picked:
        out.append(text[last : m.start()])
        out.append(DISGUISES[rng.choice(names)](m.group(), rng))
        last = m.end()
    out.append(text[last:])
    return "".join(out)
