#!/usr/bin/env bash
# Load test of the all-in-one: `make load`. Builds and starts it on a fresh data dir, registers
# users, adds 10,000 fixture videos, then measures with wrk at 50 connections:
#   feed (anonymous, 30 videos a page) and user info (with a token).
# Needs wrk (apt-get install wrk). Prints wrk's summary for each scenario.
set -euo pipefail
cd "$(dirname "$0")/../.."

ADDR=${LOAD_ADDR:-127.0.0.1:18888}
DURATION=${LOAD_DURATION:-15s}
THREADS=${LOAD_THREADS:-2}
VIDEOS=${LOAD_VIDEOS:-10000}
USERS=50
DATA=$(mktemp -d)
BIN=$DATA/allinone
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk"; exit 1; }
go build -o "$BIN" ./app/allinone/cmd/allinone

start() {
  DOUYIN_DATA_DIR=$DATA DOUYIN_HTTP_ADDR=$ADDR DOUYIN_LOG_LEVEL=warn "$BIN" &
  PID=$!
  for _ in $(seq 1 100); do curl -fs "http://$ADDR/healthz" >/dev/null && return; sleep 0.1; done
  echo "the all-in-one did not start"; exit 1
}
stop() { kill -TERM $PID; wait $PID || true; }

start
# The demo clips are the objects the fixture rows point at.
for _ in $(seq 1 100); do
  [ "$(curl -fs "http://$ADDR/douyin/feed/" | grep -o '"id":' | wc -l)" -gt 0 ] && break; sleep 0.1
done
for i in $(seq 1 $USERS); do
  curl -fs -X POST "http://$ADDR/douyin/user/register/?username=load$i&password=load-password" >/dev/null
done
TOKEN=$(curl -fs -X POST "http://$ADDR/douyin/user/login/?username=load1&password=load-password" |
  sed -E 's/.*"token":"([^"]+)".*/\1/')
stop
(cd tools && go run ./loadtest/seed -data "$DATA" -videos "$VIDEOS" -authors $USERS)
start

scenario() {
  echo
  echo "== $1"
  echo "   wrk -t$THREADS -c50 -d$DURATION --latency '$2'"
  wrk -t"$THREADS" -c50 -d"$DURATION" --latency "$2" | grep -E "Latency  |50%|90%|99%|Requests/sec|Non-2xx|Socket errors"
}
curl -fs "http://$ADDR/douyin/feed/" >/dev/null # warm the caches
scenario "feed, anonymous, 30 of $VIDEOS videos" "http://$ADDR/douyin/feed/"
scenario "user info" "http://$ADDR/douyin/user/?user_id=1&token=$TOKEN"
