#!/usr/bin/env bash
# Install the e2e harness (registries only: Debian, npm), once per machine.
#
#   ./install.sh [PREFIX]        # default PREFIX=$REAL_VSCODE_PREFIX or ~/.cache/real-vscode
#
# Each step is skipped when its result already works:
#   1. Debian packages: build tools and the headers code-server's native modules compile
#      against (kerberos: libkrb5-dev; native-keymap: libx11-dev, libxkbfile-dev;
#      libsecret-1-dev), and `chromium` for Playwright.
#   2. Node 24 into $PREFIX/node24-linux-<arch>: the `node-linux-<arch>` package, which is the Node binary
#      and its headers with no install script. (The `node` package only wraps it, and its
#      preinstall, which fetches that package, is one npm 11 may skip.) code-server 4.139's
#      postinstall aborts on any other major.
#   3. code-server@$CS_VERSION into $PREFIX/cs, from a package.json this script writes. Its
#      `allowScripts` approves the two install scripts the install needs: code-server's
#      postinstall (a nested `npm install` in lib/vscode, whose own package.json approves
#      VS Code's native modules) and argon2's. Node 24 is first on PATH, and
#      npm_config_nodedir points node-gyp at Node 24's headers (a user ~/.npmrc may say
#      nodedir=/usr, the system Node's).
#   4. playwright-core for this folder (`npm ci`; no install script).
#
# npm 11 skips dependencies' install scripts unless package.json's `allowScripts` approves
# them (in some releases it only warns). Every npm call here runs with strict-allow-scripts,
# so an install script nobody approved stops the install with its name instead of being
# skipped silently and leaving a code-server that cannot start. Older npm ignores these
# settings and runs the scripts, which is what the approvals ask for anyway.
set -euo pipefail

PREFIX="${1:-${REAL_VSCODE_PREFIX:-$HOME/.cache/real-vscode}}"
CS_VERSION="${CS_VERSION:-4.139.1}"
NODE_MAJOR="${NODE_MAJOR:-24}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[install %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { printf '[install] FAIL: %s\n' "$*" >&2; exit 1; }
t0=$SECONDS
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"

export npm_config_strict_allow_scripts=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# Lockfiles written here keep their registry URLs: npm matches `allowScripts` entries
# against them (a user ~/.npmrc may say omit-lockfile-registry-resolved=true).
export npm_config_omit_lockfile_registry_resolved=false

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
case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 ;;
  aarch64 | arm64) NODE_ARCH=arm64 ;;
  *) die "no Node $NODE_MAJOR package for $(uname -m) on npm" ;;
esac
NODE_PKG="node-linux-$NODE_ARCH"
NODE_DIR="$PREFIX/node$NODE_MAJOR-linux-$NODE_ARCH"
NODE_HOME="$NODE_DIR/node_modules/$NODE_PKG"
NODE_BIN="$NODE_HOME/bin/node"
if [[ -x "$NODE_BIN" ]] && "$NODE_BIN" --version 2>/dev/null | grep -q "^v${NODE_MAJOR}\." \
   && [[ -f "$NODE_HOME/include/node/node.h" ]]; then
  log "node $("$NODE_BIN" --version) present"
else
  log "npm install $NODE_PKG@$NODE_MAJOR -> $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  printf '{ "private": true, "description": "Node %s for the AD Lens e2e harness (install.sh)" }\n' "$NODE_MAJOR" > "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --no-save "$NODE_PKG@$NODE_MAJOR")
  [[ -x "$NODE_BIN" ]] || chmod +x "$NODE_BIN"
  "$NODE_BIN" --version | grep -q "^v${NODE_MAJOR}\." || die "$NODE_BIN is not Node $NODE_MAJOR"
  [[ -f "$NODE_HOME/include/node/node.h" ]] || die "no Node headers in $NODE_HOME/include/node"
fi
# One stable path for run.sh and drive.mjs, whatever the architecture.
mkdir -p "$PREFIX/bin"
ln -sfn "$NODE_BIN" "$PREFIX/bin/node"

# ---------------------------------------------------------------- 3. code-server
CS_DIR="$PREFIX/cs"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
cs_ok() {
  [[ -f "$CS_ENTRY" ]] || return 1
  local v
  # The very first run of code-server prints "Wrote default config file ..." before the
  # version line: pick the line that starts with a version number, not just the first line.
  v=$(PATH="$PREFIX/bin:$PATH" "$NODE_BIN" "$CS_ENTRY" --version 2>/dev/null | grep -m1 -E '^[0-9]+\.[0-9]+\.') || return 1
  [[ "$v" == "$CS_VERSION"* ]] || return 1
  # Native modules built by the postinstall: missing when its scripts did not run.
  local vs="$CS_DIR/node_modules/code-server/lib/vscode/node_modules"
  [[ -f "$vs/kerberos/build/Release/kerberos.node" && -f "$vs/@vscode/spdlog/build/Release/spdlog.node" ]]
}
if cs_ok; then
  log "code-server $CS_VERSION present in $CS_DIR"
else
  log "npm install code-server@$CS_VERSION -> $CS_DIR (about 4 min: it compiles VS Code's native modules)"
  # A fresh tree: npm does not re-run the scripts of a package it finds installed, so a
  # code-server whose postinstall was skipped once stays broken until it is removed.
  mkdir -p "$CS_DIR"
  rm -rf "$CS_DIR/node_modules" "$CS_DIR/package-lock.json"
  cat > "$CS_DIR/package.json" <<EOF
{
  "private": true,
  "description": "code-server for the AD Lens e2e harness (written by install.sh)",
  "dependencies": { "code-server": "$CS_VERSION" },
  "allowScripts": { "code-server@$CS_VERSION": true, "argon2": true }
}
EOF
  (
    cd "$CS_DIR"
    export PATH="$PREFIX/bin:$PATH"   # the postinstall requires `node` 24
    export npm_config_nodedir="$NODE_HOME"
    # npm is the system npm; prebuild-install tries github.com first, fails offline,
    # and falls back to node-gyp.
    npm install
  ) || die "npm install code-server@$CS_VERSION failed (see above)"
  cs_ok || die "code-server $CS_VERSION installed, but $CS_ENTRY does not run or its native modules are missing (did an install script not run?)"
fi

# ---------------------------------------------------------------- 4. harness npm deps
log "npm ci (harness: playwright-core)"
(cd "$HERE" && npm ci --no-audit --no-fund)

log "done in $((SECONDS - t0))s"
cat <<EOF
node24:       $PREFIX/bin/node -> $NODE_BIN
code-server:  $CS_ENTRY
chromium:     $(command -v chromium || echo MISSING)
EOF
