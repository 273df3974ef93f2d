"""Fixtures for the console's browser tests: one mock provider, one gateway on a fresh database
(seeded admin/admin123, so the forced password change is real), one headless Chromium.

Processes are started with the e2e helpers (Tests/e2e/e2e_support.py), imported rather than copied.
Every test fails when the browser logged a JavaScript error (see `console_errors`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_support import (  # noqa: E402
    ACTIVE_GATEWAYS,
    ACTIVE_MOCKS,
    GatewayProcess,
    MockProvider,
    locate_binaries,
    tail,
)
from browser_support import Browser, screenshot_dir  # noqa: E402


@pytest.fixture(scope="session")
def binaries():
    return locate_binaries()


@pytest.fixture(scope="session")
def mock(binaries, tmp_path_factory):
    provider = MockProvider(binaries.mock, tmp_path_factory.mktemp("mock") / "mock-provider.log")
    provider.start()
    ACTIVE_MOCKS.append(provider)
    yield provider
    ACTIVE_MOCKS.remove(provider)
    provider.stop()


@pytest.fixture(scope="session")
def gateway(binaries, mock, tmp_path_factory):
    # admin_password=None: the gateway seeds admin/admin123 and insists on a new password.
    process = GatewayProcess(binaries.gateway, work_dir=tmp_path_factory.mktemp("gateway"),
                             plugins_dir=binaries.plugins, admin_password=None)
    process.start()
    ACTIVE_GATEWAYS.append(process)
    yield process
    ACTIVE_GATEWAYS.remove(process)
    process.stop()


@pytest.fixture(scope="session")
def browser(gateway):
    shots = screenshot_dir()
    print(f"\nconsole screenshots: {shots}")
    session = Browser(gateway.url, shots)
    yield session
    session.quit()
    print(f"\nconsole screenshots written to {shots}")


@pytest.fixture(autouse=True)
def console_errors(request):
    """Fails the test when the page logged a JavaScript error (uncaught exception, rejected promise,
    console.error) or failed to load one of its own files, or a request answered 5xx."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser: Browser = request.getfixturevalue("browser")
    browser.drain_log()
    yield
    problems = browser.console_problems()
    assert not problems, "the browser console reported errors:\n  " + "\n  ".join(problems)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for process in ACTIVE_GATEWAYS:
            report.sections.append((f"gateway stderr ({process.stderr_path})", process.stderr_tail(60)))
        for provider in ACTIVE_MOCKS:
            report.sections.append((f"mock provider ({provider.log_path})", tail(provider.log_path, 30)))
        browser = item.funcargs.get("browser")
        if browser is not None:
            path = browser.save_failure(item.name)
            if path:
                report.sections.append(("screenshot at failure", str(path)))
