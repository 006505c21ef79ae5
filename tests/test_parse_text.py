"""Plain-text dumps: the seed page, own fixtures in English and German, and property tests."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.parse import Comment, ParseWarning, parse_comments
from moderation.parse._text import looks_like_name

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "southfront_russia_china_wpdiscuz.txt"
DATA = REPO / "tests" / "data" / "parse"


def _parse(path: Path | str, **kw) -> list[Comment]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ParseWarning)
        return parse_comments(path, **kw)


def test_seed_gives_exactly_the_expected_comments() -> None:
    expected = json.loads((DATA / "seed_expected.json").read_text(encoding="utf-8"))
    got = _parse(SEED)
    assert [(c.author, c.text) for c in got] == [(e["author"], e["text"]) for e in expected]
    assert [c.has_image for c in got] == [e["has_image"] for e in expected]


def test_seed_has_no_article_text_or_chrome() -> None:
    got = _parse(SEED)
    article = SEED.read_text(encoding="utf-8").split("\n")[:77]
    texts = " | ".join(c.text for c in got)
    for line in article:
        if len(line) > 30:
            assert line.strip() not in texts
    for chrome in ("2,500 $", "Support SouthFront", "IMAGE:", "comment image", "Notify of",
                   "View all comments", "Would love your thoughts"):
        assert chrome not in texts
    authors = {c.author for c in got if c.author}
    assert not any(c.text in authors for c in got), "an author name returned as a comment"
    assert len({c.id for c in got}) == len(got)
    assert [c.position for c in got] == list(range(1, 13))
    assert all(c.source == str(SEED) and c.parent_id is None for c in got)


def test_seed_ids_are_deterministic_and_input_type_independent() -> None:
    by_path = _parse(SEED)
    by_text = _parse(SEED.read_text(encoding="utf-8"))
    by_bytes = _parse(SEED.read_bytes())
    assert [c.id for c in by_path] == [c.id for c in by_text] == [c.id for c in by_bytes]
    assert by_text[0].source == "<text>" and by_bytes[0].source == "<bytes>"
    assert [c.text for c in by_path] == [c.text for c in by_bytes]


def test_wordpress_thoughts_on_dump() -> None:
    got = _parse(DATA / "wordpress_thoughts_en.txt")
    assert [c.author for c in got] == ["Dana Whitfield", "Old Codger", "Pat O'Neill", "Sam Reyes"]
    assert got[1].text == (
        "What about the shops? Half of their customers drive in. "
        "Nobody asked the traders before the vote."
    )
    assert got[2].text == "Agreed."
    assert got[0].published == "March 3, 2021 at 9:14 am"
    texts = " ".join(c.text for c in got)
    assert "cycle lanes" not in texts and "Recent Posts" not in texts and "Reply" not in texts


def test_german_wpdiscuz_dump() -> None:
    got = _parse(DATA / "wpdiscuz_de.txt")
    assert [(c.author, c.text) for c in got] == [
        ("Kleiner Kobold",
         "Schade, der Juni war immer der schönste Termin. Im September ist es abends schon kalt."),
        ("Greta M.", "Beide"),
        ("Hanno_77", "Genau :)"),
        ("Uwe aus Kiel",
         "Bauarbeiten sind doch kein Grund, man hätte auf den Schulhof ausweichen können."),
    ]
    assert [c.has_image for c in got] == [False, False, False, True]
    assert got[0].published == "vor 2 Stunden"


def test_reply_to_lines_give_threading() -> None:
    got = _parse(DATA / "wpdiscuz_en_replies.txt")
    assert [c.author for c in got] == ["Kestrel Watcher", "Ferry Captain", "Kestrel Watcher"]
    assert got[0].parent_id is None
    assert got[1].parent_id == got[0].id
    assert got[2].parent_id == got[1].id
    assert got[2].text == "Thanks, I had missed that. Good news."


def test_dump_without_comment_section_warns_and_returns_nothing() -> None:
    with pytest.warns(ParseWarning, match="no comment section"):
        assert parse_comments(DATA / "no_comments.txt") == []


def test_widget_with_no_comments_warns() -> None:
    dump = "Article text here.\n\nNotify of\nNewest Most Voted\nInline Feedbacks\nView all comments\n"
    with pytest.warns(ParseWarning, match="has no comments"):
        assert parse_comments(dump) == []


def test_two_blank_lines_separate_unsigned_comments() -> None:
    dump = (
        "Body.\n\n5 thoughts on “Post”\n\n"
        "First comment, paragraph one.\n\nParagraph two.\n\n\n"
        "Second comment.\n\n\nThird comment\nstill third.\n\nBest regards\n\n\n"
        "Fourth comment.\n\nLeave a Reply\n"
    )
    got = _parse(dump)
    assert [c.text for c in got] == [
        "First comment, paragraph one. Paragraph two.",
        "Second comment.",
        "Third comment still third. Best regards",  # a sign-off, not an author line
        "Fourth comment.",
    ]
    assert all(c.author is None for c in got)


@pytest.mark.parametrize(
    ("line", "is_name"),
    [
        ("Robert McMaster", True),
        ("Zionism = EVIL", True),
        ("Assad must stay (gr8rambino)", True),
        ("Greta M.", True),
        ("user_123", True),
        ("Both :)", False),
        ("like Patriots :)", False),
        ("Agreed", False),
        ("Thanks 😂", False),
        ("This is a sentence.", False),
        ("Well, no. Never.", False),
        ("– Shanghai Cooperation Organisation –", False),
        ("https://example.org/x", False),
        ("3 years ago", False),
        ("Reply", False),
    ],
)
def test_author_line_shape(line: str, is_name: bool) -> None:
    assert looks_like_name(line) is is_name


def test_cp1252_bytes_decode_with_warning() -> None:
    dump = "Text.\n\n2 thoughts on “Café”\n\nNice café, très bien.\n\n\nSecond.\n".encode("cp1252")
    with pytest.warns(ParseWarning, match="cp1252"):
        got = parse_comments(dump)
    assert got[0].text == "Nice café, très bien."


_LINES = st.sampled_from(
    ["", "", "Notify of", "Newest Most Voted", "View all comments", "Reply", "3", "comment image",
     "Jane Doe", "Both :)", "Leave a Reply", "2 thoughts on “X”", "x", "vor 2 Stunden",
     "Would love your thoughts, please comment.x", "Reply to  Jane Doe", "Some comment text.",
     "Support Site", "2,500 $", "Anna sagt:"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=40)), max_size=40))
def test_arbitrary_dumps_never_raise_or_yield_empty_text(lines: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        got = parse_comments("\n".join(lines), fmt="text")
    for c in got:
        assert c.text.strip() and c.text == " ".join(c.text.split())
        assert c.author is None or c.author.strip()


def test_a_string_naming_a_folder_is_read_as_text_not_opened() -> None:
    # found by the property test: "/" exists (a folder), so it must not be taken for a page path
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert parse_comments("/") == []
