"""Headless Chromium driven by Selenium (Debian's `chromium` and `chromium-driver`), for the HTML report.

Chromium starts with a fresh profile and every background service off (this machine's network is closed:
component updates, sync and QUIC would otherwise fail or hang). The performance log carries the DevTools
protocol's Network events, so a test can prove the page asked for nothing but itself.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _binaries() -> tuple[str, str]:
    """(chromium, chromedriver), or the test is skipped saying what is missing."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    chromium = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver)) if path is None]
        pytest.skip(f"{' and '.join(missing)} not found (apt-get install chromium chromium-driver)")
    return chromium, driver


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium session (selenium WebDriver) with the performance log on."""
    binary, driver_path = _binaries()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="meshify-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        try:
            driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        except Exception as err:  # e.g. a chromedriver that does not match the browser
            pytest.skip(f"headless Chromium did not start: {str(err).splitlines()[0]}")
        try:
            yield driver
        finally:
            driver.quit()


def network_requests(driver: Any, document: str) -> list[str]:
    """URLs of every request made for the page at `document` since the last call (DevTools
    `Network.requestWillBeSent` whose `documentURL` is the page; the browser's own chrome:// pages, such as
    the start page, are other documents)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            if params.get("documentURL") == document:
                urls.append(params["request"]["url"])
    return urls


def open_report(driver: Any, path: Path, timeout: float = 60) -> float:
    """Load the report and wait until its script has rendered; the page's own time to that point, in ms."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body && document.body.dataset.ready === '1'")
    )
    return float(driver.execute_script("return Number(document.body.dataset.readyAt)"))
