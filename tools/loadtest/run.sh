#!/usr/bin/env bash
# Load test of the all-in-one: `make load`. Builds and starts it on a fresh data dir, registers
# users, adds 10,000 fixture videos, then measures with wrk at 50 connections (`run.sh attacks`,
# `make load-attacks`: the anonymous feed undisturbed and then while one hostile client at a
# time attacks, at the default throttles):
#   feed (anonymous and logged in, 30 videos a page), user info, comment list (30 comments),
#   like/unlike by random users on the feed's videos, chat polls over 1,000 conversations of
#   1,000 messages,
# the counts the likes moved, checked exact once they are applied, and the delay from a like to
# the count another user sees (tools/loadtest/likes). Each read scenario is measured right
# after on the reference (tools/loadtest/reference: plain net/http encoding the system's own
# answers), and a table ends the run: both figures, their ratio and issue 15's goal for it.
# Needs wrk (apt-get install wrk). Prints wrk's summary for each scenario. LOAD_DURATION (15s)
# is each wrk run's length.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadtest/scenario.sh

ADDR=${LOAD_ADDR:-127.0.0.1:18888}
DATA=$(mktemp -d)
trap 'kill ${AIO_PID:-} ${REF_PID:-} 2>/dev/null || true; wait ${AIO_PID:-} ${REF_PID:-} 2>/dev/null || true; rm -rf "$DATA"' EXIT

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk"; exit 1; }

MODE=${1:-scenarios}
if [ "$MODE" = attacks ]; then
  # Only the sign-ups of the load's own users are let through: the attacks meet the defaults.
  LIMITS=(DOUYIN_RATE_LIMIT_REGISTER_BURST=1000)
fi

export LOAD_TOKENS=$DATA/tokens LOAD_VIDEOS_FILE=$DATA/videos LOAD_PAIRS=$DATA/pairs
prepare_allinone "$DATA/allinone" "$DATA" "$ADDR" -users "$DATA/users" -conversations 1000 -messages 1000 -pairs "$LOAD_PAIRS"

curl -fs "http://$ADDR/douyin/feed/" | grep -oE '"id":[0-9]+,"author"' | grep -oE '[0-9]+' >"$LOAD_VIDEOS_FILE"
VIDEO=$(head -1 "$LOAD_VIDEOS_FILE")
i=0
while read -r token && [ $i -lt 30 ]; do
  i=$((i + 1))
  curl -fs -X POST "http://$ADDR/douyin/comment/action/?token=$token&video_id=$VIDEO&action_type=1" \
    --data-urlencode "comment_text=comment $i of the load test" >/dev/null
done <"$LOAD_TOKENS"

if [ "$MODE" = attacks ]; then
  (cd tools && go build -o "$DATA/attack" ./loadtest/attack)
  scenario "feed, anonymous, undisturbed" "http://$ADDR/douyin/feed/"
  # attack PROCESSES ARGS... runs that many attackers while wrk measures the feed.
  attack() {
    local n=$1 attackers=()
    shift
    for _ in $(seq 1 "$n"); do
      "$DATA/attack" -addr "$ADDR" -duration "$((${DURATION%s} + 5))s" "$@" &
      attackers+=($!)
    done
    sleep 3
    scenario "feed, anonymous, while $n x attack $*" "http://$ADDR/douyin/feed/"
    wait "${attackers[@]}"
  }
  attack 1 -mode comments -conns 8 -tokens "$LOAD_TOKENS" -video "$VIDEO"
  attack 1 -mode logins -conns 8 -name load2
  attack 1 -mode slowheader -conns 5000
  # 24,000 silent connections: more than one process may hold here.
  attack 2 -mode idle -conns 12000
  grep -c "connections shed to stay under the cap" "$DATA/allinone.log" | sed 's/^/log lines summing up shed connections: /'
  ! grep -q "too many open files" "$DATA/allinone.log" || echo "the server ran out of file descriptors"
  exit 0
fi

# The reference's answers: the system's own, captured now, before any measurement.
{
  echo "/douyin/feed/"
  grep -v '^$' "$LOAD_TOKENS" | sed 's|^|/douyin/feed/?token=|'
  echo "/douyin/user/?user_id=1&token=$TOKEN"
  echo "/douyin/comment/list/?token=$TOKEN&video_id=$VIDEO"
  awk -v now="$(date +%s%3N)" 'NF == 2 { print "/douyin/message/chat/?token=" $1 "&to_user_id=" $2 "&pre_msg_time=" now }' "$LOAD_PAIRS"
} >"$DATA/capture"
start_reference "$ADDR" "$DATA/capture" "$DATA/reference"

# The anonymous feed: 30 of $VIDEOS videos. Logged in: 50 users at random. The comment list has
# 30 comments. Like/unlike: 50 users at random on the feed's 30 videos. The chat poll finds
# nothing new in one of 1,000 conversations of 1,000 messages.
compare "feed, anonymous" 0.5 "/douyin/feed/"
compare "feed, logged in" 0.4 "/douyin/feed/" -s tools/loadtest/feed.lua
compare "user info" 0.5 "/douyin/user/?user_id=1&token=$TOKEN"
compare "comment list" 0.5 "/douyin/comment/list/?token=$TOKEN&video_id=$VIDEO"
# After the likes: every count they moved, read back once their events are applied, and the
# delay from one user's like to the count another user sees in the feed.
check_likes() { (cd tools && go run ./loadtest/likes -addr "$ADDR" -users "$DATA/users" -video "$VIDEO"); }
absolute "like/unlike" 6000 25 check_likes "" -s tools/loadtest/like.lua
compare "chat poll, empty" 0.6 "" -s tools/loadtest/chat.lua

print_table "the all-in-one against the reference, issue 15's goals"
