"""Time ``parse_comments`` on synthetic ~10 MB pages (HTML and text dump). Not a test.

Usage: ``python benchmarks/parse_speed.py [--mb 10]``. The issue's target: a 10 MB page parses
in a few seconds.
"""

from __future__ import annotations

import argparse
import time
import warnings

from moderation.parse import ParseWarning, parse_comments

_WORDS = "the council said the new road will open next spring after a long delay".split()


def _sentence(i: int) -> str:
    return " ".join(_WORDS[(i + k) % len(_WORDS)] for k in range(25)).capitalize() + "."


def html_page(target_bytes: int) -> str:
    """A WordPress page with threaded comments, about ``target_bytes`` long."""
    parts = ["<!DOCTYPE html><html><body><article><p>Article.</p></article><ol class='comment-list'>"]
    size, i = 0, 0
    while size < target_bytes:
        item = (
            f"<li id='comment-{i}' class='comment depth-1'><article class='comment-body'>"
            f"<footer class='comment-meta'><div class='comment-author vcard'><b class='fn'>User {i}</b>"
            f" <span class='says'>says:</span></div><div class='comment-metadata'>"
            f"<time datetime='2024-01-01T00:00:00Z'>1 Jan</time></div></footer>"
            f"<div class='comment-content'><p>{_sentence(i)}</p><p>{_sentence(i + 1)}</p></div>"
            f"<div class='reply'><a class='comment-reply-link'>Reply</a></div></article>"
            f"<ol class='children'><li id='comment-{i + 1}' class='comment depth-2'>"
            f"<article class='comment-body'><div class='comment-author'><b class='fn'>User {i + 1}</b>"
            f"</div><div class='comment-content'><p>{_sentence(i + 2)}</p></div></article></li></ol></li>"
        )
        parts.append(item)
        size += len(item)
        i += 2
    parts.append("</ol></body></html>")
    return "".join(parts)


def text_dump(target_bytes: int) -> str:
    """A wpDiscuz-style text dump with signed comments, about ``target_bytes`` long."""
    parts = ["Article text.\n\nNotify of\nNewest Most Voted\nInline Feedbacks\nView all comments\n\n"]
    size, i = 0, 0
    while size < target_bytes:
        item = f"User {i}\n\n{_sentence(i)}\n\n{_sentence(i + 1)}\n\n"
        parts.append(item)
        size += len(item)
        i += 1
    parts.append("Would love your thoughts, please comment.x")
    return "".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=10.0, help="page size in MB (default 10)")
    args = ap.parse_args()
    target = int(args.mb * 1_000_000)
    for name, build in (("html", html_page), ("text", text_dump)):
        page = build(target)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ParseWarning)
            start = time.perf_counter()
            comments = parse_comments(page)
            elapsed = time.perf_counter() - start
        print(f"{name}: {len(page.encode()) / 1e6:.1f} MB, {len(comments)} comments, {elapsed:.2f} s")


if __name__ == "__main__":
    main()
