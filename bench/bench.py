#!/usr/bin/env python3
"""The gateway benchmark (`make bench`): the same work against the mock directly, a plain nginx reverse
proxy, LiteLLM and the gateway, in one run on this machine, and a table of absolute figures and ratios.

Everything listens on 127.0.0.1 (fixed ports 18000-18006 and 18080) and every process this script starts
is stopped when it ends, also on an error or Ctrl-C. bench/run.sh installs the tools and builds the
gateway first; this script only runs. See docs/performance.md for the method.

Targets (columns):
  direct   the upstream itself: nginx mock (JSON :18000, SSE :18003), the project's mock provider (:18006)
  nginx    nginx reverse proxy in front of it (:18001, :18004, :18005)
  litellm  LiteLLM proxy, 1 worker, pointed at the same mocks (:18002)
  gateway  this gateway, release build, three adapters, SQLite, client key auth, an endpoint with a
           system prompt (:18080)
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

PORT = dict(mock_json=18000, proxy_json=18001, litellm=18002, mock_sse=18003, proxy_sse=18004,
            proxy_slow=18005, mock_provider=18006, gateway=18080)
TARGETS = ["direct", "nginx", "litellm", "gateway"]
LABEL = {"direct": "mock directly", "nginx": "nginx proxy", "litellm": "LiteLLM", "gateway": "gateway"}
SYSTEM_PROMPT = "You are a helpful assistant. Answer in one short sentence."
SSE_EVENTS = 20
ADMIN_PASSWORD = "bench-admin-password"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- processes ------------------------------------------------------------------------------------

class Processes:
    """Children started in their own process groups, recorded in RUN_DIR/pids for run.sh's EXIT trap."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.children: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict | None = None, cwd: Path | None = None) -> subprocess.Popen:
        out = open(self.run_dir / f"{name}.log", "wb")
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
        self.children[name] = proc
        self._record()
        return proc

    def _record(self) -> None:
        live = [str(p.pid) for p in self.children.values() if p.poll() is None]
        (self.run_dir / "pids").write_text("\n".join(live) + ("\n" if live else ""))

    def stop(self, name: str, timeout: float = 10) -> None:
        proc = self.children.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        self._record()

    def stop_all(self) -> None:
        for name in list(self.children)[::-1]:
            self.stop(name)

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.run_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ---- measurements helpers -----------------------------------------------------------------------

def tree_pids(pid: int) -> list[int]:
    """The process and its descendants (nginx master + worker, LiteLLM and any worker it spawns)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                text = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(c) for c in text)
        except OSError:
            pass
    return pids


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of the process tree so far, seconds."""
    if not pid:
        return 0.0
    ticks = 0
    for p in tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """VmRSS of the process tree, KiB."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class RSSSampler:
    """Samples a process tree's RSS every 200 ms in a thread; `peak` is the largest sample."""

    def __init__(self, pid: int | None):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.pid:
                self.peak = max(self.peak, rss_kib(self.pid))
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()


def http(method: str, url: str, body: dict | None = None, token: str | None = None, timeout: float = 10) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        text, status = error.read().decode(errors="replace"), error.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def wait_until(check, timeout: float, interval: float = 0.005) -> float | None:
    """Polls `check` until it is true; returns the seconds waited, or None at the timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(interval)
    return None


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def get_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def command_output(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (out.stdout + out.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not available"


# ---- the rig ------------------------------------------------------------------------------------

def sse_body() -> str:
    """A ~20-event OpenAI stream for the nginx SSE mock, escaped for an nginx single-quoted string."""
    words = "Hello! I am a static benchmark answer, streamed in small pieces like a real model does it today.".split(" ")
    head = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o-mini","choices":[{"index":0,'
    events = [head + '"delta":{"role":"assistant","content":""},"finish_reason":null}]}']
    for i, word in enumerate(words[: SSE_EVENTS - 2]):
        events.append(head + '"delta":{"content":"' + (word if i == 0 else " " + word) + '"},"finish_reason":null}]}')
    events.append(head + '"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":18,"total_tokens":30}}')
    assert len(events) == SSE_EVENTS
    return "".join(f"data: {e}\\n\\n" for e in events) + "data: [DONE]\\n\\n"


class Rig:
    def __init__(self, args, run_dir: Path):
        self.args, self.run_dir = args, run_dir
        self.procs = Processes(run_dir)
        self.bin_dir = Path(args.bin_dir).resolve()
        self.gateway_key = ""
        self.litellm_reason: str | None = None
        self.startup: dict[str, float | None] = {}
        self.idle_rss: dict[str, int] = {}
        self.pids: dict[str, int] = {}

    # nginx ----------------------------------------------------------------------------------------
    def start_nginx(self) -> None:
        for name in ("mock", "proxy"):
            text = (BENCH / "nginx" / f"{name}.conf.in").read_text()
            text = text.replace("@RUN_DIR@", str(self.run_dir)).replace("@SSE_BODY@", sse_body()).replace("@SSE_EVENTS@", str(SSE_EVENTS))
            conf = self.run_dir / f"nginx-{name}.conf"
            conf.write_text(text)
            for tmp in ("tmp", "tmp-proxy"):
                (self.run_dir / f"nginx-{name}-{tmp}").mkdir(exist_ok=True)
            started = time.monotonic()
            proc = self.procs.start(f"nginx-{name}", [self.args.nginx, "-c", str(conf), "-p", str(self.run_dir)])
            port = PORT["mock_json"] if name == "mock" else PORT["proxy_json"]
            waited = wait_until(lambda: port_open(port) and (name == "mock" or port_open(PORT["proxy_slow"])), 10)
            if waited is None:
                raise RuntimeError(f"nginx {name} did not start:\n{self.procs.log_tail(f'nginx-{name}')}")
            if name == "proxy":
                self.startup["nginx"] = time.monotonic() - started
                self.pids["nginx"] = proc.pid
            else:
                self.pids["nginx-mock"] = proc.pid

    # mock provider ----------------------------------------------------------------------------------
    def start_mock_provider(self) -> None:
        proc = self.procs.start("mock-provider", [str(self.bin_dir / "mock-provider"), "--host", "127.0.0.1",
                                                  "--port", str(PORT["mock_provider"])])
        if wait_until(lambda: get_ok(f"http://127.0.0.1:{PORT['mock_provider']}/_mock/health"), 15) is None:
            raise RuntimeError(f"mock-provider did not start:\n{self.procs.log_tail('mock-provider')}")
        self.pids["mock-provider"] = proc.pid

    # gateway ----------------------------------------------------------------------------------------
    def start_gateway(self) -> None:
        home = self.run_dir / "gateway"
        plugins = home / "plugins.d"
        plugins.mkdir(parents=True)
        for library, installed in (("libOpenAIAdapter.so", "openai.so"), ("libDeepSeekAdapter.so", "deepseek.so"),
                                   ("libGLMAdapter.so", "glm.so")):
            shutil.copy2(self.bin_dir / library, plugins / installed)
        env = {
            "GATEWAY_SERVER_HOST": "127.0.0.1",
            "GATEWAY_SERVER_PORT": str(PORT["gateway"]),
            "GATEWAY_DATABASE_PATH": str(home / "data" / "gateway.sqlite"),
            "GATEWAY_PLUGINS_DIR": str(plugins),
            "GATEWAY_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "GATEWAY_UPSTREAM_MAX_CONNECTIONS_PER_HOST": str(self.args.gateway_pool),
        }
        # First start: empty database (migrations, the first admin account), then the configuration
        # through the admin API. Then a restart on that database, as a user restarts a configured
        # gateway: both times are reported; the restart is the one compared with the target.
        for attempt in ("gateway_first", "gateway"):
            started = time.monotonic()
            proc = self.procs.start("gateway", [str(self.bin_dir / "gateway"), "serve"], env=env, cwd=home)
            waited = wait_until(lambda: get_ok(f"http://127.0.0.1:{PORT['gateway']}/readyz"), 30, interval=0.002)
            if waited is None:
                raise RuntimeError(f"the gateway did not become ready:\n{self.procs.log_tail('gateway')}")
            self.startup[attempt] = time.monotonic() - started
            self.pids["gateway"] = proc.pid
            if attempt == "gateway_first":
                self.configure_gateway()
                self.procs.stop("gateway")
        self.check_gateway()

    def configure_gateway(self) -> None:
        base = f"http://127.0.0.1:{PORT['gateway']}"
        status, answer = http("POST", base + "/admin/login", {"username": "admin", "password": ADMIN_PASSWORD})
        if status != 200:
            raise RuntimeError(f"admin login failed: {status} {answer}")
        token = answer["token"]
        providers = {
            "json": ("nginx-json", f"http://127.0.0.1:{PORT['mock_json']}/v1", "sk-upstream"),
            "sse": ("nginx-sse", f"http://127.0.0.1:{PORT['mock_sse']}/v1", "sk-upstream"),
            "slow": ("mock-provider", f"http://127.0.0.1:{PORT['mock_provider']}/openai/v1", "sk-mock-openai"),
        }
        for path, (name, url, key) in providers.items():
            status, provider = http("POST", base + "/admin/providers", {
                "name": name, "adapter": "openai", "base_url": url, "api_key": key, "models": ["gpt-4o-mini"]}, token)
            if status not in (200, 201):
                raise RuntimeError(f"creating provider {name} failed: {status} {provider}")
            status, endpoint = http("POST", base + "/admin/endpoints", {
                "path": f"/bench/{path}", "name": f"bench {path}", "provider_id": provider["id"],
                "model": "gpt-4o-mini", "system_prompt": SYSTEM_PROMPT}, token)
            if status not in (200, 201):
                raise RuntimeError(f"creating endpoint /bench/{path} failed: {status} {endpoint}")
        status, key = http("POST", base + "/admin/keys", {"name": "bench"}, token)
        if status not in (200, 201):
            raise RuntimeError(f"creating a client key failed: {status} {key}")
        self.gateway_key = key["key"]

    def check_gateway(self) -> None:
        """One request per endpoint proves the wiring before any load."""
        base = f"http://127.0.0.1:{PORT['gateway']}"
        for path in ("json", "sse", "slow"):
            status, answer = http("POST", f"{base}/bench/{path}/chat/completions",
                                  {"messages": [{"role": "user", "content": "ping"}], "stream": path != "json"}, self.gateway_key)
            if status != 200 or (path != "json" and "[DONE]" not in str(answer)):
                raise RuntimeError(f"gateway /bench/{path} answered {status}: {answer}")

    # LiteLLM ----------------------------------------------------------------------------------------
    def start_litellm(self) -> None:
        if self.args.no_litellm:
            self.litellm_reason = "skipped (--no-litellm)"
            return
        exe = Path(self.args.litellm)
        if not exe.exists():
            reason_file = exe.parent.parent / "litellm-unavailable"  # written by run.sh when pip failed
            self.litellm_reason = reason_file.read_text().strip() if reason_file.exists() else f"{exe} not installed"
            return
        env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR", "LITELLM_TELEMETRY": "False",
               "DISABLE_SCHEMA_UPDATE": "True", "NO_DOCS": "True"}
        started = time.monotonic()
        proc = self.procs.start("litellm", [str(exe), "--config", str(BENCH / "litellm.yaml"), "--host", "127.0.0.1",
                                            "--port", str(PORT["litellm"]), "--num_workers", "1"], env=env)
        waited = wait_until(lambda: proc.poll() is None and get_ok(f"http://127.0.0.1:{PORT['litellm']}/health/liveliness"),
                            self.args.litellm_start_timeout, interval=0.05)
        if waited is None:
            tail = self.procs.log_tail("litellm", 5).replace("\n", " | ")
            self.procs.stop("litellm")
            self.litellm_reason = f"did not start within {self.args.litellm_start_timeout:.0f} s ({tail[-300:]})"
            return
        self.startup["litellm"] = time.monotonic() - started
        self.pids["litellm"] = proc.pid
        status, answer = http("POST", f"http://127.0.0.1:{PORT['litellm']}/v1/chat/completions",
                              {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]}, "sk-bench", timeout=60)
        if status != 200:
            self.procs.stop("litellm")
            self.litellm_reason = f"answered {status} to a first request: {str(answer)[:200]}"

    @property
    def litellm_up(self) -> bool:
        return self.litellm_reason is None

    def targets(self) -> list[str]:
        return [t for t in TARGETS if t != "litellm" or self.litellm_up]

    # addresses ------------------------------------------------------------------------------------
    def url(self, target: str, kind: str) -> str:
        if target == "direct":
            port, path = {"json": (PORT["mock_json"], "/v1/chat/completions"), "sse": (PORT["mock_sse"], "/v1/chat/completions"),
                          "slow": (PORT["mock_provider"], "/openai/v1/chat/completions")}[kind]
        elif target == "nginx":
            port, path = {"json": (PORT["proxy_json"], "/v1/chat/completions"), "sse": (PORT["proxy_sse"], "/v1/chat/completions"),
                          "slow": (PORT["proxy_slow"], "/openai/v1/chat/completions")}[kind]
        elif target == "litellm":
            port, path = PORT["litellm"], "/v1/chat/completions"
        else:
            port, path = PORT["gateway"], f"/bench/{kind}/chat/completions"
        return f"http://127.0.0.1:{port}{path}"

    def key(self, target: str, kind: str) -> str:
        if target == "gateway":
            return self.gateway_key
        if target == "litellm":
            return "sk-bench"
        return "sk-mock-openai" if kind == "slow" else "sk-upstream"

    @staticmethod
    def model(target: str, kind: str) -> str:
        if target == "litellm":
            return {"json": "gpt-4o-mini", "sse": "gpt-stream", "slow": "gpt-slow"}[kind]
        return "gpt-4o-mini"

    def stop(self) -> None:
        self.procs.stop_all()


# ---- load ---------------------------------------------------------------------------------------

def run_wrk(rig: Rig, target: str, connections: int, seconds: float) -> dict:
    env = {**os.environ, "BENCH_KEY": rig.key(target, "json"), "BENCH_MODEL": rig.model(target, "json")}
    argv = [rig.args.wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s",
            "-s", str(BENCH / "post.lua"), rig.url(target, "json")]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON "):])
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6) if result["duration_us"] else 0
            result["errors"] = sum(result[k] for k in result if k.startswith("errors_"))
            return result
    raise RuntimeError(f"wrk printed no result for {target}: {out.stdout[-500:]} {out.stderr[-500:]}")


def run_sseload(rig: Rig, target: str, kind: str, content: str, connections: int, mode: str, seconds: float,
                ramp_ms: int = 0, interval_ms: int = 0, timeout: float = 0) -> dict:
    body = json.dumps({"model": rig.model(target, kind), "stream": True,
                       "messages": [{"role": "user", "content": content}]}, separators=(",", ":"))
    argv = [str(rig.args.sseload), "-u", rig.url(target, kind), "-H", f"Authorization: Bearer {rig.key(target, kind)}",
            "-b", body, "-c", str(connections), "-m", mode, "-d", f"{seconds:g}", "-r", str(ramp_ms),
            "-i", str(interval_ms)]
    if timeout:
        argv += ["-t", f"{timeout:g}"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=(timeout or seconds + 60) + 30)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"sseload failed for {target}: {out.stderr[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_busy_fraction(window: float = 0.5) -> float:
    """Share of all CPUs that was busy during the next `window` seconds (from /proc/stat)."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    total0, idle0 = sample()
    time.sleep(window)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_for_quiet(label: str, limit: float) -> None:
    """Waits until the machine is nearly idle: a target that fell behind (LiteLLM after 1,000 slow streams
    keeps working on them for many seconds) must not take the CPU from the next target's run."""
    start = time.monotonic()
    while machine_busy_fraction() > 0.15 and time.monotonic() - start < limit:
        pass
    waited = time.monotonic() - start
    if waited > 1.5:
        log(f"   waited {waited:.1f} s for the machine to be quiet before {label}")


def measured(rig: Rig, target: str, kind: str, run):
    """Runs `run()` and adds the CPU the target's processes used meanwhile (`cpu_s`; the direct target is the
    upstream itself: the nginx mock, or the mock provider for slow streams)."""
    wait_for_quiet(f"{target} ({kind})", 1 if rig.args.dry_run else 60)
    name = ({"slow": "mock-provider"}.get(kind, "nginx-mock")) if target == "direct" else target
    pid = rig.pids.get(name)
    before = cpu_seconds(pid)
    result = run()
    result["cpu_s"] = cpu_seconds(pid) - before
    return result


def scenarios(rig: Rig) -> dict:
    a = rig.args
    results: dict = {"sequential": {}, "c32": {}, "c128": {}, "stream": {}, "slow": {}, "rss_after": {}}

    if not a.dry_run:
        log("warm-up: 1 s at 128 connections per target")
        for target in rig.targets():
            run_wrk(rig, target, 128, 1)
            run_sseload(rig, target, "sse", "Say hello.", 32, "loop", 1)

    log(f"1. sequential non-stream, 1 connection, {a.seq_seconds:g} s each")
    for target in rig.targets():
        results["sequential"][target] = r = measured(rig, target, "json", lambda: run_wrk(rig, target, 1, a.seq_seconds))
        log(f"   {target:8} p50 {r['p50_us']} us  p99 {r['p99_us']} us  {r['rps']:.0f} req/s  errors {r['errors']}")

    for connections in ((32,) if a.dry_run else (32, 128)):
        log(f"2. concurrent non-stream, {connections} connections, {a.seconds:g} s each")
        for target in rig.targets():
            results[f"c{connections}"][target] = r = measured(rig, target, "json", lambda: run_wrk(rig, target, connections, a.seconds))
            log(f"   {target:8} {r['rps']:.0f} req/s  p50 {r['p50_us']} us  p99 {r['p99_us']} us  errors {r['errors']}")

    log(f"3. streaming, {SSE_EVENTS}-event SSE answers, 32 connections, {a.seconds:g} s each")
    for target in rig.targets():
        results["stream"][target] = r = measured(rig, target, "sse", lambda: run_sseload(rig, target, "sse", "Say hello.", 32, "loop", a.seconds))
        log(f"   {target:8} {r['streams_per_s']:.0f} streams/s  TTFB p50 {r['ttfb_us']['p50']} us  p99 {r['ttfb_us']['p99']} us  errors {r['errors']}")

    chunks = int(a.slow_seconds * 1000 / 50)
    content = f"[mock chunks={chunks} interval_ms=50] Say hello."
    log(f"4. {a.slow_streams} concurrent slow streams, one chunk every 50 ms for {a.slow_seconds:g} s (ramp {a.slow_ramp_ms} ms)")
    for target in rig.targets():
        pid = rig.pids.get({"direct": "mock-provider"}.get(target, target))
        with RSSSampler(pid) as sampler:
            r = measured(rig, target, "slow", lambda: run_sseload(
                rig, target, "slow", content, a.slow_streams, "once", 0, ramp_ms=a.slow_ramp_ms,
                interval_ms=50, timeout=a.slow_seconds + a.slow_ramp_ms / 1000 + a.slow_grace))
        r["peak_rss_kib"] = sampler.peak
        results["slow"][target] = r
        g = r["gap_added_us"]
        log(f"   {target:8} completed {r['completed']}/{a.slow_streams}  errors {r['errors']} {r['error_kinds']}  "
            f"added gap p50 {g['p50']} us p99 {g['p99']} us max {g['max']} us  peak RSS {sampler.peak / 1024:.1f} MiB  "
            f"CPU {r['cpu_s']:.1f} s")
        if not a.dry_run:
            time.sleep(1)  # let sockets close before the next target

    time.sleep(0.2 if a.dry_run else 2)
    for name in ("nginx", "litellm", "gateway"):
        if name in rig.pids and (name != "litellm" or rig.litellm_up):
            results["rss_after"][name] = rss_kib(rig.pids[name])
    return results


# ---- report -------------------------------------------------------------------------------------

def fmt_us(us: float | None) -> str:
    if us is None:
        return "–"
    if abs(us) >= 100_000:
        return f"{us / 1e6:.2f} s"
    if abs(us) >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.0f} µs"


def fmt_num(x: float | None, unit: str = "") -> str:
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}{unit}"
    return f"{x:,.0f}{unit}" if abs(x) >= 100 else f"{x:.1f}{unit}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or a <= 0 or b <= 0:
        return "–"  # a ratio of signed differences (overheads, gaps) means nothing
    r = a / b
    return f"{r:.3g}x" if r < 1000 else f"{r:,.0f}x"


def build_rows(rig: Rig, res: dict) -> tuple[list, list]:
    """Rows: (metric, {target: value}, formatter, target text, met?)."""
    rows, checks = [], []

    def get(section, target, *path):
        value = res.get(section, {}).get(target)
        for p in path:
            if value is None:
                return None
            value = value[p]
        return value

    def row(metric, values, fmt, goal="", met=None):
        rows.append((metric, values, fmt, goal, met))
        if goal:
            checks.append((metric, goal, met))

    targets = rig.targets()
    seq = {t: get("sequential", t, "p50_us") for t in targets}
    seq99 = {t: get("sequential", t, "p99_us") for t in targets}
    over50 = {t: (seq[t] - seq["direct"]) for t in targets if t != "direct" and seq.get(t) is not None}
    over99 = {t: (seq99[t] - seq99["direct"]) for t in targets if t != "direct" and seq99.get(t) is not None}
    gw_over = over50.get("gateway")
    row("1 · sequential p50", seq, fmt_us)
    row("1 · sequential p99", seq99, fmt_us, "gateway ≤ 1 ms", seq99.get("gateway") is not None and seq99["gateway"] <= 1000)
    row("1 · overhead p50 (minus direct)", over50, fmt_us, "gateway ≤ 200 µs", gw_over is not None and gw_over <= 200)
    row("1 · overhead p99 (minus direct)", over99, fmt_us)
    lite_over = over50.get("litellm")
    if lite_over is not None and gw_over is not None:
        factor = lite_over / gw_over if gw_over > 0 else float("inf")
        checks.append(("1 · overhead vs LiteLLM", f"≥ 50x lower (measured {factor:,.0f}x lower)", factor >= 50))
    else:
        checks.append(("1 · overhead vs LiteLLM", "≥ 50x lower", None))
    for c in (32, 128):
        rps = {t: get(f"c{c}", t, "rps") for t in targets}
        p50 = {t: get(f"c{c}", t, "p50_us") for t in targets}
        p99 = {t: get(f"c{c}", t, "p99_us") for t in targets}
        err = {t: get(f"c{c}", t, "errors") for t in targets}
        if c == 32:
            g, n, l = rps.get("gateway"), rps.get("nginx"), rps.get("litellm")
            row(f"2 · {c} conn req/s", rps, fmt_num, "gateway ≥ 0.3x nginx", g is not None and n is not None and g >= 0.3 * n)
            checks.append((f"2 · {c} conn req/s vs LiteLLM", "≥ 100x", (g / l >= 100) if (g and l) else None))
            row(f"2 · {c} conn p50", p50, fmt_us)
            row(f"2 · {c} conn p99", p99, fmt_us, "gateway < 5 ms", p99.get("gateway") is not None and p99["gateway"] < 5000)
        else:
            row(f"2 · {c} conn req/s", rps, fmt_num)
            row(f"2 · {c} conn p50", p50, fmt_us)
            row(f"2 · {c} conn p99", p99, fmt_us)
        row(f"2 · {c} conn errors", err, fmt_num)
        if c == 32:
            per = {t: (get("c32", t, "cpu_s") / get("c32", t, "requests") * 1e6) if get("c32", t, "requests") else None for t in targets}
            row("2 · 32 conn CPU per request (target's processes)", per, fmt_us)
    row("3 · streams/s (32 conn)", {t: get("stream", t, "streams_per_s") for t in targets}, fmt_num)
    row("3 · TTFB p50", {t: get("stream", t, "ttfb_us", "p50") for t in targets}, fmt_us)
    row("3 · TTFB p99", {t: get("stream", t, "ttfb_us", "p99") for t in targets}, fmt_us)
    row("3 · whole stream p50", {t: get("stream", t, "total_us", "p50") for t in targets}, fmt_us)
    row("3 · stream errors", {t: get("stream", t, "errors") for t in targets}, fmt_num)
    row("3 · CPU per stream (target's processes)",
        {t: (get("stream", t, "cpu_s") / get("stream", t, "completed") * 1e6) if get("stream", t, "completed") else None for t in targets}, fmt_us)
    n = rig.args.slow_streams
    slow_err = {t: get("slow", t, "errors") for t in targets}
    slow_done = {t: get("slow", t, "completed") for t in targets}
    row(f"4 · slow streams completed (of {n})", slow_done, fmt_num)
    row("4 · slow stream errors", slow_err, fmt_num, "gateway 0", slow_err.get("gateway") == 0 and slow_done.get("gateway") == n)
    gaps50 = {t: get("slow", t, "gap_added_us", "p50") for t in targets}
    gaps99 = {t: get("slow", t, "gap_added_us", "p99") for t in targets}
    row("4 · chunk gap minus 50 ms, p50", gaps50, fmt_us)
    row("4 · chunk gap minus 50 ms, p99", gaps99, fmt_us, "gateway ≤ 2 ms", gaps99.get("gateway") is not None and gaps99["gateway"] <= 2000)
    row("4 · chunk gap minus 50 ms, max", {t: get("slow", t, "gap_added_us", "max") for t in targets}, fmt_us)
    row("4 · CPU per relayed event (target's processes)",
        {t: (get("slow", t, "cpu_s") / get("slow", t, "events") * 1e6) if get("slow", t, "events") else None for t in targets}, fmt_us)
    peak = {t: (get("slow", t, "peak_rss_kib") or 0) / 1024 for t in targets}
    row("4 · peak RSS during slow streams", peak, lambda v: fmt_num(v, " MiB"), "gateway ≤ 200 MB",
        peak.get("gateway") is not None and peak["gateway"] * 1.048576 <= 200)
    startup = {t: (rig.startup[t] * 1e6 if rig.startup.get(t) is not None else None) for t in targets if t != "direct"}
    row("5 · start-up to ready", startup, fmt_us, "gateway ≤ 1 s", startup.get("gateway") is not None and startup["gateway"] <= 1e6)
    first = rig.startup.get("gateway_first")
    row("5 · first start (empty database) to ready", {"gateway": first * 1e6 if first is not None else None}, fmt_us)
    idle = {t: rig.idle_rss[t] / 1024 for t in targets if t in rig.idle_rss}
    row("5 · idle RSS", idle, lambda v: fmt_num(v, " MiB"), "gateway ≤ 50 MB", idle.get("gateway") is not None and idle["gateway"] * 1.048576 <= 50)
    after = {t: v / 1024 for t, v in res.get("rss_after", {}).items()}
    row("5 · RSS after the load", after, lambda v: fmt_num(v, " MiB"))
    return rows, checks


def render(rig: Rig, res: dict, machine: dict) -> str:
    rows, checks = build_rows(rig, res)
    a = rig.args
    lines = [f"# Benchmark results ({machine['date']})", ""]
    if a.dry_run:
        lines += ["**Dry run** (0.5 s per scenario, 20 slow streams): the figures mean nothing, only that the rig works.", ""]
    lines += ["## Machine", ""]
    machine["load"] += ", " + " ".join(Path("/proc/loadavg").read_text().split()[:3]) + " at the end (1, 5, 15 min)"
    for key in ("commit", "cpus", "cpu", "kernel", "memory", "swift", "nginx", "wrk", "litellm", "python", "load"):
        lines.append(f"- {key}: {machine[key]}")
    lines += ["", "## Settings", "",
              f"- non-stream body: `{{\"model\":\"gpt-4o-mini\",\"messages\":[{{\"role\":\"user\",\"content\":\"Say hello.\"}}]}}` "
              f"(wrk, bench/post.lua, 1 thread); sequential {a.seq_seconds:g} s, others {a.seconds:g} s per target, after a 1 s warm-up",
              f"- streams: the nginx mock's {SSE_EVENTS}-event SSE answer, bench/loadgen/sseload.c, 32 connections, {a.seconds:g} s; "
              "TTFB = request written → first `data:` event read",
              f"- slow streams: {a.slow_streams} connections opened over {a.slow_ramp_ms} ms, each one request to the project's "
              f"mock provider with `[mock chunks={int(a.slow_seconds * 20)} interval_ms=50]`; gap = time between consecutive `data:` "
              "events at the client minus the 50 ms the mock waits between events",
              f"- gateway: release build, openai/deepseek/glm adapters loaded, SQLite database, client key auth, endpoints "
              f"`/bench/{{json,sse,slow}}` with a system prompt, OpenAI adapter, upstream pool {a.gateway_pool} connections per host",
              "- LiteLLM: `litellm --num_workers 1` (as in the starting kit), master key auth, same mocks"
              + ("" if rig.litellm_up else f" — **LiteLLM: not available ({rig.litellm_reason})**"),
              "- ratios are gateway ÷ other, from this run: for req/s and streams/s higher is better, for times and memory lower is better",
              "", "## Results", ""]
    targets = rig.targets()
    header = "| metric | " + " | ".join(LABEL[t] for t in targets) + " | gateway ÷ nginx | gateway ÷ LiteLLM |"
    lines += [header, "|" + "---|" * (len(targets) + 3)]
    for metric, values, fmt, goal, met in rows:
        cells = [fmt(values[t]) if values.get(t) is not None else "–" for t in targets]
        g = values.get("gateway")
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {ratio(g, values.get('nginx'))} | {ratio(g, values.get('litellm'))} |")
    if not rig.litellm_up:
        lines += ["", f"LiteLLM: not available ({rig.litellm_reason})."]
    lines += ["", "## Targets (issue 6)", "", "| target | goal | met |", "|---|---|---|"]
    for metric, goal, met in checks:
        lines.append(f"| {metric} | {goal} | {'yes' if met else ('–' if met is None else '**no**')} |")
    errors = {t: res['slow'][t]['error_kinds'] for t in targets if res.get('slow', {}).get(t, {}).get('error_kinds')}
    if errors:
        lines += ["", "Slow-stream error kinds: " + "; ".join(f"{LABEL[t]}: {json.dumps(k)}" for t, k in errors.items())]
    lines += ["", "Raw figures: `bench/results/latest.json` (same run).", ""]
    return "\n".join(lines)


def machine_info(args) -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next((l.split(":", 1)[1].strip() for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), "?")
    commit = command_output(["git", "-C", args.source_dir, "log", "-1", "--format=%h %s (%ci)"])
    dirty = command_output(["git", "-C", args.source_dir, "status", "--porcelain", "--untracked-files=no", "--", "Sources", "Plugins", "Package.swift"])
    litellm_version = "not available"
    pip = Path(args.litellm).parent / "pip"
    if pip.exists():
        for line in command_output([str(pip), "show", "litellm"]).splitlines():
            if line.startswith("Version:"):
                litellm_version = line.split(":", 1)[1].strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" + uncommitted changes in Sources/Plugins" if dirty and dirty != "not available" else ""),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "memory": mem,
        "swift": command_output(["swift", "--version"]).splitlines()[0] if shutil.which("swift") else "not found",
        "nginx": command_output([args.nginx, "-v"]),
        "wrk": command_output([args.wrk, "-v"]).splitlines()[0],
        "litellm": litellm_version,
        "python": platform.python_version(),
        "load": "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3]) + " at the start",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True, help="folder with gateway, mock-provider and the adapter libraries (release)")
    parser.add_argument("--source-dir", default=str(ROOT), help="the source tree the binaries were built from (for the commit in the report)")
    parser.add_argument("--run-dir", help="working folder (default: a new temporary folder)")
    parser.add_argument("--seconds", type=float, default=5, help="seconds per target for scenarios 2 and 3")
    parser.add_argument("--seq-seconds", type=float, default=5, help="seconds per target for scenario 1")
    parser.add_argument("--slow-streams", type=int, default=1000)
    parser.add_argument("--slow-seconds", type=float, default=10)
    parser.add_argument("--slow-ramp-ms", type=int, default=1000)
    parser.add_argument("--slow-grace", type=float, default=20, help="seconds a slow stream may overrun before it counts as an error")
    parser.add_argument("--gateway-pool", type=int, default=2048, help="GATEWAY_UPSTREAM_MAX_CONNECTIONS_PER_HOST for the run")
    parser.add_argument("--litellm", default=str(BENCH / ".venv" / "bin" / "litellm"))
    parser.add_argument("--litellm-start-timeout", type=float, default=120)
    parser.add_argument("--no-litellm", action="store_true")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    parser.add_argument("--sseload", required=True, help="the built bench/loadgen/sseload")
    parser.add_argument("--out", default=str(BENCH / "results" / "latest.md"))
    parser.add_argument("--dry-run", action="store_true", help="0.5 s per scenario and 20 slow streams of 0.5 s: checks the rig, not the figures")
    args = parser.parse_args()
    if args.dry_run:
        args.seconds = args.seq_seconds = 0.5
        args.slow_streams, args.slow_seconds, args.slow_ramp_ms, args.slow_grace = 20, 0.5, 50, 10
        args.litellm_start_timeout = min(args.litellm_start_timeout, 60)

    run_dir = Path(args.run_dir) if args.run_dir else Path(tempfile.mkdtemp(prefix="llm-gateway-bench."))
    run_dir.mkdir(parents=True, exist_ok=True)
    busy = [name for name, port in PORT.items() if port_open(port)]
    if busy:
        print(f"bench: ports already in use: {', '.join(f'{n}:{PORT[n]}' for n in busy)} (another benchmark running?)", file=sys.stderr)
        return 1

    rig = Rig(args, run_dir)

    def on_signal(number, _frame):
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    began = time.monotonic()
    try:
        machine = machine_info(args)
        log(f"run folder {run_dir}; commit {machine['commit']}")
        rig.start_nginx()
        rig.start_mock_provider()
        rig.start_gateway()
        log(f"gateway ready in {rig.startup['gateway'] * 1000:.0f} ms")
        log("starting LiteLLM (may take a while)")
        rig.start_litellm()
        log("LiteLLM " + (f"ready in {rig.startup['litellm']:.1f} s" if rig.litellm_up else f"not available ({rig.litellm_reason})"))
        time.sleep(0.2 if args.dry_run else 1)
        for name in ("nginx", "litellm", "gateway"):
            if name in rig.pids:
                rig.idle_rss[name] = rss_kib(rig.pids[name])
        results = scenarios(rig)
        report = render(rig, results, machine)
        raw = {"machine": machine, "settings": {k: v for k, v in vars(args).items()}, "startup_s": rig.startup,
               "idle_rss_kib": rig.idle_rss, "litellm": rig.litellm_reason or "ok", "results": results}
        out = Path(args.out) if not args.dry_run else run_dir / "latest.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report)
        out.with_suffix(".json").write_text(json.dumps(raw, indent=1) + "\n")
        print("\n" + report)
        if args.dry_run:
            log(f"dry run: nothing written to bench/results; whole run {time.monotonic() - began:.0f} s")
        else:
            log(f"written {out} and {out.with_suffix('.json')}; whole run {time.monotonic() - began:.0f} s")
        return 0
    except RuntimeError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        rig.stop()
        if not args.run_dir and not os.environ.get("BENCH_KEEP_RUN_DIR"):
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
