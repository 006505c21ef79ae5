"""HTML markup variants, one small hand-written fixture each, plus property tests."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.parse import Comment, ParseWarning, detect_format, parse_comments

DATA = Path(__file__).resolve().parent / "data" / "parse"


def _parse(name: str) -> list[Comment]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ParseWarning)
        return parse_comments(DATA / name)


def _rows(comments: list[Comment]) -> list[tuple]:
    return [(c.id, c.author, c.parent_id, c.text) for c in comments]


def test_wpdiscuz() -> None:
    got = _parse("wpdiscuz.html")
    assert _rows(got) == [
        ("501", "Tide Reader", None, "Good news for the fishing boats. About time too."),
        ("502", "Net Mender", "501", "Look at the new quay:"),
        ("503", "Guest Sailor", None, "Is the slipway open as well?"),
    ]  # the empty fourth comment is dropped
    assert [c.has_image for c in got] == [False, True, False]  # avatars are not images
    assert got[0].published == "2 May 2022 10:15"
    assert got[2].published is None


def test_wordpress_html5_skips_pingbacks_and_trackbacks() -> None:
    got = _parse("wp_html5.html")
    assert _rows(got) == [
        ("11", "Plot Holder", None, "How long is the waiting list? Last time it was two years 😅"),
        ("12", "Editor Desk", "11", "About eighteen months, the council says."),
        ("13", "Plot Holder", "12", "Thanks!"),
        ("16", "Anonymous", None, "Will there be water on every plot?"),
        ("17", None, None, "Nobody signs anymore."),
    ]
    assert got[0].published == "2023-03-01T09:00:00+00:00"
    assert not any(c.has_image for c in got)  # emoji images give their alt text


def test_wordpress_legacy_commentlist() -> None:
    got = _parse("wp_legacy.html")
    assert _rows(got) == [
        ("701", "Brotfreundin", None,
         "Wie lange muss der Teig gehen? Bei mir wird er nie fluffig. Liebe Grüße"),
        ("702", "Backstube Nord", "701", "Mindestens zwölf Stunden, am besten über Nacht."),
    ]
    assert got[0].published == "10. Februar 2019 um 18:05 Uhr"


def test_schema_microdata() -> None:
    got = _parse("microdata.html")
    assert [(c.id, c.author, c.parent_id, c.text) for c in got[:2]] == [
        ("c-1", "Rail Fan", None, "Booked already."),
        ("c-2", "Couchette Critic", "c-1", "How much was the ticket?"),
    ]
    assert got[2].author is None and got[2].text == "Anonymous but keen."
    assert got[2].id.endswith("-3")  # generated: the item has no id
    assert [c.published for c in got] == ["2024-01-05T08:00:00Z", "2024-01-05T09:00:00Z", None]


def test_schema_jsonld() -> None:
    got = _parse("jsonld.html")
    assert [(c.id, c.author, c.parent_id, c.text) for c in got[:2]] == [
        ("#post-2", "Camp Stove", None, "The blue one from the discounter is fine."),
        ("#post-3", "Dry Bag", "#post-2", "It leaks in heavy rain."),
    ]
    assert got[2].text == "Borrow one first." and len(got) == 3  # blank comment dropped


def test_disqus_placeholder_warns() -> None:
    with pytest.warns(ParseWarning, match="loaded by script from Disqus"):
        assert parse_comments(DATA / "disqus_placeholder.html") == []


def test_disqus_legacy_block() -> None:
    got = _parse("disqus_legacy.html")
    assert _rows(got) == [
        ("9001", "Ops Person", None, "Which base image did you use?"),
        ("9002", "Blog Author", "9001", "Debian slim."),
    ]


def test_page_without_comments_warns() -> None:
    with pytest.warns(ParseWarning, match="no comment section"):
        assert parse_comments(DATA / "no_comments.html") == []


def test_format_detection() -> None:
    assert detect_format("<!DOCTYPE html><html></html>") == "html"
    assert detect_format("  <html><body>x</body></html>") == "html"
    assert detect_format("Title\n\n<p>one</p><div>two</div><span>three</span>") == "html"
    assert detect_format("Notify of\nI use <b> sometimes\n") == "text"


def test_fmt_argument_is_checked() -> None:
    with pytest.raises(ValueError, match="not a format"):
        parse_comments("x", fmt="pdf")  # type: ignore[arg-type]


_TAGS = st.sampled_from(
    ['<div class="wpd-comment" id="wpd-comm-1_0">', '<div class="wpd-comment-text">',
     '<li class="comment" id="comment-5">', '<ol class="comment-list">', '<ol class="children">',
     '<div class="comment-content">', '<b class="fn">', '<div id="disqus_thread">',
     '<div itemscope itemtype="https://schema.org/Comment">', '<span itemprop="text">',
     '<script type="application/ld+json">{"@type":"Comment","text":"',
     '"}</script>', "</div>", "</li>", "</ol>", "<p>", "</p>", "<br>", '<img src="a.png">',
     "<!-- c -->", "&amp;", "&#0;", "<![CDATA[", "<svg>"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TAGS, st.text(max_size=20)), max_size=50))
def test_arbitrary_html_never_raises_or_yields_empty_text(parts: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        got = parse_comments("<html><body>" + "".join(parts), fmt="html")
    for c in got:
        assert c.text.strip() and c.text == " ".join(c.text.split())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_unexpectedly(data: bytes) -> None:
    from moderation.parse import BinaryFileError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        try:
            got = parse_comments(data)
        except BinaryFileError:
            return
    assert all(c.text.strip() for c in got)
