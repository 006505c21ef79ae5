"""Which language is a comment in? Conservative detection, so a model only scores its own languages.

The scoring model is trained on English comments only: it has never seen German or Spanish, and
scores them as noise (on a German news page, a fifth of the comments came out HOSTILE, thanks
included). :func:`detect_language` tells :meth:`moderation.model.Model.score` which comments to
leave unscored.

Detection uses py3langid (its model ships with the package: nothing is downloaded, at install
or run time) and is deliberately conservative, because leaving an English comment unscored is
worse than scoring a foreign one. A text is called another language only when all of these
hold; otherwise it gets the default language (English):

* after removing URLs, @mentions, hashtags, HTML entities and tokens holding digits or masking
  symbols ("1d10t", "f*ck"), rejoining spaced letters ("J e w s"), squeezing stretched ones and
  reading look-alike Cyrillic or Greek letters in Latin words ("Іslаm") as Latin, at least
  :data:`MIN_LETTERS` letters and :data:`MIN_WORDS` words are left (a sentence, not a name);
* fewer than :data:`MAX_ENGLISH_SHARE` of its words are common English words ("the", "you",
  "lol", ...), so slang, mixed-language text and English with a foreign phrase stay English;
* py3langid, choosing among :data:`CANDIDATE_LANGUAGES` only (major languages: English slang
  otherwise lands on small languages such as Nigerian Pidgin), gives the text a
  length-calibrated probability of *not* being English of at least :data:`MIN_PROBABILITY`
  (:data:`MIN_PROBABILITY_SHORT` under :data:`SHORT_TEXT_LETTERS` letters).

The thresholds were set from measurements on our own comments, eight English corpora, Spanish
and German corpora and short comments in six languages: ``benchmarks/language.py`` writes the
rates to ``benchmarks/LANGUAGE.md`` (about 0.13% of English corpus texts marked non-English,
most of them really Dutch, Spanish or German posts inside those corpora; every German, French
and Spanish sentence of the fixtures detected).

>>> from moderation.language import detect_language
>>> detect_language(["Vielen Dank für diese Recherche!", "you absolute 1d10t"])  # doctest: +SKIP
['de', 'en']
"""

from __future__ import annotations

import html
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "CANDIDATE_LANGUAGES",
    "SUPPORTED_LANGUAGES",
    "LanguageDetector",
    "LanguageGuess",
    "describe_unsupported",
    "detect_language",
    "normalize_language",
    "supported_languages",
    "unsupported_counts",
    "warm_up",
]

#: Languages a model supports when its card does not say (the shipped models are English-only).
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en",)

#: Languages detection chooses among (ISO 639-1). Major languages only: restricting the choice
#: keeps English slang and typos from landing on small languages that py3langid also knows.
CANDIDATE_LANGUAGES: tuple[str, ...] = (
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "hu", "ro",
    "tr", "ru", "uk", "bg", "el", "ar", "he", "fa", "hi", "zh", "ja", "ko", "th",
)

#: Fewer letters than this (after clean-up) and a text keeps the default language.
MIN_LETTERS = 12
#: Fewer words than this and a text keeps the default language ("Pedro Sánchez" is a name,
#: "Tienes toda la razón" a sentence).
MIN_WORDS = 3
#: Texts with fewer letters than this need :data:`MIN_PROBABILITY_SHORT`.
SHORT_TEXT_LETTERS = 40
#: Probability of the best non-default language needed to call a text foreign.
MIN_PROBABILITY = 0.95
#: The same for short texts (under :data:`SHORT_TEXT_LETTERS` letters).
MIN_PROBABILITY_SHORT = 0.98
#: A text whose share of common English words reaches this stays English.
MAX_ENGLISH_SHARE = 0.1
#: The same share read from the raw text, before any clean-up, in the fast first look: higher,
#: because URLs and handles can hold English words.
FAST_ENGLISH_SHARE = 0.15
# Batches of at least this many texts take the whole-batch first look (moderation.langscreen).
_SCREEN_MIN = 32

# Common English words that are not also common words of the major European languages (so
# "die", "was", "also", "im", "he", "has", "is", "of", "in", "on", "a", "i", "me", "no", "do" are
# left out: German, Spanish or Dutch use them), plus chat slang.
_ENGLISH_WORDS = frozenset(
    """
    the and you your you're youre yours are aren't isn't this that that's these those with not
    have haven't hasn't it it's its they they're them their theirs what be been being but just
    like if my she his him her hers our ours does doesn't don't dont didn't did can't cant
    cannot i'm i've i'd i'll would wouldn't should shouldn't could couldn't about there here
    were wasn't weren't from by who whom how why when where which while get got gets getting
    know people because than then out up any some more very too only such every make made said
    says going gonna wanna wants need really think thing things yeah yes thanks thank please u
    ur y'all yall ain't aint won't wont lol lmao lmfao omg smh tbh wtf stfu gtfo idk fuck
    fucking fucked shit bitch ass damn
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CAPITAL_I = re.compile(r"(?<=[^\W\d_])[^\w']+I(?![\w'’])")

# ----------------------------------------------------------------------- clean-up
_URL = re.compile(
    r"(?:https?:|www\.)\S*|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co|io|de|fr|es|uk|ly|me|tv)\b\S*",
    re.I,
)
_MENTION = re.compile(r"(?<![\w@])@\s?\w+")
_HASHTAG = re.compile(r"(?<![\w&])#\w+")
_PLACEHOLDERS = re.compile(r"\b(?:URL|USER|RT)\b|<\s*(?:user|url|number)\s*>", re.I)
# A whole token holding a digit or a masking symbol inside letters ("1d10t", "f*ck", "$hut").
_MASKED = re.compile(r"(?<!\S)(?=\S*?(?:\d|[^\W\d_][*#$@%|]+[^\W\d_]|[*#$@%|]+[^\W\d_]{2}))\S+")
# Necessary for a match of _URL (its literal parts) and of _MASKED (a digit or masking symbol).
_URL_HINT = re.compile(r"https?:|www\.|\.(?:com|org|net|co|io|de|fr|es|uk|ly|me|tv)\b", re.I)
_MASK_HINT = re.compile(r"[\d*#$@%|]")
_SPACED = re.compile(r"(?<!\w)(?:[^\W\d_][ .·_-]){2,}[^\W\d_](?!\w)")
_SMALL_CAPITALS = re.compile("[\u1d00-\u1d22\u0262\u026a\u0274\u0280\u0281\u0299\u029c\u029f\ua7af]")
_SPACERS = re.compile(r"[ .·_-]")
_NOT_TEXT = re.compile(r"[^\w\s'’.,;:!?-]|[\d_]")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_UPPER = re.compile(r"[^A-ZÀ-ÖØ-ÞА-ЯΑ-Ω]+")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
# Cyrillic and Greek letters that look like Latin ones: in mostly Latin text they disguise words.
_LOOKALIKE_CHARS = "аеорсухіјѕԁԛԝвкмнтАЕОРСУХІЈЅВКМНТαεικνοτυχωΑΒΕΗΙΚΜΝΟΡΤΥΧΖ"
_LOOKALIKES = str.maketrans(
    _LOOKALIKE_CHARS, "aeopcyxijsdqwbkmhtAEOPCYXIJSBKMHTaeikvotuxwABEHIKMNOPTYXZ"
)
# A word mixing Latin letters with look-alikes ("Іslаm") is disguised English, not Russian.
_MIXED_SCRIPT = re.compile(f"[a-zA-Z][{_LOOKALIKE_CHARS}]|[{_LOOKALIKE_CHARS}][a-zA-Z]")


def _small_capital(match: re.Match[str]) -> str:
    """"ᴍ" (LATIN LETTER SMALL CAPITAL M) -> "m"; other characters stay."""
    name = unicodedata.name(match.group(), "")
    single = name.startswith("LATIN LETTER SMALL CAPITAL ") and len(name) == 28
    return name[-1].lower() if single else match.group()


def _strip(text: str) -> str:
    """The text without URLs, mentions, hashtags, placeholders and disguising letter forms."""
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    ascii_only = text.isascii()  # small capitals and look-alikes are not ASCII
    if not ascii_only and _SMALL_CAPITALS.search(text):
        text = _SMALL_CAPITALS.sub(_small_capital, text)
    # each substitution only where a cheap test says it can match (it is slow on long text)
    if _URL_HINT.search(text):
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(" ", text)
    text = _PLACEHOLDERS.sub(" ", text)
    if not ascii_only and _MIXED_SCRIPT.search(text):
        text = text.translate(_LOOKALIKES)
    return text


def _unmasked(text: str) -> str:
    """``_MASKED.sub(" ", text)``, skipped when the text has no digit or masking symbol."""
    return _MASKED.sub(" ", text) if _MASK_HINT.search(text) else text


def _letters_only(text: str) -> str:
    """Letters, spaces and sentence punctuation only, whitespace collapsed."""
    return " ".join(_NOT_TEXT.sub(" ", text).split())


def _clean(text: str) -> tuple[str, str]:
    """``(cleaned, before_rejoin)``: the language evidence left in ``text`` (see the module
    docs), and the same before spaced letters were rejoined ("y o u" counts as English)."""
    text = _strip(text)
    spaced = _SPACED.search(text) is not None
    before = _letters_only(_unmasked(text)) if spaced else ""
    if spaced:
        text = _SPACED.sub(lambda m: _SPACERS.sub("", m.group()), text)
    text = _STRETCH.sub(r"\1", _unmasked(text))
    cleaned = _letters_only(text)
    return cleaned, before or cleaned


def _english_share(text: str) -> float:
    """Share of the words that are common English words (a capital "I" after the first word
    counts too: the Italian or Polish "i" is lower-case)."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    if not words:
        return 0.0
    hits = sum(map(_ENGLISH_WORDS.__contains__, words)) + len(_CAPITAL_I.findall(text))
    return hits / len(words)


# ------------------------------------------------------------------------ detector
class LanguageGuess(NamedTuple):
    """The evidence behind one decision.

    Attributes
    ----------
    language : str
        py3langid's most likely candidate other than the default language (ISO 639-1), or
        ``""`` when the text had no letters.
    probability : float
        py3langid's length-calibrated probability, among the candidates, that the text is *not*
        in the default language (0-1).
    letters : int
        Letters left after clean-up.
    words : int
        Words left after clean-up.
    english_share : float
        Share of the words that are common English words.
    """

    language: str
    probability: float
    letters: int
    words: int
    english_share: float


class LanguageDetector:
    """Conservative language detector over py3langid's bundled model.

    Parameters
    ----------
    candidates : sequence of str
        ISO 639-1 codes to choose among; must include ``default``.
    default : str
        Language of texts without confident evidence of another one.
    min_letters, min_words, short_text_letters, min_probability, min_probability_short, max_english_share
        The decision rule (see the module docstring); defaults are the module constants.

    Notes
    -----
    The py3langid model is loaded on first use (about 0.3 s) and shared by calls; detection
    only reads it, so one detector may be used from several threads.
    """

    def __init__(
        self,
        candidates: Sequence[str] = CANDIDATE_LANGUAGES,
        *,
        default: str = "en",
        min_letters: int = MIN_LETTERS,
        min_words: int = MIN_WORDS,
        short_text_letters: int = SHORT_TEXT_LETTERS,
        min_probability: float = MIN_PROBABILITY,
        min_probability_short: float = MIN_PROBABILITY_SHORT,
        max_english_share: float = MAX_ENGLISH_SHARE,
    ):
        self.candidates = tuple(dict.fromkeys(normalize_language(c) for c in candidates))
        self.default = normalize_language(default)
        if self.default not in self.candidates:
            raise ValueError(
                f"default language {self.default!r} is not among the candidates "
                f"{', '.join(self.candidates)}; add it to candidates."
            )
        self.min_letters = min_letters
        self.min_words = min_words
        self.short_text_letters = short_text_letters
        self.min_probability = min_probability
        self.min_probability_short = min_probability_short
        self.max_english_share = max_english_share
        self._identifier: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load py3langid's model now (it is otherwise loaded on first use)."""
        self._model()

    def _model(self) -> Any:
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    try:
                        from py3langid.langid import MODEL_FILE, LanguageIdentifier
                    except ImportError as exc:  # pragma: no cover - a declared dependency
                        raise ImportError(
                            "Language detection needs py3langid: pip install py3langid "
                            "(or reinstall moderation: pip install -e .)"
                        ) from exc
                    identifier = _cached_identifier(self.candidates)
                    if identifier is None:
                        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                        _save_identifier(identifier, self.candidates)
                    unknown = set(self.candidates) - set(identifier.labels)
                    if unknown:
                        raise ValueError(
                            f"py3langid does not know the language code(s) {sorted(unknown)}; "
                            "use ISO 639-1 codes such as 'en', 'de', 'fr'."
                        )
                    identifier.set_languages(list(self.candidates))
                    self._identifier = identifier
        return self._identifier

    def guess(self, text: str, *, complete: bool = True) -> LanguageGuess:
        """py3langid's best candidate for one text, with the evidence the rule looks at.

        Parameters
        ----------
        text : str
            One comment.
        complete : bool
            Ask py3langid even when the other evidence already decides (too few letters or
            words, many English words). With False such texts get ``language=""`` and
            ``probability=0.0``, which is what makes detection fast on English text.

        Returns
        -------
        LanguageGuess
        """
        cleaned, before = _clean(text)
        letters = len(_NOT_LETTER.sub("", cleaned))
        words = len(_WORD.findall(cleaned))
        share = _english_share(cleaned)
        if before is not cleaned:
            share = max(share, _english_share(before))
        if not letters or not complete and self._settled(letters, words, share):
            return LanguageGuess("", 0.0, letters, words, share)
        if len(_NOT_UPPER.sub("", cleaned)) * 2 > letters:  # shouting: py3langid reads lower case
            cleaned = cleaned.lower()
        ranked = self._model().rank(cleaned)
        other = next((lang for lang, _ in ranked if lang != self.default), "")
        default_p = next((p for lang, p in ranked if lang == self.default), 0.0)
        return LanguageGuess(other, max(0.0, 1.0 - float(default_p)), letters, words, share)

    def _plainly_english(self, text: str) -> bool:
        """A fast first look for the common case: at least three words and 15% of them common
        English words (words other major languages also use are not on that list), read from
        the text without its links and handles. Such a text is English whatever the full
        clean-up would leave."""
        if self.default != "en":
            return False
        if "/" in text or "www" in text or "@" in text or "#" in text:  # links, handles
            text = _HASHTAG.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text)))
        words = _WORD.findall(text.lower())
        if len(words) < 3:
            return False
        hits = sum(map(_ENGLISH_WORDS.__contains__, words))
        return hits >= 3 and hits >= FAST_ENGLISH_SHARE * len(words)

    def _settled(self, letters: int, words: int, english_share: float) -> bool:
        """True when the text keeps the default language whatever py3langid says."""
        return (
            letters < self.min_letters
            or words < self.min_words
            or (self.default == "en" and english_share >= self.max_english_share)
        )

    def decide(self, guess: LanguageGuess) -> str:
        """The language the rule gives a text with this evidence."""
        if (
            not guess.language
            or guess.language == self.default
            or self._settled(guess.letters, guess.words, guess.english_share)
        ):
            return self.default
        needed = (
            self.min_probability_short
            if guess.letters < self.short_text_letters
            else self.min_probability
        )
        return guess.language if guess.probability >= needed else self.default

    def detect(self, texts: Iterable[str | None]) -> list[str]:
        """The language of each text (see :func:`detect_language`).

        With English as the default, a batch's texts go through a whole-batch first look
        (:func:`moderation.langscreen.settled_english`) that settles most of them at once, with
        the decisions of the per-text path; the others take the per-text path.
        """
        if isinstance(texts, str):
            raise TypeError("detect() takes a list of texts, not one str; wrap it: detect([text]).")
        items = list(texts)
        out = [self.default] * len(items)
        pending: list[int] = []
        for i, text in enumerate(items):
            if text is None or (isinstance(text, float) and math.isnan(text)):
                continue
            if not isinstance(text, str):
                raise TypeError(
                    f"texts[{i}] is {type(text).__name__}, not str; convert it with str() or drop it."
                )
            pending.append(i)
        if self.default == "en" and len(pending) >= _SCREEN_MIN:
            from moderation.langscreen import settled_english

            english = settled_english(
                [items[i] for i in pending], _ENGLISH_WORDS, min_letters=self.min_letters,
                min_words=self.min_words, max_english_share=self.max_english_share,
                fast_share=FAST_ENGLISH_SHARE)
            pending = [i for i, done in zip(pending, english.tolist(), strict=True) if not done]
        seen: dict[str, str] = {}
        for i in pending:
            text = items[i]
            language = seen.get(text)
            if language is None:
                language = self.default if self._plainly_english(text) else \
                    self.decide(self.guess(text, complete=False))
                if len(seen) < 10_000:  # repeated texts (copies, quotes) are detected once
                    seen[text] = language
            out[i] = language
        return out


# ------------------------------------------------------- py3langid's model, unpacked once
def _identifier_cache(candidates: Sequence[str]) -> Any:
    """Where py3langid's model, cut to ``candidates``, is kept unpacked (None: no cache).

    py3langid ships its model LZMA-compressed and unpacks it on every start (about 0.6 s); the
    unpacked copy for our candidate languages (about 40 MB) loads in a few milliseconds. The
    name holds py3langid's version, the model file's size and time, and the languages, so an
    upgrade makes a new copy. ``$MODERATION_CACHE_DIR`` moves it; an empty value turns it off.
    """
    import os
    from pathlib import Path

    folder = os.environ.get("MODERATION_CACHE_DIR")
    if folder == "":
        return None
    try:
        import py3langid
        from py3langid.langid import MODEL_DIR, MODEL_FILE

        if folder is None:
            import platformdirs

            folder = platformdirs.user_cache_dir("moderation")
        stat = (Path(MODEL_DIR) / MODEL_FILE).stat()
        version = getattr(py3langid, "__version__", "0")
    except (ImportError, OSError):
        return None
    key = f"{version}-{stat.st_size}-{int(stat.st_mtime)}-{'-'.join(sorted(candidates))}"
    return Path(folder) / f"py3langid-{key}.npz"


def _cached_identifier(candidates: Sequence[str]) -> Any:
    """py3langid's identifier from the unpacked cache, or None when there is none (or it is
    unreadable: it is then written again)."""
    from array import array

    import numpy as np

    path = _identifier_cache(candidates)
    if path is None or not path.is_file():
        return None
    try:
        from py3langid.langid import LanguageIdentifier

        with np.load(path, allow_pickle=False) as data:
            nextmove = array("I")
            nextmove.frombytes(np.ascontiguousarray(data["nextmove"], dtype=np.uint32).tobytes())
            row = array("H")
            row.frombytes(np.ascontiguousarray(data["row"], dtype=np.uint16).tobytes())
            return LanguageIdentifier(
                data["ptc"], data["pc"], data["classes"].tolist(), nextmove, data["output"].tolist(),
                norm_probs=True, tk_row=row)
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is simply rebuilt
        return None


def _save_identifier(identifier: Any, candidates: Sequence[str]) -> None:
    """Keep the candidate-language cut of a freshly unpacked model for the next start."""
    import os

    import numpy as np

    path = _identifier_cache(candidates)
    if path is None or getattr(identifier, "tk_nextmove", None) is None:
        return
    try:
        nextmove = identifier.tk_nextmove
        row = identifier.tk_row
        if getattr(nextmove, "typecode", None) != "I" or getattr(row, "typecode", None) != "H":
            return  # another py3langid layout: do not guess
        keep = [i for i, c in enumerate(identifier.nb_classes) if c in set(candidates)]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, ptc=np.ascontiguousarray(identifier.nb_ptc[:, keep]),
                     pc=np.asarray(identifier.nb_pc)[keep],
                     classes=np.array([identifier.nb_classes[i] for i in keep]),
                     nextmove=np.frombuffer(nextmove, dtype=np.uint32),
                     row=np.frombuffer(row, dtype=np.uint16),
                     output=np.asarray(identifier.tk_output, dtype=np.int64))
        os.replace(tmp, path)
    except (OSError, ValueError, TypeError):
        try:
            tmp.unlink()  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


_detectors: dict[str, LanguageDetector] = {}
_detectors_lock = threading.Lock()


def _detector(default: str) -> LanguageDetector:
    with _detectors_lock:
        detector = _detectors.get(default)
        if detector is None:
            candidates = CANDIDATE_LANGUAGES
            if default not in candidates:
                candidates = (*candidates, default)
            detector = _detectors[default] = LanguageDetector(candidates, default=default)
        return detector


def warm_up(default: str = "en") -> None:
    """Load py3langid's model now rather than on the first text that needs it (about 0.5 s);
    the HTTP service calls this at start so its first request is not slowed."""
    _detector(normalize_language(default)).load()


def detect_language(texts: Iterable[str | None], *, default: str = "en") -> list[str]:
    """Detect the language of each text, conservatively.

    Parameters
    ----------
    texts : iterable of str
        Comments. ``None``/NaN entries get ``default``.
    default : str
        ISO 639-1 code given to texts without confident evidence of another language: short,
        ambiguous or letter-poor texts, slang, disguised words, emoji, mixed-language text.

    Returns
    -------
    list of str
        One ISO 639-1 code per text, in input order.

    Examples
    --------
    >>> detect_language(["Gracias por el artículo", "lol", "f*ck u"])  # doctest: +SKIP
    ['es', 'en', 'en']
    """
    return _detector(normalize_language(default)).detect(texts)


# ----------------------------------------------------------------- supported languages
def normalize_language(code: str) -> str:
    """An ISO 639-1 code from a language tag: ``"en-US"`` -> ``"en"``, ``"DE"`` -> ``"de"``.

    Raises
    ------
    ValueError
        ``code`` is not a language tag.
    """
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*", code.strip()):
        raise ValueError(
            f"{code!r} is not a language code; use an ISO 639-1 code such as 'en' or a tag such "
            "as 'en-US'."
        )
    return re.split(r"[-_]", code.strip())[0].lower()


def supported_languages(card: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The languages a model was trained for, from its card's ``languages`` list.

    Parameters
    ----------
    card : mapping or None
        A model card (``model.json``).

    Returns
    -------
    tuple of str
        ISO 639-1 codes, default first; :data:`SUPPORTED_LANGUAGES` when the card lists none.
    """
    listed = (card or {}).get("languages") or SUPPORTED_LANGUAGES
    if isinstance(listed, str):
        listed = [listed]
    return tuple(dict.fromkeys(normalize_language(code) for code in listed))


def unsupported_counts(languages: Iterable[str | None], supported: Iterable[str]) -> Counter[str]:
    """How many texts are in each unsupported language (``None`` entries are not counted)."""
    allowed = set(supported)
    return Counter(lang for lang in languages if lang is not None and lang == lang and lang not in allowed)


def describe_unsupported(counts: Mapping[str, int]) -> str:
    """One line for a run summary, e.g. ``"3 comments not scored: language de (2), fr (1)"``.

    Returns ``""`` when nothing was skipped.
    """
    total = sum(counts.values())
    if not total:
        return ""
    parts = ", ".join(f"{lang} ({n:,})" for lang, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    noun = "comment" if total == 1 else "comments"
    return f"{total:,} {noun} not scored: language {parts}"
