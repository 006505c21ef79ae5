"""Language detection: foreign comments are never scored, tricky English always is.

Covers :mod:`moderation.language` and its use by ``Model.score``, ``moderation.score`` /
``score_page``, ``moderation score`` and the HTTP service (including the Perspective route's
400 for an unsupported language). Scoring tests use the session's tiny model.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moderation
from moderation import api
from moderation.cli import main
from moderation.language import (
    SUPPORTED_LANGUAGES,
    LanguageDetector,
    describe_unsupported,
    detect_language,
    normalize_language,
    supported_languages,
    unsupported_counts,
)
from moderation.model import Model

DATA = Path(__file__).parent / "data" / "language"
FOREIGN = pd.read_csv(DATA / "foreign.csv")
TRICKY = pd.read_csv(DATA / "tricky_english.csv", keep_default_na=False)
PAGE = DATA / "page.html"

GERMAN = "Vielen Dank für diese Recherche!"
FRENCH = "Quelle bande d'idiots, franchement."
SPANISH = "Gracias por el artículo"
ENGLISH = "You are a pathetic moron, nobody wants your opinion."
MAJOR = FOREIGN[FOREIGN["language"].isin(["de", "fr", "es"])]


def _ids(frame: pd.DataFrame, column: str) -> list[str]:
    return [f"{i}:{t[:30]}" for i, t in enumerate(frame[column])]


# ---------------------------------------------------------------------- detection
@pytest.mark.parametrize(("code", "text"), list(MAJOR.itertuples(index=False, name=None)),
                         ids=_ids(MAJOR, "text"))
def test_every_german_french_spanish_sentence_is_detected(code: str, text: str) -> None:
    assert detect_language([text]) == [code]


def test_other_major_languages_are_not_taken_for_english() -> None:
    others = FOREIGN[~FOREIGN["language"].isin(["de", "fr", "es"])]
    found = detect_language(others["text"].tolist())
    assert found == others["language"].tolist()


@pytest.mark.parametrize(("kind", "text"), list(TRICKY.itertuples(index=False, name=None)),
                         ids=_ids(TRICKY, "text"))
def test_tricky_english_stays_english(kind: str, text: str) -> None:
    assert detect_language([text]) == ["en"], kind


def test_detect_language_is_batched_in_order_and_keeps_missing_as_default() -> None:
    texts = [GERMAN, "lol", None, float("nan"), FRENCH, "", "😂😂😂", SPANISH, GERMAN]
    assert detect_language(texts) == ["de", "en", "en", "en", "fr", "en", "en", "es", "de"]
    assert detect_language([]) == []
    assert detect_language(iter([SPANISH])) == ["es"]


def test_other_scripts_are_detected_but_disguised_english_is_not() -> None:
    assert detect_language(["Привет, как у тебя дела сегодня?"]) == ["ru"]
    assert detect_language(["Іslаm іs а саnсеr, every mоsque shоuld bе bulldоzеd"]) == ["en"]
    assert detect_language(["A Mᴜʀᴅᴇʀᴇᴅ Dᴀᴜɢʜᴛᴇʀ Is Jᴜsᴛ Aɴᴏᴛʜᴇʀ Sᴛᴏʀʏ"]) == ["en"]


def test_detect_language_rejects_a_bare_string_and_non_strings() -> None:
    with pytest.raises(TypeError, match=r"wrap it"):
        detect_language(GERMAN)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        detect_language(["fine", 3])  # type: ignore[list-item]


def test_default_names_the_language_of_undecided_texts() -> None:
    assert detect_language(["lol", GERMAN], default="en-GB") == ["en", "de"]


def test_guess_exposes_the_evidence_and_the_rule_uses_it() -> None:
    detector = LanguageDetector()
    guess = detector.guess("@USER Vielen Dank für diese Recherche! https://example.org/x #Danke")
    assert guess.language == "de" and guess.probability > 0.98
    assert guess.letters == len("VielenDankfürdieseRecherche") and guess.words == 5
    assert guess.english_share == 0.0
    assert detector.decide(guess._replace(letters=5)) == "en"  # too short
    assert detector.decide(guess._replace(words=2)) == "en"  # a name, not a sentence
    assert detector.decide(guess._replace(english_share=0.5)) == "en"  # mostly English words
    assert detector.decide(guess._replace(probability=0.5)) == "en"  # not confident


def test_detector_checks_its_languages() -> None:
    with pytest.raises(ValueError, match="add it to candidates"):
        LanguageDetector(["de", "fr"], default="en")
    with pytest.raises(ValueError, match="ISO 639-1"):
        LanguageDetector(["en", "xx"]).detect([GERMAN])


def test_normalize_language() -> None:
    assert normalize_language("en-US") == "en"
    assert normalize_language(" DE ") == "de"
    assert normalize_language("pt_BR") == "pt"
    for bad in ("", "english!", "e", 42):
        with pytest.raises(ValueError, match="ISO 639-1"):
            normalize_language(bad)  # type: ignore[arg-type]


def test_supported_languages_come_from_the_card() -> None:
    assert supported_languages(None) == SUPPORTED_LANGUAGES == ("en",)
    assert supported_languages({"version": "x"}) == ("en",)
    assert supported_languages({"languages": ["en-GB", "de", "en"]}) == ("en", "de")
    assert supported_languages({"languages": "fr"}) == ("fr",)


def test_unsupported_counts_and_summary_line() -> None:
    counts = unsupported_counts(["en", "de", None, "fr", "de", "en"], ("en",))
    assert counts == {"de": 2, "fr": 1}
    assert describe_unsupported(counts) == "3 comments not scored: language de (2), fr (1)"
    assert describe_unsupported({"es": 1}) == "1 comment not scored: language es (1)"
    assert describe_unsupported({}) == ""


# ------------------------------------------------------------------- Model.score
def test_model_score_leaves_foreign_comments_unscored(tiny_model: Model) -> None:
    texts = [GERMAN, ENGLISH, FRENCH, SPANISH, "lol"]
    out = tiny_model.score(texts)
    assert list(out.columns)[-1] == "language"
    assert out["language"].tolist() == ["de", "en", "fr", "es", "en"]
    foreign = out.iloc[[0, 2, 3]]
    assert foreign[["hostile_score", "conspiratorial_score"]].isna().all().all()
    assert not foreign[["hostile_flag", "conspiratorial_flag"]].any().any()
    english = out.iloc[[1, 4]]
    expected = tiny_model.predict_proba([ENGLISH, "lol"])
    np.testing.assert_array_equal(english[["hostile_score", "conspiratorial_score"]].to_numpy(), expected)
    assert bool(out.loc[1, "hostile_flag"])


def test_predict_proba_still_scores_everything(tiny_model: Model) -> None:
    raw = tiny_model.predict_proba([GERMAN, FRENCH])
    assert raw.shape == (2, 2) and np.isfinite(raw).all()


def test_model_score_tricky_english_gets_scores(tiny_model: Model) -> None:
    out = tiny_model.score(TRICKY["text"])
    assert (out["language"] == "en").all()
    assert out[["hostile_score", "conspiratorial_score"]].notna().all().all()
    assert list(out.index) == list(TRICKY.index)


def test_model_score_declared_language_skips_detection(tiny_model: Model) -> None:
    declared = tiny_model.score([GERMAN, ENGLISH], language="en-US")
    assert declared["language"].tolist() == ["en", "en"]
    assert declared["hostile_score"].notna().all()
    german = tiny_model.score([ENGLISH], language="de")
    assert german["language"].tolist() == ["de"] and german["hostile_score"].isna().all()
    with pytest.raises(ValueError, match="language code"):
        tiny_model.score([ENGLISH], language="not a language")


def test_model_score_missing_text_has_no_language(tiny_model: Model) -> None:
    with pytest.warns(UserWarning, match="1 missing"):
        out = tiny_model.score([None, GERMAN])
    assert pd.isna(out.loc[0, "language"]) and out.loc[1, "language"] == "de"
    assert out["hostile_score"].isna().all()


def test_languages_listed_on_the_card_are_scored(tiny_model: Model) -> None:
    card = {**tiny_model.card, "languages": ["en", "de"]}
    bilingual = Model(tiny_model.pipeline, thresholds=tiny_model.thresholds, card=card)
    assert bilingual.languages == ("en", "de") and tiny_model.languages == ("en",)
    out = bilingual.score([GERMAN, FRENCH])
    assert out["language"].tolist() == ["de", "fr"]
    assert out["hostile_score"].notna().tolist() == [True, False]


# ---------------------------------------------------------------- Python API
@pytest.fixture
def default_is_tiny(tiny_model_path, monkeypatch):
    monkeypatch.setenv("MODERATION_MODEL", str(tiny_model_path))
    api.clear_cache()
    yield tiny_model_path
    api.clear_cache()


def test_moderation_score_adds_language(default_is_tiny) -> None:
    out = moderation.score([ENGLISH, GERMAN, FRENCH, SPANISH])
    assert out["language"].tolist() == ["en", "de", "fr", "es"]
    assert out["hostile_score"].notna().tolist() == [True, False, False, False]


def test_score_page_leaves_foreign_comments_unscored(tiny_model: Model) -> None:
    out = moderation.score_page(PAGE, model=tiny_model, explain=True)
    assert out["language"].tolist() == ["de", "fr", "es", "en"]
    assert out["hostile_score"].isna().tolist() == [True, True, True, False]
    assert out.loc[:2, "hostile_flag"].eq(False).all() and out.loc[:2, "conspiratorial_flag"].eq(False).all()
    assert out.loc[:2, "reasons"].tolist() == ["{}", "{}", "{}"]


# -------------------------------------------------------------------------- CLI
def test_cli_scores_english_and_counts_skipped_languages(tiny_model_path, tmp_path, capsys) -> None:
    src = tmp_path / "mixed.csv"
    pd.DataFrame({"id": ["1", "2", "3", "4"], "text": [GERMAN, ENGLISH, FRENCH, "Danke für den Artikel."]}).to_csv(
        src, index=False
    )
    out = tmp_path / "scored.csv"
    code = main(["score", str(src), "-o", str(out), "--model", str(tiny_model_path), "--explain"])
    err = capsys.readouterr().err
    assert code == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False, na_values=[""])
    assert got["language"].tolist() == ["de", "en", "fr", "de"]
    assert got["hostile_score"].isna().tolist() == [True, False, True, True]
    assert got["hostile_flag"].tolist() == ["False", "True", "False", "False"]
    assert got["error"].isna().all()
    assert "1 rows scored" in err
    assert "3 comments not scored: language de (2), fr (1)" in err


def test_cli_page_and_stdin(tiny_model_path, tmp_path, capsys, monkeypatch) -> None:
    import io

    out = tmp_path / "page.jsonl"
    assert main(["score", str(PAGE), "-o", str(out), "--model", str(tiny_model_path)]) == 0
    rows = pd.read_json(out, lines=True)
    assert rows["language"].tolist() == ["de", "fr", "es", "en"]
    assert "3 comments not scored: language de (1), es (1), fr (1)" in capsys.readouterr().err

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{SPANISH}\nlol\n".encode())))
    assert main(["score", "-", "--model", str(tiny_model_path)]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    assert table["language"].tolist() == ["es", "en"]
    assert math.isnan(table.loc[0, "hostile_score"]) and not math.isnan(table.loc[1, "hostile_score"])
    assert "1 comment not scored: language es (1)" in captured.err


def test_cli_no_language_line_when_everything_is_english(tiny_model_path, tmp_path, capsys) -> None:
    src = tmp_path / "en.csv"
    pd.DataFrame({"text": [ENGLISH, "lol"]}).to_csv(src, index=False)
    assert main(["score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(tiny_model_path)]) == 0
    err = capsys.readouterr().err
    assert "2 rows scored" in err and "not scored" not in err


# ------------------------------------------------------------------------- HTTP
PERSPECTIVE = "/v1alpha1/comments:analyze"


@pytest.fixture(scope="module")
def client(tiny_model):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from moderation.serve import create_app

    with TestClient(create_app(tiny_model, token="")) as c:
        yield c


def test_http_score_returns_language_and_null_scores(client) -> None:
    body = {"comments": [{"id": i, "text": t} for i, t in enumerate([GERMAN, ENGLISH, FRENCH, SPANISH])],
            "explain": True}
    results = client.post("/v1/score", json=body).json()["results"]
    assert [r["language"] for r in results] == ["de", "en", "fr", "es"]
    for r in (results[0], results[2], results[3]):
        assert r["hostile_score"] is None and r["conspiratorial_score"] is None
        assert r["hostile_flag"] is False and r["conspiratorial_flag"] is False
        assert r["reasons"] == {}
    assert isinstance(results[1]["hostile_score"], float) and results[1]["hostile_flag"] is True


def test_http_parse_returns_language_and_null_scores(client) -> None:
    data = client.post("/v1/parse", json={"page": PAGE.read_text(encoding="utf-8")}).json()
    comments = data["comments"]
    assert [c["language"] for c in comments] == ["de", "fr", "es", "en"]
    assert [c["hostile_score"] is None for c in comments] == [True, True, True, False]
    unscored = client.post("/v1/parse", json={"page": PAGE.read_text(encoding="utf-8"), "score": False}).json()
    assert all("language" not in c for c in unscored["comments"])


def _analyze(client, text: str, **extra):
    body = {"comment": {"text": text}, "requestedAttributes": {"HOSTILE": {}, "CONSPIRATORIAL": {}}, **extra}
    return client.post(PERSPECTIVE, json=body)


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (FRENCH, "fr"), (SPANISH, "es")])
def test_perspective_detected_unsupported_language_is_a_400(client, text: str, code: str) -> None:
    resp = _analyze(client, text)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == f"Attribute HOSTILE does not support request languages: {code}"
    (detail,) = error["details"]
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"] == {
        "attribute": "HOSTILE", "detectedLanguages": [code]
    }


def test_perspective_declared_unsupported_languages_are_a_400(client) -> None:
    resp = _analyze(client, ENGLISH, languages=["de", "fr-FR"])
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["message"] == "Attribute HOSTILE does not support request languages: de, fr-FR"
    assert error["details"][0]["languageNotSupportedByAttributeError"]["requestedLanguages"] == ["de", "fr-FR"]


def test_perspective_declared_english_is_scored_without_detection(client, tiny_model) -> None:
    data = _analyze(client, GERMAN, languages=["de", "en-US"]).json()
    expected = tiny_model.predict_proba([GERMAN])[0]
    assert data["attributeScores"]["HOSTILE"]["summaryScore"]["value"] == pytest.approx(expected[0])
    assert data["languages"] == ["en"] and "detectedLanguages" not in data


def test_perspective_detected_english_is_scored(client) -> None:
    data = _analyze(client, "lol").json()
    assert data["languages"] == ["en"] and data["detectedLanguages"] == ["en"]
    assert set(data["attributeScores"]) == {"HOSTILE", "CONSPIRATORIAL"}


def test_perspective_bad_language_tag_is_a_400(client) -> None:
    resp = _analyze(client, ENGLISH, languages=["en", "!!"])
    assert resp.status_code == 400 and "languages[1]" in resp.json()["error"]["message"]


def test_language_errors_never_log_the_comment(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Zqxv geheimer Kommentar, der niemals im Protokoll landen darf."
    assert _analyze(client, secret).status_code == 400
    client.post("/v1/score", json={"comments": [{"text": secret}]})
    assert caplog.records and all("Zqxv" not in r.getMessage() for r in caplog.records)


def test_fast_first_look_leaves_foreign_text_with_english_fragments_foreign() -> None:
    from moderation.language import _detector

    german = ("Lies das bitte einmal ganz durch, bevor du hier wieder alles besser weißt: "
              "https://www.the-guardian.com/the-story-you-should-read")
    assert not _detector("en")._plainly_english(german)
    assert detect_language([german]) == ["de"]
    assert _detector("en")._plainly_english("I think the council should fix the road")


# --- py3langid's model, unpacked once into the cache (cold start, issue 13)
_MIXED = ["Vielen Dank für diese Recherche, sehr gut gemacht!", "Gracias por el artículo, muy interesante",
          "Merci beaucoup pour cet article très intéressant", "The council should fix the potholes first.",
          "Grazie mille per questo articolo", "Dziękuję bardzo za ten artykuł", "ok", "lol 😂😂"]


def _fresh_guesses(monkeypatch, folder) -> list:
    from moderation.language import LanguageDetector

    monkeypatch.setenv("MODERATION_CACHE_DIR", str(folder))
    detector = LanguageDetector()
    return [detector.guess(t) for t in _MIXED]


def test_the_unpacked_model_cache_gives_the_same_guesses(monkeypatch, tmp_path) -> None:
    unpacked = _fresh_guesses(monkeypatch, tmp_path)
    cached_files = list(tmp_path.glob("py3langid-*.npz"))
    assert len(cached_files) == 1  # written on the first start
    assert _fresh_guesses(monkeypatch, tmp_path) == unpacked  # read back on the next
    cached_files[0].write_bytes(b"not a model")  # a damaged cache is rebuilt, never trusted
    assert _fresh_guesses(monkeypatch, tmp_path) == unpacked
    assert cached_files[0].stat().st_size > 1_000_000


def test_an_empty_cache_dir_setting_turns_the_cache_off(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MODERATION_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # where the cache would go otherwise
    from moderation.language import LanguageDetector

    assert LanguageDetector().guess(_MIXED[0]).language == "de"
    assert not list(tmp_path.iterdir())
