"""Screenshots of every page in both languages at 1440x900 and at 390 px wide, for a reviewer.

Runs after the flows (file order), so the pages show real providers, endpoints, keys and traffic.
Each page must render without a JavaScript error and without horizontal overflow at 390 px."""

from __future__ import annotations

from browser_support import DESKTOP, PHONE, Browser

PAGES = ["dashboard", "providers", "endpoints", "keys", "users", "tester", "logs", "adapters", "profile"]


def _set_language(browser: Browser, code: str) -> None:
    browser.choose_language(code)


def _no_horizontal_overflow(browser: Browser, name: str) -> None:
    overflow = browser.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: the page is {overflow}px wider than the 390 px screen"


def test_screenshots_of_every_page(browser: Browser):
    written = []
    for language in ("en", "zh-CN"):
        browser.go("/dashboard")
        _set_language(browser, language)
        for page in PAGES:
            for label, size in (("1440", DESKTOP), ("390", PHONE)):
                browser.set_viewport(*size)
                browser.go(f"/{page}")
                # At 390 px the navigation is folded away, so wait for the page's own active link.
                browser.wait(lambda: browser.js("return document.querySelector('.nav-link.active')?.dataset.path") == f"/{page}")
                browser.settle()
                if page == "dashboard":
                    browser.wait(lambda: browser.all(".chart-svg, .chart-canvas.is-empty"))
                name = f"{language}-{page}-{label}"
                if label == "390":
                    _no_horizontal_overflow(browser, name)
                written.append(browser.screenshot(name, full_page=(label == "390")))
        browser.set_viewport(*DESKTOP)
    # The sign-in page, signed out, in both languages.
    browser.go("/profile")
    browser.test_id("logout").click()
    browser.test_id("login-form")
    for language in ("en", "zh-CN"):
        _set_language(browser, language)
        for label, size in (("1440", DESKTOP), ("390", PHONE)):
            browser.set_viewport(*size)
            written.append(browser.screenshot(f"{language}-login-{label}"))
    browser.set_viewport(*DESKTOP)
    _set_language(browser, "en")
    assert len(written) == 2 * len(PAGES) * 2 + 4
    print(f"\n{len(written)} screenshots in {browser.shots}")
