"""Start-up configuration as docs/configuration.md and config.example.yaml describe it."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest
import requests
import yaml

from e2e_support import REPO_ROOT, Binaries, GatewayProcess, free_port

CONTRACT_KEYS = {
    "server.host", "server.port", "server.jwt_secret", "server.frontend_path", "server.token_ttl_hours",
    "database.path", "plugins.dir", "limits.max_body_bytes",
    "upstream.connect_timeout_ms", "upstream.first_byte_timeout_ms", "upstream.idle_timeout_ms",
    "upstream.total_timeout_ms", "upstream.keepalive_interval_ms", "upstream.max_connections_per_host",
    "logging.level",
}


def example_keys() -> set[str]:
    document = yaml.safe_load((REPO_ROOT / "config.example.yaml").read_text())
    return {f"{section}.{key}" for section, body in document.items() for key in body}


def test_example_lists_every_contract_key():
    assert CONTRACT_KEYS <= example_keys()
    text = (REPO_ROOT / "config.example.yaml").read_text()
    documented = (REPO_ROOT / "docs" / "configuration.md").read_text()
    for key in example_keys():
        variable = "GATEWAY_" + key.upper().replace(".", "_")
        assert variable in text, f"config.example.yaml names {variable}"
        assert f"`{key}`" in documented and variable in documented, f"docs/configuration.md documents {key}"


def start(binaries: Binaries, work: Path, **options) -> GatewayProcess:
    process = GatewayProcess(binaries.gateway, work_dir=work, plugins_dir=binaries.plugins,
                             admin_password="e2e-" + secrets.token_urlsafe(12), **options)
    process.start()
    return process


def test_gateway_accepts_config_example_yaml(binaries: Binaries, tmp_path: Path):
    process = start(binaries, tmp_path, args=["--config", str(REPO_ROOT / "config.example.yaml")])
    try:
        assert requests.get(f"{process.url}/readyz", timeout=10).status_code == 200
    finally:
        assert process.stop() == 0


def test_config_yaml_in_the_working_directory_is_read(binaries: Binaries, tmp_path: Path):
    port = free_port()
    (tmp_path / "config.yaml").write_text(f"server:\n  host: 127.0.0.1\n  port: {port}\n")
    process = start(binaries, tmp_path, port=port, listen_env=False)
    try:
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json() == {"status": "ok"}
    finally:
        assert process.stop() == 0


@pytest.mark.parametrize("content, named", [
    ("upstream:\n  idle_timeout: 5\n", "upstream.idle_timeout"),
    ("server:\n  port: 99999\n", "server.port"),
], ids=["unknown key", "out of range"])
def test_bad_configuration_stops_the_gateway_naming_the_key(binaries: Binaries, tmp_path: Path, content: str, named: str):
    config = tmp_path / "bad.yaml"
    config.write_text(content)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATEWAY_")}
    env.update(GATEWAY_DATABASE_PATH=str(tmp_path / "gw.sqlite"), GATEWAY_PLUGINS_DIR=str(binaries.plugins))
    result = subprocess.run([str(binaries.gateway), "serve", "--config", str(config)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, f"exit status {result.returncode}\n{result.stderr}"
    assert named in result.stderr
