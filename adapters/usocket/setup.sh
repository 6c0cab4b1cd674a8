#!/usr/bin/env bash
# Installs the package under test, usocket 1.1.0, from the npm registry (pinned in
# package-lock.json) and builds its native part and the adapter's own helper (fdlab_sys).
# npm 11 does not run install scripts, so the node-gyp build is done here. Needs node, npm,
# python3, make, g++ and the node headers (/usr/include/node, shipped with nodejs here).
# Safe to run again: it builds only what is missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/usocket ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
gyp="$PWD/node_modules/.bin/node-gyp"
if [ ! -f /usr/include/node/node.h ]; then
  echo "adapters/usocket/setup.sh: no node headers in /usr/include/node (install nodejs's headers)" >&2
  exit 1
fi
if [ ! -f node_modules/usocket/build/Release/uwrap.node ]; then
  (cd node_modules/usocket && "$gyp" rebuild --nodedir=/usr >/dev/null 2>&1)
fi
if [ ! -f fdlab_sys/build/Release/fdlab_sys.node ] || [ fdlab_sys/fdlab_sys.c -nt fdlab_sys/build/Release/fdlab_sys.node ]; then
  (cd fdlab_sys && "$gyp" rebuild --nodedir=/usr >/dev/null 2>&1)
fi
