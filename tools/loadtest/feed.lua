-- wrk script: the feed as logged-in users see it (is_favorite filled for the viewer), each
-- request as one of the load users at random.
package.path = "tools/loadtest/?.lua;" .. package.path
local common = require("common")
local tokens = common.lines("LOAD_TOKENS")
common.install()

function request()
  return wrk.format("GET", "/douyin/feed/?token=" .. tokens[math.random(#tokens)])
end
