"""The HTML report in a real headless Chromium: the script runs under the report's CSP and nothing
else does, every segment's pictures are there, the segment switcher and the detail control work
(with the mouse and the keyboard), and printing shows every segment.

Chromium and its driver are the Debian packages ``chromium`` and ``chromium-driver`` (scripts/run.sh
installs them); Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver, so Selenium
Manager downloads nothing. Without them the tests skip, saying so. One browser serves the module.

A screenshot of the demo report is saved in the test's temporary folder; with
``JOURNEYMINE_UPDATE_SCREENSHOTS=1`` it also replaces docs/images/report.png (the docs' picture).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import journeymine as jm
from journeymine.views.report import report
from test_report import EVIL, HOSTILE_MAP, hostile_log

CHROMIUM = os.environ.get("JOURNEYMINE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("JOURNEYMINE_CHROMEDRIVER", "/usr/bin/chromedriver")
DOCS_IMAGE = Path(__file__).resolve().parents[1] / "docs" / "images" / "report.png"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def driver():
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e .[test])"
    )
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            pytest.skip(f"{path} is missing: apt-get install {package} (scripts/run.sh installs it)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="jm-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path: Path) -> list[dict]:
    """Load ``path``; the browser's log of the load (console messages, CSP refusals)."""
    driver.get_log("browser")  # empty what an earlier page left
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.readyState")
    return driver.get_log("browser")


def problems(log: list[dict]) -> list[str]:
    """Errors and warnings, CSP refusals included ("Refused to load ...", "... violates ...")."""
    words = ("Content Security Policy", "Refused to", "violates")
    return [
        e["message"]
        for e in log
        if e["level"] in ("SEVERE", "WARNING") or any(w in e["message"] for w in words)
    ]


@pytest.fixture(scope="module")
def demo(driver, tmp_path_factory):
    """The report of the demo CSV (by segment, with the demo map), as `journeymine demo` writes
    it, loaded; the browser's log of the load."""
    from journeymine.cli import main

    folder = tmp_path_factory.mktemp("report")
    assert main(["demo", "--out", str(folder), "--format", "json", "--quiet"]) == 0
    path = folder / "demo_report.html"
    assert path.is_file()
    log = open_page(driver, path)
    return path, log


def shown(driver, selector: str) -> list[bool]:
    return [e.is_displayed() for e in driver.find_elements("css selector", selector)]


def click(driver, group: str, value: str) -> None:
    button = driver.find_element("css selector", f'button[data-jm-pick="{group}"][value="{value}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def test_no_console_errors_and_the_csp_refuses_nothing_the_report_needs(driver, demo):
    _, log = demo
    assert problems(log) == []
    # the inline script ran (the CSP hash matched): it marks the page
    assert "js" in driver.execute_script("return document.documentElement.className")
    # nothing was fetched: no resource, not even a favicon
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_every_segment_has_its_pictures(driver, demo):
    click(driver, "segment", "all")
    for key in ("s0", "s1", "s2"):
        maps = driver.find_elements(
            "css selector", f'#jm-process-map [data-jm-segment="{key}"] .jm-detail svg'
        )
        assert len(maps) == 3  # three detail levels
        for section in ("jm-variants", "jm-journey-map"):
            assert len(driver.find_elements("css selector", f'#{section} [data-jm-segment="{key}"] svg')) == 1
    # a drawn map has boxes and arrows
    first = driver.find_element(
        "css selector", '#jm-process-map [data-jm-segment="s0"] .jm-detail:not(.jm-off) svg'
    )
    assert len(first.find_elements("css selector", "g.node")) > 5
    assert len(first.find_elements("css selector", "g.edge")) > 5


def test_the_switcher_shows_one_segment_at_a_time(driver, demo):
    click(driver, "segment", "s1")
    for section in ("jm-process-map", "jm-variants", "jm-journey-map"):
        assert shown(driver, f"#{section} [data-jm-segment]") == [False, True, False]
    pressed = driver.find_elements("css selector", 'button[data-jm-pick="segment"][aria-pressed="true"]')
    assert [b.get_attribute("value") for b in pressed] == ["s1"]
    click(driver, "segment", "all")
    assert shown(driver, "#jm-variants [data-jm-segment]") == [True, True, True]
    click(driver, "segment", "s0")
    assert shown(driver, "#jm-variants [data-jm-segment]") == [True, False, False]


def test_the_switcher_works_with_the_keyboard(driver, demo):
    from selenium.webdriver.common.keys import Keys

    click(driver, "segment", "s0")
    button = driver.find_element("css selector", 'button[data-jm-pick="segment"][value="s0"]')
    button.send_keys(Keys.ARROW_RIGHT)  # moves to the next segment and shows it
    assert driver.switch_to.active_element.get_attribute("value") == "s1"
    assert shown(driver, "#jm-variants [data-jm-segment]") == [False, True, False]
    driver.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    driver.switch_to.active_element.send_keys(Keys.ARROW_LEFT)  # from s0 back round to All
    assert driver.switch_to.active_element.get_attribute("value") == "all"
    driver.find_element("css selector", 'button[data-jm-pick="segment"][value="s2"]').send_keys(Keys.ENTER)
    assert shown(driver, "#jm-variants [data-jm-segment]") == [False, False, True]
    click(driver, "segment", "s0")


def test_the_detail_control_switches_the_maps(driver, demo):
    click(driver, "segment", "s0")
    panels = '#jm-process-map [data-jm-segment="s0"] .jm-detail'
    assert shown(driver, panels) == [False, True, False]  # 80% first
    edges = []
    for i, key in enumerate(("d0", "d1", "d2")):
        click(driver, "detail", key)
        assert shown(driver, panels) == [j == i for j in range(3)]
        visible = driver.find_element("css selector", f'{panels}[data-jm-detail="{key}"] svg')
        edges.append(len(visible.find_elements("css selector", "g.edge")))
    assert edges[0] < edges[1] < edges[2]
    click(driver, "detail", "d1")


def test_a_wide_picture_can_be_seen_at_actual_size(driver, demo):
    click(driver, "segment", "s0")
    zoom = driver.find_element("css selector", '#jm-journey-map [data-jm-segment="s0"] button[data-jm-zoom]')
    svg = driver.find_element("css selector", '#jm-journey-map [data-jm-segment="s0"] svg')
    fitted = svg.size["width"]
    zoom.click()
    assert svg.size["width"] > fitted * 1.3 and zoom.get_attribute("aria-pressed") == "true"
    zoom.click()
    assert svg.size["width"] == fitted


def test_printing_shows_every_segment_without_controls(driver, demo):
    click(driver, "segment", "s1")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for section in ("jm-process-map", "jm-variants", "jm-journey-map"):
            assert shown(driver, f"#{section} [data-jm-segment]") == [True, True, True]
        assert not any(shown(driver, ".jm-controls, .jm-bar, button"))
        # one detail level per segment is printed, the one chosen
        assert shown(driver, "#jm-process-map .jm-detail") == [False, True, False] * 3
        breaks = driver.execute_script(
            "return [...document.querySelectorAll('section.jm-section')]"
            ".map(s => getComputedStyle(s).breakBefore)"
        )
        # overview, process map, variants, journey map, findings, reverse thinking, what-if,
        # comparison
        assert breaks == ["auto"] + ["page"] * 7
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert shown(driver, "#jm-variants [data-jm-segment]") == [False, True, False]


def test_the_screenshot(driver, demo):
    click(driver, "segment", "s0")
    click(driver, "detail", "d1")
    path, _ = demo
    shot = path.with_suffix(".png")
    size = driver.get_window_size()
    driver.set_window_size(1280, 1700)  # the header, the overview and the top of the process map
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(shot))
    finally:
        driver.set_window_size(size["width"], size["height"])
    assert shot.stat().st_size > 20_000
    if os.environ.get("JOURNEYMINE_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMAGE)


def test_hostile_text_stays_text_in_the_browser(driver, tmp_path):
    log = hostile_log(tmp_path / "data")
    path = tmp_path / "hostile.html"
    report(log, by="segment", map=HOSTILE_MAP, title=EVIL[1], path=path)
    messages = problems(open_page(driver, path))
    assert messages == []  # no script of the data ran, nor was refused: none became a script
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.execute_script("return document.querySelectorAll('script').length") == 2
    assert driver.execute_script("return document.querySelectorAll('b, iframe, object, embed').length") == 0
    assert driver.find_element("css selector", "h1").text == EVIL[1]
    labels = [b.text for b in driver.find_elements("css selector", 'button[data-jm-pick="segment"]')]
    assert labels == ["All", EVIL[0], "plain <!-- </script>", EVIL[1], "(none)"]
    assert driver.title == EVIL[1]


def test_a_drop_down_list_switches_many_segments(driver, tmp_path):
    from selenium.webdriver.support.ui import Select

    path = tmp_path / "months.html"
    report(jm.datasets.load_demo_log(), by="cohort:month", detail=1.0, path=path)
    assert problems(open_page(driver, path)) == []
    months = Select(driver.find_element("css selector", 'select[data-jm-pick="segment"]'))
    n = len(months.options) - 1  # and "All"
    assert shown(driver, "#jm-variants [data-jm-segment]") == [i == 0 for i in range(n)]
    months.select_by_value("s3")
    assert shown(driver, "#jm-process-map [data-jm-segment]") == [i == 3 for i in range(n)]
    months.select_by_value("all")
    assert all(shown(driver, "#jm-variants [data-jm-segment]"))
