#!/usr/bin/env bash
# Refresh the vendored Korean font in src/pabrik/web/static/vendor/noto-sans-kr/ from the npm registry.
# PDFs embed it so Hangul renders offline; the dashboard falls back to it for Hangul only.
# The Google Fonts TTFs (6 MB each) are cut down with fontTools to Latin, punctuation, symbols,
# Hangul Jamo and all 11,172 Hangul syllables, hinting dropped, stored as WOFF (zlib): WeasyPrint
# reads WOFF in a fraction of a second but spends about 10 s per file decoding WOFF2.
# Usage: scripts/vendor-font-kr.sh [@expo-google-fonts/noto-sans-kr version]
set -euo pipefail

VERSION="${1:-0.4.3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/src/pabrik/web/static/vendor/noto-sans-kr"
python="${PYTHON:-$root/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "npm is needed to fetch the package" >&2; exit 1; }
cd "$work"
npm pack --silent "@expo-google-fonts/noto-sans-kr@$VERSION" >/dev/null
tar -xzf expo-google-fonts-noto-sans-kr-*.tgz

unicodes="U+0020-007E,U+00A0-00FF,U+0131,U+0152-0153,U+02C6,U+02DA,U+02DC,U+1100-11FF,\
U+2000-206F,U+2070-209F,U+20A9,U+20AC,U+2100-214F,U+2190-21FF,U+2200-22FF,U+2460-24FF,\
U+25A0-25FF,U+2600-26FF,U+3000-303F,U+3130-318F,U+AC00-D7A3,U+FF00-FFEF"
mkdir -p "$dest"
for pair in 400Regular:Regular 700Bold:Bold; do
  weight="${pair%%:*}" name="${pair##*:}"
  "$python" -m fontTools.subset "package/$weight/NotoSansKR_$weight.ttf" --unicodes="$unicodes" \
    --layout-features="*" --no-hinting --flavor=woff --output-file="$dest/NotoSansKR-$name.woff"
done
install -m 0644 package/LICENSE_FONT "$dest/OFL.txt"
echo "vendored Noto Sans KR (@expo-google-fonts/noto-sans-kr $VERSION) into $dest"
