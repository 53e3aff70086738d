-- wrk script: the poll every open chat screen makes every few seconds, which almost always finds
-- nothing new: a random one of the seeded conversations, asking for messages after now.
local pairs = {}
for line in io.lines(os.getenv("LOAD_PAIRS")) do
  local token, peer = line:match("(%S+) (%d+)")
  pairs[#pairs + 1] = { token = token, peer = peer }
end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init()
  math.randomseed(os.time() * 1000 + id)
  failures = 0
end

function request()
  local p = pairs[math.random(#pairs)]
  return wrk.format("GET", string.format("/douyin/message/chat/?token=%s&to_user_id=%s&pre_msg_time=%d",
    p.token, p.peer, os.time() * 1000))
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status_code":0,"status_msg":"","message_list":[]', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("failures") end
  io.write(string.format("Failed answers: %d\n", failed))
end
