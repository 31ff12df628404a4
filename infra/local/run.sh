#!/usr/bin/env bash
# Single entry point behind the root npm scripts. Every target begins with the idempotent bootstrap.
#   run.sh setup | test | start | bench [args] | stack up|down|status | exec CMD...
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bootstrap() { bash "$ROOT/infra/local/bootstrap.sh"; use_project_node; }
provision() {
  bootstrap
  bash "$ROOT/infra/local/stack.sh" up
  step "database: migrations"; npm run -s -w common db:migrate
  step "nats: streams, KV buckets, object store"; npm run -s -w common nats:provision
  step "model: default detector"; npm run -s -w inference --if-present model:default
}

target="${1:-}"; shift || true
case "$target" in
  setup) provision ;;
  stack)
    if [ "${1:-}" = "up" ]; then bootstrap; else use_project_node; fi
    exec bash "$ROOT/infra/local/stack.sh" "$@" ;;
  exec) use_project_node; exec "$@" ;;
  test)
    provision
    step "typecheck (tsc -b)"; npx tsc -b
    step "lint (biome)"; npx biome check .
    step "tests: every workspace, then tests/"
    set +e
    npx turbo run test --concurrency=1 --continue --output-logs=new-only --log-order=grouped "$@" 2>&1 | tee "$LOGS/test-run.log"
    rc=${PIPESTATUS[0]}
    set -e
    # One closing line summing every node:test summary (each workspace prints its own "ℹ pass N / ℹ fail N").
    passed=$(grep -aoE 'ℹ pass [0-9]+' "$LOGS/test-run.log" | awk '{s += $3} END {print s + 0}')
    failed=$(grep -aoE 'ℹ fail [0-9]+' "$LOGS/test-run.log" | awk '{s += $3} END {print s + 0}')
    [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1 # a suite that crashed before its summary still fails the run
    echo "tests: $passed passed, $failed failed"
    exit "$rc" ;;
  start)
    provision
    step "web apps: building dashboard and annotator"
    npm run -s -w dashboard build >"$LOGS/build-dashboard.log" 2>&1 || die "dashboard build failed; see .data/logs/build-dashboard.log"
    npm run -s -w annotator --if-present build >"$LOGS/build-annotator.log" 2>&1 || die "annotator build failed; see .data/logs/build-annotator.log"
    exec node --import tsx "$ROOT/infra/local/start-all.ts" "$@" ;;
  bench)
    provision
    exec npm run -s -w tests bench -- "$@" ;;
  *) die "usage: run.sh setup|test|start|bench|stack up|down|status|exec CMD" ;;
esac
