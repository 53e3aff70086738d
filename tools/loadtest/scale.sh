#!/usr/bin/env bash
# Scale checks (issue 15 point 2, "cost flat in the data"): `make load-scale` runs them on the
# all-in-one (SQLite), `make load-scale-cluster` (`scale.sh cluster`) on deploy/localcluster's
# processes (MariaDB, Redis). Each case is measured twice under the same wrk load, on ordinary
# data and on huge data, in alternating rounds (the machine is shared: load from elsewhere then
# falls on both sides alike), and a table ends the run with the medians of p99, req/s and the
# server's CPU time per request (which the machine's other work moves least), the ratios and
# issue 15's goal for p99:
#   feed (anonymous, and logged in as an ordinary user) over 10,000 videos, then over 1,000,000
#     (goal: p99 within 1.2x);
#   on the 1,000,000 videos, within 1.5x of the ordinary case:
#     the comment list of a video with 100,000 comments against one with 30,
#     the follower list of a user with 100,000 followers against one with 30,
#     the feed of a viewer who liked 100,000 videos and follows 10,000 users against the feed of
#     one who did neither;
#   and, beside the lists, a list of 1,000 rows (lists.max_items, the most any list answers), so
#   the table tells the cost of the answer's size from the cost of the data behind it.
# Every request asks for gzip, as the app's HTTP client does.
# Rows are seeded with tools/loadtest/seed, not through the API (a million publishes, 100,000
# sign-ups...): the all-in-one is stopped for it, the cluster keeps running and its Redis keys are
# dropped after. The all-in-one runs twice side by side, on 10,000 and on 1,000,000 videos, so
# its feeds alternate too; the cluster's fixed ports allow one, so its feed over 10,000 videos is
# measured before the seeding of the rest, and that one ratio is exposed to whatever else the
# machine did meanwhile. Run time: about 7 minutes on the all-in-one, 5 on the cluster (2 cores).
# Needs wrk; the cluster also ffmpeg, MariaDB (root, no password) and Redis on localhost.
# LOAD_DURATION (5s) is each wrk run's length, SCALE_ROUNDS (3) the rounds of each comparison,
# SCALE_VIDEOS (1000000) the large feed's size.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadtest/scenario.sh
DURATION=${LOAD_DURATION:-5s}
ROUNDS=${SCALE_ROUNDS:-3}
LARGE=${SCALE_VIDEOS:-1000000}
SMALL=10000
MODE=${1:-allinone}
DATA=$(mktemp -d)
SECONDS=0

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk"; exit 1; }

# Both deployments define: start NAME (start an instance; ADDR[NAME] is its API), seed NAME
# ARGS... (add rows with tools/loadtest/seed) and first_video NAME (make sure it has a video
# whose objects the fixture rows can point at).
declare -A ADDR PID
if [ "$MODE" = cluster ]; then
  for tool in ffmpeg redis-cli; do
    command -v $tool >/dev/null || { echo "$tool is not installed"; exit 1; }
  done
  MYSQL=${LOAD_MYSQL:-root:@tcp(127.0.0.1:3306)/}
  REDIS=${LOAD_REDIS:-127.0.0.1:6379}
  # Apart from make load-cluster's databases and keys.
  DB_PREFIX=douyin_scale_
  REDIS_PREFIX=douyin_scale:
  make -s cluster-build
  start() {
    ADDR[$1]=${LOAD_ADDR:-127.0.0.1:18894}
    ./bin/localcluster -bin ./bin -http "${ADDR[$1]}" -work "$DATA/cluster" -mysql "$MYSQL" -db-prefix $DB_PREFIX \
      -redis "$REDIS" -redis-prefix $REDIS_PREFIX -kafka-port 0 -s3-port 0 \
      $(printf -- '-env %s ' "${LIMITS[@]}") >"$DATA/cluster.out" 2>&1 &
    PID[$1]=$!
    # The feed answers before the user app does: wait for a login to be refused for its
    # credentials rather than for want of the user app.
    local out
    for _ in $(seq 1 600); do
      out=$(curl -s -X POST "http://${ADDR[$1]}/douyin/user/login/?username=nobody&password=nobody" || true)
      [[ $out == *'"status_code":'[1-9]* && $out != *'"status_code":503'* ]] && return
      sleep 0.1
    done
    echo "the cluster did not start:"; tail -30 "$DATA/cluster.out"; exit 1
  }
  # The rows go in behind the running apps' backs; then their cached feed head, profiles and
  # lists are dropped, and what a process holds in memory (the read cache's 10 s) runs out.
  seed() {
    shift
    (cd tools && go run ./loadtest/seed -mysql "${MYSQL%/}/${DB_PREFIX}{app}?parseTime=true" -authors $USERS "$@")
    redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" --scan --pattern "${REDIS_PREFIX}*" |
      xargs -r redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" del >/dev/null
    sleep 11
  }
  # One real clip for the fixture rows to point at.
  first_video() {
    ffmpeg -loglevel error -f lavfi -i testsrc=duration=2:size=320x240:rate=15 -pix_fmt yuv420p "$DATA/clip.mp4"
    local out
    out=$(curl -sS -F "token=$(token "$1" 1)" -F "title=load clip" -F "data=@$DATA/clip.mp4" "http://${ADDR[$1]}/douyin/publish/action/")
    grep -q '"status_code":0' <<<"$out" || { echo "publish failed: $out"; exit 1; }
  }
  DEPLOYMENT="the cluster (MariaDB, Redis)"
else
  BIN=$DATA/allinone
  go build -o "$BIN" ./app/allinone/cmd/allinone
  declare -A PORT=([small]=18892 [large]=18893)
  start() {
    ADDR[$1]=127.0.0.1:${PORT[$1]}
    mkdir -p "$DATA/$1"
    env "${LIMITS[@]}" DOUYIN_DATA_DIR="$DATA/$1" DOUYIN_HTTP_ADDR="${ADDR[$1]}" DOUYIN_ADMIN_ADDR=127.0.0.1:0 "$BIN" >>"$DATA/$1.log" 2>&1 &
    PID[$1]=$!
    for _ in $(seq 1 300); do curl -fs "http://${ADDR[$1]}/douyin/feed/" >/dev/null && return; sleep 0.1; done
    echo "the all-in-one did not start"; tail -30 "$DATA/$1.log"; exit 1
  }
  # SQLite has one writer: the instance stops for the seeding.
  seed() {
    local name=$1
    shift
    kill -TERM "${PID[$name]}"; wait "${PID[$name]}" || true
    (cd tools && go run ./loadtest/seed -data "$DATA/$name" -authors $USERS "$@")
    start "$name"
  }
  # The demo clips are the objects the fixture rows point at.
  first_video() {
    for _ in $(seq 1 100); do
      [ "$(curl -fs "http://${ADDR[$1]}/douyin/feed/" | grep -o '"id":' | wc -l)" -gt 0 ] && return; sleep 0.1
    done
    echo "no demo video"; exit 1
  }
  DEPLOYMENT="the all-in-one (SQLite)"
fi
trap 'kill ${PID[@]} 2>/dev/null || true; wait ${PID[@]} 2>/dev/null || true; rm -rf "$DATA"' EXIT

# The N-th user an instance registered: its id, its token.
user_id() { grep -v '^$' "$DATA/$1.users" | sed -n "${2}p" | cut -d' ' -f1; }
token() { grep -v '^$' "$DATA/$1.users" | sed -n "${2}p" | cut -d' ' -f2; }
# prepare NAME starts an instance, registers the load's users and gives it a first video.
prepare() {
  start "$1"
  register_users "${ADDR[$1]}" "$DATA/$1.users" "$DATA/$1.tokens"
  first_video "$1"
}

# cpu_ticks PID prints the CPU time (user and system, in clock ticks) the process and its
# descendants (the cluster's programs) have used so far.
cpu_ticks() {
  local pids=($1) next
  for ((i = 0; i < ${#pids[@]}; i++)); do
    next=$(cat /proc/"${pids[$i]}"/task/*/children 2>/dev/null || true)
    pids+=($next)
  done
  for pid in "${pids[@]}"; do cat /proc/"$pid"/stat 2>/dev/null || true; done |
    awk '{ sub(/^.*\) /, ""); n += $12 + $13 } END { print n + 0 }'
}

# measure KEY URL runs wrk once on URL and adds its figures to KEY's: requests/s, p99 and the
# server's CPU time per request, which other work on the machine moves far less than the first
# two.
declare -A P99S RPSS FAILS CPUS
measure() {
  while [ -e /tmp/quiet ]; do sleep 20; done # someone else is measuring
  # A few requests first: the first after a start or a seed fill the caches.
  for _ in 1 2 3; do curl -fs -o /dev/null "$2"; done
  local pid=${PID[large]} before
  [[ $2 == "http://${ADDR[small]:-none}/"* ]] && pid=${PID[small]}
  before=$(cpu_ticks "$pid")
  # As the Android app asks for every answer (OkHttp adds the header): a list of 1,000 entries
  # then travels compressed, a fraction of its bytes (README, Status).
  scenario "$1" "$2" -H "Accept-Encoding: gzip"
  local us=$(( ($(cpu_ticks "$pid") - before) * 1000000 / $(getconf CLK_TCK) / (RPS * ${DURATION%s} + 1) ))
  echo "   server CPU per request: $us us"
  P99S[$1]+="$P99 " RPSS[$1]+="$RPS " CPUS[$1]+="$us " FAILS[$1]=$((${FAILS[$1]:-0} + FAILED))
}
# alternate KEY URL KEY URL measures the two in turn, ROUNDS times.
alternate() {
  for _ in $(seq 1 "$ROUNDS"); do measure "$1" "$2"; measure "$3" "$4"; done
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The large instance (the only one on the cluster) holds the huge cases beside ordinary ones.
if [ "$MODE" = cluster ]; then SMALL_SIDE=large; else SMALL_SIDE=small; prepare small; fi
prepare large
[ "$MODE" = cluster ] || seed small -videos $SMALL -conversations 0
seed large -videos $SMALL -conversations 0
S=http://${ADDR[$SMALL_SIDE]} L=http://${ADDR[large]}
FEED_ANON="/douyin/feed/" FEED_VIEWER="/douyin/feed/?token=$(token large 2)"
if [ "$MODE" = cluster ]; then
  # One instance: its feed over 10,000 videos now, before the rest of the million.
  for _ in $(seq 1 "$ROUNDS"); do
    measure "feed, anonymous, $SMALL videos" "$S$FEED_ANON"
    measure "feed, ordinary viewer, $SMALL videos" "$S$FEED_VIEWER"
  done
fi

# The newest videos stay the newest: the seed adds older ones.
mapfile -t NEWEST < <(curl -fs "$L/douyin/feed/" | grep -oE '"id":[0-9]+,"author"' | grep -oE '[0-9]+')
HUGE_VIDEO=${NEWEST[1]} SMALL_VIDEO=${NEWEST[2]} BOUND_VIDEO=${NEWEST[3]}
# The first user likes the 100,000 newest videos (the whole feed head) and follows the other load
# users (the feed's authors) and then accounts, 10,000 in all; the third, fourth and fifth have
# 100,000, 30 and 1,000 followers. The second is the ordinary viewer.
seed large -videos $((LARGE - SMALL)) -accounts 100000 -conversations 0 \
  -comments "$HUGE_VIDEO=100000" -comments "$SMALL_VIDEO=30" -comments "$BOUND_VIDEO=1000" \
  -followers "$(user_id large 3)=100000" -followers "$(user_id large 4)=30" -followers "$(user_id large 5)=1000" \
  -follows "$(user_id large 1)=10000" -likes "$(user_id large 1)=100000"

VIEWER=$(token large 2)
if [ "$MODE" = cluster ]; then
  for _ in $(seq 1 "$ROUNDS"); do
    measure "feed, anonymous, $LARGE videos" "$L$FEED_ANON"
    measure "feed, ordinary viewer, $LARGE videos" "$L$FEED_VIEWER"
  done
else
  alternate "feed, anonymous, $SMALL videos" "$S$FEED_ANON" "feed, anonymous, $LARGE videos" "$L$FEED_ANON"
  # The same user (id and token) on both instances: they registered the same users in the same order.
  alternate "feed, ordinary viewer, $SMALL videos" "$S/douyin/feed/?token=$(token small 2)" \
    "feed, ordinary viewer, $LARGE videos" "$L$FEED_VIEWER"
fi
alternate "feed, ordinary viewer" "$L$FEED_VIEWER" "feed, heavy viewer" "$L/douyin/feed/?token=$(token large 1)"
COMMENTS="$L/douyin/comment/list/?token=$VIEWER&video_id"
alternate "comment list, 30 comments" "$COMMENTS=$SMALL_VIDEO" "comment list, 100,000 comments" "$COMMENTS=$HUGE_VIDEO"
alternate "comment list, 1,000 comments" "$COMMENTS=$BOUND_VIDEO" "comment list, 100,000 comments, 2" "$COMMENTS=$HUGE_VIDEO"
FOLLOWERS="$L/douyin/relation/follower/list/?token=$VIEWER&user_id"
alternate "follower list, 30 followers" "$FOLLOWERS=$(user_id large 4)" "follower list, 100,000 followers" "$FOLLOWERS=$(user_id large 3)"
alternate "follower list, 1,000 followers" "$FOLLOWERS=$(user_id large 5)" "follower list, 100,000 followers, 2" "$FOLLOWERS=$(user_id large 3)"

# row CASE ORDINARY LARGE GOAL adds the comparison of two measurements to the table.
ROWS=()
row() {
  ROWS+=("$1|$(median "${RPSS[$2]}")|$(median "${P99S[$2]}")|$((${FAILS[$2]} + ${FAILS[$3]}))|$(median "${RPSS[$3]}")|$(median "${P99S[$3]}")|$4|$(median "${CPUS[$2]}")|$(median "${CPUS[$3]}")")
}
row "feed, anonymous" "feed, anonymous, $SMALL videos" "feed, anonymous, $LARGE videos" 1.2
row "feed, viewer" "feed, ordinary viewer, $SMALL videos" "feed, ordinary viewer, $LARGE videos" 1.2
row "feed, heavy viewer" "feed, ordinary viewer" "feed, heavy viewer" 1.5
row "comments 100k/30" "comment list, 30 comments" "comment list, 100,000 comments" 1.5
row "comments 100k/1k" "comment list, 1,000 comments" "comment list, 100,000 comments, 2" 1.5
row "followers 100k/30" "follower list, 30 followers" "follower list, 100,000 followers" 1.5
row "followers 100k/1k" "follower list, 1,000 followers" "follower list, 100,000 followers, 2" 1.5

echo
echo "== $DEPLOYMENT: ordinary against large data, medians of $ROUNDS alternating rounds of wrk -t$THREADS -c50 -d$DURATION; run took ${SECONDS}s"
echo "   feed: $SMALL against $LARGE videos; heavy viewer: 100,000 likes and 10,000 follows against none, on $LARGE videos;"
echo "   lists: 100,000 rows against 30 and against 1,000 (lists.max_items: every list answers at most 1,000)"
printf '%s\n' "${ROWS[@]}" | awk -F'|' '
  BEGIN {
    printf "%-18s %14s %7s %7s %12s %7s %7s %9s %9s  %-8s %s\n", "case", "ordinary req/s", "p99 ms", "CPU us",
      "large req/s", "p99 ms", "CPU us", "p99 ratio", "CPU ratio", "goal", "holds"
  }
  {
    ratio = $3 > 0 ? $6 / $3 : 0
    ok = ratio <= $7 && $4 == 0
    printf "%-18s %14s %7s %7s %12s %7s %7s %9.2f %9.2f  %-8s %s%s\n", $1, $2, $3, $8, $5, $6, $9, ratio,
      ($8 > 0 ? $9 / $8 : 0), "<= " $7 "x", (ok ? "yes" : "NO"), ($4 > 0 ? sprintf(" (%d failed)", $4) : "")
  }'
