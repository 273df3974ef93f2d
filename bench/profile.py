#!/usr/bin/env python3
"""Profiles the release gateway under a short load, on the benchmark's rig (bench.py): where does the
gateway's time go? Writes the reports into --out (default bench/results/profile/).

  bench/profile.py --bin-dir .build/release --sseload bench/loadgen/sseload perf       # perf record, cpu-clock
  bench/profile.py --bin-dir .build/release --sseload bench/loadgen/sseload callgrind  # instruction counts

perf: the gateway runs normally; `perf record -g` samples it (software cpu-clock event: hardware counters
are often missing in VMs) during wrk load on /bench/json at --connections, then during sseload streams on
/bench/sse. callgrind: the gateway runs under valgrind (about 50x slower) and gets --requests sequential
non-stream requests; counts are exact instructions, repeatable whatever else the machine does.
Needs `perf` (Debian linux-perf) or valgrind. Symbols are demangled with `swift demangle`.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


def demangle(text: str) -> str:
    if not shutil.which("swift"):
        return text
    out = subprocess.run(["swift", "demangle", "--simplified"], input=text, capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else text


def sequential_requests(rig: bench.Rig, count: int) -> float:
    """`count` non-stream requests one after another on one keep-alive connection (http.client)."""
    import http.client
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello."}]})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {rig.gateway_key}"}
    conn = http.client.HTTPConnection("127.0.0.1", bench.PORT["gateway"], timeout=60)
    started = time.monotonic()
    for _ in range(count):
        conn.request("POST", "/bench/json/chat/completions", body, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"gateway answered {response.status}")
    conn.close()
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tool", choices=["perf", "callgrind"])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--sseload", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000, help="callgrind: sequential requests")
    parser.add_argument("--out", default=str(bench.BENCH / "results" / "profile"))
    args = parser.parse_args()

    # The rig's options, with the benchmark's defaults.
    rig_args = argparse.Namespace(bin_dir=args.bin_dir, gateway_pool=2048, nginx=shutil.which("nginx") or "/usr/sbin/nginx",
                                  wrk=shutil.which("wrk") or "wrk", sseload=args.sseload, no_litellm=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="llm-gateway-profile."))
    rig = bench.Rig(rig_args, run_dir)
    try:
        rig.start_nginx()
        rig.start_mock_provider()
        rig.start_gateway()
        if args.tool == "perf":
            gateway = rig.pids["gateway"]
            bench.run_wrk(rig, "gateway", args.connections, 2)  # warm-up
            for name, load in (("json", lambda: bench.run_wrk(rig, "gateway", args.connections, args.seconds)),
                               ("sse", lambda: bench.run_sseload(rig, "gateway", "sse", "Say hello.", args.connections, "loop", args.seconds))):
                data = run_dir / f"perf-{name}.data"
                recorder = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-p", str(gateway), "-o", str(data)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.5)
                result = load()
                recorder.send_signal(2)
                recorder.wait(60)
                summary = json.dumps({k: result[k] for k in result if not isinstance(result[k], dict)} if isinstance(result, dict) else result)
                for mode, extra in (("self", ["--no-children"]), ("children", ["--children"])):
                    report = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--percent-limit", "0.5", "-g", "none",
                                             "--sort", "symbol", *extra], capture_output=True, text=True).stdout
                    (out / f"perf-{name}-{mode}.txt").write_text(f"# load: {summary}\n" + demangle(report))
                dsos = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--sort", "dso", "-g", "none"],
                                      capture_output=True, text=True).stdout
                (out / f"perf-{name}-dso.txt").write_text(dsos)
                print(f"perf {name}: {out}/perf-{name}-self.txt, -children.txt, -dso.txt")
        else:
            # Restart the configured gateway under callgrind.
            rig.procs.stop("gateway")
            home = run_dir / "gateway"
            env = {
                "GATEWAY_SERVER_HOST": "127.0.0.1", "GATEWAY_SERVER_PORT": str(bench.PORT["gateway"]),
                "GATEWAY_DATABASE_PATH": str(home / "data" / "gateway.sqlite"), "GATEWAY_PLUGINS_DIR": str(home / "plugins.d"),
                "GATEWAY_ADMIN_PASSWORD": bench.ADMIN_PASSWORD,
            }
            cg = run_dir / "callgrind.out"
            proc = rig.procs.start("gateway-callgrind", ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}",
                                                         str(Path(args.bin_dir) / "gateway"), "serve"], env=env, cwd=home)
            if bench.wait_until(lambda: bench.get_ok(f"http://127.0.0.1:{bench.PORT['gateway']}/readyz"), 120, 0.2) is None:
                raise RuntimeError("gateway under valgrind did not start: " + rig.procs.log_tail("gateway-callgrind"))
            sequential_requests(rig, 100)  # warm-up: connection pool, lazy initialisation
            # Count only the measured requests: zero the counters now, dump them after.
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
            took = sequential_requests(rig, args.requests)
            subprocess.run(["callgrind_control", "-d", "measured", str(proc.pid)], check=True, capture_output=True)
            print(f"callgrind: {args.requests} requests in {took:.1f} s")
            rig.procs.stop("gateway-callgrind", timeout=60)
            files = sorted(p for p in run_dir.glob("callgrind.out*") if p.name != "callgrind.out")
            annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", *map(str, files)],
                                      capture_output=True, text=True).stdout
            (out / "callgrind-inclusive.txt").write_text(f"# {args.requests} sequential non-stream requests\n" + demangle(annotate))
            annotate = subprocess.run(["callgrind_annotate", "--threshold=95", *map(str, files)], capture_output=True, text=True).stdout
            (out / "callgrind-self.txt").write_text(f"# {args.requests} sequential non-stream requests\n" + demangle(annotate))
            print(f"callgrind: {out}/callgrind-inclusive.txt, callgrind-self.txt")
        return 0
    finally:
        rig.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
