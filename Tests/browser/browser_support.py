"""A thin layer over Selenium for the console tests: headless Chromium from Debian, element lookup by
`data-test` attributes, waiting, viewport sizes, screenshots and the browser console."""

from __future__ import annotations

import base64
import re
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT = 15  # seconds for any UI condition

DESKTOP = (1440, 900)
PHONE = (390, 844)


def screenshot_dir() -> Path:
    """`test-output/screenshots/` in the repository (git-ignored), emptied at the start of a run."""
    path = Path(os.environ.get("CONSOLE_SCREENSHOTS") or REPO_ROOT / "test-output" / "screenshots")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _find_binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"none of {', '.join(names)} is installed; run `make test` as root or apt-get install chromium chromium-driver",
                pytrace=False)
    raise AssertionError


class Browser:
    """One headless Chromium for the whole session (the console keeps fresh API keys in page memory)."""

    def __init__(self, base_url: str, shots: Path):
        self.base_url = base_url
        self.shots = shots
        options = webdriver.ChromeOptions()
        options.binary_location = _find_binary("chromium", "chromium-browser", "google-chrome")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--lang=en-US", f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--hide-scrollbars",
                         "--disable-features=Translate,MediaRouter", "--no-first-run"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # A driver given by path keeps Selenium Manager from trying to download one.
        service = Service(executable_path=_find_binary("chromedriver"))
        os.environ.setdefault("SE_OFFLINE", "true")
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_script_timeout(30)
        self.set_viewport(*DESKTOP)
        self.log: list[dict[str, Any]] = []

    def quit(self) -> None:
        self.driver.quit()

    # -- navigation ---------------------------------------------------------------------------------

    def load(self, route: str = "/") -> None:
        """A full page load of `/#<route>`."""
        # Leaving the page first makes this a real load even when only the fragment differs.
        self.driver.get("about:blank")
        self.driver.get(f"{self.base_url}/#{route}")
        self.wait(lambda: self.driver.execute_script("return !document.getElementById('app').classList.contains('boot')"))

    def go(self, route: str) -> None:
        """Client-side navigation (no reload): keys created in this tab stay available."""
        self.driver.execute_script("location.hash = arguments[0]", route)
        self.wait(lambda: self.driver.execute_script("return location.hash") == f"#{route}" or route in self.driver.execute_script("return location.hash"))
        self.settle()

    def settle(self) -> None:
        """Waits until no loading indicator is visible."""
        self.wait(lambda: not [e for e in self.driver.find_elements(By.CSS_SELECTOR, ".loading") if e.is_displayed()])

    # -- finding and waiting ------------------------------------------------------------------------

    def wait(self, condition: Callable[[], Any], timeout: float = WAIT, message: str = "") -> Any:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except (StaleElementReferenceException, WebDriverException) as error:
                last_error = error
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting: {message or condition}" + (f" (last error: {last_error})" if last_error else ""))

    def all(self, css: str) -> list[WebElement]:
        return [element for element in self.driver.find_elements(By.CSS_SELECTOR, css) if element.is_displayed()]

    def one(self, css: str, timeout: float = WAIT) -> WebElement:
        return self.wait(lambda: (self.all(css) or [None])[0], timeout, f"a visible {css}")

    def test_id(self, name: str, timeout: float = WAIT) -> WebElement:
        return self.one(f'[data-test="{name}"]', timeout)

    def text(self, css: str) -> str:
        return self.one(css).text

    def body_text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait_text(self, text: str, timeout: float = WAIT) -> None:
        self.wait(lambda: text in self.body_text(), timeout, f"the text {text!r} on the page")

    # -- forms ----------------------------------------------------------------------------------------

    def field(self, name: str, scope: str = "") -> WebElement:
        return self.one(f'{scope} [data-field="{name}"]'.strip())

    def fill(self, name: str, value: str, scope: str = "") -> None:
        element = self.field(name, scope)
        element.clear()
        element.send_keys(value)

    def choose(self, name: str, value: str, scope: str = "") -> None:
        Select(self.field(name, scope)).select_by_value(value)

    def submit(self, scope: str) -> None:
        self.one(f'{scope} [data-test="submit"]').click()

    def choose_language(self, code: str) -> None:
        """Picks a language in the header (or sign-in) switch, as a person would."""
        def attempt() -> bool:
            if self.js("return document.documentElement.lang") != code:
                try:
                    Select(self.test_id("language", timeout=5)).select_by_value(code)
                except StaleElementReferenceException:
                    pass  # the page re-rendered (in the new language, or after a navigation): look again
            return self.js("return document.documentElement.lang") == code
        self.wait(attempt, message=f"the page in {code}")
        self.settle()

    def field_error(self, name: str) -> str:
        return self.test_id(f"error-{name}").text

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    # -- viewport and screenshots ---------------------------------------------------------------------

    def set_viewport(self, width: int, height: int) -> None:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
        })

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        """Saves `<name>.png`; `full_page` captures the whole scrollable page at the current width."""
        self.settle()
        # Notices of earlier steps would cover the page; switches and dialogs finish their transitions.
        self.js("document.querySelectorAll('.toasts').forEach((region) => region.remove())")
        time.sleep(0.3)
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            width = metrics.get("cssLayoutViewport", {}).get("clientWidth") or size["width"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": min(size["height"], 6000), "scale": 1})
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
        path = self.shots / f"{name}.png"
        path.write_bytes(base64.b64decode(data))
        return path

    def save_failure(self, name: str) -> Path | None:
        try:
            return self.screenshot(f"FAILED-{name}")
        except Exception:  # noqa: BLE001 - best effort while reporting a failure
            return None

    # -- the browser console --------------------------------------------------------------------------

    def drain_log(self) -> list[dict[str, Any]]:
        entries = self.driver.get_log("browser")
        self.log.extend(entries)
        return entries

    def console_problems(self) -> list[str]:
        """SEVERE console entries that are JavaScript errors, missing console files or 5xx answers.

        Answers like 401/403/422 that a flow provokes on purpose (wrong password, validation) are logged
        by Chromium as failed resource loads; they are expected and not errors of the page."""
        problems = []
        for entry in self.drain_log():
            if entry.get("level") != "SEVERE":
                continue
            message = entry.get("message", "")
            if entry.get("source") == "network":
                if "/assets/" in message or "favicon" in message or re.search(r"status of 5\d\d", message):
                    problems.append(message)
                continue
            problems.append(message)
        return problems
