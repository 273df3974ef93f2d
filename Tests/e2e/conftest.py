"""Session fixtures: one mock provider, one gateway, and the admin setup every test shares.

Environment (set by `make test-e2e`):
  GATEWAY_BIN           the gateway executable (debug build)
  MOCK_BIN              the mock-provider executable
  GATEWAY_TEST_PLUGINS  a folder with openai.so, deepseek.so and glm.so
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest

from e2e_support import (
    ACTIVE_GATEWAYS,
    ACTIVE_MOCKS,
    FLAVORS,
    Binaries,
    Endpoint,
    GatewayProcess,
    MockProvider,
    Stack,
    locate_binaries,
    login_admin,
    tail,
)

@pytest.fixture(scope="session")
def binaries() -> Binaries:
    return locate_binaries()


@pytest.fixture(scope="session")
def mock(binaries: Binaries, tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("mock")
    provider = MockProvider(binaries.mock, directory / "mock-provider.log")
    provider.start()
    ACTIVE_MOCKS.append(provider)
    yield provider
    ACTIVE_MOCKS.remove(provider)
    provider.stop()


@pytest.fixture(scope="session")
def gateway(binaries: Binaries, mock: MockProvider, tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("gateway")
    process = GatewayProcess(
        binaries.gateway,
        work_dir=directory,
        plugins_dir=binaries.plugins,
        admin_password="e2e-" + secrets.token_urlsafe(12),
        # Short enough that a test can watch keep-alive comments arrive before a slow first byte.
        extra_env={"GATEWAY_UPSTREAM_KEEPALIVE_INTERVAL_MS": "300"},
    )
    process.start()
    ACTIVE_GATEWAYS.append(process)
    yield process
    ACTIVE_GATEWAYS.remove(process)
    status = process.stop()
    assert status == 0, (
        f"gateway did not exit with status 0 after SIGTERM (status {status}; None = had to be killed).\n"
        f"stderr ({process.stderr_path}):\n{process.stderr_tail()}"
    )


@pytest.fixture(scope="session")
def stack(gateway: GatewayProcess, mock: MockProvider) -> Stack:
    admin = login_admin(gateway)
    models = {
        "openai": ["gpt-4o-mini", "gpt-4o"],
        "deepseek": ["deepseek-chat", "deepseek-reasoner"],
        "glm": ["glm-4.6", "glm-4.5-air"],
    }
    providers = {
        flavor: admin.create_provider(
            name=f"mock-{flavor}", adapter=flavor, base_url=mock.base_url(flavor),
            api_key=mock.api_key(flavor), models=models[flavor],
        )
        for flavor in FLAVORS
    }
    endpoints: dict[str, Endpoint] = {}

    def add(key: str, flavor: str, path: str, model: str, system_prompt: str, **extra: Any) -> None:
        created = admin.create_endpoint(path, providers[flavor]["id"], model, system_prompt, **extra)
        endpoints[key] = Endpoint(path=path, model=model, system_prompt=system_prompt, flavor=flavor,
                                  provider_name=providers[flavor]["name"], id=created["id"])

    for flavor in FLAVORS:
        add(flavor, flavor, f"/bots/{flavor}/translator", models[flavor][0],
            f"You are a translator served by {flavor}. Translate everything into French.")
    add("deepseek-reasoner", "deepseek", "/bots/deepseek/reasoner", "deepseek-reasoner",
        "Think step by step before you answer.")
    add("v1", "openai", "/v1", "gpt-4o-mini", "You are the default assistant.", allow_model_override=True)

    key = admin.create_key("e2e")["key"]
    return Stack(gateway=gateway, mock=mock, admin=admin, key=key, providers=providers, endpoints=endpoints)


@pytest.fixture
def marker() -> str:
    """A unique word to put in a prompt, so a test finds its own request at the mock."""
    return f"e2e-{uuid.uuid4().hex[:12]}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for process in ACTIVE_GATEWAYS:
            report.sections.append((f"gateway stderr, last lines of {process.stderr_path}", process.stderr_tail(80)))
        for provider in ACTIVE_MOCKS:
            report.sections.append((f"mock provider output, last lines of {provider.log_path}", tail(provider.log_path, 40)))
