#!/usr/bin/env bash
# Refreshes the vendored API-reference renderer (swagger-ui-dist from npm) that /docs serves:
# only the two files the page loads, with the package's licence and version. `make web-vendor`
# runs it; it is the one step of the project that needs Node (npm). Usage: vendor.sh VERSION
set -euo pipefail
version=${1:?usage: vendor.sh SWAGGER_UI_VERSION}
dest="$(cd "$(dirname "$0")" && pwd)/static/vendor/swagger-ui"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar -xzf swagger-ui-dist-*.tgz)
pkg="$tmp/package"
mkdir -p "$dest"
rm -f "$dest"/*
cp "$pkg/swagger-ui-bundle.js" "$pkg/swagger-ui.css" "$pkg/LICENSE" "$dest/"
[ -f "$pkg/NOTICE" ] && cp "$pkg/NOTICE" "$dest/"
# The bundle ends with a comment naming its source map, which is not vendored: a browser's
# developer tools would ask for it and log a 404.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui-bundle.js"
sed -i '/^\/\*# sourceMappingURL=/d' "$dest/swagger-ui.css"
printf 'swagger-ui-dist %s (npm), %s\n' "$version" "$(node -p "require('$pkg/package.json').license")" >"$dest/VERSION"
echo "vendored swagger-ui-dist $version into $dest"
