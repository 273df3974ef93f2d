"""Helpers for the end-to-end tests: processes, the admin API, SSE parsing, schema validation.

Everything here talks to real processes over loopback sockets: the gateway binary under test,
the mock provider binary, and the adapters built from this repository.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import openai
import pytest
import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_BUNDLE = REPO_ROOT / "Tests" / "Fixtures" / "schemas" / "chat-completions.schema.json"
SCHEMA_URI = "urn:gateway-tests:openai-chat-completions"
ADAPTER_FILES = ("openai.so", "deepseek.so", "glm.so")

HTTP_TIMEOUT = 30  # seconds, for every request a test makes
STARTUP_TIMEOUT = 30
SHUTDOWN_TIMEOUT = 20

# The function tool the tool-call tests offer.
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}


# ------------------------------------------------------------------------------------------------
# Binaries under test


@dataclass(frozen=True)
class Binaries:
    gateway: Path
    mock: Path
    plugins: Path


def locate_binaries() -> Binaries:
    """Reads GATEWAY_BIN, MOCK_BIN and GATEWAY_TEST_PLUGINS (set by `make test-e2e`).

    Falls back to the debug build products in .build/debug so `pytest Tests/e2e` works after
    `make build-tests`. Fails (never skips) with a message that says what to do.
    """
    debug = REPO_ROOT / ".build" / "debug"
    gateway = Path(os.environ.get("GATEWAY_BIN") or debug / "gateway")
    mock = Path(os.environ.get("MOCK_BIN") or debug / "mock-provider")
    plugins = Path(os.environ.get("GATEWAY_TEST_PLUGINS") or debug / "test-plugins")
    problems = []
    for name, path in (("GATEWAY_BIN", gateway), ("MOCK_BIN", mock)):
        if not path.is_file() or not os.access(path, os.X_OK):
            problems.append(f"{name}: no executable at {path}")
    if not plugins.is_dir():
        problems.append(f"GATEWAY_TEST_PLUGINS: no folder at {plugins}")
    else:
        missing = [name for name in ADAPTER_FILES if not (plugins / name).is_file()]
        if missing:
            problems.append(f"GATEWAY_TEST_PLUGINS: {plugins} lacks {', '.join(missing)}")
    if problems:
        pytest.fail(
            "The end-to-end tests need the built gateway, mock provider and adapters:\n  "
            + "\n  ".join(problems)
            + "\nRun them with `make test` (or `make build-tests && make test-e2e`).",
            pytrace=False,
        )
    return Binaries(gateway=gateway, mock=mock, plugins=plugins)


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the test process dies (Linux), so a killed
    pytest leaves no gateway or mock behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort only
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 150) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"<cannot read {path}: {error}>"
    return "\n".join(text.splitlines()[-lines:])


# ------------------------------------------------------------------------------------------------
# The mock provider


class MockProvider:
    """`mock-provider --host 127.0.0.1 --port 0`, which plays OpenAI, DeepSeek and GLM."""

    LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")

    def __init__(self, binary: Path, log_path: Path):
        self.binary = binary
        self.log_path = log_path
        self.process: subprocess.Popen[str] | None = None
        self.port: int | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(self.binary), "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            bufsize=1,
            preexec_fn=_die_with_parent,
        )
        found = threading.Event()
        log = self.log_path.open("w")

        def pump() -> None:
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                if self.port is None:
                    match = self.LISTENING.search(line)
                    if match:
                        self.port = int(match.group(1))
                        found.set()
            log.close()
            found.set()

        threading.Thread(target=pump, name="mock-provider-output", daemon=True).start()
        if not found.wait(STARTUP_TIMEOUT) or self.port is None:
            self.stop()
            pytest.fail(
                f"mock provider ({self.binary}) did not print 'mock-provider listening on "
                f"127.0.0.1:<port>' within {STARTUP_TIMEOUT} s. Its output:\n{tail(self.log_path)}",
                pytrace=False,
            )

    def stop(self) -> int | None:
        if not self.process:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def base_url(self, flavor: str) -> str:
        return {
            "openai": f"{self.root}/openai/v1",
            "deepseek": f"{self.root}/deepseek",
            "glm": f"{self.root}/glm/api/paas/v4",
        }[flavor]

    @staticmethod
    def api_key(flavor: str) -> str:
        return {"openai": "sk-mock-openai", "deepseek": "sk-mock-deepseek", "glm": "mock-glm-key"}[flavor]

    def requests(self) -> list[dict[str, Any]]:
        """What the mock received, oldest first, each with `body` decoded to JSON when possible."""
        response = requests.get(f"{self.root}/_mock/requests", timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, f"GET /_mock/requests -> {response.status_code}: {response.text}"
        document = response.json()
        if isinstance(document, dict):
            for key in ("requests", "data", "items"):
                if isinstance(document.get(key), list):
                    document = document[key]
                    break
        assert isinstance(document, list), f"unexpected /_mock/requests shape: {str(document)[:500]}"
        records = []
        for record in document:
            record = dict(record)
            body = record.get("body")
            if isinstance(body, str):
                try:
                    record["body"] = json.loads(body)
                except ValueError:
                    pass
            records.append(record)
        return records

    def requests_with(self, marker: str) -> list[dict[str, Any]]:
        """Requests whose body mentions `marker` (each test puts a unique marker in its prompt)."""
        return [record for record in self.requests() if marker in json.dumps(record.get("body"), ensure_ascii=False)]

    def settled_request_with(self, marker: str, timeout: float = 5.0) -> dict[str, Any]:
        """The one request containing `marker`, once the mock has recorded the end of its answer.

        The mock updates a record while it writes the answer, so right after a client saw the end of a
        stream the record may still lack `reported_usage` for a moment.
        """
        deadline = time.monotonic() + timeout
        while True:
            record = self.only_request_with(marker)
            if record.get("completed") or record.get("reported_usage") or time.monotonic() > deadline:
                return record
            time.sleep(0.05)

    def only_request_with(self, marker: str) -> dict[str, Any]:
        matching = self.requests_with(marker)
        assert len(matching) == 1, (
            f"expected exactly one upstream request containing {marker!r} at the mock, got {len(matching)}"
        )
        return matching[0]

    def clear(self) -> None:
        requests.delete(f"{self.root}/_mock/requests", timeout=HTTP_TIMEOUT)


# ------------------------------------------------------------------------------------------------
# The gateway


class GatewayProcess:
    """`gateway serve` on a free loopback port with its own database, plugins folder and logs."""

    def __init__(self, binary: Path, work_dir: Path, plugins_dir: Path, admin_password: str | None,
                 extra_env: dict[str, str] | None = None, args: list[str] | None = None,
                 port: int | None = None, listen_env: bool = True):
        """`listen_env=False` leaves host and port to the configuration file (then pass its `port`)."""
        self.binary = binary
        self.work_dir = work_dir
        self.plugins_dir = plugins_dir
        self.admin_password = admin_password
        self.extra_env = extra_env or {}
        self.args = args or []
        self.listen_env = listen_env
        self.port = port or free_port()
        self.stderr_path = work_dir / "gateway.stderr.log"
        self.stdout_path = work_dir / "gateway.stdout.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # Only our own GATEWAY_* settings: a developer's shell must not change what the tests see.
        env = {key: value for key, value in os.environ.items() if not key.startswith("GATEWAY_")}
        if self.listen_env:
            env.update(GATEWAY_SERVER_HOST="127.0.0.1", GATEWAY_SERVER_PORT=str(self.port))
        env.update(
            GATEWAY_DATABASE_PATH=str(self.work_dir / "gw.sqlite"),
            GATEWAY_PLUGINS_DIR=str(self.plugins_dir),
            GATEWAY_LOGGING_LEVEL="debug",
        )
        if self.admin_password is not None:  # None: the gateway's own first-start default (admin123)
            env["GATEWAY_ADMIN_PASSWORD"] = self.admin_password
        env.update(self.extra_env)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with self.stderr_path.open("wb") as stderr, self.stdout_path.open("wb") as stdout:
            # The working directory is the test's own folder, so a config.yaml in the repository
            # is not picked up.
            self.process = subprocess.Popen(
                [str(self.binary), "serve", *self.args], cwd=self.work_dir, env=env,
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last_problem = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"gateway exited with status {self.process.returncode} during start-up.\n"
                    f"stderr ({self.stderr_path}):\n{tail(self.stderr_path)}",
                    pytrace=False,
                )
            try:
                response = requests.get(f"{self.url}/healthz", timeout=1)
                if response.status_code == 200:
                    return
                last_problem = f"/healthz -> {response.status_code} {response.text[:200]}"
            except requests.RequestException as error:
                last_problem = str(error)
            time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"gateway did not answer GET /healthz with 200 within {STARTUP_TIMEOUT} s ({last_problem}).\n"
            f"stderr ({self.stderr_path}):\n{tail(self.stderr_path)}",
            pytrace=False,
        )

    def stop(self) -> int | None:
        """SIGTERM, then wait; returns the exit status (None if it had to be killed)."""
        if not self.process:
            return None
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def stderr_tail(self, lines: int = 150) -> str:
        return tail(self.stderr_path, lines)


# ------------------------------------------------------------------------------------------------
# The admin API


class AdminError(AssertionError):
    pass


class Admin:
    """A logged-in admin session against /admin/*."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.token: str | None = None

    def login(self, password: str, username: str = "admin") -> dict[str, Any]:
        response = requests.post(
            f"{self.base_url}/admin/login", json={"username": username, "password": password}, timeout=HTTP_TIMEOUT
        )
        if response.status_code != 200:
            raise AdminError(f"POST /admin/login -> {response.status_code}: {response.text}")
        document = response.json()
        self.token = document["token"]
        return document

    def call(self, method: str, path: str, body: Any = None, expect: Iterable[int] = (200, 201, 204)) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = requests.request(method, f"{self.base_url}{path}", json=body, headers=headers, timeout=HTTP_TIMEOUT)
        if response.status_code not in tuple(expect):
            raise AdminError(f"{method} {path} -> {response.status_code}: {response.text}")
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def create_provider(self, name: str, adapter: str, base_url: str, api_key: str,
                        models: list[str] | None = None, **extra: Any) -> dict[str, Any]:
        body = {"name": name, "adapter": adapter, "base_url": base_url, "api_key": api_key,
                "models": models or [], **extra}
        return self.call("POST", "/admin/providers", body, expect=(201,))

    def create_endpoint(self, path: str, provider_id: int, model: str, system_prompt: str = "",
                        **extra: Any) -> dict[str, Any]:
        body = {"path": path, "name": extra.pop("name", path.strip("/").replace("/", "-")),
                "description": extra.pop("description", "e2e test endpoint"),
                "provider_id": provider_id, "model": model, "system_prompt": system_prompt, **extra}
        return self.call("POST", "/admin/endpoints", body, expect=(201,))

    def create_key(self, name: str) -> dict[str, Any]:
        return self.call("POST", "/admin/keys", {"name": name}, expect=(201,))


def login_admin(process: GatewayProcess) -> Admin:
    """Logs in with the password the gateway was started with (changing it if the gateway insists)."""
    admin = Admin(process.url)
    session = admin.login(process.admin_password)
    if session.get("user", {}).get("must_change_password"):
        new_password = "e2e-" + secrets.token_urlsafe(12)
        admin.call("PUT", "/admin/user/password",
                   {"current_password": process.admin_password, "new_password": new_password}, expect=(204,))
        process.admin_password = new_password
        admin.login(new_password)
    return admin


# ------------------------------------------------------------------------------------------------
# Server-sent events


@dataclass
class SSEEvent:
    data: str | None = None           # joined data lines; None for a comment-only block
    event: str | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


def parse_sse(raw: bytes) -> list[SSEEvent]:
    """Splits a text/event-stream body into events (blank-line separated), keeping comments."""
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    events = []
    for block in text.split("\n\n"):
        if not block.strip("\n"):
            continue
        event = SSEEvent()
        data_lines = []
        for line in block.split("\n"):
            if line.startswith(":"):
                event.comments.append(line[1:].strip())
            elif line.startswith("data:"):
                data_lines.append(line[5:][1:] if line[5:].startswith(" ") else line[5:])
            elif line.startswith("event:"):
                event.event = line[6:].strip()
        if data_lines:
            event.data = "\n".join(data_lines)
        events.append(event)
    return events


# ------------------------------------------------------------------------------------------------
# JSON Schema validation against OpenAI's bundle


_REGISTRY: Registry | None = None


def _registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        bundle = json.loads(SCHEMA_BUNDLE.read_text())
        Draft202012Validator.check_schema(bundle)
        _REGISTRY = Registry().with_resource(SCHEMA_URI, Resource.from_contents(bundle))
    return _REGISTRY


def validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{SCHEMA_URI}#/$defs/{definition}"}, registry=_registry())


def assert_valid(definition: str, instance: Any, what: str) -> None:
    errors = sorted(validator(definition).iter_errors(instance), key=lambda error: list(error.absolute_path))
    if errors:
        details = "\n".join(
            f"  - at /{'/'.join(str(part) for part in error.absolute_path)}: {error.message[:300]}"
            for error in errors[:10]
        )
        pytest.fail(
            f"{what} does not validate against OpenAI's {definition}:\n{details}\n"
            f"document: {json.dumps(instance, ensure_ascii=False)[:2000]}",
            pytrace=False,
        )


def compiler() -> str:
    """The C compiler for adapter examples; fails (never skips) when there is none."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return name
    pytest.fail("no C compiler found (cc/gcc/clang); install build-essential", pytrace=False)
    raise AssertionError  # unreachable


# ------------------------------------------------------------------------------------------------
# What the session fixtures set up


FLAVORS = ("openai", "deepseek", "glm")

# Processes whose logs are attached to a failing test's report (see conftest.py).
ACTIVE_GATEWAYS: list[GatewayProcess] = []
ACTIVE_MOCKS: list[MockProvider] = []


@dataclass(frozen=True)
class Endpoint:
    path: str
    model: str
    system_prompt: str
    flavor: str
    provider_name: str
    id: int


@dataclass
class Stack:
    gateway: GatewayProcess
    mock: MockProvider
    admin: Admin
    key: str
    providers: dict[str, dict[str, Any]]
    endpoints: dict[str, Endpoint]

    def client(self, endpoint: str | Endpoint, api_key: str | None = None, **options: Any) -> openai.OpenAI:
        """The official SDK pointed at an endpoint path, as a user would configure it."""
        path = endpoint.path if isinstance(endpoint, Endpoint) else self.endpoints[endpoint].path
        options.setdefault("timeout", HTTP_TIMEOUT)
        return openai.OpenAI(base_url=f"{self.gateway.url}{path}", api_key=api_key or self.key, **options)
