"""Writing one benchmark's section of ``benchmarks/RESULTS.md``, leaving the others alone."""

from __future__ import annotations

import os
import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(section: str, start: str, end: str, path: Path = RESULTS) -> None:
    """Replace the text between the ``start`` and ``end`` markers of ``path`` with ``section``
    (which holds the markers), or append it; the file is replaced atomically."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
