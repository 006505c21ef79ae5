"""docs/security.md states the limits the code enforces (issue 11): the two must agree."""

from __future__ import annotations

from pathlib import Path

import pytest

DOC = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text(encoding="utf-8")


def _mb(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def test_the_documented_limits_are_the_code_s() -> None:
    from moderation import jsonsafe, persist
    from moderation.model import MAX_EXPLAIN_CHARS
    from moderation.parse import MAX_PAGE_BYTES
    from moderation.parse._html import MAX_HTML_DEPTH

    expected = {
        "MAX_EXPLAIN_CHARS": f"{MAX_EXPLAIN_CHARS:,} characters",
        "MAX_PAGE_BYTES": _mb(MAX_PAGE_BYTES),
        "MAX_HTML_DEPTH": f"{MAX_HTML_DEPTH:,} levels",
        "MAX_JSON_DEPTH": f"{jsonsafe.MAX_JSON_DEPTH} levels",
        "persist.MAX_DEPTH": f"{persist.MAX_DEPTH} levels",
        "persist.MAX_ARRAY_BYTES": f"{persist.MAX_ARRAY_BYTES >> 30} GiB",
    }
    for name, text in expected.items():
        assert f"(`{name}`)" in DOC, name
        assert text in DOC, (name, text)
    for cls in persist.TRUSTED_CLASSES:
        assert cls.rsplit(".", 1)[-1] in DOC or cls.startswith("moderation."), cls


def test_the_documented_service_limits_are_the_code_s() -> None:
    pytest.importorskip("fastapi")
    from moderation import serve

    expected = {
        "MAX_BODY_BYTES": _mb(serve.MAX_BODY_BYTES),
        "MAX_COMMENTS": f"{serve.MAX_COMMENTS:,} comments",
        "MAX_TEXT_CHARS": f"{serve.MAX_TEXT_CHARS:,} characters",
        "MAX_EXPLAIN_CHARS_PER_REQUEST": f"{serve.MAX_EXPLAIN_CHARS_PER_REQUEST:,} characters",
        "SCORE_BATCH_CHARS": f"{serve.SCORE_BATCH_CHARS:,} characters",
    }
    for name, text in expected.items():
        assert f"(`{name}`)" in DOC, name
        assert text in DOC, (name, text)
