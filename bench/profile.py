#!/usr/bin/env python3
"""Profiles the release gateway under a short load, on the benchmark's rig (bench.py): where does the
gateway's time go? Writes the reports into --out (default bench/results/profile/).

  bench/profile.py --bin-dir .build/release --sseload bench/loadgen/sseload perf

The gateway runs normally; `perf record -g` samples it (software cpu-clock event: the hardware counters
are not available in these VMs) during wrk load on /bench/json at --connections, during sseload streams
on /bench/sse, and during --slow-streams paced streams on /bench/slow. For each: the hottest symbols by
self time and by inclusive time, and the split by library. Symbols are demangled with `swift demangle`.
Needs `perf` (Debian linux-perf). valgrind --tool=callgrind is not offered: Debian 12's valgrind 3.19
crashes (internal SIGSEGV) while loading the gateway, even with --tool=none.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tool", choices=["perf"])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--sseload", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--slow-streams", type=int, default=500, help="perf: concurrent slow streams (one event every 50 ms)")
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
        gateway = rig.pids["gateway"]
        bench.run_wrk(rig, "gateway", args.connections, 2)  # warm-up
        slow = f"[mock chunks={int(args.seconds * 20)} interval_ms=50] Say hello."
        for name, load in (("json", lambda: bench.run_wrk(rig, "gateway", args.connections, args.seconds)),
                           ("sse", lambda: bench.run_sseload(rig, "gateway", "sse", "Say hello.", args.connections, "loop", args.seconds)),
                           ("slow", lambda: bench.run_sseload(rig, "gateway", "slow", slow, args.slow_streams, "once", 0,
                                                              ramp_ms=1000, interval_ms=50, timeout=args.seconds + 30))):
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
        return 0
    finally:
        rig.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
