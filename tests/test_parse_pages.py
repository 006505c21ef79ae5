"""Every saved page in ``../shared/pages``: true comment count, threading, authors, first words.

The pages are real and their commenters are real people, so this file holds no names or comment
text: authors and the first four words of each comment are compared as short SHA-1 digests
(``_digest``). The expected values were checked by hand against each page's DOM and against the
counts in ``pages/SOURCE.md``. To inspect a page: ``moderation parse PAGE``.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import pytest

from moderation.parse import ParseWarning, parse_comments

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MODERATION_SHARED", REPO.parent / "shared"))
PAGES = SHARED / "pages"

pytestmark = pytest.mark.skipif(
    not PAGES.is_dir(),
    reason=f"saved pages not found at {PAGES}; set MODERATION_SHARED to the shared folder",
)


def _digest(text: str | None) -> str:
    return hashlib.sha1((text or "").encode("utf-8")).hexdigest()[:8]


def _first_words(text: str, n: int = 4) -> str:
    return " ".join(text.split()[:n])


def _page(prefix: str) -> Path:
    matches = sorted(PAGES.glob(f"{prefix}_*.html"))
    if not matches:
        pytest.skip(f"page {prefix}_*.html is not in {PAGES}")
    return matches[0]


def _parse(prefix: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        comments = parse_comments(_page(prefix))
    return comments, [w for w in caught if issubclass(w.category, ParseWarning)]


# prefix -> (total, top-level, max depth)
COUNTS = {
    "01": (1, 1, 1),
    "02": (0, 0, 0),
    "03": (74, 36, 5),
    "04": (5, 3, 2),
    "05": (3, 3, 1),
    "06": (17, 13, 2),
    "08": (0, 0, 0),
    "10": (10, 5, 2),
    "12": (2, 2, 1),
}

# prefix -> [(id, parent_id, author digest, first-words digest)] for the first comments
FIRST = {
    "01": [("1188851", None, "80c95e0d", "f23054a4")],
    "03": [
        ("2058226", None, "fdbed811", "63c2a552"),
        ("2058234", "2058226", "3e05c90f", "33b2a25f"),
        ("2058482", "2058234", "dd86e282", "eb51a56a"),
        ("2058522", "2058482", "c04702c1", "ddcd4d04"),
    ],
    "04": [
        ("421882", None, "f6294d48", "27b8a2de"),
        ("422154", None, "f6294d48", "d3f7367f"),
        ("422230", "422154", "72030c23", "dfa3492e"),
        ("422240", None, "94d23597", "79752ee6"),
        ("422257", "422240", "72030c23", "3f3d7b04"),
    ],
    "05": [
        ("826", None, "baba432d", "23b08c84"),
        ("828", None, "6a4504d5", "b74297cc"),
        ("829", None, "55db859a", "d09bc43e"),
    ],
    "06": [
        ("10564", None, "2f6f33dd", "3f514635"),
        ("10565", "10564", "a5a54a82", "4cc346c9"),
        ("10566", None, "950af11c", "14573613"),
        ("10567", "10566", "a5a54a82", "1de4487a"),
    ],
    "10": [
        ("5334", None, "b3b0415a", "4fc3f086"),
        ("5335", "5334", "d73d1bd0", "1fa5cbdf"),
        ("5336", None, "25ae5b0d", "5b3194b6"),
        ("5344", "5341", "d73d1bd0", "5ca1b2c6"),
    ],
    "12": [
        ("7443", None, "4ce2edf1", "1226d3cc"),
        ("7588", None, "ae6e4d12", "1d706d64"),
    ],
}


@pytest.mark.parametrize("prefix", sorted(COUNTS))
def test_page_counts_and_threading(prefix: str) -> None:
    comments, _ = _parse(prefix)
    total, top, max_depth = COUNTS[prefix]
    assert len(comments) == total
    assert sum(c.parent_id is None for c in comments) == top
    by_id = {c.id: c for c in comments}
    assert len(by_id) == total, "comment ids must be unique"

    def depth(c) -> int:
        d = 1
        while c.parent_id is not None:
            c = by_id[c.parent_id]  # a parent must be a comment of the same page
            d += 1
        return d

    assert max((depth(c) for c in comments), default=0) == max_depth
    assert [c.position for c in comments] == list(range(1, total + 1))
    assert all(c.text and c.text == " ".join(c.text.split()) for c in comments)


@pytest.mark.parametrize("prefix", sorted(FIRST))
def test_page_authors_and_first_words(prefix: str) -> None:
    comments, _ = _parse(prefix)
    by_id = {c.id: c for c in comments}
    for cid, parent, author_digest, words_digest in FIRST[prefix]:
        c = by_id[cid]
        assert c.parent_id == parent
        assert _digest(c.author) == author_digest, f"author of comment {cid}"
        assert _digest(_first_words(c.text)) == words_digest, f"first words of comment {cid}"


def test_netzpolitik_depth_profile() -> None:
    comments, _ = _parse("03")
    by_id = {c.id: c for c in comments}
    profile: dict[int, int] = {}
    for c in comments:
        d, p = 1, c
        while p.parent_id:
            p, d = by_id[p.parent_id], d + 1
        profile[d] = profile.get(d, 0) + 1
    assert profile == {1: 36, 2: 17, 3: 10, 4: 7, 5: 4}


def test_pingbacks_are_not_comments() -> None:
    comments, _ = _parse("05")
    assert [c.id for c in comments] == ["826", "828", "829"]
    assert not any(c.text.startswith(("Pingback", "Trackback")) for c in comments)


def test_wpdiscuz_page_fields() -> None:
    (c,), warned = _parse("01")
    assert not warned
    assert c.published == "1. November 2023 10:50"  # the date's title, not "vor 1 Stunde"
    assert "Kommentar-Link" not in c.text and not c.text.endswith(" 0")


def test_legacy_and_hatom_bodies_are_clean() -> None:
    for prefix in ("06", "12"):
        comments, _ = _parse(prefix)
        for c in comments:
            assert not c.text.startswith(c.author or "\0")
            assert "sagt:" not in c.text and not c.text.endswith(("Antworten", "Reply"))
            assert c.published


@pytest.mark.parametrize(
    ("prefix", "reason"), [("02", "has no comments"), ("08", "loaded by script from Disqus")]
)
def test_pages_without_comments_warn(prefix: str, reason: str) -> None:
    comments, warned = _parse(prefix)
    assert comments == []
    assert len(warned) == 1 and reason in str(warned[0].message)
