"""Build the unified training table from the corpus adapters and our own news comments.

One row per normalised text, with ``hostile`` / ``conspiratorial`` as pandas ``Int8`` (1, 0 or
``<NA>`` = unknown), the source and licence, a deterministic ``split`` that never lets a text or
its near-copies straddle train and test, and a per-source ``weight``. ``write_dataset`` writes the
table plus a markdown dataset card and returns a content hash that is stable across runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import unicodedata
import warnings
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from moderation.corpora import CORPORA, Corpus, CorpusFormatError, DatasetWarning, news_comments

__all__ = [
    "COLUMNS",
    "DEFAULT_CORPORA",
    "OWN_SOURCE",
    "SOURCE_PRIORITY",
    "SOURCE_WEIGHTS",
    "SPLITS",
    "CorpusFormatError",
    "DatasetWarning",
    "build_dataset",
    "content_hash",
    "dedup_key",
    "near_copy_groups",
    "resolve_corpora",
    "write_card",
    "write_dataset",
]

log = logging.getLogger(__name__)

#: Environment variable naming the corpus folder (the CLI flag ``--corpora`` wins over it).
CORPORA_ENV = "MODERATION_CORPORA"
_REPO_ROOT = Path(__file__).resolve().parent.parent


def resolve_corpora(corpora: str | Path | None = None) -> Path:
    """Return the corpus folder: explicit argument > ``$MODERATION_CORPORA`` > ``../shared/data``.

    The default is ``<repo root>/../shared/data``, where the shared corpora are read in place; in
    an installed copy (no repository), ``corpora`` in the per-user data folder
    (``platformdirs.user_data_dir("moderation")``).
    """
    if corpora:
        return Path(corpora).expanduser()
    env = os.environ.get(CORPORA_ENV)
    if env:
        return Path(env).expanduser()
    from moderation.model import source_checkout

    if source_checkout() is None:
        import platformdirs

        return Path(platformdirs.user_data_dir("moderation")) / "corpora"
    return (_REPO_ROOT.parent / "shared" / "data").resolve()


#: Corpus folder used when none is given (resolved at import; see :func:`resolve_corpora`).
DEFAULT_CORPORA: Path = resolve_corpora()

#: Source name of the project's own labelled comments.
OWN_SOURCE = news_comments.NAME

#: Output columns, in order.
COLUMNS = ("text", "hostile", "conspiratorial", "source", "licence", "split", "weight",
           "source_id", "kind", "topic", "form", "group")
SPLITS = ("train", "validation", "test")
_PROTECTION = {"train": 0, "validation": 1, "test": 2}

#: Training weight per source (the model may override them; reasons in docs/data.md).
SOURCE_WEIGHTS: dict[str, float] = {
    OWN_SOURCE: 4.0,      # our own news comments, written to the label guide
    "fox_news": 1.5,      # news comments, in domain
    "sfu": 1.5,           # news comments, in domain (mostly negatives)
    "toxicspans": 1.0,    # news comments, in domain, but all pre-selected toxic
    "prct": 1.0,          # YouTube comments, comment-like
    "ethos": 1.0,         # YouTube/Reddit comments, small and clean
    "olid": 0.75,         # tweets, clear TIN/UNT split
    "isca": 0.75,         # tweets, expert labels, one target group
    "pan_train": 0.75,    # Telegram posts, long broadcast style
    "pan_test": 0.75,
    "davidson": 0.5,      # keyword-sampled tweets, dialect bias
    "hatexplain": 0.5,    # punctuation-stripped, slur-heavy posts
    "mediaeval": 0.5,     # keyword-sampled tweets on one topic
    "gab_hate": 1.0,      # Gab posts: group hate vs on-topic political hard negatives
    "kaggle_insults": 1.0,  # news/forum comments, in domain: insults at other commenters
}

#: Conflict priority: own comments > in-domain news-comment corpora > everything else.
SOURCE_PRIORITY: dict[str, int] = {OWN_SOURCE: 3, "fox_news": 2, "toxicspans": 2, "sfu": 2}

#: Split fractions (train, validation) by scheme; the rest is test.
_FRACTIONS = {"own": (0.70, 0.85), "default": (0.80, 0.90), "trainval": (0.90, 1.0),
              "heldout": (0.0, 0.90)}
#: Sources never trained on: their non-test rows are all validation. SFU's news comments are
#: almost all benign, the best measure of how many healthy real comments a threshold flags,
#: and the false-positive cap needs hundreds of them (its test rows are the same as before).
VALIDATION_ONLY_SOURCES: tuple[str, ...] = ("sfu",)

#: Jaccard threshold (word sets) above which two texts are near-copies.
NEAR_COPY_JACCARD = 0.8
#: Looser threshold among our own comments, which contain paraphrases of one another.
OWN_NEAR_COPY_JACCARD = 0.6


# --------------------------------------------------------------------------------------------
# Normalised text key and near-copy grouping
# --------------------------------------------------------------------------------------------

_KEY_URL = re.compile(r"(?:https?\s*:\s*//|www\.)\S*", re.I)
_KEY_MENTION = re.compile(r"@\[?\w+\]?")
_KEY_PLACEHOLDER = re.compile(r"<\s*(?:user|url|number)\s*>|\burl\b")
_KEY_APOSTROPHE = re.compile(r"['’‘`´]")
_KEY_NONALNUM = re.compile(r"[\W_]+")


def dedup_key(text: str) -> str:
    """Return the normalised text used to find duplicates across sources.

    NFKC, casefold, URLs / mentions / placeholders removed, apostrophes dropped, every other
    non-alphanumeric character turned into a space, whitespace collapsed.
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _KEY_URL.sub(" ", text)
    text = _KEY_MENTION.sub(" ", text)
    text = _KEY_PLACEHOLDER.sub(" ", text)
    text = _KEY_APOSTROPHE.sub("", text)
    return _KEY_NONALNUM.sub(" ", text).strip()


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def near_copy_groups(keys: list[str], *, threshold: float = NEAR_COPY_JACCARD,
                     num_perm: int = 32, bands: int = 8,
                     union: _UnionFind | None = None) -> _UnionFind:
    """Link normalised texts whose word sets have Jaccard similarity >= ``threshold``.

    MinHash (``num_perm`` permutations, ``bands`` LSH bands) proposes candidates that share a
    band; candidates are checked exactly (all pairs in buckets of up to 20 texts, otherwise
    against the bucket's first text). Cheap and
    deterministic (CRC32 token hashes, fixed seeds), it catches paraphrases and templates.

    Parameters
    ----------
    keys : list of str
        Normalised texts (see :func:`dedup_key`); index ``i`` is node ``i``.
    threshold : float
        Minimum word-set Jaccard similarity for a link.
    num_perm, bands : int
        MinHash size and number of LSH bands (``num_perm`` must be a multiple of ``bands``).
    union : _UnionFind, optional
        Existing union-find to extend.

    Returns
    -------
    _UnionFind
        ``find(i)`` gives the representative of node ``i``'s group.
    """
    n = len(keys)
    uf = union or _UnionFind(n)
    token_sets = [frozenset(k.split()) for k in keys]
    lengths = np.fromiter((len(s) for s in token_sets), dtype=np.int64, count=n)
    if n == 0 or lengths.sum() == 0:
        return uf
    flat = np.fromiter(
        (zlib.crc32(t.encode()) for s in token_sets for t in sorted(s)),
        dtype=np.uint64, count=int(lengths.sum()))
    nonempty = lengths > 0
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
    rng = np.random.default_rng(20240607)
    prime = np.uint64((1 << 31) - 1)
    a = rng.integers(1, (1 << 31) - 1, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, (1 << 31) - 1, size=num_perm, dtype=np.uint64)
    x = flat % prime
    sig = np.empty((int(nonempty.sum()), num_perm), dtype=np.uint64)
    for j in range(num_perm):
        sig[:, j] = np.minimum.reduceat((a[j] * x + b[j]) % prime, starts)
    nodes = np.flatnonzero(nonempty)
    rows = num_perm // bands
    for band in range(bands):
        chunk = np.ascontiguousarray(sig[:, band * rows:(band + 1) * rows])
        band_keys = chunk.view(np.dtype((np.void, chunk.dtype.itemsize * rows))).ravel()
        order = np.argsort(band_keys, kind="stable")
        sorted_keys = band_keys[order]
        boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        for bucket in np.split(order, boundaries):
            if len(bucket) < 2:
                continue
            members = [int(nodes[i]) for i in bucket]
            # small buckets: check every pair; large ones: each member against the first
            firsts = members if len(members) <= 20 else members[:1]
            for pos, left in enumerate(firsts):
                left_set = token_sets[left]
                for right in members[pos + 1:]:
                    right_set = token_sets[right]
                    inter = len(left_set & right_set)
                    if inter and inter / (len(left_set) + len(right_set) - inter) >= threshold:
                        uf.union(left, right)
    return uf


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _warn(message: str) -> None:
    warnings.warn(message, DatasetWarning, stacklevel=3)


def _load_corpus(corpus: Corpus, root: Path, missing: list[str]) -> pd.DataFrame | None:
    folder = root / corpus.folder
    if not folder.is_dir():
        missing.append(f"{corpus.folder}/ (folder)")
        _warn(f"corpus folder {folder} not found: skipping source {corpus.name!r}")
        return None
    absent = [f for f in corpus.files if not (folder / f).is_file()]
    if absent:
        missing.extend(f"{corpus.folder}/{f}" for f in absent)
        _warn(f"corpus file(s) {', '.join(str(folder / f) for f in absent)} not found: "
              f"skipping source {corpus.name!r}")
        return None
    return corpus.load(root)


def _split_of(u: float, scheme: str) -> str:
    train, validation = _FRACTIONS[scheme]
    return "train" if u < train else "validation" if u < validation else "test"


def _unit_hash(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / float(1 << 48)


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


def build_dataset(corpora: str | Path | None = None, *, commercial_safe: bool = False,
                  own_comments: str | Path | None = None,
                  log_line: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Load every corpus and our own comments, merge duplicates and assign splits.

    Parameters
    ----------
    corpora : str or Path, optional
        Corpus folder; default :func:`resolve_corpora` (``$MODERATION_CORPORA`` or
        ``../shared/data``). Missing folders/files are skipped with a :class:`DatasetWarning`.
    commercial_safe : bool
        Leave out sources whose licence is non-commercial or unknown.
    own_comments : str or Path, optional
        Folder (or one CSV) of our own labelled comments; default
        ``moderation/resources/comments``.
    log_line : callable, optional
        Called with a one-line summary per source (the CLI passes ``print``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``attrs["build"]`` holds the statistics for the dataset card.

    Raises
    ------
    CorpusFormatError
        A corpus file's columns changed, or an own-comments file has invalid rows.
    """
    started = time.perf_counter()
    say = log_line or log.info
    root = resolve_corpora(corpora)
    missing: list[str] = []
    excluded: list[str] = []
    frames: list[pd.DataFrame] = []
    per_source: dict[str, int] = {}

    if not root.is_dir():
        missing.append(f"{root} (corpus folder)")
        _warn(f"corpus folder {root} not found: building from our own comments only. "
              f"Pass --corpora PATH or set {CORPORA_ENV}.")

    own = news_comments.load(own_comments)
    if own.empty:
        where = own_comments or news_comments.DEFAULT_DIR
        missing.append(f"{where} (own comments)")
        _warn(f"no own comment files (*.csv) found in {where}")
    own = own.assign(official_split=pd.NA, group=pd.NA, source=OWN_SOURCE,
                     licence=news_comments.LICENCE)
    frames.append(own)
    per_source[OWN_SOURCE] = len(own)
    say(f"{OWN_SOURCE:12s} {len(own):6d} rows  {_label_summary(own)}")

    for corpus in CORPORA.values():
        if commercial_safe and not corpus.commercial:
            excluded.append(f"{corpus.name} ({corpus.licence})")
            say(f"{corpus.name:12s}      - excluded by --commercial-safe ({corpus.licence})")
            continue
        if not root.is_dir():
            continue
        t0 = time.perf_counter()
        frame = _load_corpus(corpus, root, missing)
        if frame is None:
            say(f"{corpus.name:12s}      - missing, skipped")
            continue
        frame = frame.assign(source=corpus.name, licence=corpus.licence)
        frames.append(frame)
        per_source[corpus.name] = len(frame)
        say(f"{corpus.name:12s} {len(frame):6d} rows  {_label_summary(frame)}  "
            f"({time.perf_counter() - t0:.1f}s)")

    rows = pd.concat(frames, ignore_index=True)
    for col in ("kind", "topic", "form", "official_split", "group"):
        rows[col] = rows[col].astype("string") if col in rows else pd.NA
    rows["key"] = rows["text"].map(dedup_key)
    empty = rows["key"] == ""  # only punctuation or emoji: nothing to learn from
    rows = rows[~empty].reset_index(drop=True)
    rows["priority"] = rows["source"].map(SOURCE_PRIORITY).fillna(1).astype(int)
    source_order = {name: i for i, name in enumerate([OWN_SOURCE, *CORPORA])}
    rows["order"] = rows["source"].map(source_order)

    df, stats = _merge_and_split(rows)
    stats.update(
        dropped_no_text=int(empty.sum()),
        corpora=str(root), commercial_safe=commercial_safe, missing=missing, excluded=excluded,
        rows_in=per_source, seconds=round(time.perf_counter() - started, 1),
    )
    df.attrs["build"] = stats
    say(f"{'total':12s} {len(df):6d} rows after merging {stats['duplicates_merged']} duplicates "
        f"({stats['seconds']}s)")
    return df


def _label_summary(frame: pd.DataFrame) -> str:
    parts = []
    for col, short in (("hostile", "H"), ("conspiratorial", "C")):
        counts = frame[col].value_counts(dropna=False)
        parts.append(f"{short} 1:{int(counts.get(1, 0))} 0:{int(counts.get(0, 0))} "
                     f"?:{int(frame[col].isna().sum())}")
    return "  ".join(parts)


def _merge_and_split(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Group near-copies, assign one split per group, then merge rows with the same key."""
    keys = sorted(rows["key"].unique())
    index = {k: i for i, k in enumerate(keys)}
    rows["node"] = rows["key"].map(index)
    uf = near_copy_groups(keys)
    # our own comments include deliberate paraphrases: group them at a looser threshold
    own_nodes = sorted(set(rows.loc[rows["source"] == OWN_SOURCE, "node"]))
    own_uf = near_copy_groups([keys[i] for i in own_nodes], threshold=OWN_NEAR_COPY_JACCARD,
                              num_perm=64, bands=32)
    for local, node in enumerate(own_nodes):
        uf.union(node, own_nodes[own_uf.find(local)])
    roots = np.fromiter((uf.find(i) for i in range(len(keys))), dtype=np.int64, count=len(keys))
    # the group id is a hash of the group's smallest key (roots are the smallest node index)
    group_ids = {r: "g" + hashlib.sha1(keys[r].encode()).hexdigest()[:12] for r in set(roots)}
    component = pd.Series([group_ids[roots[n]] for n in rows["node"]], index=rows.index)
    # a declared group (a Fox News thread) names the rows whose near-copies stay inside it;
    # its split is fixed by the adapter, so it needs no union (that would chain threads)
    declared = rows["group"]
    inside = (declared.notna().groupby(component).transform("all")
              & declared.groupby(component).transform("nunique").eq(1))
    rows["group"] = declared.where(inside, component)
    rows["component"] = component

    # preferred split per row, then the most protected split per group
    u = rows["group"].map(_unit_hash)
    scheme = np.select(
        [rows["source"].isin(VALIDATION_ONLY_SOURCES).to_numpy(),
         (rows["source"] == OWN_SOURCE).to_numpy(),
         rows["official_split"].eq("trainval").fillna(False).to_numpy(bool)],
        ["heldout", "own", "trainval"], default="default")
    hashed = [_split_of(x, s) for x, s in zip(u, scheme, strict=True)]
    fixed = rows["official_split"].where(rows["official_split"].isin(SPLITS).fillna(False))
    rows["preferred"] = fixed.fillna(pd.Series(hashed, index=rows.index))
    protection = rows["preferred"].map(_PROTECTION)
    group_protection = protection.groupby(rows["group"]).transform("max")
    rows["split"] = group_protection.map({v: k for k, v in _PROTECTION.items()})
    moved = rows["split"] != rows["preferred"]
    moved_official = moved & fixed.notna()

    # merge rows with the same normalised text
    rows = rows.sort_values(["key", "priority", "order", "source_id"],
                            ascending=[True, False, True, True], kind="stable")
    first = rows.drop_duplicates("key", keep="first").set_index("key")
    out = pd.DataFrame(index=first.index)
    stats: dict = {"conflicts": {}, "overridden": {}}
    for col in ("hostile", "conspiratorial"):
        known = rows.loc[rows[col].notna(), ["key", "priority", col]]
        top = known.groupby("key")["priority"].transform("max")
        best = known[known["priority"] == top].groupby("key")[col].agg(["min", "max"])
        spread = known.groupby("key")[col].agg(["min", "max"])
        value = best["min"].where(best["min"] == best["max"])
        out[col] = value.reindex(out.index).astype("Int8")
        stats["conflicts"][col] = int((best["min"] != best["max"]).sum())
        stats["overridden"][col] = int(((spread["min"] != spread["max"])
                                        & (best["min"] == best["max"])).sum())
    sources = rows.groupby("key", sort=False)
    # rows are sorted by key then priority, so the first contributor of each key comes first
    joined_ids: dict[str, list[str]] = {}
    joined_licences: dict[str, list[str]] = {}
    for key, source, sid, licence in zip(rows["key"], rows["source"], rows["source_id"],
                                         rows["licence"], strict=True):
        joined_ids.setdefault(key, []).append(f"{source}:{sid}")
        seen = joined_licences.setdefault(key, [])
        if licence not in seen:
            seen.append(licence)
    out["text"] = first["text"]
    out["source"] = first["source"]
    out["licence"] = [" + ".join(joined_licences[k]) for k in out.index]
    out["split"] = first["split"]
    out["weight"] = first["source"].map(SOURCE_WEIGHTS).fillna(1.0).astype(float)
    out["source_id"] = ["|".join(joined_ids[k]) for k in out.index]
    for col in ("kind", "topic", "form", "group"):
        out[col] = first[col].astype("string")
    out["order"] = first["order"]
    out["first_id"] = first["source_id"]
    unlabelled = out["hostile"].isna() & out["conspiratorial"].isna()
    stats["dropped_unlabelled"] = int(unlabelled.sum())
    out = out[~unlabelled].sort_values(["order", "first_id", "text"], kind="stable")
    df = out.reset_index(drop=True)[list(COLUMNS)]
    df["weight"] = df["weight"].astype(float)

    sizes = rows.groupby("component")["key"].nunique()
    n_sources = sources["source"].nunique()
    stats.update(
        rows_loaded=len(rows),
        duplicates_merged=len(rows) - len(first),
        duplicate_texts=int((sources.size() > 1).sum()),
        cross_source_duplicate_texts=int((n_sources > 1).sum()),
        near_copy_groups=int((sizes > 1).sum()),
        texts_in_near_copy_groups=int(sizes[sizes > 1].sum()),
        rows_moved_by_grouping=int(moved.sum()),
        official_rows_moved=int(moved_official.sum()),
    )
    return df, stats


# --------------------------------------------------------------------------------------------
# Output: content hash, table and card
# --------------------------------------------------------------------------------------------


def content_hash(df: pd.DataFrame) -> str:
    """Return the sha256 of a canonical CSV serialisation of the table (stable across runs)."""
    canon = df[[c for c in COLUMNS if c in df.columns]].copy()
    canon["weight"] = canon["weight"].map(lambda w: f"{w:.6g}")
    data = canon.to_csv(index=False, lineterminator="\n", na_rep="")
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def write_dataset(df: pd.DataFrame, path: str | Path) -> str:
    """Write the table (``.parquet`` or ``.csv``) and ``<stem>.card.md`` beside it.

    Returns
    -------
    str
        The content hash (see :func:`content_hash`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    elif path.suffix == ".csv":
        df.to_csv(path, index=False, lineterminator="\n")
    else:
        raise ValueError(f"unsupported output {path}: use a .parquet or .csv file name")
    digest = content_hash(df)
    write_card(df, path.with_name(f"{path.stem}.card.md"), digest=digest)
    return digest


def _table(header: Iterable[str], rows: Iterable[Iterable]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def write_card(df: pd.DataFrame, path: str | Path, *, digest: str | None = None) -> None:
    """Write the markdown dataset card: counts per source, label and split, dedup, conflicts."""
    stats = df.attrs.get("build", {})
    lines = ["# Dataset card", ""]
    lines.append(f"- rows: {len(df)}; content hash (sha256): `{digest or content_hash(df)}`")
    if stats:
        lines.append(f"- corpora folder: `{stats['corpora']}`; commercial-safe: "
                     f"{stats['commercial_safe']}; build time: {stats['seconds']} s")
        lines.append(f"- missing (skipped): {', '.join(stats['missing']) or 'none'}")
        lines.append(f"- excluded by licence: {', '.join(stats['excluded']) or 'none'}")
    lines += ["", "## Rows per source", ""]
    body = []
    for source, part in df.groupby("source", sort=False):
        counts = part["split"].value_counts()
        body.append([source, stats.get("rows_in", {}).get(source, ""), len(part),
                     *(int(counts.get(s, 0)) for s in SPLITS), part["licence"].iloc[0],
                     SOURCE_WEIGHTS.get(source, 1.0)])
    lines += _table(["source", "rows loaded", "rows kept", *SPLITS, "licence", "weight"], body)
    for col in ("hostile", "conspiratorial"):
        lines += ["", f"## {col.upper()} per source and split (1 / 0 / unknown)", ""]
        body = []
        for source, part in df.groupby("source", sort=False):
            cells = []
            for split in SPLITS:
                values = part.loc[part["split"] == split, col]
                cells.append(f"{int((values == 1).sum())} / {int((values == 0).sum())} / "
                             f"{int(values.isna().sum())}")
            body.append([source, *cells])
        totals = [f"{int((df.loc[df.split == s, col] == 1).sum())} / "
                  f"{int((df.loc[df.split == s, col] == 0).sum())} / "
                  f"{int(df.loc[df.split == s, col].isna().sum())}" for s in SPLITS]
        body.append(["**all**", *totals])
        lines += _table(["source", *SPLITS], body)
    if stats:
        lines += ["", "## Duplicates and conflicts", ""]
        lines += [
            f"- rows loaded: {stats['rows_loaded']}; merged away as duplicates of the same "
            f"normalised text: {stats['duplicates_merged']} ({stats['duplicate_texts']} texts "
            f"had more than one row, {stats['cross_source_duplicate_texts']} across sources)",
            f"- dropped: {stats['dropped_no_text']} rows without any letter or digit; "
            f"{stats['dropped_unlabelled']} merged texts whose labels all became unknown "
            "through conflicts",
            f"- near-copy groups (different normalised texts with word-set Jaccard >= "
            f"{NEAR_COPY_JACCARD}, >= {OWN_NEAR_COPY_JACCARD} among our own comments): "
            f"{stats['near_copy_groups']} groups holding {stats['texts_in_near_copy_groups']} "
            f"texts; rows moved to a more protected split: {stats['rows_moved_by_grouping']} "
            f"(of them from an official split: {stats['official_rows_moved']})",
            "- conflict rule: per label, the value from the highest-priority source wins "
            "(own comments > in-domain news corpora fox_news/toxicspans/sfu > others); "
            "different values at the same priority become unknown.",
        ]
        for col in ("hostile", "conspiratorial"):
            lines.append(f"- {col}: {stats['conflicts'][col]} texts set to unknown (same-priority "
                         f"conflict), {stats['overridden'][col]} resolved by priority")
        lines += ["", "Split rule: a group of near-copies takes the most protected split of its "
                  "members (test > validation > train); see docs/data.md."]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
