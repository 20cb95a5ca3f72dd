-- wrk script for bench/soak: a fixed rotation of valid and invalid requests
-- (REQUESTS, a JSON-free list in the environment: one request per line as
-- "METHOD<TAB>PATH<TAB>BODY"), counting answers per status in every thread.
-- wrk does not say which request an answer belongs to, so the check is on
-- the statuses: each kind of request has one expected status, and since every
-- connection cycles through the rotation, each status's share is known.
-- Prints one line "SOAK {json}" at the end.
local specs = {}
for line in os.getenv("REQUESTS"):gmatch("[^\n]+") do
  local method, path, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  specs[#specs + 1] = {method = method, path = path, body = body}
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local requests = {}
local next_index = 1
counts = {}  -- global: done() reads every thread's table with thread:get()

function init(args)
  for i, spec in ipairs(specs) do
    local headers = {}
    if spec.body ~= "" then headers["Content-Type"] = "application/json" end
    requests[i] = wrk.format(spec.method, spec.path, headers, spec.body ~= "" and spec.body or nil)
  end
  next_index = math.random(#requests)
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, _)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts") or {}
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do parts[#parts + 1] = string.format('"%d":%d', status, n) end
  local e = summary.errors
  io.write(string.format(
    'SOAK {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
