"""How long the review page takes to show a 500-comment thread, in headless Chromium.

    python benchmarks/review_page.py [--comments 500] [--runs 5] [--screenshot docs/review-page.png]

Builds a thread of ``--comments`` comments (texts from our labelled comments, every fifth a new
top-level comment and the others replies, up to three deep) as a CSV with ``parent_id``,
serves the shipped default model in this process (uvicorn on a loopback port), and uploads the
thread on ``/review`` through Debian's Chromium and chromium-driver (Selenium), ``--runs``
times after one warm-up. Reported per run: the time from choosing the file to the thread drawn
(the page's own ``data-load-ms``: upload, parsing, scoring, explanations, JSON and drawing) and,
within it, the server's part (the request's resource timing). ``--screenshot`` also saves a
picture of the page showing the seed thread. The result goes into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED = ROOT / "seeds" / "southfront_russia_china_wpdiscuz.txt"
START = "<!-- review-page:start -->"
END = "<!-- review-page:end -->"


def build_thread(n: int, path: Path) -> None:
    """A CSV thread of ``n`` comments with replies, from our labelled comments (fixed order)."""
    import pandas as pd

    files = sorted((ROOT / "moderation" / "resources" / "comments").glob("*.csv"))
    texts = pd.concat([pd.read_csv(f, usecols=["text"]) for f in files], ignore_index=True)["text"]
    texts = texts.dropna().sample(n=n, random_state=14).tolist()
    rows, parent, depth = [], None, 0
    for i, text in enumerate(texts, start=1):
        if i % 5 == 1 or depth >= 3:
            parent, depth = None, 0
        rows.append({"id": str(i), "author": f"reader{i % 37}", "parent_id": parent or "", "text": text})
        parent, depth = str(i), depth + 1
    pd.DataFrame(rows).to_csv(path, index=False)


def serve(port: int) -> object:
    """The app with the default model, in a thread of this process; returns the uvicorn server."""
    import uvicorn

    from moderation.serve import create_app

    labels = Path(tempfile.mkdtemp()) / "labels.sqlite3"
    config = uvicorn.Config(create_app(token="", labels=labels), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not start within 60 s")
        time.sleep(0.1)
    return server


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        raise SystemExit("needs Chromium: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(driver))


def load_once(driver, base: str, path: Path, count: int) -> tuple[float, float]:
    """Open the page, upload ``path``; returns (total ms, server ms)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/review")
    driver.find_element(By.ID, "file").send_keys(str(path))
    WebDriverWait(driver, 300).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-load-ms"))
    shown = len(driver.find_elements(By.CSS_SELECTOR, "article.comment"))
    if shown != count:
        raise SystemExit(f"the page shows {shown} comments, not {count}")
    total = float(driver.find_element(By.TAG_NAME, "body").get_attribute("data-load-ms"))
    server = driver.execute_script(
        "const e = performance.getEntriesByType('resource').filter(r => r.name.endsWith('/review/api/thread'));"
        "return e.length ? e[e.length - 1].responseEnd - e[e.length - 1].startTime : null;")
    return total, float(server or 0.0)


def screenshot(driver, base: str, out: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(1280, 1100)
    driver.get(f"{base}/review")
    driver.find_element(By.ID, "file").send_keys(str(SEED))
    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "article.comment"))
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    body.send_keys("j")  # the third comment, flagged both ways, is selected
    driver.execute_script("window.scrollTo(0, 0)")
    out.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = serve(port)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        thread = Path(tmp) / f"thread-{args.comments}.csv"
        build_thread(args.comments, thread)
        driver = browser()
        try:
            load_once(driver, base, thread, args.comments)  # warm-up
            runs = [load_once(driver, base, thread, args.comments) for _ in range(args.runs)]
            if args.screenshot:
                screenshot(driver, base, args.screenshot)
        finally:
            driver.quit()
    server.should_exit = True
    totals, servers = [r[0] for r in runs], [r[1] for r in runs]
    from moderation.api import default_model

    version = default_model().version
    line = (f"| {args.comments} comments (CSV thread with replies), model {version} | "
            f"{statistics.median(totals):,.0f} ms | {max(totals):,.0f} ms | "
            f"{statistics.median(servers):,.0f} ms | {args.runs} |")
    print(f"load time, choose file -> thread drawn: median {statistics.median(totals):.0f} ms, "
          f"max {max(totals):.0f} ms; server part median {statistics.median(servers):.0f} ms")
    if not args.no_write:
        sys.path.insert(0, str(Path(__file__).parent))
        from results_file import write_section

        section = "\n".join([
            START,
            "## Review page load time (benchmarks/review_page.py)",
            "",
            "Headless Chromium (Debian's chromium + chromium-driver, Selenium) uploads a thread on",
            "`/review`; from choosing the file to the thread drawn (upload, parsing, scoring, the",
            "explanations behind the highlights, drawing), and the server's part of it. After one",
            f"warm-up; {platform.machine()}, {os.cpu_count()} cores shared with other work.",
            "",
            "| thread | median | max | server part (median) | runs |",
            "|---|---|---|---|---|",
            line,
            END,
        ])
        write_section(section, START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
