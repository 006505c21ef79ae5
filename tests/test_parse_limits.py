"""Hostile pages (issue 11): decompression bombs and endless inputs (item 3), HTML nested
deeper than lxml follows (item 4) and deeply nested JSON-LD (item 8)."""

from __future__ import annotations

import gzip
import os
import threading
import tracemalloc
import zlib
from pathlib import Path

import pytest

from moderation.cli import main
from moderation.parse import (
    MAX_PAGE_BYTES,
    BinaryFileError,
    PageTooLargeError,
    ParseWarning,
    decode_page,
    parse_comments,
    read_page,
)

PAGE = (
    "<!doctype html><html><body><ol class='comment-list'>"
    "<li id='comment-1' class='comment'><div class='comment-content'><p>First comment</p></div></li>"
    "</ol></body></html>"
)


def _bomb(inflated: int) -> bytes:
    """A gzip file of ``inflated`` zero-ish bytes ("a"), built without holding them in memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"a" * (1 << 20)
    parts = [comp.compress(chunk) for _ in range(inflated >> 20)]
    parts.append(comp.flush())
    return b"".join(parts)


# ----------------------------------------------------------------------------- item 3
def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    page = tmp_path / "bomb.html.gz"
    page.write_bytes(_bomb(8 * MAX_PAGE_BYTES))  # 256 MB inflated, a few hundred KB stored
    assert page.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(PageTooLargeError, match="inflates to over the 32 MB page limit"):
            read_page(page)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_PAGE_BYTES


def test_the_cli_reports_a_gzip_bomb_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    page = tmp_path / "bomb.html.gz"
    page.write_bytes(_bomb(2 * MAX_PAGE_BYTES))
    assert main(["parse", str(page)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "page limit" in err


def test_gzipped_pages_still_read_including_several_members(tmp_path: Path) -> None:
    page = tmp_path / "p.html.gz"
    half = len(PAGE) // 2
    page.write_bytes(gzip.compress(PAGE[:half].encode()) + gzip.compress(PAGE[half:].encode()))
    assert [c.text for c in parse_comments(page)] == ["First comment"]
    with pytest.raises(BinaryFileError, match="damaged gzip"):
        decode_page(gzip.compress(PAGE.encode())[:-12])
    with pytest.raises(BinaryFileError, match="damaged gzip"):
        decode_page(gzip.compress(PAGE.encode()) + b"trailing garbage")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_at_once(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(BinaryFileError, match="binary file"):
        read_page("/dev/zero")
    assert main(["parse", "/dev/zero"]) == 2
    assert "binary file" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_endless_text_stream_is_cut_at_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "endless.txt"
    os.mkfifo(fifo)

    def writer() -> None:
        try:
            with open(fifo, "wb") as fh:
                while True:
                    fh.write(b"Notify of\nyou are all wrong about this\n\n" * 1000)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with pytest.raises(PageTooLargeError, match="over the 32 MB page limit"):
        read_page(fifo)
    thread.join(timeout=10)


def test_a_page_over_the_limit_in_memory_is_refused() -> None:
    with pytest.raises(PageTooLargeError):
        decode_page(b"a" * (MAX_PAGE_BYTES + 1))


def test_utf16_pages_with_a_bom_are_not_mistaken_for_binary(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(b"\xff\xfe" + PAGE.encode("utf-16-le"))
    assert [c.text for c in parse_comments(page)] == ["First comment"]


# ----------------------------------------------------------------------------- item 4
def _thread(n: int, deep_at: int, depth: int, tag: str = "blockquote") -> str:
    items = []
    for i in range(1, n + 1):
        body = f"comment {i}"
        if i == deep_at:
            body = f"<{tag}>" * depth + "deep quote" + f"</{tag}>" * depth + " my reply"
        items.append(f"<li id='comment-{i}' class='comment'><div class='comment-content'><p>{body}</p>"
                     "</div></li>")
    return "<!doctype html><html><body><ol class='comment-list'>" + "".join(items) + "</ol></body></html>"


@pytest.mark.parametrize("depth", [2100, 20_000])
def test_a_deeply_nested_comment_no_longer_hides_the_rest_of_the_page(depth: int) -> None:
    with pytest.warns(ParseWarning, match="nested deeper than the parser reads.*every comment is read"):
        comments = parse_comments(_thread(102, 50, depth))
    assert [c.id for c in comments] == [str(i) for i in range(1, 103)]
    assert comments[49].text == "deep quote my reply"


def test_deep_nesting_that_is_never_closed_reports_the_comments_it_hides() -> None:
    later = "".join(f"<li id='comment-{i}' class='comment'><div class='comment-content'><p>hi {i}</p>"
                    "</div></li>" for i in range(2, 5))
    page = ("<html><body>" + "<div>" * 2501 + "<ol class='comment-list'><li id='comment-1' "
            "class='comment'><div class='comment-content'><p>first</p></div></li>" + later)
    with pytest.warns(ParseWarning) as caught:
        assert parse_comments(page) == []
    messages = [str(w.message) for w in caught]
    assert any("up to 4 comment(s) may be missing" in m for m in messages), messages


def test_parse_cli_and_service_warn_about_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                       tiny_model) -> None:
    page = tmp_path / "deep.html"
    page.write_text(_thread(12, 5, 2100))
    out = tmp_path / "out.csv"
    assert main(["parse", str(page), "-o", str(out)]) == 0
    assert "nested deeper than the parser reads" in capsys.readouterr().err
    assert out.read_text().count("\n") == 13
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from moderation.serve import create_app

    with TestClient(create_app(tiny_model, token="")) as client:
        data = client.post("/v1/parse", json={"page": page.read_text()}).json()
    assert len(data["comments"]) == 12
    assert any("nested deeper" in w for w in data["warnings"])


def test_ordinary_pages_are_parsed_once_without_warnings(recwarn: pytest.WarningsRecorder) -> None:
    assert [c.text for c in parse_comments(_thread(3, 2, 200))][1] == "deep quote my reply"
    assert not [w for w in recwarn if issubclass(w.category, ParseWarning)]
