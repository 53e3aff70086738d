-- wrk script: like or unlike (at random) one of the feed's videos as one of the load users.
package.path = "tools/loadtest/?.lua;" .. package.path
local common = require("common")
local tokens, videos = common.lines("LOAD_TOKENS"), common.lines("LOAD_VIDEOS_FILE")
common.install()

function request()
  local path = string.format("/douyin/favorite/action/?token=%s&video_id=%s&action_type=%d",
    tokens[math.random(#tokens)], videos[math.random(#videos)], math.random(2))
  return wrk.format("POST", path)
end
