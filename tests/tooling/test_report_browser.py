"""The report's HTML page in a real browser: headless Chromium driven by
Selenium through Debian's chromedriver, on a page made from the recorded
results (tests/tooling/data/report/). Needs the pip package selenium
and the Debian packages chromium and chromium-driver; skipped, saying
which is missing, without them."""

import os
import shutil

import pytest

from scripts.report_parts.html import render_html
from scripts.report_parts.matrix import aggregate
from tests.tooling.test_report import RESULTS, SPEC, load_documents

webdriver = pytest.importorskip("selenium.webdriver", reason="needs the pip package selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH = 1366


def _missing():
    return [name for name, path in (("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER))
            if not os.access(path, os.X_OK)]


@pytest.fixture(scope="module")
def matrix():
    return aggregate(SPEC.read_text(encoding="utf-8"), load_documents(RESULTS))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = _missing()
    if missing:
        pytest.skip("needs the Debian package(s) %s (apt-get install -y chromium chromium-driver)"
                    % ", ".join(missing))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=%d,900" % WIDTH,
                 "--user-data-dir=%s" % tmp_path_factory.mktemp("chromium-profile")):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)  # nothing downloaded
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def _open(browser, matrix, tmp_path, page_matrix=None):
    page = tmp_path / "report.html"
    page.write_text(render_html(page_matrix or matrix, "../SPEC.md"), encoding="utf-8")
    browser.get(page.as_uri())
    browser.get_log("browser")  # drop what came before this page
    return page


def _visible_rows(browser):
    return [row for row in browser.find_elements(By.CSS_SELECTOR, "#matrix tbody tr.clause") if row.is_displayed()]


def test_the_default_shows_the_differing_rows_and_all_rows_on_request(browser, matrix, tmp_path):
    _open(browser, matrix, tmp_path)
    differing = [row["id"] for row in matrix["rows"] if row["differs"]]
    assert 0 < len(differing) < len(matrix["rows"])
    assert [row.get_attribute("id") for row in _visible_rows(browser)] == differing
    browser.find_element(By.ID, "all-rows").click()
    assert len(_visible_rows(browser)) == len(matrix["rows"])
    assert "8 of 8 clauses shown" in browser.find_element(By.ID, "shown").text
    assert browser.get_log("browser") == []


def test_a_cell_opens_its_evidence(browser, matrix, tmp_path):
    _open(browser, matrix, tmp_path)
    panel = browser.find_element(By.ID, "evidence")
    assert not panel.is_displayed()
    browser.find_element(By.CSS_SELECTOR, 'tr[id="Future/repr"] td[data-n="3.10"] button').click()
    assert panel.is_displayed()
    text = panel.text
    assert "Future/repr on 3.10" in text and "stdlib: FAILS" in text
    assert "spec_tests/test_future.py::test_repr[stdlib] failed" in text
    assert "AssertionError: assert '<Future at 0x7f state=pending>'" in text
    browser.find_element(By.ID, "evidence-close").click()
    assert not panel.is_displayed()
    assert browser.get_log("browser") == []


def test_not_run_cells_say_why(browser, matrix, tmp_path):
    _open(browser, matrix, tmp_path)
    browser.find_element(By.CSS_SELECTOR, 'tr[id="wait/duplicates"] td[data-n="3.7"] button').click()
    text = browser.find_element(By.ID, "evidence").text
    assert "reference: not run" in text and "needs Python 3.8+" in text


def test_the_two_interpreter_view(browser, matrix, tmp_path):
    _open(browser, matrix, tmp_path)
    Select(browser.find_element(By.ID, "pick-a")).select_by_value("3.9")
    Select(browser.find_element(By.ID, "pick-b")).select_by_value("pypy3.9")
    assert [row.get_attribute("id") for row in _visible_rows(browser)] == ["Future/repr"]
    headers = [th.text.split()[0] for th in browser.find_elements(By.CSS_SELECTOR, "#matrix thead th")
               if th.is_displayed()]
    assert headers == ["clause", "3.9", "pypy3.9"]
    assert browser.get_log("browser") == []


def test_filters_by_kind_and_text(browser, matrix, tmp_path):
    _open(browser, matrix, tmp_path)
    browser.find_element(By.ID, "all-rows").click()
    Select(browser.find_element(By.ID, "kind")).select_by_value("cpython-only")
    assert [row.get_attribute("id") for row in _visible_rows(browser)] == ["Future/repr"]
    Select(browser.find_element(By.ID, "kind")).select_by_value("")
    browser.find_element(By.ID, "text").send_keys("positional")
    assert [row.get_attribute("id") for row in _visible_rows(browser)] == ["Executor.submit/fn-positional-only"]


def test_a_clause_expands_to_its_upcoming_change(browser, matrix, tmp_path):
    _open(browser, matrix, tmp_path)
    browser.find_element(By.CSS_SELECTOR, 'tr[id="Executor.map/buffersize"] summary').click()
    upcoming = browser.find_element(By.CSS_SELECTOR, 'tr[id="Executor.map/buffersize"] .upcoming')
    assert upcoming.is_displayed() and "3.16: buffersize must be positive (gh-136098)." in upcoming.text
    assert upcoming.find_element(By.TAG_NAME, "a").get_attribute("href").endswith("/issues/136098")
    assert browser.get_log("browser") == []


TWELVE = ["3.%d" % minor for minor in range(6, 16)] + ["pypy3.9", "pypy3.11"]


@pytest.mark.parametrize("names", [TWELVE, TWELVE[:10] + ["3.15+cpython"] + TWELVE[10:]],
                         ids=["twelve", "twelve-and-a-source-tree"])
def test_twelve_interpreters_fit_1366_pixels(browser, matrix, tmp_path, names):
    """Twelve columns (the recorded ones repeated under other names), and a
    source tree's column beside them, need no horizontal scrolling."""
    pythons = [dict(matrix["pythons"][index % len(matrix["pythons"])], name=name, not_run={})
               for index, name in enumerate(names)]
    cells = lambda row: {name: row["cells"][matrix["pythons"][index % 5]["name"]] for index, name in enumerate(names)}
    wide = dict(matrix, pythons=pythons, changes=[], rows=[dict(row, cells=cells(row)) for row in matrix["rows"]],
                evidence=dict(matrix["evidence"], outcomes={name: [] for name in names}, messages={}))
    _open(browser, matrix, tmp_path, wide)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
