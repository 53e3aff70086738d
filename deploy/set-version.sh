#!/usr/bin/env bash
# Sets the image tag of every app in deploy/k8s/base/kustomization.yaml (the images: list, the
# one place the deployed version is written) to $1:
#
#   bash deploy/set-version.sh v1.2.0     # or: make deploy-version VERSION=v1.2.0
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." # the repository root
version=${1:-}
file=deploy/k8s/base/kustomization.yaml
# What Docker accepts as a tag.
if ! [[ $version =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || [ "$version" = latest ]; then
	echo "set-version: '$version' is not a usable image tag (want e.g. v1.2.0, not latest)" >&2
	exit 2
fi
n=$(grep -cE '^    newTag: ' "$file" || true)
[ "$n" -gt 0 ] || { echo "set-version: no '    newTag:' lines in $file" >&2; exit 1; }
sed -i -E "s/^(    newTag: ).*/\1$version/" "$file"
echo "set-version: $n images in $file now tagged $version"
