# Sourced by run.sh and cluster.sh: the load every scenario gets, so that the all-in-one and the
# cluster are measured with the same command.
THREADS=${LOAD_THREADS:-2}
DURATION=${LOAD_DURATION:-15s}
VIDEOS=${LOAD_VIDEOS:-10000}
USERS=50

# scenario NAME URL [wrk args...] prints wrk's summary of 50 connections on URL.
scenario() {
  echo
  echo "== $1"
  echo "   wrk -t$THREADS -c50 -d$DURATION --latency ${*:3} '$2'"
  wrk -t"$THREADS" -c50 -d"$DURATION" --latency "${@:3}" "$2" |
    grep -E "Latency  |50%|90%|99%|Requests/sec|Non-2xx|Socket errors|Failed answers"
}
