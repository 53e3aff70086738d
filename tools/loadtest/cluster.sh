#!/usr/bin/env bash
# Load test of the distributed deployment on this machine: `make load-cluster`. Starts every app
# as its own process (deploy/localcluster, against the local MariaDB and Redis), registers users,
# publishes one clip and clones it into 10,000 videos as `make load` does for the all-in-one,
# then measures the same feed scenarios with the same wrk command, so the two can be compared,
# each one also on the reference (see scenario.sh) right after, ending with a table of ratios.
# Needs wrk, ffmpeg, MariaDB (root, no password) and Redis on localhost.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadtest/scenario.sh

ADDR=${LOAD_ADDR:-127.0.0.1:18890}
MYSQL=${LOAD_MYSQL:-root:@tcp(127.0.0.1:3306)/}
REDIS=${LOAD_REDIS:-127.0.0.1:6379}
DB_PREFIX=douyin_load_
REDIS_PREFIX=douyin_load:
DATA=$(mktemp -d)
REF_ADDR=${LOAD_REF_ADDR:-127.0.0.1:18891}
trap 'kill $PID ${REF_PID:-} 2>/dev/null || true; wait $PID ${REF_PID:-} 2>/dev/null || true; rm -rf "$DATA"' EXIT

for tool in wrk ffmpeg redis-cli; do
  command -v $tool >/dev/null || { echo "$tool is not installed"; exit 1; }
done
make -s cluster-build

./bin/localcluster -bin ./bin -http "$ADDR" -work "$DATA/cluster" -mysql "$MYSQL" -db-prefix $DB_PREFIX \
  -redis "$REDIS" -redis-prefix $REDIS_PREFIX $(printf -- '-env %s ' "${LIMITS[@]}") >"$DATA/cluster.out" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -fs "http://$ADDR/douyin/feed/" | grep -q "\"status_code\":0" && break; sleep 0.1; done
curl -fs "http://$ADDR/douyin/feed/" >/dev/null || { echo "the cluster did not start:"; tail -30 "$DATA/cluster.out"; exit 1; }

export LOAD_TOKENS=$DATA/tokens
register_users "$ADDR" "$DATA/users" "$LOAD_TOKENS"
TOKEN=$(head -1 "$LOAD_TOKENS")
# One real clip for the fixture rows to point at.
ffmpeg -loglevel error -f lavfi -i testsrc=duration=2:size=320x240:rate=15 -pix_fmt yuv420p "$DATA/clip.mp4"
curl -fs -F "token=$TOKEN" -F "title=load clip" -F "data=@$DATA/clip.mp4" "http://$ADDR/douyin/publish/action/" |
  grep -q '"status_code":0' || { echo "publish failed"; exit 1; }
(cd tools && go run ./loadtest/seed -mysql "${MYSQL%/}/${DB_PREFIX}{app}?parseTime=true" -videos "$VIDEOS" -authors $USERS)
# The rows went in behind the apps' backs: drop their cached feed head and profiles.
redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" --scan --pattern "${REDIS_PREFIX}*" |
  xargs -r redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" del >/dev/null
sleep 11 # and whatever a process still holds in memory is older than the read cache's 10 s bound

# The reference's answers: the cluster's own, captured now, before any measurement.
{
  echo "/douyin/feed/"
  grep -v '^$' "$LOAD_TOKENS" | sed 's|^|/douyin/feed/?token=|'
  echo "/douyin/user/?user_id=1&token=$TOKEN"
} >"$DATA/capture"
start_reference "$ADDR" "$DATA/capture" "$DATA/reference"

# Issue 15's goals for the cluster are ratios to the all-in-one (`make load`), not to the
# reference: the table has no goal column to hold.
compare "feed, anonymous" "" "/douyin/feed/"
compare "feed, logged in" "" "/douyin/feed/" -s tools/loadtest/feed.lua
compare "user info" "" "/douyin/user/?user_id=1&token=$TOKEN"

print_table "the cluster against the reference"
