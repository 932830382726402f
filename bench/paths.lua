-- wrk script: every request takes the next path of a file (one per line), each thread its own slice,
-- so no two requests of a run ask the same thing. The file is named by the PATHS environment variable.
-- done() prints the latency percentiles in milliseconds on one line for bench_speed.py to read.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do
    paths[#paths + 1] = line
  end
  local share = math.floor(#paths / 8)
  i = id * share
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
  io.write(string.format("BENCH p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
