"""The whole-batch first look of language detection decides exactly as the per-text path.

:func:`moderation.langscreen.settled_english` settles most texts of a batch as English with
array operations; these tests compare a batch's languages (first look on) with each text
detected on its own (a batch of one never takes it), on the language fixtures, disguised
comments and hand-made edge cases.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moderation import language
from moderation.langscreen import _Known, settled_english
from moderation.language import _ENGLISH_WORDS, LanguageDetector
from moderation.obfuscate import obfuscate

DATA = Path(__file__).parent / "data" / "language"
RESOURCES = Path(language.__file__).parent / "resources" / "comments"

EDGE = [
    "", " ", "\n", "I", "a I", "and I", "you I'm", "x _I", "Hola I", "I I I I", "word\x1cI",
    "the\nI", "der\x0bI\x1fdie", "'I'", "a'I", "it's 'I' you", "I'm sure I, you and I agree",
    # digits and disguised tokens
    "1d10t you are", "w0rd w0rd the the the", "you2 are the b3st and this is 4 u",
    "f*ck you and your mother", "$hut up the you", "c**t", "100% sure you're right",
    "$100 the and you", "Das ist 100 Prozent richtig und gut so",
    "Ich bin 25 Jahre alt und wohne in Berlin seit 2010",
    "Tengo 3 hijos y vivo en Madrid desde hace 10 anos",
    # apostrophes
    "rock'n'roll is the best you know", "y'all're", "abc''def the", "don't you dare",
    "Shouldn't they have known", "shouldn'tx the theatre", "SHOULDN'T YOU", "the'the the",
    # spaced and stretched letters
    "s c u m", "J e w s out", "a.b.c the the", "i.d.i.o.t you are", "sooo good the you",
    "noooo way este es un", "k_i_l_l them all",
    # links, handles, placeholders, entities
    "RT this is it", "<user> hi", "URL here and there", "go to example.com now you",
    "mail me at a@b.co", "#tag the you and", "@someone esto es una vergüenza total",
    "https://example.org/das-ist-gut ist sehr gut", "www.spiegel.de Das ist wirklich gut",
    "Tom &amp; Jerry are the best", "&#73; &#97;m here and there",
    # other languages, scripts and mixtures
    "Vielen Dank für diese Recherche, sehr gut gemacht",
    "Dies ist ein ganz normaler deutscher Satz ohne Umlaute",
    "Esta es una frase normal en castellano sin acentos",
    "Ceci est une phrase tout a fait normale en francais",
    "Questa e una frase normale in italiano senza accenti",
    "Dit is een gewone Nederlandse zin zonder bijzondere tekens",
    "Il est 5h et je suis fatigue ce matin", "Это просто нормальное предложение на русском",
    "Іslаm is a religion of peace", "ᴛʜɪs ɪs sᴍᴀʟʟ ᴄᴀᴘs ᴛᴇxᴛ",
    "Das ist gut, you know what I mean", "THIS IS SHOUTING IN ALL CAPS ARE YOU",
    "ESTO ES UNA VERGÜENZA PARA TODOS NOSOTROS",
]


def _fixtures() -> list[str]:
    texts: list[str] = []
    for name in ("foreign.csv", "tricky_english.csv"):
        texts += [t for t in pd.read_csv(DATA / name, keep_default_na=False)["text"] if isinstance(t, str)]
    return texts


def _comments() -> list[str]:
    frames = [pd.read_csv(p) for p in sorted(RESOURCES.glob("*.csv"))]
    return [t for t in pd.concat(frames)["text"].dropna().tolist() if isinstance(t, str)]


def _one_by_one(detector: LanguageDetector, texts: list) -> list[str]:
    assert language._SCREEN_MIN > 1  # a batch of one takes the per-text path
    return [detector.detect([t])[0] for t in texts]


@pytest.mark.parametrize("source", ["edge", "fixtures", "comments", "disguised", "shuffled"])
def test_batch_languages_equal_the_per_text_path(source: str) -> None:
    rng = random.Random(7)
    if source == "edge":
        texts = EDGE * 2
    elif source == "fixtures":
        texts = _fixtures()
    elif source == "comments":
        texts = rng.sample(_comments(), 1500)
    elif source == "disguised":
        texts = [obfuscate(t, seed=i) for i, t in enumerate(rng.sample(_comments(), 1500))]
    else:  # fragments: short and mixed texts, words out of order
        pool = _fixtures() + _comments()
        texts = []
        for t in rng.sample(pool, 1500):
            words = t.split()
            rng.shuffle(words)
            texts.append(" ".join(words[: rng.randint(1, 12)]))
    detector = LanguageDetector()
    assert detector.detect(texts) == _one_by_one(detector, texts)


def test_the_first_look_settles_most_english_and_no_foreign_text() -> None:
    texts = _comments()[:2000] + _fixtures()
    detector = LanguageDetector()
    settled = settled_english(texts, _ENGLISH_WORDS, min_letters=detector.min_letters,
                              min_words=detector.min_words,
                              max_english_share=detector.max_english_share,
                              fast_share=language.FAST_ENGLISH_SHARE)
    assert settled[:2000].mean() > 0.5
    languages = _one_by_one(detector, texts)
    assert all(lang == "en" for lang, done in zip(languages, settled, strict=True) if done)


def test_missing_texts_and_texts_pyarrow_cannot_read_keep_the_per_text_path() -> None:
    texts = ["\ud800 the you and", None, float("nan"), "Vielen Dank für diese Recherche, sehr gut gemacht"]
    texts = texts + EDGE
    got = LanguageDetector().detect(texts)
    assert got[1] == got[2] == "en"
    assert got[3] == "de"
    detector = LanguageDetector()
    assert got == [detector.default if t is None or (isinstance(t, float) and math.isnan(t))
                   else detector.detect([t])[0] for t in texts]


def test_a_non_string_is_still_refused_at_its_index() -> None:
    with pytest.raises(TypeError, match=r"texts\[40\] is int"):
        LanguageDetector().detect(["you are the best"] * 40 + [3])


def test_known_words_match_whole_words_only() -> None:
    known = _Known(["the", "shouldn't", "you're", "a"])
    text = b"the The theatre th shouldn't SHOULDN'T shouldn'tx you're youre a"
    chars = np.frombuffer(text, dtype=np.uint8)
    words = text.split(b" ")
    length = np.array([len(w) for w in words])
    start = np.cumsum(length + 1) - length - 1
    assert known.contains(chars, start, length).tolist() == [
        True, True, False, False, True, True, False, True, False, True]


FUZZ_WORDS = [
    "the", "you", "I", "i", "I'm", "don't", "rock'n'roll", "y'all", "shouldn't", "Shouldn't", "THE",
    "a", "das", "ist", "gut", "und", "es", "una", "la", "que", "x1", "2day", "b4", "''", "'", "-",
    ".", ",", "!", "?", "I.", "(I)", "'I'", "the'", "'the", "\x1c", "\x0b", "\n", "\t", "abc", "word",
    "Vielen", "Dank", "für", "’", "isn't", "lol", "and", "I,", "I-", "-I", "a'b'c'd", "o'",
    "you're", "Youre", "kot", "hund", "maison", "casa", "perro", "gato", "Haus", "sooo", "h e l p",
]


@pytest.mark.parametrize("rule", [
    {},
    {"max_english_share": 0.3, "min_words": 5, "min_letters": 30},
    {"max_english_share": 0.05, "min_words": 2, "min_letters": 5},
])
def test_a_trigger_happy_detector_finds_no_text_settled_wrongly(rule: dict) -> None:
    # with no probability needed, every text that reaches py3langid and is not best read as
    # English is called foreign: a text the first look settled wrongly would show
    rng = random.Random(11)
    seps = [" ", "  ", "\n", "", "-", ", ", " '", "' "]
    texts = ["".join(rng.choice(FUZZ_WORDS) + rng.choice(seps) for _ in range(rng.randint(0, 25)))
             for _ in range(1500)] + EDGE
    detector = LanguageDetector(min_probability=0.0, min_probability_short=0.0, **rule)
    got = detector.detect(texts)
    assert got == _one_by_one(detector, texts)
    assert sum(lang != "en" for lang in got) > 20
