# Shared helpers for the local scripts. Source, do not execute.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="${SENTINEL_STACK_DATA:-$ROOT/.data}"
RUN="$DATA/run"
LOGS="$DATA/logs"
TOOLS="$ROOT/.tools"
: "${SENTINEL_NATS_PORT:=4422}"
: "${SENTINEL_NATS_MONITOR_PORT:=8422}"
: "${SENTINEL_PG_PORT:=5433}"
: "${SENTINEL_REDIS_PORT:=6380}"
: "${SENTINEL_RTSP_PORT:=8554}"
export SENTINEL_NATS_PORT SENTINEL_NATS_MONITOR_PORT SENTINEL_PG_PORT SENTINEL_REDIS_PORT SENTINEL_RTSP_PORT

step() { printf '\033[1;34m[sentinel]\033[0m %s\n' "$*" >&2; }
ok() { printf '\033[1;32m[sentinel]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[sentinel] error:\033[0m %s\n' "$*" >&2; exit 1; }

# port_in_use PORT -> true when something listens on 127.0.0.1:PORT
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive FILE -> true if FILE holds the pid of a running process
pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1" 2>/dev/null)" 2>/dev/null; }

# Use the project's Node 24 when the system one is older than 22.
use_project_node() {
  if [ -x "$TOOLS/node/bin/node" ]; then
    export PATH="$TOOLS/node/bin:$PATH"
    export npm_config_nodedir="$TOOLS/node"
  fi
  export ONNXRUNTIME_NODE_INSTALL=skip
  # mediasoup's worker cannot be built here (it downloads sources); the package and types are still installed.
  : "${MEDIASOUP_WORKER_BIN:=$TOOLS/mediasoup-worker-unavailable}"
  export MEDIASOUP_WORKER_BIN
  export PATH="$ROOT/node_modules/.bin:$PATH"
}
