#!/usr/bin/env bash
# Offline validation of the deployment files (no Docker engine or cluster needed):
#
#   bash deploy/check.sh
#
# 1. docker-compose accepts deploy/docker-compose.yml (Debian: apt-get install docker-compose).
# 2. kubectl kustomize renders deploy/k8s/base and every deploy/k8s/overlays/*.
# 3. Every app (app/<name>/cmd/<name>/main.go, except allinone) is a compose service built with
#    APP=<name> and a Deployment running douyin/<name> in every rendering, and nothing else is.
# 4. Every DOUYIN_* name used in the compose file and the Kubernetes renderings is a field of
#    api/conf/v1/conf.proto. pkg/config only warns about unknown DOUYIN_* variables, in the log
#    at start, so a typo would otherwise go unnoticed until someone reads it.
# 5. deploy/k8scheck (a Go module of its own, built here) validates every rendering: each object
#    decoded strictly into its API type (k8s.io/api; the ServiceMonitor with the Prometheus
#    Operator's types), and the cross-references and rules listed at the top of its main.go
#    (HPA and PDB per Deployment, no replicas, version tags, NetworkPolicy ports, ...).
#
# Prints every failure and exits non-zero if there was any.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2 # the repository root

COMPOSE_FILE=deploy/docker-compose.yml
PROTO=api/conf/v1/conf.proto
K8S_DIRS=(deploy/k8s/base)
for d in deploy/k8s/overlays/*/; do
	[ -f "$d/kustomization.yaml" ] && K8S_DIRS+=("${d%/}")
done

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
ok() { echo "ok:   $*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in docker-compose kubectl awk go; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (docker-compose: apt-get install docker-compose)"
done
[ "$failures" -eq 0 ] || exit 1

# ---- 1. compose -------------------------------------------------------------------------------
if docker-compose -f "$COMPOSE_FILE" config -q 2>"$tmp/compose.err"; then
	ok "docker-compose -f $COMPOSE_FILE config -q"
	docker-compose -f "$COMPOSE_FILE" config >"$tmp/compose.yaml" 2>/dev/null
else
	fail "docker-compose -f $COMPOSE_FILE config -q:"
	sed 's/^/      /' "$tmp/compose.err" >&2
	: >"$tmp/compose.yaml" # empty: the checks below skip what they cannot see
fi

# ---- 2. kustomize -----------------------------------------------------------------------------
for dir in "${K8S_DIRS[@]}"; do
	out="$tmp/k8s-$(basename "$dir").yaml"
	if kubectl kustomize "$dir" >"$out" 2>"$tmp/kustomize.err"; then
		ok "kubectl kustomize $dir"
	else
		fail "kubectl kustomize $dir:"
		sed 's/^/      /' "$tmp/kustomize.err" >&2
		: >"$out"
	fi
done

# ---- 3. every app deployed, nothing else --------------------------------------------------------
apps=()
for main in app/*/cmd/*/main.go; do
	name=$(basename "$(dirname "$main")")
	[ "$main" = "app/$name/cmd/$name/main.go" ] || continue
	[ "$name" = allinone ] && continue # the laptop mode, not part of the cluster
	apps+=("$name")
done
if [ "${#apps[@]}" -eq 0 ]; then
	fail "found no app/<name>/cmd/<name>/main.go"
fi
printf '%s\n' "${apps[@]}" | sort >"$tmp/apps"

# "service APP-arg image" for every compose service built from deploy/Dockerfile. The rendered
# config is normalised: services at 2 spaces, build args at 8.
awk '
	/^services:/ { in_services = 1; next }
	/^[^ ]/ { in_services = 0 }
	!in_services { next }
	/^  [A-Za-z0-9_.-]+:$/ { svc = substr($1, 1, length($1) - 1); app[svc] = ""; image[svc] = "" }
	/^        APP: / { app[svc] = $2 }
	/^    image: / { image[svc] = $2 }
	END { for (s in app) if (app[s] != "") print s, app[s], image[s] }
' "$tmp/compose.yaml" | sort >"$tmp/compose-apps"

for name in "${apps[@]}"; do
	[ -s "$tmp/compose.yaml" ] || break # not rendered: already reported
	line=$(awk -v n="$name" '$1 == n' "$tmp/compose-apps")
	if [ -z "$line" ]; then
		fail "compose: no service '$name' built with --build-arg APP=$name"
		continue
	fi
	read -r _ arg image <<<"$line"
	[ "$arg" = "$name" ] || fail "compose: service '$name' builds APP=$arg"
	case "$image" in
	douyin/"$name" | douyin/"$name":*) ;;
	*) fail "compose: service '$name' is tagged '$image', want douyin/${name}[:tag]" ;;
	esac
done
while read -r svc _; do
	grep -qx "$svc" "$tmp/apps" || fail "compose: service '$svc' builds an app that is not in app/*/cmd"
done <"$tmp/compose-apps"
[ "$failures" -eq 0 ] && [ -s "$tmp/compose.yaml" ] && ok "compose builds exactly the apps: ${apps[*]}"

for dir in "${K8S_DIRS[@]}"; do
	out="$tmp/k8s-$(basename "$dir").yaml"
	[ -s "$out" ] || continue # not rendered: already reported
	# "name image" per Deployment container; kustomize sorts keys, so metadata precedes spec.
	awk '
		/^---/ { kind = ""; top = ""; name = ""; next }
		/^[A-Za-z]/ { top = $1 }
		/^kind: / { kind = $2 }
		top == "metadata:" && /^  name: / { name = $2 }
		kind == "Deployment" && /^ *(- )?image: / { print name, $NF }
	' "$out" | sort >"$tmp/deployments"
	before=$failures
	for name in "${apps[@]}"; do
		image=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/deployments")
		if [ -z "$image" ]; then
			fail "$dir: no Deployment '$name'"
			continue
		fi
		# Overlays may rename the repository (registry.example.com/douyin/user); the last path
		# element must stay the app.
		repo=${image%:*}
		[ "${repo##*/}" = "$name" ] || fail "$dir: Deployment '$name' runs '$image'"
	done
	while read -r dep _; do
		grep -qx "$dep" "$tmp/apps" || fail "$dir: Deployment '$dep' is not an app in app/*/cmd"
	done <"$tmp/deployments"
	[ "$failures" -eq "$before" ] && ok "$dir deploys exactly the apps"
done

# ---- 4. DOUYIN_* names exist in conf.proto ---------------------------------------------------------
# Flatten the proto the way pkg/config does: DOUYIN_ + field path in capitals joined by "_",
# descending into message fields (google.protobuf.Duration is a value).
awk '
	function walk(msg, prefix, depth,    n, i, parts) {
		if (depth > 10) { print "recursive message " msg > "/dev/stderr"; exit 2 }
		n = split(fields[msg], parts, " ")
		for (i = 1; i < n; i += 2) {
			if (parts[i] in defined) walk(parts[i], prefix toupper(parts[i + 1]) "_", depth + 1)
			else print prefix toupper(parts[i + 1])
		}
	}
	{ sub(/\/\/.*/, "") }
	depth == 0 && /^[ \t]*message[ \t]+[A-Za-z0-9_]+[ \t]*\{/ {
		msg = $2; sub(/\{.*/, "", msg); defined[msg] = 1; depth = 1; next
	}
	depth >= 1 && /^[ \t]*(message|enum)[ \t]/ {
		print "conf.proto: nested " $1 " in " msg " is not supported by deploy/check.sh" > "/dev/stderr"; exit 2
	}
	depth >= 1 && /\{/ { depth++ }     # oneof: its fields belong to the message
	depth >= 1 && /\}/ { depth--; next }
	depth >= 1 && /=[ \t]*[0-9]+/ {
		line = $0; sub(/^[ \t]*(optional|repeated)[ \t]+/, "", line)
		split(line, w, /[ \t]+/)
		if (w[1] == "") { w[1] = w[2]; w[2] = w[3] }
		fields[msg] = fields[msg] " " w[1] " " w[2]
	}
	END { if (!("Bootstrap" in defined)) { print "conf.proto: no message Bootstrap" > "/dev/stderr"; exit 2 }
	      walk("Bootstrap", "DOUYIN_", 0) }
' "$PROTO" | sort -u >"$tmp/valid-names"
if [ "${PIPESTATUS[0]}" -ne 0 ] || [ ! -s "$tmp/valid-names" ]; then
	fail "could not derive the DOUYIN_* names from $PROTO"
else
	ok "$(wc -l <"$tmp/valid-names") DOUYIN_* names derived from $PROTO"
fi

names_in() { grep -ohE 'DOUYIN_[A-Z0-9_]*[A-Z0-9]' "$@" | sort -u; }
check_names() { # label file...
	local label=$1 before=$failures name
	shift
	while read -r name; do
		[ -n "$name" ] || continue
		grep -qx "$name" "$tmp/valid-names" || fail "$label: $name is not a field of $PROTO"
	done < <(names_in "$@")
	[ "$failures" -eq "$before" ] && ok "$label: every DOUYIN_* name is a config field"
}
# The file as written minus comments (the "NOT YET" block names future variables on purpose;
# interpolations like ${DOUYIN_AUTH_TOKEN_SECRET:-...} count), plus the rendered config.
sed -e 's/^[[:space:]]*#.*$//' -e 's/[[:space:]]#.*$//' "$COMPOSE_FILE" >"$tmp/compose-nocomments"
check_names "$COMPOSE_FILE" "$tmp/compose-nocomments" "$tmp/compose.yaml"
for dir in "${K8S_DIRS[@]}"; do
	[ -s "$tmp/k8s-$(basename "$dir").yaml" ] || continue
	check_names "$dir (rendered)" "$tmp/k8s-$(basename "$dir").yaml"
done

# ---- 5. schemas and references of the renderings ------------------------------------------------
# Its own module (GOWORK=off), like tools/openapi-lint: k8s.io/api stays out of the apps' go.mod.
if (cd deploy/k8scheck && GOWORK=off go build -o "$tmp/k8scheck" .) 2>"$tmp/k8scheck.err"; then
	for dir in "${K8S_DIRS[@]}"; do
		out="$tmp/k8s-$(basename "$dir").yaml"
		[ -s "$out" ] || continue # not rendered: already reported
		"$tmp/k8scheck" -label "$dir" "$out" 2>"$tmp/k8scheck.err" || {
			failures=$((failures + 1))
			cat "$tmp/k8scheck.err" >&2
		}
	done
	# The checker itself must still catch what it is there for: broken copies of the last
	# rendering (the example overlay's, with every kind) must fail, each for its reason.
	last="$tmp/k8s-$(basename "${K8S_DIRS[-1]}").yaml"
	selftest() { # what sed-expression expected-message
		sed "$2" "$last" >"$tmp/broken.yaml"
		if "$tmp/k8scheck" "$tmp/broken.yaml" >/dev/null 2>"$tmp/broken.err"; then
			fail "k8scheck accepted a manifest with $1"
		elif ! grep -qF -- "$3" "$tmp/broken.err"; then
			fail "k8scheck rejected a manifest with $1, but not with '$3':"
			sed 's/^/      /' "$tmp/broken.err" >&2
		fi
	}
	if [ -s "$last" ]; then
		before=$failures
		selftest "a misspelt field" 's/^  minReplicas:/  minReplica:/' 'unknown field "spec.minReplica"'
		selftest "a :latest image" 's|\(image: .*/user\):.*|\1:latest|' 'not "latest"'
		selftest "replicas next to an HPA" 's/^  revisionHistoryLimit:/  replicas: 2\n&/' 'sets spec.replicas'
		selftest "a misspelt ServiceMonitor field" 's/^  endpoints:/  endpoint:/' 'unknown field "spec.endpoint"'
		selftest "a loopback admin address" 's/DOUYIN_ADMIN_ADDR: .*/DOUYIN_ADMIN_ADDR: 127.0.0.1:8081/' 'is loopback'
		[ "$failures" -eq "$before" ] && ok "k8scheck rejects broken copies of ${K8S_DIRS[-1]}"
	fi
else
	fail "building deploy/k8scheck:"
	sed 's/^/      /' "$tmp/k8scheck.err" >&2
fi

echo
if [ "$failures" -ne 0 ]; then
	echo "deploy/check.sh: $failures check(s) failed" >&2
	exit 1
fi
echo "deploy/check.sh: all checks passed"
