-- wrk script: the feed as logged-in users see it (is_favorite filled for the viewer), each
-- request as one of the load users at random.
local tokens = {}
for line in io.lines(os.getenv("LOAD_TOKENS")) do tokens[#tokens + 1] = line end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init()
  math.randomseed(os.time() * 1000 + id)
end

function request()
  return wrk.format("GET", "/douyin/feed/?token=" .. tokens[math.random(#tokens)])
end
