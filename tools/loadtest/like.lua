-- wrk script: like or unlike (at random) one of the feed's videos as one of the load users.
-- Reads the tokens and video ids run.sh wrote, one per line. Bodies that do not report success
-- are counted and printed at the end, since the API answers HTTP 200 either way.
local tokens, videos = {}, {}
for line in io.lines(os.getenv("LOAD_TOKENS")) do tokens[#tokens + 1] = line end
for line in io.lines(os.getenv("LOAD_VIDEOS_FILE")) do videos[#videos + 1] = line end

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
  local path = string.format("/douyin/favorite/action/?token=%s&video_id=%s&action_type=%d",
    tokens[math.random(#tokens)], videos[math.random(#videos)], math.random(2))
  return wrk.format("POST", path)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status_code":0', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("failures") end
  io.write(string.format("Failed answers: %d\n", failed))
end
