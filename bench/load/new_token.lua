-- wrk script: POST /get_token with a new OpenID access token every request.
-- BODY (environment) holds the body with @TOKEN@ where the token goes; the
-- token is "t<thread>-<counter>" at a fixed width, so Content-Length stays
-- the same and wrk's header table can be built once.
local prefix, suffix = os.getenv("BODY"):match("^(.*)@TOKEN@(.*)$")
local threads, counter = 0, 0
thread_id = 0  -- global: setup() sets it in each thread's state
local headers = { ["Content-Type"] = "application/json" }
local width = #prefix + #suffix + 14

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  headers["Content-Length"] = tostring(width)
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, headers, prefix .. string.format("t%02d-%010d", thread_id, counter) .. suffix)
end

if os.getenv("WRK_REPORT") then dofile(os.getenv("WRK_REPORT")) end
