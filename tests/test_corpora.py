"""Corpus adapters: label mapping on tiny fixture slices, artefact cleaning, format errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from moderation.corpora import CORPORA, CorpusFormatError, clean_text, get, mapping_table
from moderation.corpora import news_comments as own
from moderation.corpora.kaggle_insults import decode_comment
from moderation.dataset import DEFAULT_CORPORA, build_dataset

FIXTURES = Path(__file__).parent / "data" / "corpora"
DOCS = Path(__file__).parent.parent / "docs" / "data.md"
COMMENT_FILES = sorted((Path(own.DEFAULT_DIR)).glob("*.csv"))

NA = None
#: source -> {source_id: (hostile, conspiratorial)} expected from the fixture rows.
EXPECTED = {
    "davidson": {"0": (1, NA), "2": (0, NA), "3": (0, NA)},  # class 1 (id 1) is dropped
    "olid": {"1001": (1, NA), "1002": (0, NA), "1003": (0, NA), "1004": (1, NA),
             "1005": (1, NA), "2001": (1, NA), "2002": (0, NA), "2003": (0, NA)},
    "ethos": {"0": (1, NA), "1": (0, NA), "3": (1, NA), "4": (1, NA)},  # 0.33 (id 2) dropped
    "isca": {"11": (1, NA), "12": (0, NA)},  # ZioNazi negative unknown; duplicated id 14 dropped
    "sfu": {"501": (0, NA), "503": (1, NA)},  # mildly toxic (502) unknown
    "toxicspans": {"701": (1, NA), "702": (0, NA)},  # no-majority (703) unknown
    "hatexplain": {"1_twitter": (1, NA), "2_gab": (0, NA), "5_twitter": (0, NA)},
    "pan_test": {"9001": (NA, 1), "9002": (NA, 0)},
    "pan_train": {"8001": (NA, 1), "8002": (NA, 0), "8003": (NA, 0)},
    "mediaeval": {"301": (NA, 1), "303": (NA, 0)},  # "other conspiracy" (302) unknown
    "prct": {"C1": (NA, 1), "C2": (NA, 0), "C3": (NA, 1), "C4": (NA, 0)},
    # vo-only (3) unknown; the link-only post (5) has no text left
    "gab_hate": {"0": (0, NA), "1": (1, NA), "2": (1, NA), "4": (0, NA), "6": (0, NA),
                 "7": (0, NA)},
    "kaggle_insults": {"0": (1, NA), "1": (0, NA), "2": (0, NA), "3": (1, NA),
                       "5": (0, NA)},  # the link-only comment (4) has no text left
}


def _labels(frame: pd.DataFrame) -> dict[str, tuple]:
    def value(v):
        return None if pd.isna(v) else int(v)

    return {sid: (value(h), value(c)) for sid, h, c in
            zip(frame["source_id"], frame["hostile"], frame["conspiratorial"], strict=True)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_adapter_maps_fixture_labels(name):
    frame = get(name).load(FIXTURES)
    assert _labels(frame) == EXPECTED[name]
    assert str(frame["hostile"].dtype) == "Int8"
    assert str(frame["conspiratorial"].dtype) == "Int8"


def test_every_adapter_has_a_fixture_and_expectation():
    assert set(CORPORA) - {"fox_news"} == set(EXPECTED)
    for corpus in CORPORA.values():
        for name in corpus.files:
            assert (FIXTURES / corpus.folder / name).is_file(), f"no fixture {corpus.folder}/{name}"


def test_fox_news_keeps_threads_whole_and_hides_users():
    frame = get("fox_news").load(FIXTURES)
    assert len(frame) == 9
    per_thread = frame.groupby("group")["official_split"].nunique()
    assert (per_thread == 1).all()
    assert sorted(frame.groupby("group")["official_split"].first()) == [
        "test", "test", "train", "validation"]
    assert not frame.apply(lambda r: r.astype(str).str.contains("fakeuser").any(), axis=1).any()


def test_official_splits_are_marked():
    olid = get("olid").load(FIXTURES).set_index("source_id")["official_split"]
    assert olid["2001"] == "test" and olid["1001"] == "trainval"
    hx = get("hatexplain").load(FIXTURES).set_index("source_id")["official_split"]
    assert (hx["1_twitter"], hx["2_gab"], hx["5_twitter"]) == ("test", "train", "validation")
    assert set(get("pan_test").load(FIXTURES)["official_split"]) == {"test"}
    assert set(get("pan_train").load(FIXTURES)["official_split"]) == {"trainval"}


@pytest.mark.parametrize(("raw", "kwargs", "expected"), [
    ("They 've planned it , the elites do n't care . https :// t . me / chan / 123 ",
     {"pretokenized": True}, "They've planned it, the elites don't care."),
    ("Read ( see [ note ] ) tinyurl. com / Some - Page now", {"pretokenized": True},
     "Read (see [note]) now"),
    ("Message @ somebody for details", {"pretokenized": True}, "Message for details"),
    ("!!! RT @some_handle: bread &amp; butter &#128567;", {}, "bread & butter \U0001f637"),
    ("@USER @USER Go home #Weekend URL", {}, "Go home Weekend"),
    ("@[USER] first line\\nsecond line", {}, "first line second line"),
    ("see https://t.co/abc and www.example.com/x ok", {}, "see and ok"),
    ("donâ€™t panic", {}, "don’t panic"),
])
def test_clean_text_removes_corpus_artefacts(raw, kwargs, expected):
    assert clean_text(raw, **kwargs) == expected


def test_gab_hate_cleans_fixture_artefacts():
    frame = get("gab_hate").load(FIXTURES)
    texts = dict(zip(frame["source_id"], frame["text"], strict=True))
    # mention + U+200D + no-break space, CSV "" escapes, <i> tag, &amp; and the link
    assert texts["4"] == 'I liked the "harbour" photos & the maps'
    # e-mail address and chained mention removed, <br> becomes a space
    assert texts["6"] == "Ask or write to about the bake sale thanks"
    # quotes escaped twice upstream; the joiner inside an emoji sequence is kept
    assert texts["7"] == ('Quadruple quotes upstream: "lovely" weather, a family emoji '
                          "\U0001F468\u200d\U0001F469\u200d\U0001F467 stays")
    assert set(frame["official_split"].isna()) == {True}


@pytest.mark.parametrize(("raw", "expected"), [
    (r'"Nice\u00a0photo"', "Nice\u00a0photo"),
    (r'"Nice\xc2\xa0photo"', "Nice\u00a0photo"),  # UTF-8 byte escapes
    (r'"Nice\xa0photo"', "Nice\u00a0photo"),  # not valid UTF-8: Latin-1
    (r'"caf\xc3\xa9 and \xe9clair"', "caf\u00e9 and \u00e9clair"),
    (r'"it\xe2\x80\x99s \u201cfine\u201d"', "it\u2019s \u201cfine\u201d"),
    (r'"first line\nsecond line"', "first line\nsecond line"),
    (r'"It\'s \"quoted\""', "It's \"quoted\""),
    ('"escaped twice: that\\\\\'s"', "escaped twice: that's"),  # field: that\\'s
    (r'"a real backslash \\o/"', "a real backslash \\o/"),
    ("no outer quotes", "no outer quotes"),
])
def test_kaggle_decode_comment(raw, expected):
    assert decode_comment(raw) == expected


def test_kaggle_insults_decodes_and_cleans_fixture():
    frame = get("kaggle_insults").load(FIXTURES)
    texts = dict(zip(frame["source_id"], frame["text"], strict=True))
    assert texts["1"] == "Nice photo and good light. See you at the market"
    assert texts["2"] == "It's a \u201cquiet\u201d caf\u00e9 \u2026 with \u00e9clairs \u2019til noon"
    assert texts["3"] == "That's a synthetic insult stand-in escaped twice,"
    assert texts["5"] == "Read the minutes first then vote, or mail"
    assert not frame["text"].str.contains(r"\\|\u00a0|\ufeff|@", regex=True).any()


def test_research_only_corpora_are_left_out_of_commercial_safe_builds():
    research_only = {"gab_hate", "kaggle_insults"}
    assert not any(CORPORA[name].commercial for name in research_only)
    full = build_dataset(FIXTURES, own_comments=FIXTURES / "news_comments")
    assert research_only <= set(full["source"])
    safe = build_dataset(FIXTURES, own_comments=FIXTURES / "news_comments", commercial_safe=True)
    assert not research_only & set(safe["source"])
    assert not safe["source_id"].str.contains("gab_hate:|kaggle_insults:").any()
    excluded = ", ".join(safe.attrs["build"]["excluded"])
    assert all(f"{name} (" in excluded for name in research_only)


def test_isca_falls_back_to_cp1252_gold_file(tmp_path):
    folder = tmp_path / "isca_antisemitism"
    folder.mkdir()
    shutil.copy(FIXTURES / "isca_antisemitism" / "GoldStanderDataSet.csv", folder)
    frame = get("isca").load(tmp_path)
    texts = dict(zip(frame["source_id"], frame["text"], strict=True))
    assert texts["12"] == "The Knesset vote is on Tuesday’s agenda café"  # cp1252 decoded
    assert texts["11"] == "They secretly run everything, vile people wake up"


def test_changed_columns_raise_naming_file_and_columns(tmp_path):
    folder = tmp_path / "mediaeval2020_fakenews"
    folder.mkdir()
    text = (FIXTURES / "mediaeval2020_fakenews" / "data.csv").read_text()
    (folder / "data.csv").write_text(text.replace("ID,Text,Label", "ID,Tweet,Label", 1))
    with pytest.raises(CorpusFormatError) as info:
        get("mediaeval").load(tmp_path)
    message = str(info.value)
    assert "data.csv" in message and "'Text'" in message and "expected columns" in message


def test_unknown_original_label_raises(tmp_path):
    folder = tmp_path / "pan2024_oppositional_train"
    folder.mkdir()
    text = (FIXTURES / folder.name / "pan2024_en_train_derived.csv").read_text()
    (folder / "pan2024_en_train_derived.csv").write_text(text.replace("CRITICAL", "NEUTRAL", 1))
    with pytest.raises(CorpusFormatError, match="NEUTRAL"):
        get("pan_train").load(tmp_path)


def test_unknown_corpus_name_lists_known_ones():
    with pytest.raises(KeyError, match="olid"):
        get("no_such_corpus")


def _doc_mapping_rows() -> list[tuple[str, ...]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("<!-- mapping-table:start -->", 1)[1].split("<!-- mapping-table:end -->")[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("source", "") or set(cells[0]) <= {"-"}:
            continue
        rows.append(tuple(re.sub(r"`", "", c) for c in cells))
    return rows


def test_docs_mapping_table_matches_code():
    assert _doc_mapping_rows() == mapping_table()


def test_every_corpus_is_listed_in_docs_with_origin_and_licence():
    text = DOCS.read_text(encoding="utf-8")
    for corpus in CORPORA.values():
        assert f"`{corpus.folder}`" in text, corpus.folder
        assert corpus.licence in text, corpus.licence


# ---------------------------------------------------------------------------------------------
# The real corpora (skipped when the shared folder or the corpus is absent)
# ---------------------------------------------------------------------------------------------


def _real_folder(name: str) -> Path:
    folder = DEFAULT_CORPORA / get(name).folder
    if not folder.is_dir():
        pytest.skip(f"corpus folder {folder} not found (shared corpora absent; set "
                    "MODERATION_CORPORA to the shared corpus folder)")
    return folder


def _hostile_counts(frame: pd.DataFrame) -> dict[int, int]:
    return {int(k): int(v) for k, v in frame["hostile"].value_counts().items()}


def _assert_clean(frame: pd.DataFrame) -> None:
    text = frame["text"]
    for pattern in (r"https?:|\bwww\.", r"&(?:amp|quot|lt|gt|#\d+);", r"\\[nrtux]", r"[\r\n\t]",
                    r"\w\u200d|\ufeff", r"@\w+@", r"[\w.]+@[\w-]+\.\w", r"</?(?:i|b|br|div)>"):
        hits = text[text.str.contains(pattern, regex=True)]
        assert hits.empty, f"{pattern!r} left in {len(hits)} texts, e.g. {hits.iloc[0][:80]!r}"
    assert frame["conspiratorial"].isna().all() and frame["official_split"].isna().all()


def test_real_gab_hate_corpus_counts():
    folder = _real_folder("gab_hate")
    raw = pd.read_csv(folder / "ghc_train.tsv", sep="\t", dtype=str, keep_default_na=False)
    hate = (raw["hd"] == "1") | (raw["cv"] == "1")
    vo_only = (raw["vo"] == "1") & ~hate
    # the counts SOURCE.md states
    assert len(raw) == 22_036
    assert (int(hate.sum()), int(vo_only.sum()), int((~hate & ~vo_only).sum())) == (
        1_941, 729, 19_366)
    frame = get("gab_hate").load(DEFAULT_CORPORA)
    ids = frame["source_id"].astype(int)
    assert not vo_only[ids].any()  # vulgarity only: both labels unknown, row dropped
    assert (frame["hostile"].to_numpy(dtype=int) == hate[ids].to_numpy(dtype=int)).all()
    # 311 link- or mention-only posts (13 of them hd or cv) have no text left after cleaning;
    # 991 "neither" posts that insult someone (GHC marks only group hate) become unknown
    assert _hostile_counts(frame) == {1: 1_928, 0: 18_077}
    insulting = frame["text"].str.contains(r"\b(?:idiot|moron|scumbag)s?\b", case=False)
    assert (frame.loc[insulting, "hostile"] == 1).all()
    _assert_clean(frame)


def test_real_kaggle_insults_counts():
    folder = _real_folder("kaggle_insults")
    raw = pd.read_csv(folder / "train.csv", dtype=str, keep_default_na=False)
    assert len(raw) == 3_947
    assert raw["Insult"].value_counts().to_dict() == {"0": 2_898, "1": 1_049}
    frame = get("kaggle_insults").load(DEFAULT_CORPORA)
    ids = frame["source_id"].astype(int)
    assert (frame["hostile"].to_numpy(dtype=int) == raw["Insult"][ids].astype(int).to_numpy()).all()
    # 7 link-only comments (all 0) have no text left after cleaning; 403 comments labelled 0
    # that hold an insult word (insults at public figures were labelled 0) become unknown
    assert _hostile_counts(frame) == {1: 1_049, 0: 2_488}
    _assert_clean(frame)


# ---------------------------------------------------------------------------------------------
# Our own comments
# ---------------------------------------------------------------------------------------------


def test_own_comment_loader_on_fixture():
    frame = own.load(FIXTURES / "news_comments")
    assert len(frame) == 7
    assert frame["hostile"].notna().all() and frame["conspiratorial"].notna().all()
    assert set(frame["kind"]) <= set(own.KIND_LABELS)


def test_validate_reports_bad_rows():
    frame = pd.DataFrame({
        "text": ["fine text", "bad label", "wrong kind", "Fine text!", ""],
        "hostile": ["0", "2", "1", "0", "0"],
        "conspiratorial": ["0", "0", "0", "0", "0"],
        "kind": ["clean", "clean", "clean", "clean", "clean"],
        "topic": ["t"] * 5, "form": ["f"] * 5,
    })
    problems = "\n".join(own.validate(frame, "x.csv"))
    assert "x.csv: row 3: labels must be 0 or 1" in problems
    assert "x.csv: row 4: kind 'clean' needs hostile,conspiratorial=0,0" in problems
    assert "x.csv: row 5 duplicates row 2" in problems
    assert "x.csv: row 6: empty text" in problems


@pytest.mark.skipif(not COMMENT_FILES, reason="no moderation/resources/comments/*.csv yet")
@pytest.mark.parametrize("path", COMMENT_FILES, ids=lambda p: p.name)
def test_our_comment_file_validates(path):
    frame = own.read_comments(path)
    assert len(frame) > 0
    assert own.validate(frame, path.name) == []


@pytest.mark.skipif(len(COMMENT_FILES) < 2, reason="needs at least two comment files")
def test_our_comments_have_no_duplicates_across_files():
    from moderation.dataset import dedup_key

    seen: dict[str, str] = {}
    clashes = []
    for path in COMMENT_FILES:
        for i, text in enumerate(own.read_comments(path)["text"], start=2):
            key = dedup_key(text)
            if key in seen and not seen[key].startswith(path.name + " "):
                clashes.append(f"{path.name} row {i} duplicates {seen[key]}")
            seen.setdefault(key, f"{path.name} row {i}")
    assert clashes == []
