"""Explanations a moderator can read: the words and phrases of a comment that drove its scores.

The model scores features (word n-grams, character n-grams, lexicon counts and, when the
model has it, the category stream). A moderator reads words. :func:`explain_items` finds where
each feature of one comment occurs, in words of the normalised text, maps those words back to
the original text (punctuation trimmed, a disguise such as ``1d10t`` kept whole), and adds up,
per label, the contribution of every feature that sits on the same word or phrase:

- a feature found in several places splits its contribution equally between them;
- contributions to the same original text are summed (a word's word feature, its character
  n-grams and its lexicon category together make one item);
- the places that read the same (``1d10t`` and ``idiot``) form one item with several spans;
- an item made only of function words (:data:`FUNCTION_WORDS`: "you", "the", "to", ...) is
  never shown: "kill you" is, "you" alone is not.

:meth:`moderation.model.Model.explain` and :meth:`moderation.model.Model.reasons` format the
result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moderation.features import (
    LABELS,
    SKIP_WINDOW,
    STREAM_TOKENS,
    WORD_TOKEN_PATTERN,
    CategoryNgramVectorizer,
)
from moderation.normalize import (
    _LEAD_PUNCT,
    _LEET,
    _MASK_CHARS,
    _TRAIL_PUNCT,
    ECHO_TOKEN,
    NUMBER_TOKEN,
    QUOTE_TOKEN,
    Token,
)

__all__ = ["FUNCTION_WORDS", "ExplainedItem", "explain_items", "trim_span"]

#: Words never listed on their own in an explanation (they still appear inside phrases, as in
#: "kill you"): articles, pronouns, auxiliaries and modals, prepositions, conjunctions,
#: negations and the pieces contractions split into ("don't" -> "don", "t"). Normalised
#: (lower-case) spellings; ``xnum`` stands for any number.
FUNCTION_WORDS: frozenset[str] = frozenset(
    """
    a an the this that these those some any all each every both either neither such
    i me my mine myself we us our ours ourselves you your yours yourself yourselves u ur ya
    youre thou he him his himself she her hers herself it its itself they them their theirs
    themselves one ones
    am is are was were be been being do does did doing done have has had having
    will would shall should can could may might must cannot ought
    to of in on at by for with from into onto upon about as than then so too very just also
    up out off over under again further once only own same other
    and or but if because while until nor not no yes
    there here what which who whom whose when where why how
    s t d ll m re ve don doesn didn isn aren wasn weren won wouldn shouldn couldn hasn haven
    hadn mustn dont doesnt didnt isnt arent wasnt werent wont wouldnt shouldnt couldnt cant
    im ive id youve youd youll hes shes thats theres
    """.split()
) | {NUMBER_TOKEN, QUOTE_TOKEN}

_WORD_RE = re.compile(WORD_TOKEN_PATTERN)
# Characters the normaliser reads as letters ("1d10t", "$hit", "f*ck"): never trimmed from the
# start of a span. A trailing one the normaliser strips ("idiot!") is still trimmed.
_DISGUISE_CHARS = frozenset(_LEET) | frozenset(_MASK_CHARS) | {"@", "#"}


@dataclass
class ExplainedItem:
    """One word or phrase of a comment and how much it pushed one label's score.

    Attributes
    ----------
    ngram : str
        The normalised reading of the words ("idiot" for ``1d10t``, "kill you").
    type : str
        Feature block of the largest contribution: "word", "char", "lexicon" or "category".
    weight : float
        Summed contribution of the features on these words to the label's calibrated linear
        score (unrounded).
    spans : list of (int, int)
        Where the words sit in the original text, in text order.
    span_weights : list of float
        The share of ``weight`` each span carries.
    features : dict
        ``{(block type, feature name): contribution}`` of every feature on these words.
    """

    ngram: str
    type: str
    weight: float
    spans: list[tuple[int, int]]
    span_weights: list[float]
    features: dict[tuple[str, str], float] = field(default_factory=dict)

    def as_dict(self, text: str) -> dict[str, Any]:
        """The item as :meth:`moderation.model.Model.explain` returns it."""
        feats = sorted(self.features.items(), key=lambda kv: (-kv[1], kv[0]))
        return {
            "ngram": self.ngram,
            "type": self.type,
            "weight": round(self.weight, 4),
            "spans": [[s, e] for s, e in self.spans],
            "text": [text[s:e] for s, e in self.spans],
            "features": [
                {"type": kind, "feature": name, "weight": round(w, 4)} for (kind, name), w in feats
            ],
        }


@dataclass
class _Words:
    """The normalised words of one comment, as every feature block sees them."""

    words: list[str]
    spans: list[tuple[int, int] | None]  # original span per word; None: a marker (a quote mark)
    pieces: list[tuple[str, int, int]]  # whitespace pieces (char n-grams) and their word range


def _trimmable(ch: str, table: str) -> bool:
    if ch in table:
        return True
    if ch in _DISGUISE_CHARS:
        return False
    return unicodedata.category(ch)[0] in "PSZC"  # punctuation, symbols, spaces, controls


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without the punctuation around the word it covers.

    Leading and trailing punctuation, symbols and invisible characters are dropped
    ("you." -> "you", '"Muslims!"' -> "Muslims", "1d10t!!" -> "1d10t"); characters the
    normaliser reads as letters stay at the start ("$hit", "@ss"), and inner characters
    always stay ("f*ck", "i d i o t"). A span that is punctuation only is returned unchanged.

    Parameters
    ----------
    text : str
        The original comment.
    start, end : int
        Character offsets of a span of ``text``.

    Returns
    -------
    tuple of int
        The trimmed ``(start, end)``.
    """
    s, e = start, end
    while s < e and _trimmable(text[s], _LEAD_PUNCT):
        s += 1
    while e > s and _trimmable(text[e - 1], _TRAIL_PUNCT):
        e -= 1
    return (s, e) if s < e else (start, end)


def _echo_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The echo brackets "(((name)))" of a token, punctuation after them left out."""
    folded = [unicodedata.normalize("NFKC", c) for c in text[start:end]]
    first = next((i for i, c in enumerate(folded) if c == "("), 0)
    last = max((i for i, c in enumerate(folded) if c == ")"), default=len(folded) - 1)
    return start + first, start + max(first, last) + 1


def _align(text: str, words: Sequence[str], region: tuple[int, int]) -> list[tuple[int, int]]:
    """Spans of several normalised words of one token ("covid 19" in "covid-19"): each word is
    looked for, in order, in the token's original text; a word not found there (a disguise)
    gets the whole token."""
    s, e = region
    hay = "".join(c.lower() if len(c.lower()) == 1 else "\0" for c in text[s:e])
    out: list[tuple[int, int]] = []
    cursor = 0
    for w in words:
        p = hay.find(w, cursor)
        if p < 0:
            out.append(region)
            continue
        out.append((s + p, s + p + len(w)))
        cursor = p + len(w)
    return out


def _words_of(text: str, tokens: Sequence[Token]) -> _Words:
    """Normalised words with their original spans, from the normaliser's tokens."""
    words: list[str] = []
    spans: list[tuple[int, int] | None] = []
    pieces: list[tuple[str, int, int]] = []
    for tok in tokens:
        first = len(words)
        for piece in tok.text.split():
            found = _WORD_RE.findall(piece)
            pieces.append((piece, len(words), len(words) + len(found)))
            words.extend(found)
        tok_words = words[first:]
        tok_spans: list[tuple[int, int] | None] = [None] * len(tok_words)
        region = trim_span(text, tok.start, tok.end)
        content = [k for k, w in enumerate(tok_words) if w != QUOTE_TOKEN]
        if ECHO_TOKEN in tok_words:
            k = tok_words.index(ECHO_TOKEN)
            tok_spans[k] = _echo_span(text, tok.start, tok.end)
            content.remove(k)
            region = trim_span(text, *tok_spans[k])
        if len(content) == 1:
            tok_spans[content[0]] = region
        elif content:
            for k, span in zip(content, _align(text, [tok_words[k] for k in content], region), strict=True):
                tok_spans[k] = span
        spans.extend(tok_spans)
    return _Words(words, spans, pieces)


def _block_kind(vec: Any) -> str | None:
    """Which kind of feature block ``vec`` is, or None when its features cannot be located."""
    if isinstance(vec, CategoryNgramVectorizer):
        return "category"
    if hasattr(vec, "matches"):
        return "lexicon"
    if hasattr(vec, "vocabulary_"):
        if vec.analyzer == "word":
            return "word"
        if vec.analyzer in ("char_wb", "char"):
            return "char"
    return None


def _occurrences(kind: str, vec: Any, w: _Words) -> dict[str, set[tuple[int, int]]]:
    """Feature name -> word ranges ``(i, j)`` (``words[i:j]``) where it occurs."""
    out: dict[str, set[tuple[int, int]]] = {}
    words = w.words
    if kind == "lexicon":
        for name, idxs in vec.matches(list(words)).items():
            out.setdefault(name, set()).update((i, i + 1) for i in idxs)
        return out
    vocab = vec.vocabulary_
    lo, hi = vec.ngram_range
    if kind == "word":
        for n in range(lo, hi + 1):
            for i in range(len(words) - n + 1):
                gram = " ".join(words[i : i + n])
                if gram in vocab:
                    out.setdefault(gram, set()).add((i, i + n))
    elif kind == "category":
        tokens = vec.stream_tokens() if hasattr(vec, "stream_tokens") else STREAM_TOKENS
        mapped = [tokens.get(x) or x for x in words]
        marked = [x in tokens for x in words]
        for n in range(lo, hi + 1):
            for i in range(len(words) - n + 1):
                if any(marked[i : i + n]):
                    gram = " ".join(mapped[i : i + n])
                    if gram in vocab:
                        out.setdefault(gram, set()).add((i, i + n))
        cats = [i for i, m in enumerate(marked) if m]
        for a, i in enumerate(cats):  # skip-pairs: the words from the first to the second
            for j in cats[a + 1 :]:
                if j - i > SKIP_WINDOW:
                    break
                gram = f"{mapped[i]}~{mapped[j]}"
                if j - i > 1 and gram in vocab:
                    out.setdefault(gram, set()).add((i, j + 1))
    else:  # char_wb n-grams live inside one whitespace piece of the normalised text
        for piece, i, j in w.pieces:
            if i == j:
                continue
            padded = f" {piece} "
            grams = {padded} if len(padded) < lo else set()
            for n in range(lo, hi + 1):
                grams.update(padded[k : k + n] for k in range(len(padded) - n + 1))
            for gram in grams:
                if gram in vocab:
                    out.setdefault(gram, set()).add((i, j))
    return out


def _range_span(w: _Words, i: int, j: int) -> tuple[int, int] | None:
    got = [s for s in w.spans[i:j] if s is not None]
    if not got:
        return None
    return min(s for s, _ in got), max(e for _, e in got)


def _reading(w: _Words, i: int, j: int) -> str:
    return " ".join(x for x, s in zip(w.words[i:j], w.spans[i:j], strict=True) if s is not None)


def explain_items(pipeline: Any, text: str) -> dict[str, list[ExplainedItem]]:
    """Every word or phrase of ``text`` that pushed each label's score up, largest push first.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        A fitted ``normalize -> features -> classify`` pipeline.
    text : str
        One comment.

    Returns
    -------
    dict
        ``{label: [ExplainedItem, ...]}`` for each label of :data:`LABELS`, sorted by weight
        (largest first), with positive weights only and no item made of function words alone.
    """
    normalizer = pipeline.named_steps["normalize"]
    union = pipeline.named_steps["features"]
    clf = pipeline.named_steps["classify"]
    tokens = normalizer.tokens(text)
    w = _words_of(text, tokens)
    norm_text = " ".join(t.text for t in tokens)

    located: list[tuple[int, str, str, list[tuple[tuple[int, int], tuple[int, int]]]]] = []
    offset = 0
    for _, vec in union.transformer_list:
        kind = _block_kind(vec)
        if hasattr(vec, "vocabulary_"):
            index, width = vec.vocabulary_, len(vec.vocabulary_)
        else:
            names = list(vec.get_feature_names_out())
            index, width = {n: k for k, n in enumerate(names)}, len(names)
        if kind is not None:
            for name, ranges in _occurrences(kind, vec, w).items():
                places = [(r, span) for r in sorted(ranges) if (span := _range_span(w, *r)) is not None]
                if places and name in index:
                    located.append((offset + index[name], kind, name, places))
        offset += width

    row = union.transform([norm_text]).tocsr().getrow(0).toarray().ravel()
    result: dict[str, list[ExplainedItem]] = {}
    for j, label in enumerate(LABELS):
        est = clf.estimators_[j]
        coef = np.ravel(est.effective_coef_ if hasattr(est, "effective_coef_") else est.coef_)
        slope = float(clf.calibration_[j, 0])
        # contributions per original span, with the word range that reads it
        per_span: dict[tuple[int, int], list[Any]] = {}
        for col, kind, name, places in located:
            contribution = float(row[col] * coef[col] * slope)
            if contribution == 0.0:
                continue
            share = contribution / len(places)
            for (i, k), span in places:
                acc = per_span.setdefault(span, [0.0, i, k, {}])
                acc[0] += share
                acc[1], acc[2] = min(acc[1], i), max(acc[2], k)
                acc[3][(kind, name)] = acc[3].get((kind, name), 0.0) + share
        # places that read the same are one item
        items: dict[str, ExplainedItem] = {}
        for span in sorted(per_span):
            weight, i, k, feats = per_span[span]
            reading = _reading(w, i, k)
            item = items.get(reading)
            if item is None:
                item = items[reading] = ExplainedItem(reading, "", 0.0, [], [])
            item.weight += weight
            item.spans.append(span)
            item.span_weights.append(weight)
            for key, v in feats.items():
                item.features[key] = item.features.get(key, 0.0) + v
        kept = []
        for item in items.values():
            words = item.ngram.split()
            if round(item.weight, 4) <= 0 or not words or all(x in FUNCTION_WORDS for x in words):
                continue
            item.type = max(item.features.items(), key=lambda kv: kv[1])[0][0]
            kept.append(item)
        kept.sort(key=lambda it: (-it.weight, it.spans[0]))
        result[label] = kept
    return result
