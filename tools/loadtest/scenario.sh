# Sourced by run.sh and cluster.sh: the users and the load every scenario gets, so that the
# all-in-one and the cluster are measured the same way.
THREADS=${LOAD_THREADS:-2}
# 12 s a run: `make load` runs wrk 11 times (6 scenarios, 5 of them on the reference as well) and
# stays under 5 minutes with the seeding.
DURATION=${LOAD_DURATION:-12s}
VIDEOS=${LOAD_VIDEOS:-10000}
USERS=50

# The load's users act far faster than people do (each likes or unlikes every few milliseconds,
# 50 of them sign up from one address), so the throttles that would stop them are widened. They
# still run, and cost what they cost, on every request: DOUYIN_RATE_LIMIT_ENABLED=false would
# switch them off instead.
LIMITS=(
  DOUYIN_RATE_LIMIT_REGISTER_BURST=1000
  DOUYIN_RATE_LIMIT_LIKE_EVENTS=1000000 DOUYIN_RATE_LIMIT_LIKE_BURST=1000000
  DOUYIN_RATE_LIMIT_COMMENT_BURST=1000
)

# scenario NAME URL [wrk args...] prints wrk's summary of 50 connections on URL, and leaves its
# figures in RPS (requests/s), P99 (ms) and FAILED (non-2xx answers, socket errors and answers the
# Lua script counted as failed).
scenario() {
  echo
  echo "== $1"
  echo "   wrk -t$THREADS -c50 -d$DURATION --latency ${*:3} '$2'"
  local out
  out=$(wrk -t"$THREADS" -c50 -d"$DURATION" --latency "${@:3}" "$2")
  grep -E "Latency  |^ +(50|90|99)% |Requests/sec|Non-2xx|Socket errors|Failed answers" <<<"$out"
  RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  P99=$(awk '$1 == "99%" { v = $2; f = 1
    if (v ~ /us$/) f = 0.001; else if (v ~ /ms$/) f = 1; else if (v ~ /m$/) f = 60000; else if (v ~ /s$/) f = 1000
    sub(/[a-z]+$/, "", v); printf "%.1f", v * f }' <<<"$out")
  FAILED=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { for (i = 4; i <= NF; i += 2) n += $i }
    /^Failed answers:/ { n += $3 } END { print n + 0 }' <<<"$out")
}

# The reference (issue 15): for each read scenario the same wrk load, right after the system's,
# against tools/loadtest/reference, which answers with the system's own answers, captured once
# before the measurements and JSON-encoded anew on every request. Only one of the two is under
# load at a time. ROWS collects the table print_table prints.
REF_ADDR=${LOAD_REF_ADDR:-127.0.0.1:18889}
ROWS=()

# start_reference SYSTEM_ADDR CAPTURE_FILE BIN builds the reference to BIN, captures the answers
# to the request URIs in CAPTURE_FILE from the system and serves them on REF_ADDR (REF_PID).
start_reference() {
  (cd tools && go build -o "$3" ./loadtest/reference)
  "$3" -system "$1" -capture "$2" -addr "$REF_ADDR" &
  REF_PID=$!
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://$REF_ADDR/" && return
    kill -0 $REF_PID 2>/dev/null || { echo "the reference failed"; exit 1; }
    sleep 0.1
  done
  echo "the reference did not start"; exit 1
}

# compare NAME GOAL PATH [wrk args...] measures PATH on the system (ADDR), then on the
# reference, and adds the row: the system's figures, the reference's, and GOAL, the least ratio
# of the two that issue 15 asks for ("" for none).
compare() {
  local name=$1 goal=$2 path=$3
  shift 3
  scenario "$name" "http://$ADDR$path" "$@"
  local rps=$RPS p99=$P99 failed=$FAILED
  scenario "$name: reference" "http://$REF_ADDR$path" "$@"
  ROWS+=("$name|$rps|$p99|$failed|$RPS|$P99|$FAILED|$goal")
}

# absolute NAME MIN_RPS MAX_P99 CHECK PATH [wrk args...] measures PATH on the system and adds the
# row of a scenario with absolute goals (no reference: it writes). CHECK ("" for none) is a
# command run after the load, checking what it wrote; its failure counts as a failed answer.
absolute() {
  local name=$1 min=$2 max=$3 check=$4 path=$5
  shift 5
  scenario "$name" "http://$ADDR$path" "$@"
  local failed=$FAILED
  if [ -n "$check" ] && ! $check; then failed=$((failed + 1)); fi
  ROWS+=("$name|$RPS|$P99|$failed|||||$min|$max")
}

# print_table TITLE prints ROWS.
print_table() {
  echo
  echo "== $1 (wrk -t$THREADS -c50 -d$DURATION each, one after the other)"
  printf '%s\n' "${ROWS[@]}" | awk -F'|' '
    function fails(n) { return n > 0 ? sprintf(" (%d failed)", n) : "" }
    BEGIN {
      printf "%-16s %17s %9s %17s %9s %7s  %-24s %s\n", "scenario", "system req/s", "p99 ms", "reference req/s", "p99 ms", "ratio", "goal", "holds"
    }
    $9 != "" {
      ok = $2 >= $9 && $3 <= $10 && $4 == 0
      printf "%-16s %17s %9s %17s %9s %7s  %-24s %s\n", $1, $2 fails($4), $3, "-", "-", "-", sprintf(">= %d/s, p99 <= %d ms", $9, $10), ok ? "yes" : "NO"
      next
    }
    {
      ratio = $5 > 0 ? $2 / $5 : 0
      ok = ratio >= $8 && $4 == 0 && $7 == 0
      printf "%-16s %17s %9s %17s %9s %7.2f  %-24s %s\n", $1, $2 fails($4), $3, $5 fails($7), $6, ratio,
        $8 == "" ? "-" : ">= " $8, $8 == "" ? "-" : ok ? "yes" : "NO"
    }'
}

# register_users ADDR USERS_FILE TOKENS_FILE registers $USERS users and writes "id token" lines
# to USERS_FILE and the tokens alone to TOKENS_FILE.
register_users() {
  for i in $(seq 1 $USERS); do
    curl -fs -X POST "http://$1/douyin/user/register/?username=load$i&password=load-password" |
      sed -E 's/.*"user_id":([0-9]+),"token":"([^"]+)".*/\1 \2/' >>"$2"
    echo >>"$2"
  done
  cut -d' ' -f2 "$2" >"$3"
}

# The all-in-one of `make load`, shared with `make load-cluster`, which measures it next to the
# cluster. start_allinone BIN DATA_DIR ADDR runs it (AIO_PID) with LIMITS and waits until it
# answers; stop_allinone ends it.
start_allinone() {
  env "${LIMITS[@]}" DOUYIN_DATA_DIR="$2" DOUYIN_HTTP_ADDR="$3" DOUYIN_ADMIN_ADDR=127.0.0.1:0 "$1" >>"$2/allinone.log" 2>&1 &
  AIO_PID=$! AIO_LOG=$2/allinone.log
  for _ in $(seq 1 100); do curl -fs "http://$3/douyin/feed/" >/dev/null && return; sleep 0.1; done
  echo "the all-in-one did not start:"; tail -20 "$AIO_LOG"; exit 1
}
stop_allinone() {
  kill -TERM $AIO_PID 2>/dev/null || { echo "the all-in-one had exited:"; tail -20 "$AIO_LOG"; exit 1; }
  wait $AIO_PID || true
}

# prepare_allinone BIN DATA_DIR ADDR [seed args...] builds the all-in-one to BIN, starts it on a
# fresh DATA_DIR, registers the load's users (DATA_DIR/users, LOAD_TOKENS), adds $VIDEOS
# fixture videos by them (and whatever the seed args ask for) while it is stopped, and starts it
# again, leaving the first user's token in TOKEN.
prepare_allinone() {
  local bin=$1 data=$2 addr=$3
  shift 3
  go build -o "$bin" ./app/allinone/cmd/allinone
  start_allinone "$bin" "$data" "$addr"
  # The demo clips are the objects the fixture rows point at.
  for _ in $(seq 1 100); do
    [ "$(curl -fs "http://$addr/douyin/feed/" | grep -o '"id":' | wc -l)" -gt 0 ] && break; sleep 0.1
  done
  register_users "$addr" "$data/users" "$LOAD_TOKENS"
  TOKEN=$(head -1 "$LOAD_TOKENS")
  stop_allinone
  (cd tools && go run ./loadtest/seed -data "$data" -videos "$VIDEOS" -authors $USERS "$@")
  start_allinone "$bin" "$data" "$addr"
}
