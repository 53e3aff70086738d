-- wrk script: the poll every open chat screen makes every few seconds, which almost always finds
-- nothing new: a random one of the seeded conversations, asking for messages after now.
package.path = "tools/loadtest/?.lua;" .. package.path
local common = require("common")
local pairs = {}
for _, line in ipairs(common.lines("LOAD_PAIRS")) do
  local token, peer = line:match("(%S+) (%d+)")
  pairs[#pairs + 1] = { token = token, peer = peer }
end
common.install('"status_code":0,"status_msg":"","message_list":[]')

function request()
  local p = pairs[math.random(#pairs)]
  return wrk.format("GET", string.format("/douyin/message/chat/?token=%s&to_user_id=%s&pre_msg_time=%d",
    p.token, p.peer, os.time() * 1000))
end
