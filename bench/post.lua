-- wrk script: POST an OpenAI chat-completions body (adapted from the starting kit in shared/bench).
--   BENCH_KEY    bearer key (default sk-bench)
--   BENCH_MODEL  model (default gpt-4o-mini)
--   STREAM=1     ask for SSE
-- At the end it prints one line `BENCH_JSON {...}` with the latency percentiles in microseconds and the
-- counts, so bench.py does not have to parse wrk's human-readable report.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "sk-bench")
local stream = os.getenv("STREAM") == "1"
wrk.body = '{"model":"' .. (os.getenv("BENCH_MODEL") or "gpt-4o-mini") .. '","messages":[{"role":"user","content":"Say hello."}]'
  .. (stream and ',"stream":true' or '') .. '}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
