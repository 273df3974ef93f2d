"""The C adapter printed in docs/plugins.md compiles, loads and serves requests; loading rules hold.

A second gateway runs with a plugins folder made here:
  10-example.so        the adapter from the docs
  20-not-an-adapter.so a shared library without the entry symbol  -> refused
  30-example-again.so  the same adapter again                      -> refused (duplicate name; first wins)
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path

import openai
import pytest
import requests

from e2e_support import (
    ACTIVE_GATEWAYS,
    HTTP_TIMEOUT,
    REPO_ROOT,
    Binaries,
    GatewayProcess,
    MockProvider,
    assert_valid,
    compiler,
    login_admin,
    parse_sse,
)

DOC = REPO_ROOT / "docs" / "plugins.md"
HEADER_DIR = REPO_ROOT / "Sources" / "PluginAPI" / "include"


def doc_adapter_source() -> str:
    match = re.search(r"<!-- example-adapter:begin -->\n```c\n(.*?)```\n<!-- example-adapter:end -->",
                      DOC.read_text(), re.S)
    assert match, "docs/plugins.md lost its example-adapter markers"
    return match.group(1)


def build(source: str, output: Path, work: Path) -> None:
    source_path = work / (output.stem + ".c")
    source_path.write_text(source)
    command = [compiler(), "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
               "-I", str(HEADER_DIR), "-o", str(output), str(source_path)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"


@pytest.fixture(scope="module")
def doc_gateway(binaries: Binaries, mock: MockProvider, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("doc-adapter")
    plugins = work / "plugins"
    plugins.mkdir()
    build(doc_adapter_source(), plugins / "10-example.so", work)
    build("int not_an_adapter(void) { return 42; }\n", plugins / "20-not-an-adapter.so", work)
    shutil.copy(plugins / "10-example.so", plugins / "30-example-again.so")
    (plugins / "README.md").write_text("not a library; ignored\n")

    process = GatewayProcess(binaries.gateway, work_dir=work / "gateway", plugins_dir=plugins,
                             admin_password="e2e-" + secrets.token_urlsafe(12))
    process.start()
    ACTIVE_GATEWAYS.append(process)
    yield process
    ACTIVE_GATEWAYS.remove(process)
    status = process.stop()
    assert status == 0, f"gateway exit status {status} after SIGTERM\n{process.stderr_tail()}"


def test_loading_rules(doc_gateway: GatewayProcess):
    admin = login_admin(doc_gateway)
    plugins = admin.call("GET", "/admin/plugins")
    loaded = plugins["loaded"]
    assert [plugin["name"] for plugin in loaded] == ["example"]
    assert loaded[0]["file"].endswith("10-example.so"), "the first file in sorted order wins"
    assert loaded[0]["abi_version"] == "1.0"
    assert loaded[0]["display_name"] == "Example (OpenAI-compatible)"
    assert loaded[0]["default_base_url"] == "http://127.0.0.1:8000/v1"
    assert sorted(loaded[0]["capabilities"]) == ["streaming", "tools"]

    refused = {Path(entry["file"]).name: entry["reason"] for entry in plugins["refused"]}
    assert set(refused) == {"20-not-an-adapter.so", "30-example-again.so"}, plugins["refused"]
    assert "gateway_plugin_entry" in refused["20-not-an-adapter.so"]
    assert "duplicate" in refused["30-example-again.so"]
    assert "20-not-an-adapter.so" in doc_gateway.stderr_path.read_text(errors="replace"), "refusals are logged"

    assert requests.get(f"{doc_gateway.url}/readyz", timeout=HTTP_TIMEOUT).status_code == 200


def test_the_documented_adapter_serves_requests(doc_gateway: GatewayProcess, mock: MockProvider):
    admin = login_admin(doc_gateway)
    provider = admin.create_provider(name="local", adapter="example", base_url=mock.base_url("openai"),
                                     api_key=mock.api_key("openai"), models=["gpt-4o-mini"])
    assert provider["status"] == "ready"
    admin.create_endpoint("/bots/example", provider["id"], "gpt-4o-mini", "Answer briefly.")
    key = admin.create_key("doc-adapter")["key"]
    client = openai.OpenAI(base_url=f"{doc_gateway.url}/bots/example", api_key=key, timeout=HTTP_TIMEOUT)
    messages = [{"role": "user", "content": "Hello through the C adapter"}]

    completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    text = completion.choices[0].message.content
    assert text.startswith("Hello from mock")

    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=True, stream_options={"include_usage": True}
    ))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text
    assert chunks[-1].usage is not None and chunks[-1].choices == []

    plain = list(client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True))
    assert all(chunk.usage is None for chunk in plain), "usage-only chunks are dropped when not asked for"

    raw = requests.post(f"{doc_gateway.url}/bots/example/chat/completions",
                        headers={"Authorization": f"Bearer {key}"},
                        json={"messages": messages, "stream": True}, timeout=HTTP_TIMEOUT)
    assert raw.status_code == 200
    for event in parse_sse(raw.content):
        if event.data and event.data != "[DONE]":
            assert_valid("CreateChatCompletionStreamResponse", event.json(), "doc adapter chunk")
