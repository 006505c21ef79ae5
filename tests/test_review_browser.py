"""The review page in a real browser: headless Chromium from Debian's packages (``chromium``,
``chromium-driver``) driven by Selenium, against ``moderation serve`` with a token set.

A moderator signs in, uploads the seed page, sees the hostile comments flagged with their
words highlighted, goes through the thread with the keyboard (two corrections), exports the
labels, and a model retrained from that export (``--base none``, in a temporary models folder)
flips the two corrected comments. ``.ci/run`` installs Chromium when it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the [test] extra)")
from live_server import running_server  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::moderation.corpora.DatasetWarning")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "southfront_russia_china_wpdiscuz.txt"
TOKEN = "browser-test-token"
#: The seed's comments as the shipped model flags them (ids are the parser's).
HOSTILE_ID = "c667dccd93a-3"
#: Corrections made with the keyboard: comment 2 is hostile too; comment 4 is not conspiratorial.
MISSED_HOSTILE_ID = "c667dccd93a-2"
WRONG_CONSPIRACY_ID = "c667dccd93a-4"


def _chromium() -> tuple[str, str]:
    """Paths of Debian's Chromium and its driver; skips the test when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("Chromium is not installed: apt-get install -y chromium chromium-driver "
                    "(.ci/run installs them)")
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1400"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("review-labels") / "labels.sqlite3"
    env = {"MODERATION_API_TOKEN": TOKEN, "MODERATION_LABELS_DB": str(db)}
    with running_server([], env) as base:  # the shipped default model
        yield base


def _article(driver, comment_id: str):
    return driver.find_element(By.CSS_SELECTOR, f'article[data-id="{comment_id}"]')


def _current_id(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "article.current").get_attribute("data-id")


def _press(driver, key: str) -> None:
    """A key press wherever the focus is, as a moderator's keyboard sends it."""
    ActionChains(driver).send_keys(key).perform()


def test_moderator_reviews_the_seed_page_and_retrains_from_the_export(browser, server, tmp_path):
    wait = WebDriverWait(browser, 60)
    browser.get(f"{server}/review")
    # signed out: the sign-in form, and no session cookie script can read
    field = browser.find_element(By.ID, "token")
    field.send_keys(TOKEN + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.ID, "file"))
    assert browser.execute_script("return document.cookie") == ""  # HttpOnly

    browser.find_element(By.ID, "file").send_keys(str(SEED))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.comment")) == 12)
    assert int(browser.find_element(By.TAG_NAME, "body").get_attribute("data-load-ms")) > 0

    # the hostile seed comment: flagged, with its words highlighted
    hostile = _article(browser, HOSTILE_ID)
    assert "flagged-hostile" in hostile.get_attribute("class").split()
    assert "flagged hostile" in hostile.find_element(By.CSS_SELECTOR, ".head").text
    marks = hostile.find_elements(By.CSS_SELECTOR, "mark.hl-hostile, mark.hl-both")
    assert marks and all(m.text.strip() for m in marks)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#histograms svg")) == 2

    # filters: flagged only, then back to the whole thread
    browser.find_element(By.CSS_SELECTOR, "#filter option[value='flagged']").click()
    shown = [a.get_attribute("data-id") for a in browser.find_elements(By.CSS_SELECTOR, "article.comment")]
    assert HOSTILE_ID in shown and len(shown) < 12
    browser.find_element(By.CSS_SELECTOR, "#filter option[value='all']").click()
    assert _current_id(browser) == shown[0]  # the selection stays where it was

    # the keyboard: j/k move, h/c toggle, Enter confirms and moves on
    while _current_id(browser) != "c667dccd93a-1":
        _press(browser, "k")
    _press(browser, "j")
    assert _current_id(browser) == "c667dccd93a-2"
    _press(browser, "k")
    assert _current_id(browser) == "c667dccd93a-1"
    for position in range(12):
        current = _current_id(browser)
        if current == MISSED_HOSTILE_ID:
            _press(browser, "h")
        if current == WRONG_CONSPIRACY_ID:
            _press(browser, "c")
        _press(browser, Keys.ENTER)
        wait.until(lambda d, n=position + 1: len(d.find_elements(By.CSS_SELECTOR, "article.is-saved")) == n)
    assert "24 decision(s) stored" in browser.find_element(By.ID, "saved-count").text
    corrected = _article(browser, MISSED_HOSTILE_ID).find_element(By.CSS_SELECTOR, "button.toggle.changed")
    assert corrected.text == "hostile: yes"

    # export, as the page's link downloads it (same session)
    csv_text = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch('/review/api/export').then(r => r.text()).then(done, e => done('ERROR ' + e));"
    )
    export = tmp_path / "labels.csv"
    export.write_text(csv_text, encoding="utf-8")
    _retrain_flips_the_corrections(export, tmp_path / "models")


def _retrain_flips_the_corrections(export: Path, models: Path) -> None:
    """``moderation train --labels EXPORT --base none`` reads the export as it is, and the new
    model scores the corrected comments as the moderator decided."""
    import pandas as pd

    from moderation.cli import main
    from moderation.model import load_model
    from moderation.parse import parse_comments

    labels = pd.read_csv(export)
    assert list(labels.columns) == ["text", "hostile", "conspiratorial"] and len(labels) == 12
    texts = {c.id: c.text for c in parse_comments(SEED)}
    by_text = labels.set_index("text")
    assert by_text.loc[texts[MISSED_HOSTILE_ID], "hostile"] == 1
    assert by_text.loc[texts[WRONG_CONSPIRACY_ID], "conspiratorial"] == 0

    code = main(["train", "--labels", str(export), "--base", "none", "--corpora", "/nonexistent",
                 "--models-dir", str(models), "--name", "from-review", "--no-promote"])
    assert code == 0
    model = load_model(models / "from-review")
    scores = model.score([texts[MISSED_HOSTILE_ID], texts[WRONG_CONSPIRACY_ID]])
    assert bool(scores["hostile_flag"][0]), scores
    assert not bool(scores["conspiratorial_flag"][1]), scores
