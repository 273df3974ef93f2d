#!/usr/bin/env bash
# The benchmark driver behind `make bench`: installs what the benchmark needs when it is missing,
# builds the load client, then runs bench/bench.py, and stops every process it started on exit.
#
#   bench/run.sh --bin-dir BIN_DIR [bench.py options, e.g. --dry-run, --no-litellm, --seconds 10]
#
# BIN_DIR is the release build folder (`swift build -c release --show-bin-path`) with gateway,
# mock-provider and the adapter libraries. Installs (only when missing):
#   - Debian: nginx-light (or nginx), wrk, gcc (as root, through apt-get);
#   - LiteLLM: `pip install 'litellm[proxy]'` into bench/.venv (git-ignored). When PyPI cannot provide
#     it the benchmark still runs the other columns and says why LiteLLM is missing.
# Set BENCH_SKIP_LITELLM_INSTALL=1 to never try the LiteLLM install (the dry run never tries), BENCH_VENV to
# use another virtual environment.
set -euo pipefail

cd "$(dirname "$0")/.."
bench_dir=bench
venv="${BENCH_VENV:-$bench_dir/.venv}"   # LiteLLM's virtual environment (git-ignored)

dry_run=0
for arg in "$@"; do
    case "$arg" in
        --dry-run | --no-litellm) dry_run=1 ;;
    esac
done

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# ---- Debian packages ---------------------------------------------------------------------------
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench: missing $*; install them (apt-get install $*) or run as root" >&2
        return 1
    fi
    log "apt-get install $*"
    # Another apt run (a colleague, unattended upgrades) may hold the lock: wait for it.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "$@" >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "$@" >/dev/null; }
}

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    apt_install nginx-light || apt_install nginx
fi
command -v wrk >/dev/null || apt_install wrk
command -v cc >/dev/null || apt_install gcc libc6-dev
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# ---- LiteLLM -----------------------------------------------------------------------------------
if [ "$dry_run" -eq 0 ] && [ "${BENCH_SKIP_LITELLM_INSTALL:-0}" != 1 ] && [ ! -x "$venv/bin/litellm" ]; then
    log "installing LiteLLM into $venv (pip install 'litellm[proxy]'; the first time takes a few minutes)"
    rm -f "$venv/litellm-unavailable"
    if ! { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } \
        || ! timeout 900 "$venv/bin/python" -m pip install -q 'litellm[proxy]' >"$venv.install.log" 2>&1; then
        reason=$(grep -E 'ERROR|error:' "$venv.install.log" 2>/dev/null | tail -1 | cut -c1-200)
        mkdir -p "$venv"
        echo "pip install 'litellm[proxy]' failed: ${reason:-see $venv.install.log}" >"$venv/litellm-unavailable"
        log "LiteLLM: not available ($(cat "$venv/litellm-unavailable")); the other columns still run"
    fi
fi

# ---- load client -------------------------------------------------------------------------------
sseload="$bench_dir/loadgen/sseload"
if [ ! -x "$sseload" ] || [ "$bench_dir/loadgen/sseload.c" -nt "$sseload" ]; then
    cc -O2 -Wall -o "$sseload" "$bench_dir/loadgen/sseload.c"
fi

# ---- run ---------------------------------------------------------------------------------------
# A thousand streams through a proxy need a few thousand descriptors; children inherit this.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

run_dir=$(mktemp -d /tmp/llm-gateway-bench.XXXXXX)
bench_pid=
cleanup() {
    # bench.py stops its children when it ends, also on SIGTERM/SIGINT; give it that chance, then stop
    # whatever is left (a bench.py that was killed or crashed) by the process groups it recorded.
    if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
        kill -TERM "$bench_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$bench_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ -s "$run_dir/pids" ]; then
        while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done <"$run_dir/pids"
        sleep 1
        while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done <"$run_dir/pids"
    fi
    [ -n "${BENCH_KEEP_RUN_DIR:-}" ] || rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# In the background and waited for, so that a signal to this script runs the trap at once (bash defers
# traps while a foreground child runs).
python3 "$bench_dir/bench.py" --run-dir "$run_dir" --nginx "$nginx_bin" --sseload "$sseload" --litellm "$venv/bin/litellm" "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
exit "$status"
