# Sourced by run.sh and cluster.sh: the users and the load every scenario gets, so that the
# all-in-one and the cluster are measured the same way.
THREADS=${LOAD_THREADS:-2}
DURATION=${LOAD_DURATION:-15s}
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

# scenario NAME URL [wrk args...] prints wrk's summary of 50 connections on URL.
scenario() {
  echo
  echo "== $1"
  echo "   wrk -t$THREADS -c50 -d$DURATION --latency ${*:3} '$2'"
  wrk -t"$THREADS" -c50 -d"$DURATION" --latency "${@:3}" "$2" |
    grep -E "Latency  |50%|90%|99%|Requests/sec|Non-2xx|Socket errors|Failed answers"
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
