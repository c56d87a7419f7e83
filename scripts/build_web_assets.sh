#!/usr/bin/env bash
# Build the web cockpit's front-end assets: install the npm packages pinned in package-lock.json and copy the files
# the pages load into src/opentrade/web/static/vendor/ (git-ignored; served locally, never from a CDN).
# Needs Node.js ≥ 18 and npm; run from anywhere: bash scripts/build_web_assets.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
npm ci --no-audit --no-fund
vendor="src/opentrade/web/static/vendor"
rm -rf "$vendor"
mkdir -p "$vendor"
cp node_modules/echarts/dist/echarts.min.js "$vendor/"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/"
cp node_modules/topojson-client/dist/topojson-client.min.js "$vendor/"
cp node_modules/world-atlas/countries-110m.json "$vendor/"
for pkg in echarts htmx.org topojson-client world-atlas; do
  cp "node_modules/$pkg/LICENSE" "$vendor/LICENSE.$pkg" 2>/dev/null || cp "node_modules/$pkg/LICENSE.md" "$vendor/LICENSE.$pkg" 2>/dev/null || true
done
node -e 'const l=require("./package-lock.json").packages;const o={};for(const[k,v]of Object.entries(l)){if(k.startsWith("node_modules/"))o[k.slice(13)]=v.version}require("fs").writeFileSync(process.argv[1],JSON.stringify(o,null,2)+"\n")' "$vendor/versions.json"
echo "web assets in $vendor:"
ls -l "$vendor"
