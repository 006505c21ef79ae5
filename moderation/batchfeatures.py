"""Whole-batch feature extraction: the scoring features of many comments with array operations.

:class:`~moderation.features.TextFeatures` computes its blocks (word 1-2-grams, char_wb
n-grams, lexicon counts, the category stream, word vectors) comment by comment, token by token,
in Python; on a batch of comments the model has never seen, that loop is most of the time.
:class:`BatchFeatures` gives the same matrix, ``features.transform(normalizer.transform(texts))``
(tests check it), with per-token Python only for tokens it has not met before:

* every distinct raw token (a whitespace-delimited piece of a comment), normalised token and
  word gets an integer id once, with everything that depends on it alone kept in arrays: the
  normalised tokens a raw token becomes, a normalised token's words and char n-gram columns, a
  word's column, lexicon categories and flags, category-stream term and word-vector row;
* a batch is split into raw tokens and deduplicated by pyarrow's kernels, its distinct tokens
  mapped to ids with C-speed dictionary lookups, and every block built from numpy gathers of
  those arrays: word and char n-gram counts as a sparse product (comments x tokens) @ (tokens x
  columns), word pairs and category n-grams as integer keys looked up in hash tables probed with
  whole-array steps, the lexicon's "abuse within three words after you" with running maxima;
* the char n-gram columns of new tokens are found for all of them at once, each n-gram encoded
  as an integer over the alphabet of the char vocabulary.

Comments with runs of one-letter tokens ("s c u m") are normalised by the span-keeping reader
(:func:`moderation.normalize.normalize_tokens`), as in the plain path. The arithmetic of the
TF-IDF blocks is the estimators' own (shared methods), so the matrices are equal, not close.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from scipy import sparse

from moderation.arrowtext import string_array
from moderation.normalize import (
    _TRAIL_PUNCT,
    _is_letter_token,
    cached_token,
    normalize_tokens,
    read_plain,
    simple_tokens,
)

__all__ = ["BatchFeatures", "batch_features"]

#: Tables past these sizes are dropped and rebuilt, with the normaliser's token cache (bounds
#: memory on endless streams of new words: about 150 MB per process at these sizes, which a
#: million distinct or disguised comments reach; --jobs 2 holds two).
_RAW_LIMIT = 300_000
_NORM_LIMIT = 200_000


class _Ragged:
    """Variable-length int32 rows, appended in blocks and read back for many row ids at once."""

    def __init__(self) -> None:
        self.ptr = np.zeros(1, dtype=np.int64)
        self._values = np.zeros(1024, dtype=np.int32)

    @property
    def values(self) -> np.ndarray:
        return self._values[: self.ptr[-1]]

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def append(self, lengths: np.ndarray, values: np.ndarray) -> None:
        """Add ``len(lengths)`` rows whose values, concatenated, are ``values``."""
        end = int(self.ptr[-1])
        need = end + len(values)
        if need > len(self._values):
            grown = np.zeros(max(need, 2 * len(self._values)), dtype=np.int32)
            grown[:end] = self._values[:end]
            self._values = grown
        self._values[end:need] = values
        self.ptr = np.concatenate([self.ptr, end + np.cumsum(lengths, dtype=np.int64)])

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values of ``rows``, concatenated in order, and each row's length."""
        starts = self.ptr[rows]
        lengths = self.ptr[rows + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int32), lengths
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return self._values[shift + np.arange(total, dtype=np.int64)], lengths


class _KeyTable:
    """Integer keys -> int32 values, looked up for many keys at once: an open-addressing hash
    table (linear probing, a quarter full) probed with whole-array steps, a few times faster
    than a binary search of sorted keys on the hundreds of thousands of look-ups of a batch.
    """

    _EMPTY = -1
    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        if len(keys) and keys.min() < 0:
            raise ValueError("keys must be non-negative")
        self.bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        self.mask = (1 << self.bits) - 1
        self.keys = np.full(1 << self.bits, self._EMPTY, dtype=np.int64)
        self.values = np.zeros(1 << self.bits, dtype=np.int32)
        pending = np.arange(len(keys))
        slot = self._home(keys)
        while len(pending):
            at = slot[pending]
            free = self.keys[at] == self._EMPTY
            taken, first = np.unique(at[free], return_index=True)
            winners = pending[free][first]
            self.keys[taken] = keys[winners]
            self.values[taken] = values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask  # every slot passed is taken

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def get(self, queries: np.ndarray) -> np.ndarray:
        """The value of each (non-negative) key, -1 for keys not in the table."""
        out = np.full(len(queries), -1, dtype=np.int32)
        active = np.arange(len(queries))
        slot = self._home(queries)
        while len(active):
            held = self.keys[slot]
            hit = held == queries[active]
            out[active[hit]] = self.values[slot[hit]]
            going = ~hit & (held != self._EMPTY)
            active = active[going]
            slot = (slot[going] + 1) & self.mask
        return out


class _CharGrams:
    """Char_wb n-gram columns of many tokens at once, as sklearn's ``char_wb`` analyzer finds them.

    Each token is padded with a space on both sides; every window of ``lo`` to ``hi`` characters
    inside the padded token is an n-gram (a padded token shorter than ``lo`` is one n-gram of its
    own). Characters are coded over the alphabet of the vocabulary (1..A, 0 for any other, which
    no vocabulary n-gram holds) and a window of length m becomes the integer
    ``m * B**hi + sum(code_k * B**(m-1-k))`` with ``B = A + 1``, looked up in a hash table of
    the vocabulary's keys.
    """

    def __init__(self, vocabulary: Mapping[str, int], ngram_range: tuple[int, int]) -> None:
        self.lo, self.hi = ngram_range
        terms = list(vocabulary)
        alphabet = sorted(set("".join(terms)))
        self.base = len(alphabet) + 1
        self.ok = bool(terms) and (self.hi + 2) * self.base ** self.hi < 2**62 and all(
            1 <= len(t) <= self.hi for t in terms)
        if not self.ok:
            return
        self.code = np.zeros(0x110000, dtype=np.int32)
        self.code[[ord(c) for c in alphabet]] = np.arange(1, len(alphabet) + 1, dtype=np.int32)
        codes = self._codes("".join(terms))
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        starts = np.cumsum(lengths) - lengths
        keys = np.zeros(len(terms), dtype=np.int64)
        for k in range(self.hi):
            has = lengths > k
            keys[has] = keys[has] * self.base + codes[starts[has] + k]
        keys += lengths * self.base ** self.hi
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))
        self.table = _KeyTable(keys, columns.astype(np.int32))

    def _codes(self, text: str) -> np.ndarray:
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return self.code[points].astype(np.int64)

    def columns_of(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(lengths, columns)``: how many vocabulary n-grams each token has, and their columns
        (token by token; counted with repeats, as the analyzer emits them)."""
        n_tok = len(tokens)
        padded = np.fromiter(map(len, tokens), dtype=np.int64, count=n_tok) + 2
        codes = self._codes(" " + "  ".join(tokens) + " ")
        total = len(codes)
        token_of = np.repeat(np.arange(n_tok, dtype=np.int64), padded)
        end_of = np.repeat(np.cumsum(padded), padded)  # end of each position's padded token
        zeros = np.concatenate([[0], np.cumsum(codes == 0)])
        pos = np.arange(total, dtype=np.int64)
        hit_tok: list[np.ndarray] = []
        hit_col: list[np.ndarray] = []
        key = np.zeros(total, dtype=np.int64)
        for m in range(1, self.hi + 1):
            span = total - m + 1
            if span <= 0:
                break
            key = key[:span] * self.base + codes[m - 1 : m - 1 + span]
            if m < self.lo:
                # a padded token shorter than lo is one n-gram of its own
                keep = (padded[token_of[:span]] == m) & (pos[:span] + m == end_of[:span])
            else:
                keep = pos[:span] + m <= end_of[:span]
            keep &= zeros[m : m + span] == zeros[:span]
            where = np.flatnonzero(keep)
            if not len(where):
                continue
            cols = self.table.get(key[where] + m * self.base ** self.hi)
            found = cols >= 0
            hit_tok.append(token_of[where[found]])
            hit_col.append(cols[found])
        if not hit_tok:
            return np.zeros(n_tok, dtype=np.int64), np.zeros(0, dtype=np.int32)
        toks = np.concatenate(hit_tok)
        cols = np.concatenate(hit_col)
        order = np.argsort(toks, kind="stable")
        return np.bincount(toks, minlength=n_tok), cols[order]


def _read_simple(simple: str, vocab: Mapping[str, int] | frozenset[str]) -> str:
    """A simple token's reading (``"xquote word"`` or ``"word"``, from
    :func:`moderation.normalize.simple_tokens`) with its word read as the reader reads a plain
    word (glued words split, misspelt lexicon words read)."""
    head, _, word = simple.rpartition(" ")
    read = read_plain(word, vocab)
    return f"{head} {read}" if head else read


class BatchFeatures:
    """The feature matrix of raw comments, built for the whole batch with array operations.

    Equal to ``features.transform(normalizer.transform(texts))`` for a fitted
    :class:`~moderation.features.TextFeatures` whose configuration :meth:`supports` (the
    shipped one); :func:`batch_features` returns None for any other.

    Parameters
    ----------
    features : TextFeatures
        The fitted feature union (word, char, lexicon, then optionally category and embed).
    normalizer : TextNormalizer
        The fitted normaliser before it.
    """

    def __init__(self, features: Any, normalizer: Any) -> None:
        from moderation.features import QUOTE_TOKEN, YOU_WORDS, _plain_ints

        self.features = features
        self.normalizer = normalizer
        parts = dict(features.transformer_list)
        self.word, self.char, self.lexicon = parts["word"], parts["char"], parts["lexicon"]
        self.extras = [name for name, _ in features.transformer_list[3:]]
        self.category = parts.get("category")
        self.embed = parts.get("embed")
        self._lock = threading.Lock()
        state = features.__dict__.get("_fused_cache")
        if state is None:
            state = features.__dict__["_fused_cache"] = features._fused_state(self.word)
        _, _, (self.pair_keys, self.pair_cols), self.pair_width, (char_vocab, word_vocab) = state
        self.pair_table = _KeyTable(self.pair_keys, self.pair_cols)
        self.word_vocab = word_vocab
        self.pair_ids: dict[str, int] = features._ids
        self.n_word = len(word_vocab)
        self.grams = _CharGrams(char_vocab, self.char.ngram_range)
        self.char_vocab = char_vocab
        self.word_categories = self.lexicon.word_categories()
        self.special_words = frozenset(self.word_categories) | frozenset(YOU_WORDS) | {QUOTE_TOKEN}
        names = list(self.lexicon.get_feature_names_out())
        self.lex_col = {name: j for j, name in enumerate(names)}
        self.n_lex = len(names)
        if self.category is not None:
            self._category_tables()
        if self.embed is not None:
            self.embed_index = _plain_ints(self.embed.word_index_)
        self._reset()

    @staticmethod
    def supports(features: Any) -> bool:
        """Whether ``features`` is a configuration this class reproduces exactly."""
        from moderation.features import (
            WORD_TOKEN_PATTERN,
            CategoryNgramVectorizer,
            WordEmbeddingFeatures,
        )

        if not features._fast_ok():
            return False
        parts = dict(features.transformer_list)
        category, embed = parts.get("category"), parts.get("embed")
        if category is not None and not (
            isinstance(category, CategoryNgramVectorizer)
            and tuple(category.ngram_range) == (2, 3)
            and not category.binary and not category.lowercase and category.preprocessor is None
            and category.analyzer == "word"
            and type(category).build_analyzer is CategoryNgramVectorizer.build_analyzer
        ):
            return False
        if embed is not None and not isinstance(embed, WordEmbeddingFeatures):
            return False
        lexicon = parts["lexicon"]
        if parts["word"].token_pattern != WORD_TOKEN_PATTERN or not 0 < lexicon.window < 100:
            return False  # (the plain path's "last you" starts 100 words before the comment)
        names = set(lexicon.get_feature_names_out())
        cats = {c for cs in lexicon.word_categories().values() for c in cs}
        return all(f"lexicon:{c}" in names for c in cats) and {
            "lexicon:you+abuse", "lexicon:quoted+abuse", "lexicon:quote"} <= names

    # ------------------------------------------------------------------ tables
    def _reset(self) -> None:
        """Empty token tables (on start, and when they outgrow their bounds)."""
        self.raw_ids: dict[str, int] = {}
        self.raw_norm = _Ragged()  # raw token -> its normalised tokens
        self.raw_single = np.zeros(0, dtype=bool)  # a one-letter token ("s" of "s c u m")
        self.norm_ids: dict[str, int] = {}
        self.norm_words = _Ragged()  # normalised token -> its words
        self.norm_cols = _Ragged()  # normalised token -> its word and char n-gram columns
        self._columns: sparse.csr_matrix | None = None  # norm_cols as a matrix
        self.word_ids: dict[str, int] = {}
        self.w_col = np.zeros(0, dtype=np.int32)  # word unigram column or -1
        self.w_pair = np.zeros(0, dtype=np.int64)  # id among the words of word pairs, or -1
        self.w_code = np.zeros(0, dtype=np.uint8)  # you / quote / abuse flags
        self.w_lex = _Ragged()  # lexicon category columns
        self.w_term = np.zeros(0, dtype=np.int64)  # category-stream term id or -1
        self.w_cat = np.zeros(0, dtype=bool)  # a category word of the stream
        self.w_embed = np.zeros(0, dtype=np.int32)  # word-vector row or -1

    def _category_tables(self) -> None:
        """Integer keys of the category vocabulary's bigrams, trigrams and skip-pairs, built with
        pyarrow's string kernels (this runs on every cold start; the vocabulary holds tens of
        thousands of n-grams). A term's id is its place among the distinct terms; any numbering
        works, as words are looked up in the same table."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from moderation.features import _plain_ints

        vec = self.category
        self.stream_tokens = vec.stream_tokens()
        vocab = _plain_ints(vec.vocabulary_)
        grams = pa.array(list(vocab), type=pa.string())
        cols = np.fromiter(vocab.values(), dtype=np.int32, count=len(vocab))
        skip = pc.match_substring(grams, "~").to_numpy(zero_copy_only=False).astype(bool)
        # a skip-pair is "a~b"; other n-grams are words joined by single spaces
        parts = pc.if_else(pa.array(skip), pc.split_pattern(grams, "~"), pc.split_pattern(grams, " "))
        count = pc.list_value_length(parts).to_numpy(zero_copy_only=False).astype(np.int64)
        kind = np.where(skip, 2, count - 2)
        keep = np.where(kind == 1, count == 3, count == 2) & ((kind >= 0) & (kind <= 2))
        # (anything else cannot come out of category_ngrams)
        parts = parts.filter(pa.array(keep))
        kind, cols, count = kind[keep], cols[keep], count[keep]
        flat = pc.list_flatten(parts)
        names = pa.array(list(dict.fromkeys(self.stream_tokens.values())), type=pa.string())
        distinct = pc.unique(pa.concat_arrays([names, flat]))
        self.terms = dict(zip(distinct.to_pylist(), range(len(distinct)), strict=True))
        t = self.n_terms = len(distinct)
        ids = pc.index_in(flat, value_set=distinct).to_numpy(zero_copy_only=False).astype(np.int64)
        first = np.cumsum(count) - count
        a, b = ids[first], ids[first + 1]
        c = ids[np.minimum(first + 2, len(ids) - 1)] if len(ids) else ids
        keys = np.where(kind == 0, a * t + b,
                        np.where(kind == 1, t * t + (a * t + b) * t + c, t * t + t**3 + a * t + b))
        self.cat_table = _KeyTable(keys.astype(np.int64), cols)

    def _add_words(self, words: list[str]) -> None:
        """Give new words ids and their per-word attributes."""
        from moderation.features import _word_code

        start = len(self.word_ids)
        self.word_ids.update(zip(words, range(start, start + len(words)), strict=True))
        self.w_col = np.concatenate([self.w_col, np.fromiter(
            map(self.word_vocab.get, words, repeat(-1)), dtype=np.int32, count=len(words))])
        self.w_pair = np.concatenate([self.w_pair, np.fromiter(
            map(self.pair_ids.get, words, repeat(-1)), dtype=np.int64, count=len(words))])
        # lexicon flags and categories: only words of the lexicon, "you" words and the quote
        # mark have any, found with one C-speed set test over the new words
        lexicon = self.word_categories
        n = len(words)
        code = np.zeros(n, dtype=np.uint8)
        per_word = np.zeros(n, dtype=np.int64)
        columns: list[int] = []
        for i in np.flatnonzero(np.fromiter(map(self.special_words.__contains__, words), dtype=bool,
                                            count=n)).tolist():
            word = words[i]
            code[i] = _word_code(word, lexicon)
            cats = lexicon.get(word, ())
            per_word[i] = len(cats)
            columns.extend(self.lex_col[f"lexicon:{c}"] for c in cats)
        self.w_code = np.concatenate([self.w_code, code])
        self.w_lex.append(per_word, np.array(columns, dtype=np.int32))
        if self.category is not None:
            tokens = self.stream_tokens
            term = np.fromiter(map(self.terms.get, words, repeat(-1)), dtype=np.int64, count=n)
            is_cat = np.fromiter(map(tokens.__contains__, words), dtype=bool, count=n)
            for i in np.flatnonzero(is_cat).tolist():  # a category word stands for its category
                term[i] = self.terms.get(tokens[words[i]], -1)
            self.w_term = np.concatenate([self.w_term, term])
            self.w_cat = np.concatenate([self.w_cat, is_cat])
        if self.embed is not None:
            self.w_embed = np.concatenate([self.w_embed, np.fromiter(
                map(self.embed_index.get, words, repeat(-1)), dtype=np.int32, count=len(words))])

    def _add_norm(self, tokens: list[str]) -> None:
        """Give new normalised tokens ids, their words and their char n-gram columns."""
        from moderation.features import _char_wb_columns

        start = len(self.norm_ids)
        self.norm_ids.update(zip(tokens, range(start, start + len(tokens)), strict=True))
        # the words of a token of lower-case ASCII letters only (most of them) are the token
        findall = re.compile(self.word.token_pattern).findall
        alone = _letters_only(tokens)
        words = [[t] if a else findall(t) for t, a in zip(tokens, alone, strict=True)]
        flat = list(chain.from_iterable(words))
        get = self.word_ids.get
        new = [w for w in dict.fromkeys(flat) if get(w) is None]
        if new:
            self._add_words(new)
        ids = np.fromiter(map(self.word_ids.__getitem__, flat), dtype=np.int32, count=len(flat))
        per_token = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.norm_words.append(per_token, ids)
        if self.grams.ok:
            lengths, cols = self.grams.columns_of(tokens)
        else:
            lo, hi = self.char.ngram_range
            per = [_char_wb_columns(t, lo, hi, self.char_vocab) for t in tokens]
            lengths = np.fromiter(map(len, per), dtype=np.int64, count=len(per))
            cols = np.fromiter(chain.from_iterable(per), dtype=np.int32, count=int(lengths.sum()))
        # a token's row of the word+char block: its words' columns, then its char n-grams'
        word_cols = self.w_col[ids]
        known = word_cols >= 0
        owner = np.concatenate([np.repeat(np.arange(len(tokens)), per_token)[known],
                                np.repeat(np.arange(len(tokens)), lengths)])
        order = np.argsort(owner, kind="stable")
        values = np.concatenate([word_cols[known], cols + self.n_word])[order]
        self.norm_cols.append(np.bincount(owner, minlength=len(tokens)), values)
        self._columns = None

    def _norm_ids_of(self, tokens: list[str]) -> np.ndarray:
        """Ids of normalised tokens, adding the new ones."""
        get = self.norm_ids.get
        new = [t for t in dict.fromkeys(tokens) if get(t) is None]
        if new:
            self._add_norm(new)
        return np.fromiter(map(self.norm_ids.__getitem__, tokens), dtype=np.int32, count=len(tokens))

    def _add_raw(self, raws: list[str]) -> None:
        """Give new raw tokens ids: normalise each (memoised in the normaliser's cache)."""
        vocab = self.normalizer.vocabulary_
        cache = self.normalizer.__dict__.setdefault("_cache", {})
        # simple tokens (most of them) are read for the whole batch at once, the others one by one
        simple = simple_tokens(raws)
        pieces = [(cached_token(r, vocab, cache) if p is None else _read_simple(p, vocab)).split()
                  for r, p in zip(raws, simple, strict=True)]
        ids = self._norm_ids_of(list(chain.from_iterable(pieces)))
        start = len(self.raw_ids)
        self.raw_ids.update(zip(raws, range(start, start + len(raws)), strict=True))
        self.raw_norm.append(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)), ids)
        # a one-letter token is at most one character before its closing punctuation
        single = _stripped_lengths(raws) <= 1
        for i in np.flatnonzero(single).tolist():
            single[i] = _is_letter_token(raws[i])
        self.raw_single = np.concatenate([self.raw_single, single])

    # --------------------------------------------------------------- transform
    def transform(self, texts: Sequence[Any]) -> sparse.csr_matrix:
        """The feature matrix of raw comments (``None`` reads as "", anything else as ``str``)."""
        docs = ["" if x is None else x if isinstance(x, str) else str(x) for x in texts]
        with self._lock:
            if len(self.raw_ids) > _RAW_LIMIT or len(self.norm_ids) > _NORM_LIMIT:
                self._reset()
                self.normalizer.__dict__.get("_cache", {}).clear()
            norm, norm_doc = self._normalised(docs)
            return self._matrix(len(docs), norm, norm_doc)

    def _raw_tokens(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the raw (whitespace-delimited) tokens of all comments, in order, and the
        comment of each; new tokens are added. Split and deduplicated by pyarrow's kernels
        (their whitespace is ``str.split``'s, a test checks every code point), so only the
        batch's distinct tokens are looked up in Python; ``str.split`` when pyarrow cannot
        take the texts (lone surrogates)."""
        import pyarrow.compute as pc

        array = string_array(docs)
        if array is None:
            return self._raw_tokens_python(docs)
        lists = pc.utf8_split_whitespace(array)
        flat = lists.flatten()
        keep = pc.binary_length(flat).to_numpy() > 0  # the kernel leaves "" at the ends
        raw_doc = pc.list_parent_indices(lists).to_numpy().astype(np.int64)[keep]
        encoded = pc.dictionary_encode(flat)
        distinct = encoded.dictionary.to_pylist()
        ids = np.fromiter(map(self.raw_ids.get, distinct, repeat(-1)), dtype=np.int64, count=len(distinct))
        where = [i for i in np.flatnonzero(ids < 0).tolist() if distinct[i]]
        if where:
            start = len(self.raw_ids)
            self._add_raw([distinct[i] for i in where])  # ids given in order from start
            ids[where] = np.arange(start, start + len(where))
        return ids[encoded.indices.to_numpy()[keep]], raw_doc

    def _raw_tokens_python(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_raw_tokens` with ``str.split``."""
        split = list(map(str.split, docs))
        counts = np.fromiter(map(len, split), dtype=np.int64, count=len(docs))
        flat = list(chain.from_iterable(split))
        raw = np.fromiter(map(self.raw_ids.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        missing = np.flatnonzero(raw < 0)
        if len(missing):
            at = missing.tolist()
            self._add_raw(list(dict.fromkeys(map(flat.__getitem__, at))))
            raw[missing] = np.fromiter(map(self.raw_ids.__getitem__, map(flat.__getitem__, at)),
                                       dtype=np.int64, count=len(at))
        return raw, np.repeat(np.arange(len(docs), dtype=np.int64), counts)

    def _normalised(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the normalised tokens of all comments, in order, and the comment of each."""
        n = len(docs)
        raw, raw_doc = self._raw_tokens(docs)
        # runs of 3+ one-letter tokens ("s c u m"): the span-keeping reader joins them
        single = self.raw_single[raw]
        run = single[:-2] & single[1:-1] & single[2:] & (raw_doc[:-2] == raw_doc[2:])
        spaced = np.zeros(n, dtype=bool)
        spaced[raw_doc[:-2][run]] = True
        if spaced.any():
            keep = ~spaced[raw_doc]
            raw, raw_doc = raw[keep], raw_doc[keep]
        norm, lengths = self.raw_norm.gather(raw)
        norm_doc = np.repeat(raw_doc, lengths)
        if spaced.any():
            vocab = self.normalizer.vocabulary_
            cache = self.normalizer.__dict__.setdefault("_cache", {})
            where = np.flatnonzero(spaced)
            pieces = [" ".join(t.text for t in normalize_tokens(docs[i], vocab, cache)).split() for i in where]
            extra = self._norm_ids_of(list(chain.from_iterable(pieces)))
            extra_doc = np.repeat(where, np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))
            order = np.argsort(np.concatenate([norm_doc, extra_doc]), kind="stable")
            norm = np.concatenate([norm, extra])[order]
            norm_doc = np.concatenate([norm_doc, extra_doc])[order]
        return norm, norm_doc

    def _matrix(self, n: int, norm: np.ndarray, norm_doc: np.ndarray) -> sparse.csr_matrix:

        words, per_norm = self.norm_words.gather(norm)
        word_doc = np.repeat(norm_doc, per_norm)
        wptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(word_doc, minlength=n), out=wptr[1:])
        blocks = [self._ngram_block(n, norm, norm_doc, words, word_doc),
                  self._lexicon_block(n, words, word_doc, wptr)]
        for name in self.extras:
            if name == "category":
                blocks.append(self._category_block(n, words, word_doc))
            else:
                blocks.append(self._embed_block(n, words, word_doc))
        return sparse.hstack(blocks, format="csr")

    def _pairs(self, words: np.ndarray, word_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the word pairs (bigrams) in the vocabulary."""
        if len(words) < 2:
            return word_doc[:0], np.zeros(0, dtype=np.int32)
        w = self.w_pair[words]
        a, b = w[:-1], w[1:]
        ok = np.flatnonzero((word_doc[:-1] == word_doc[1:]) & (a >= 0) & (b >= 0))
        cols = self.pair_table.get(a[ok] * self.pair_width + b[ok])
        found = cols >= 0
        return word_doc[ok[found]], cols[found]

    def _ngram_block(self, n: int, norm: np.ndarray, norm_doc: np.ndarray, words: np.ndarray,
                     word_doc: np.ndarray) -> sparse.csr_matrix:
        """Word 1-2-grams and char n-grams. The counts are (comments x tokens) @ (tokens x
        columns), a sparse product that sums repeated n-grams; word pairs are added as a second
        matrix."""
        from moderation.features import TextFeatures

        width = self.n_word + len(self.char_vocab)
        if self._columns is None:
            table = self.norm_cols
            self._columns = sparse.csr_matrix(
                (np.ones(len(table.values), dtype=np.float32), table.values, table.ptr),
                shape=(len(table), width))
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(norm_doc, minlength=n), out=ptr[1:])
        occurrences = sparse.csr_matrix((np.ones(len(norm), dtype=np.float32), norm, ptr),
                                        shape=(n, len(self.norm_cols)))
        # the product leaves each row's columns unsorted; two transposes (bucket sorts, linear
        # time) sort them, twice as fast as sorting each row
        X = (occurrences @ self._columns).tocsc().tocsr()
        pair_rows, pair_cols = self._pairs(words, word_doc)
        if len(pair_rows):
            X = X + _counts(pair_rows, pair_cols, n, width, np.float32)
        return TextFeatures._weigh(X, self.word, self.char)

    def _lexicon_block(self, n: int, words: np.ndarray, word_doc: np.ndarray, wptr: np.ndarray):
        """Lexicon category counts and the position-aware features, as ``log1p(count)``."""
        from moderation.features import _ABUSE, _QUOTE, _YOU

        lex, per_word = self.w_lex.gather(words)
        keys = [np.repeat(word_doc, per_word) * self.n_lex + lex]
        code = self.w_code[words]
        window = self.lexicon.window
        pos = np.arange(len(words), dtype=np.int64)
        start = wptr[:-1][word_doc]
        abuse = (code & _ABUSE) > 0
        for flag, name in ((_YOU, "lexicon:you+abuse"), (_QUOTE, "lexicon:quoted+abuse")):
            last = np.maximum.accumulate(np.where((code & flag) > 0, pos, -1)) if len(pos) else pos
            gap = pos - last
            fire = abuse & (last >= start) & (gap > 0) & (gap <= window)
            keys.append(word_doc[fire] * self.n_lex + self.lex_col[name])
        keys.append(word_doc[(code & _QUOTE) > 0] * self.n_lex + self.lex_col["lexicon:quote"])
        counts = np.bincount(np.concatenate(keys), minlength=n * self.n_lex).reshape(n, self.n_lex)
        r, c = np.nonzero(counts)
        values = np.log1p(counts[r, c].astype(np.float64)).astype(np.float32)
        return sparse.csr_matrix((values, (r, c)), shape=(n, self.n_lex), dtype=np.float32)

    def _category_block(self, n: int, words: np.ndarray, word_doc: np.ndarray):
        """The category stream: n-grams holding a category token, and skip-pairs of them."""
        from moderation.features import SKIP_WINDOW

        term = self.w_term[words]
        cat = self.w_cat[words]
        t = self.n_terms
        rows: list[np.ndarray] = []
        keys: list[np.ndarray] = []
        m = len(words)
        if m >= 2:
            a, b = term[:-1], term[1:]
            ok = (word_doc[:-1] == word_doc[1:]) & (cat[:-1] | cat[1:]) & (a >= 0) & (b >= 0)
            rows.append(word_doc[:-1][ok])
            keys.append(a[ok] * t + b[ok])
        if m >= 3:
            a, b, c = term[:-2], term[1:-1], term[2:]
            ok = ((word_doc[:-2] == word_doc[2:]) & (cat[:-2] | cat[1:-1] | cat[2:])
                  & (a >= 0) & (b >= 0) & (c >= 0))
            rows.append(word_doc[:-2][ok])
            keys.append(t * t + (a[ok] * t + b[ok]) * t + c[ok])
        for d in range(2, SKIP_WINDOW + 1):
            if m <= d:
                break
            a, b = term[:-d], term[d:]
            ok = (word_doc[:-d] == word_doc[d:]) & cat[:-d] & cat[d:] & (a >= 0) & (b >= 0)
            rows.append(word_doc[:-d][ok])
            keys.append(t * t + t**3 + a[ok] * t + b[ok])
        vec = self.category
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        k = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        c = self.cat_table.get(k)
        found = c >= 0
        r, c = r[found], c[found]
        X = _counts(r, c, n, len(vec.vocabulary_), vec.dtype)
        return vec.weigh_counts(X)

    def _embed_block(self, n: int, words: np.ndarray, word_doc: np.ndarray):
        """Word vectors: TF-IDF-weighted mean of the comment's words' vectors."""
        row = self.w_embed[words]
        has = row >= 0
        counts = _counts(word_doc[has], row[has], n, len(self.embed.word_index_), np.float32)
        return self.embed.vectors_of_counts(counts)


def _stripped_lengths(raws: list[str]) -> np.ndarray:
    """``len(raw.rstrip(_TRAIL_PUNCT))`` of each token, with pyarrow kernels when they take them."""
    import pyarrow.compute as pc

    array = string_array(raws)
    if array is None:
        return np.fromiter(map(len, map(str.rstrip, raws, repeat(_TRAIL_PUNCT))), dtype=np.int64,
                           count=len(raws))
    stripped = pc.utf8_rtrim(array, characters=_TRAIL_PUNCT)
    return pc.utf8_length(stripped).to_numpy(zero_copy_only=False).astype(np.int64)


def _letters_only(tokens: list[str]) -> list[bool]:
    """Which tokens are lower-case ASCII letters only (``\\b\\w+\\b`` finds the token itself
    as its one word), tested with a pyarrow kernel; all False when pyarrow cannot take them."""
    import pyarrow.compute as pc

    array = string_array(tokens)
    if array is None:
        return [False] * len(tokens)
    return pc.match_substring_regex(array, "^[a-z]+$").to_pylist()


def _counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, dtype) -> sparse.csr_matrix:
    """Canonical CSR count matrix (summed duplicates, sorted indices) of (row, col) hits."""
    X = sparse.csr_matrix((np.ones(len(rows), dtype=dtype), (rows, cols)), shape=(n_rows, n_cols))
    X.sum_duplicates()
    return X


def batch_features(features: Any, normalizer: Any) -> BatchFeatures | None:
    """The :class:`BatchFeatures` of a fitted feature union and normaliser, kept on the union
    (built once; None when the configuration is not one it reproduces)."""
    held = features.__dict__.get("_batch")
    if held is not None and held.normalizer is normalizer:
        return held
    if not hasattr(normalizer, "vocabulary_") or not BatchFeatures.supports(features):
        return None
    built = BatchFeatures(features, normalizer)
    features.__dict__["_batch"] = built
    return built
