-- Shared by the wrk scripts of run.sh (wrk runs from the repository root): reading run.sh's
-- files, per-thread random seeds, and counting answers that do not report success, since the
-- API answers HTTP 200 either way.
local common = {}

-- lines returns the non-empty lines of the file an environment variable names.
function common.lines(env)
  local out = {}
  for line in io.lines(os.getenv(env)) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

-- install defines wrk's setup, init, response and done: each thread gets its own random seed,
-- and answers whose body lacks ok (default '"status_code":0') are counted and printed.
function common.install(ok)
  ok = ok or '"status_code":0'
  local threads = {}
  function setup(thread)
    thread:set("id", #threads + 1)
    threads[#threads + 1] = thread
  end
  function init()
    math.randomseed(os.time() * 1000 + id)
    failures = 0
  end
  function response(status, headers, body)
    if status ~= 200 or not string.find(body, ok, 1, true) then
      failures = failures + 1
    end
  end
  function done(summary, latency, requests)
    local failed = 0
    for _, t in ipairs(threads) do failed = failed + t:get("failures") end
    io.write(string.format("Failed answers: %d\n", failed))
  end
end

return common
