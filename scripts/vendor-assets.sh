#!/usr/bin/env bash
# Refresh the vendored front-end assets in src/pabrik/web/static/vendor/ from the npm registry.
# The dashboard never loads anything from a CDN: plants are often offline.
# Usage: scripts/vendor-assets.sh [echarts-version] [htmx-version] [swagger-ui-dist-version]
set -euo pipefail

ECHARTS_VERSION="${1:-6.1.0}"
HTMX_VERSION="${2:-4.0.1}"
SWAGGER_VERSION="${3:-5.35.0}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/src/pabrik/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "npm is needed to fetch the packages" >&2; exit 1; }

cd "$work"
npm pack --silent "echarts@$ECHARTS_VERSION" "htmx.org@$HTMX_VERSION" \
  "swagger-ui-dist@$SWAGGER_VERSION" >/dev/null
mkdir echarts htmx swagger
tar -xzf "echarts-$ECHARTS_VERSION.tgz" -C echarts
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar -xzf "swagger-ui-dist-$SWAGGER_VERSION.tgz" -C swagger

rm -rf "$dest/echarts" "$dest/htmx" "$dest/swagger-ui"
mkdir -p "$dest/echarts" "$dest/htmx" "$dest/swagger-ui"
install -m 0644 echarts/package/dist/echarts.min.js "$dest/echarts/echarts.min.js"
install -m 0644 echarts/package/LICENSE "$dest/echarts/LICENSE"
install -m 0644 echarts/package/NOTICE "$dest/echarts/NOTICE"
if [ -f echarts/package/licenses/LICENSE-d3 ]; then
  install -m 0644 echarts/package/licenses/LICENSE-d3 "$dest/echarts/LICENSE-d3"
fi
install -m 0644 htmx/package/dist/htmx.min.js "$dest/htmx/htmx.min.js"
install -m 0644 htmx/package/LICENSE "$dest/htmx/LICENSE"
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE; do
  install -m 0644 "swagger/package/$f" "$dest/swagger-ui/$f"
done

cat > "$dest/README.md" <<README
# Vendored front-end assets

Served from this folder by the pabrik web app, so the dashboard works without internet.
Refresh with \`scripts/vendor-assets.sh\`; do not edit these files by hand.

| File | npm package | Version | Licence |
|------|-------------|---------|---------|
| \`echarts/echarts.min.js\` | [echarts](https://www.npmjs.com/package/echarts) (\`dist/echarts.min.js\`) | $ECHARTS_VERSION | Apache-2.0 (\`echarts/LICENSE\`, \`echarts/NOTICE\`, \`echarts/LICENSE-d3\`) |
| \`htmx/htmx.min.js\` | [htmx.org](https://www.npmjs.com/package/htmx.org) (\`dist/htmx.min.js\`) | $HTMX_VERSION | 0BSD (\`htmx/LICENSE\`) |
| \`swagger-ui/swagger-ui-bundle.js\`, \`swagger-ui/swagger-ui.css\` | [swagger-ui-dist](https://www.npmjs.com/package/swagger-ui-dist) | $SWAGGER_VERSION | Apache-2.0 (\`swagger-ui/LICENSE\`, \`swagger-ui/NOTICE\`, bundled licences in \`swagger-ui-bundle.js.LICENSE.txt\`) |
README

echo "vendored echarts $ECHARTS_VERSION, htmx.org $HTMX_VERSION and swagger-ui-dist $SWAGGER_VERSION into $dest"
