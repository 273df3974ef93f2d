"""The console used the way a person uses it: first login with the forced password change, provider ->
endpoint -> key, the API tester streaming and stopping, the dashboard, role separation, language
switching and validation errors. Tests run in file order and build on each other's state."""

from __future__ import annotations

import re
import time
import uuid

import requests

from browser_support import Browser
from e2e_support import MockProvider

ADMIN_PASSWORD = "console-" + uuid.uuid4().hex[:10]
USER_NAME = "alice"
USER_INITIAL = "initial-" + uuid.uuid4().hex[:8]
USER_PASSWORD = "alice-" + uuid.uuid4().hex[:10]
PATH = "/team/chat"
STATE: dict[str, str] = {}


def sign_in(browser: Browser, username: str, password: str) -> None:
    browser.fill("username", username, '[data-test="login-form"]')
    browser.fill("password", password, '[data-test="login-form"]')
    browser.submit('[data-test="login-form"]')


def sign_out(browser: Browser) -> None:
    browser.test_id("logout").click()
    browser.test_id("login-form")


def test_first_login_and_forced_password_change(browser: Browser):
    browser.load("/dashboard")
    form = browser.test_id("login-form")
    assert "#/login" in browser.js("return location.hash")

    # Validation before sending: empty fields.
    browser.submit('[data-test="login-form"]')
    assert browser.field_error("username") == "This field is required."
    # The server's refusal is shown.
    sign_in(browser, "admin", "not-the-password")
    browser.wait_text("Wrong username or password.")
    assert form.is_displayed()

    sign_in(browser, "admin", "admin123")
    browser.test_id("password-required")
    assert "#/password" in browser.js("return location.hash")
    browser.screenshot("flow-forced-password-change")
    # The rest of the console is unreachable until the password changes.
    browser.js("location.hash = '#/providers'")
    browser.wait(lambda: browser.js("return location.hash") == "#/password", message="the redirect to #/password")
    browser.test_id("password-required")

    scope = '[data-test="password-form"]'
    browser.fill("current_password", "admin123", scope)
    browser.fill("new_password", "short", scope)
    browser.fill("confirm_password", "different", scope)
    browser.submit(scope)
    assert browser.field_error("new_password") == "Use 8 to 72 bytes."
    assert browser.field_error("confirm_password") == "The two passwords differ."

    # A wrong current password is only known to the server: its field error appears next to the field.
    browser.fill("current_password", "wrong-current", scope)
    browser.fill("new_password", ADMIN_PASSWORD, scope)
    browser.fill("confirm_password", ADMIN_PASSWORD, scope)
    browser.submit(scope)
    browser.wait(lambda: browser.field_error("current_password"), message="a server field error on current_password")
    assert "current password" in browser.field_error("current_password")

    browser.fill("current_password", "admin123", scope)
    browser.submit(scope)
    browser.test_id("nav-dashboard")
    assert "#/dashboard" in browser.js("return location.hash")
    assert "Administrator" in browser.text(".account")


def test_create_provider_endpoint_and_key(browser: Browser, mock: MockProvider):
    browser.go("/providers")
    browser.wait_text("No providers yet")
    browser.test_id("new-provider").click()
    scope = '[data-test="provider-form"]'
    browser.submit(scope)
    assert browser.field_error("name") == "This field is required."
    browser.fill("name", "mock-openai", scope)
    browser.choose("adapter", "openai", scope)
    browser.fill("base_url", "ftp://wrong", scope)
    browser.submit(scope)
    assert "http://" in browser.field_error("base_url")
    browser.fill("base_url", mock.base_url("openai"), scope)
    browser.fill("api_key", mock.api_key("openai"), scope)
    browser.fill("models", "gpt-4o-mini\ngpt-4o", scope)
    browser.submit(scope)
    row = browser.test_id("provider-mock-openai")
    assert "sk-" in row.text and mock.api_key("openai") not in row.text, "the key is shown masked"
    assert "Ready" in row.text

    # A second provider with the same name: the server's 409 is shown next to the name field.
    browser.test_id("new-provider").click()
    browser.fill("name", "mock-openai", scope)
    browser.fill("base_url", mock.base_url("openai"), scope)
    browser.submit(scope)
    browser.wait(lambda: browser.field_error("name"), message="the server's conflict on name")
    assert "already exists" in browser.field_error("name")
    browser.one("dialog .dialog-header .icon-button").click()

    # Test connection: a one-token completion through the adapter.
    row = browser.test_id("provider-mock-openai")
    row.find_element("css selector", '[data-test="test-provider"]').click()
    browser.test_id("run-test").click()
    browser.wait(lambda: "Connection works" in browser.test_id("test-result").text, message="a successful connection test")
    browser.screenshot("flow-provider-test")
    browser.one("dialog .dialog-header .icon-button").click()

    browser.go("/endpoints")
    browser.wait_text("No endpoints yet")
    browser.test_id("new-endpoint").click()
    scope = '[data-test="endpoint-form"]'
    browser.fill("path", "/admin/chat", scope)
    browser.submit(scope)
    assert "belongs to the gateway" in browser.field_error("path")
    browser.fill("path", PATH, scope)
    browser.fill("name", "Team chat", scope)
    browser.fill("system_prompt", "You are the team assistant.", scope)
    browser.submit(scope)
    row = browser.test_id(f"endpoint-{PATH}")
    assert "gpt-4o-mini" in row.text
    row.find_element("css selector", '[data-test="snippet"]').click()
    assert browser.test_id("base-url").text == f"{browser.base_url}{PATH}"
    assert f"curl {browser.base_url}{PATH}/chat/completions" in browser.test_id("snippet-curl").text
    assert f'base_url="{browser.base_url}{PATH}"' in browser.test_id("snippet-python").text
    browser.screenshot("flow-endpoint-snippet")
    browser.one("dialog .dialog-header .icon-button").click()

    browser.go("/keys")
    browser.wait_text("No API keys yet")
    browser.test_id("new-key").click()
    browser.submit('[data-test="key-form"]')
    assert browser.field_error("name") == "This field is required."
    browser.fill("name", "console-test", '[data-test="key-form"]')
    browser.submit('[data-test="key-form"]')
    key = browser.test_id("new-key-value").text
    assert key and len(key) > 20
    browser.wait_text("It is shown only this once")
    browser.screenshot("flow-key-shown-once")
    STATE["key"] = key
    browser.test_id("key-done").click()
    row = browser.test_id("key-console-test")
    assert key not in browser.body_text(), "the key is not shown again"
    assert key[:6] in row.text

    # The key works on the endpoint, like any client would use it.
    answer = requests.post(f"{browser.base_url}{PATH}/chat/completions", timeout=30,
                           headers={"Authorization": f"Bearer {key}"},
                           json={"messages": [{"role": "user", "content": "ping"}]})
    assert answer.status_code == 200, answer.text


def _answer(browser: Browser) -> str:
    return browser.js("return document.querySelector('[data-test=\"tester-answer\"]').textContent")


def _start_tester(browser: Browser, message: str, endpoint: str = PATH) -> None:
    browser.go("/tester")
    browser.wait(lambda: browser.js("return document.querySelector('[data-test=\"tester-endpoint\"]').options.length") > 0)
    from selenium.webdriver.support.ui import Select
    Select(browser.test_id("tester-endpoint")).select_by_value(endpoint)
    textarea = browser.one('[data-test="messages"] textarea')
    textarea.clear()
    textarea.send_keys(message)
    browser.test_id("tester-send").click()


def test_api_tester_streams_token_by_token(browser: Browser, mock: MockProvider):
    marker = "stream-" + uuid.uuid4().hex[:8]
    _start_tester(browser, f"{marker} [mock chunks=24 interval_ms=120]")
    # Watch the answer while the stream is open (Stop enabled): it must grow through several states.
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        streaming = browser.js("return !document.querySelector('[data-test=\"tester-stop\"]').disabled")
        text = _answer(browser)
        if streaming and text and (not seen or text != seen[-1]):
            seen.append(text)
        if not streaming and seen:
            break
        time.sleep(0.04)
    intermediate = [text for text in seen if not text.rstrip().endswith("w24")]
    assert len(intermediate) >= 2, f"expected at least two partial answers while streaming, saw {seen}"
    assert all(len(a) < len(b) and b.startswith(a) for a, b in zip(intermediate, intermediate[1:])), seen
    browser.wait(lambda: "done" in browser.test_id("tester-status").text, message="the stream to finish")
    final = _answer(browser)
    assert final == " ".join(f"w{i}" for i in range(1, 25)), final
    assert re.search(r"\d", browser.test_id("tester-ttft").text)
    assert re.search(r"\d", browser.test_id("tester-total").text)
    assert "24 out" in browser.test_id("tester-usage").text
    browser.screenshot("flow-tester-streamed")


def test_api_tester_shows_reasoning_and_errors(browser: Browser, mock: MockProvider):
    _start_tester(browser, "[mock reasoning chunks=3]")
    browser.wait(lambda: "done" in browser.test_id("tester-status").text)
    # OpenAI streams no reasoning text, only counts it; the answer still arrives.
    assert _answer(browser) == "w1 w2 w3"
    # A reasoning model: its thinking goes to the collapsible panel, separate from the answer.
    token = browser.js("return localStorage.getItem('gateway.token')")
    headers = {"Authorization": f"Bearer {token}"}
    provider = requests.post(f"{browser.base_url}/admin/providers", headers=headers, timeout=30, json={
        "name": "mock-deepseek", "adapter": "deepseek", "base_url": mock.base_url("deepseek"),
        "api_key": mock.api_key("deepseek"), "models": ["deepseek-chat", "deepseek-reasoner"]}).json()
    created = requests.post(f"{browser.base_url}/admin/endpoints", headers=headers, timeout=30, json={
        "path": "/team/think", "provider_id": provider["id"], "model": "deepseek-reasoner"})
    assert created.status_code == 201, created.text
    browser.go("/dashboard")
    _start_tester(browser, "[mock chunks=4]", endpoint="/team/think")
    browser.wait(lambda: "done" in browser.test_id("tester-status").text)
    reasoning = browser.test_id("tester-reasoning")
    assert "Thinking about it." in reasoning.text
    assert _answer(browser) == "w1 w2 w3 w4"
    reasoning.find_element("css selector", "summary").click()
    assert not browser.js("return document.querySelector('[data-test=\"tester-reasoning\"]').open"), "the panel folds"
    browser.screenshot("flow-tester-reasoning")
    _start_tester(browser, "[mock error=429]")
    browser.wait(lambda: "429" in browser.test_id("tester-status").text, message="the 429 status")
    assert browser.test_id("tester-error").text
    browser.screenshot("flow-tester-error")


def test_stopping_a_stream_cancels_the_upstream(browser: Browser, mock: MockProvider):
    marker = "stop-" + uuid.uuid4().hex[:8]
    _start_tester(browser, f"{marker} [mock chunks=400 interval_ms=100]")
    browser.wait(lambda: len(_answer(browser)) > 5, message="the first tokens")
    browser.test_id("tester-stop").click()
    browser.wait(lambda: "Stopped" in browser.test_id("tester-status").text, message="the Stopped status")
    length = len(_answer(browser))
    time.sleep(0.6)
    assert len(_answer(browser)) == length, "the answer kept growing after Stop"
    assert not _answer(browser).endswith("w400")
    # The gateway closed the upstream connection too: the mock saw its client go away.
    browser.wait(lambda: mock.only_request_with(marker).get("client_disconnected") is True, timeout=10,
                 message="the mock provider to see the upstream request cancelled")
    assert not mock.only_request_with(marker).get("completed")


def test_dashboard_shows_the_new_calls(browser: Browser):
    browser.go("/dashboard")
    calls = browser.wait(lambda: int(re.sub(r"\D", "", browser.test_id("calls-today").find_element("css selector", ".stat-value").text) or 0) >= 4 and browser.test_id("calls-today"),
                         message="at least four calls today")
    assert calls
    browser.wait(lambda: browser.all(".chart-svg polyline"), message="a drawn time series")
    assert "/team/chat" in browser.text(".breakdown-grid")
    # The tooltip follows the pointer over the chart.
    overlay = browser.one(".chart-overlay")
    from selenium.webdriver import ActionChains
    ActionChains(browser.driver).move_to_element(overlay).perform()
    browser.wait(lambda: browser.all(".chart-tooltip"), message="the chart tooltip")
    # Changing the range redraws without reloading the page.
    browser.one('[data-test="range"] [data-value="1h"]').click()
    browser.wait(lambda: "range=1h" in browser.js("return location.hash"))
    browser.wait(lambda: browser.all(".chart-svg polyline"))


def test_logs_filter_page_and_detail(browser: Browser):
    browser.go("/logs")
    rows = browser.wait(lambda: browser.all("tbody tr"), message="log rows")
    assert len(rows) >= 4
    rows[0].click()
    detail = browser.test_id("log-detail")
    assert "Request id" in detail.text and "req_" in detail.text
    browser.one("dialog .dialog-header .icon-button").click()
    from selenium.webdriver.support.ui import Select
    Select(browser.test_id("filter-status")).select_by_value("5xx")
    browser.test_id("apply-filters").click()
    browser.wait_text("No requests match these filters")
    Select(browser.test_id("filter-status")).select_by_value("4xx")
    browser.test_id("apply-filters").click()
    browser.wait(lambda: [row for row in browser.all("tbody tr") if "429" in row.text], message="the 429 row")


def test_language_switch_changes_visible_text(browser: Browser):
    browser.go("/dashboard")
    assert browser.test_id("nav-dashboard").text == "Dashboard"
    browser.choose_language("zh-CN")
    browser.wait(lambda: browser.test_id("nav-dashboard").text == "仪表盘", message="the Chinese navigation")
    assert browser.js("return document.documentElement.lang") == "zh-CN"
    assert "今日调用" in browser.body_text()
    # The choice survives a reload.
    browser.load("/providers")
    browser.wait(lambda: browser.test_id("nav-providers").text == "服务商")
    browser.choose_language("en")
    browser.wait(lambda: browser.test_id("nav-providers").text == "Providers")


def test_user_account_cannot_reach_admin_pages(browser: Browser):
    browser.go("/users")
    browser.test_id("new-user").click()
    scope = '[data-test="user-form"]'
    browser.fill("username", "a", scope)
    browser.fill("password", "x", scope)
    browser.submit(scope)
    assert "3 to 64" in browser.field_error("username")
    assert browser.field_error("password") == "Use 8 to 72 bytes."
    browser.fill("username", USER_NAME, scope)
    browser.fill("display_name", "Alice", scope)
    browser.fill("password", USER_INITIAL, scope)
    browser.submit(scope)
    browser.test_id(f"user-{USER_NAME}")

    sign_out(browser)
    sign_in(browser, USER_NAME, USER_INITIAL)
    scope = '[data-test="password-form"]'
    browser.fill("current_password", USER_INITIAL, scope)
    browser.fill("new_password", USER_PASSWORD, scope)
    browser.fill("confirm_password", USER_PASSWORD, scope)
    browser.submit(scope)
    browser.test_id("nav-dashboard")

    nav = browser.text(".nav")
    for hidden in ("Providers", "Endpoints", "Users", "Adapters"):
        assert hidden not in nav, f"{hidden} is in a user's navigation"
    for visible in ("Dashboard", "API keys", "API tester", "Request log", "Personal centre"):
        assert visible in nav
    for route in ("/providers", "/endpoints", "/users", "/adapters"):
        browser.go(route)
        browser.test_id("forbidden")
    # The server refuses them too, whatever the console shows.
    token = browser.js("return localStorage.getItem('gateway.token')")
    for path in ("/admin/providers", "/admin/endpoints", "/admin/users", "/admin/audit"):
        answer = requests.get(f"{browser.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 403, f"{path} -> {answer.status_code}"
    # Their own keys page works and is empty.
    browser.go("/keys")
    browser.wait_text("No API keys yet")
    sign_out(browser)
    sign_in(browser, "admin", ADMIN_PASSWORD)
    browser.test_id("nav-dashboard")


def test_destructive_actions_ask_first(browser: Browser):
    browser.go("/users")
    row = browser.test_id(f"user-{USER_NAME}")
    row.find_element("css selector", '[data-test="delete"]').click()
    browser.wait_text(f"Delete {USER_NAME} and all their API keys?")
    browser.one("dialog .dialog-footer .button:not(.button-danger)").click()  # Cancel
    assert browser.test_id(f"user-{USER_NAME}").is_displayed()
    browser.test_id(f"user-{USER_NAME}").find_element("css selector", '[data-test="delete"]').click()
    browser.test_id("confirm").click()
    browser.wait(lambda: not browser.all(f'[data-test="user-{USER_NAME}"]'), message="the deleted user to disappear")
    answer = requests.post(f"{browser.base_url}/admin/login", json={"username": USER_NAME, "password": USER_PASSWORD}, timeout=30)
    assert answer.status_code == 401
