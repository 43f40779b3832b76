#!/usr/bin/env bash
# Install the portal's front-end packages (package-lock.json) and build its stylesheet, once per
# change of the lock file or the Sass source. Sourced by bootstrap.sh; needs Node.js and npm.
set -euo pipefail
root="${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
if ! command -v npm >/dev/null; then
  echo "Node.js and npm are needed to build the portal's assets (GOV.UK Frontend)." >&2
  exit 1
fi
scss="$root/src/lrs/portal/assets/lrs.scss"
css="$root/build/static/portal/lrs.css"
assets_stamp="$root/node_modules/.built-$(cat "$root/package-lock.json" "$scss" | sha256sum | cut -c1-16)"
if [ ! -f "$assets_stamp" ] || [ ! -f "$css" ]; then
  echo "Installing front-end packages and building the portal stylesheet..." >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  mkdir -p "$(dirname "$css")"
  (cd "$root" && npx --no-install sass --load-path=node_modules --style=compressed --no-source-map \
    --quiet-deps "$scss" "$css")
  rm -f "$root"/node_modules/.built-*
  touch "$assets_stamp"
fi
