"""The admin API as the README shows it, health checks, and the OpenAPI documents."""

from __future__ import annotations

import json
import subprocess
import sys

import requests
from openapi_spec_validator import validate

from e2e_support import HTTP_TIMEOUT, REPO_ROOT, Stack

CONTRACT_PATHS = {
    "/admin/login", "/admin/logout", "/admin/user/info", "/admin/user/password", "/admin/user/endpoints",
    "/admin/users", "/admin/users/{id}",
    "/admin/providers", "/admin/providers/{id}",
    "/admin/endpoints", "/admin/endpoints/{id}",
    "/admin/keys", "/admin/keys/{id}",
    "/admin/plugins", "/admin/audit", "/admin/openapi.json", "/healthz", "/readyz",
}


def test_health_and_readiness(stack: Stack):
    health = requests.get(f"{stack.gateway.url}/healthz", timeout=HTTP_TIMEOUT)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = requests.get(f"{stack.gateway.url}/readyz", timeout=HTTP_TIMEOUT)
    assert ready.status_code == 200, f"database reachable and adapters loaded, yet /readyz -> {ready.status_code}"


def test_plugins_lists_the_three_bundled_adapters(stack: Stack):
    plugins = stack.admin.call("GET", "/admin/plugins")
    loaded = {plugin["name"]: plugin for plugin in plugins["loaded"]}
    assert set(loaded) == {"openai", "deepseek", "glm", "anthropic"}
    assert plugins["refused"] == []
    for name, plugin in loaded.items():
        assert plugin["abi_version"] == "1.0"
        assert plugin["file"].endswith(f"{name}.so")
        assert "streaming" in plugin["capabilities"]
        assert plugin["display_name"] and plugin["version"]
    assert "reasoning" in loaded["deepseek"]["capabilities"]


def test_providers_never_show_the_key_in_plain_text(stack: Stack):
    provider = stack.admin.call("GET", f"/admin/providers/{stack.providers['openai']['id']}")
    assert provider["api_key"] == "sk-...enai", "first 3 characters + ... + last 4 of sk-mock-openai"
    assert provider["has_api_key"] is True
    assert provider["status"] == "ready"
    listed = stack.admin.call("GET", "/admin/providers")["data"]
    assert "sk-mock-openai" not in json.dumps(listed)
    glm = next(p for p in listed if p["adapter"] == "glm")
    assert glm["api_key"] == "moc...-key"


def test_admin_errors_have_the_documented_shape(stack: Stack):
    url = stack.gateway.url
    wrong = requests.post(f"{url}/admin/login", json={"username": "admin", "password": "not-the-password"},
                          timeout=HTTP_TIMEOUT)
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"

    anonymous = requests.get(f"{url}/admin/providers", timeout=HTTP_TIMEOUT)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"

    bad_path = stack.admin.call("POST", "/admin/endpoints", {
        "path": "admin/../x", "name": "bad", "provider_id": stack.providers["openai"]["id"], "model": "m",
    }, expect=(422,))
    assert bad_path["error"]["code"] == "validation_failed"
    assert "path" in bad_path["error"]["fields"]

    taken = stack.admin.call("POST", "/admin/endpoints", {
        "path": stack.endpoints["openai"].path, "name": "again",
        "provider_id": stack.providers["openai"]["id"], "model": "m",
    }, expect=(409,))
    assert taken["error"]["code"] == "conflict"

    in_use = stack.admin.call("DELETE", f"/admin/providers/{stack.providers['openai']['id']}", expect=(409,))
    assert in_use["error"]["code"] == "conflict"

    missing_adapter = stack.admin.call("POST", "/admin/providers", {"name": "nope", "adapter": "no-such-adapter"},
                                       expect=(422,))
    assert "adapter" in missing_adapter["error"]["fields"]
    assert "openai" in missing_adapter["error"]["fields"]["adapter"], "the message lists the loaded adapters"


def test_keys_show_their_plaintext_only_once(stack: Stack):
    created = stack.admin.call("POST", "/admin/keys", {"name": "shown-once"}, expect=(201,))
    assert created["key"].startswith("gw-") and len(created["key"]) == 46
    assert created["key"].startswith(created["prefix"])
    listed = stack.admin.call("GET", "/admin/keys")["data"]
    assert created["key"] not in json.dumps(listed)
    assert any(key["id"] == created["id"] for key in listed)
    stack.admin.call("DELETE", f"/admin/keys/{created['id']}", expect=(204,))
    response = requests.post(
        f"{stack.gateway.url}{stack.endpoints['openai'].path}/chat/completions",
        headers={"Authorization": f"Bearer {created['key']}"},
        json={"messages": [{"role": "user", "content": "hi"}]},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 401, "a deleted key stops working on the next request"


def test_served_openapi_document_is_valid_and_complete(stack: Stack):
    response = requests.get(f"{stack.gateway.url}/admin/openapi.json", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, "no token needed"
    document = response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert CONTRACT_PATHS <= set(document["paths"]), sorted(CONTRACT_PATHS - set(document["paths"]))


def test_docs_openapi_json_is_valid_complete_and_generated():
    document = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    validate(document)
    assert CONTRACT_PATHS <= set(document["paths"]), sorted(CONTRACT_PATHS - set(document["paths"]))
    for schema in ("Provider", "Endpoint", "Key", "Error"):
        assert schema in document["components"]["schemas"]
    assert "fields" in document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    check = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "gen_openapi.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
