#!/usr/bin/env bash
# Local stack on project ports with data under .data/: NATS JetStream, PostgreSQL, Redis.
# usage: stack.sh up|down|status [nats|postgres|redis]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mkdir -p "$RUN" "$LOGS"

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
PG_DATA="$DATA/pg"
NATS_PID="$RUN/nats.pid"
REDIS_PID="$RUN/redis.pid"
PG_USER=sentinel
PG_PASSWORD=sentinel
PG_DB=sentinel

# PostgreSQL refuses to run as root: run it as the 'postgres' system user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

wait_for() { # wait_for NAME SECONDS CMD...
  local name="$1" secs="$2"; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

nats_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$SENTINEL_NATS_MONITOR_PORT/healthz?js-enabled-only=true" >/dev/null 2>&1; }
redis_healthy() { [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$SENTINEL_REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }
pg_healthy() { "$PG_BIN/pg_isready" -t 2 -q -h 127.0.0.1 -p "$SENTINEL_PG_PORT" -d "$PG_DB" -U "$PG_USER"; }

refuse_taken_port() { # refuse_taken_port SERVICE PORT VAR
  if port_in_use "$2"; then
    die "$1: port $2 is already used by another process (not ours). Stop it or choose another port with $3=<port>."
  fi
}

nats_up() {
  if pid_alive "$NATS_PID" && nats_healthy; then ok "nats: already running on :$SENTINEL_NATS_PORT"; return; fi
  pid_alive "$NATS_PID" && die "nats: our server (pid $(cat "$NATS_PID")) runs but is not healthy on :$SENTINEL_NATS_PORT; see .data/logs/nats.log or run npm run stack:down"
  [ -f "$NATS_PID" ] && { step "nats: removing stale pid file"; rm -f "$NATS_PID"; }
  refuse_taken_port nats "$SENTINEL_NATS_PORT" SENTINEL_NATS_PORT
  refuse_taken_port nats-monitor "$SENTINEL_NATS_MONITOR_PORT" SENTINEL_NATS_MONITOR_PORT
  mkdir -p "$DATA/nats"
  step "nats: starting JetStream on 127.0.0.1:$SENTINEL_NATS_PORT (store .data/nats)"
  setsid nohup nats-server -a 127.0.0.1 -p "$SENTINEL_NATS_PORT" -m "$SENTINEL_NATS_MONITOR_PORT" \
    -js -sd "$DATA/nats" -n sentinel-local -P "$NATS_PID" >>"$LOGS/nats.log" 2>&1 </dev/null &
  wait_for nats 20 nats_healthy || die "nats: not healthy after 20 s; see .data/logs/nats.log"
  ok "nats: healthy"
}

redis_up() {
  if pid_alive "$REDIS_PID" && redis_healthy; then ok "redis: already running on :$SENTINEL_REDIS_PORT"; return; fi
  pid_alive "$REDIS_PID" && die "redis: our server (pid $(cat "$REDIS_PID")) runs but is not healthy on :$SENTINEL_REDIS_PORT; see .data/logs/redis.log or run npm run stack:down"
  [ -f "$REDIS_PID" ] && { step "redis: removing stale pid file"; rm -f "$REDIS_PID"; }
  refuse_taken_port redis "$SENTINEL_REDIS_PORT" SENTINEL_REDIS_PORT
  mkdir -p "$DATA/redis"
  step "redis: starting on 127.0.0.1:$SENTINEL_REDIS_PORT (data .data/redis)"
  redis-server --bind 127.0.0.1 --port "$SENTINEL_REDIS_PORT" --dir "$DATA/redis" --daemonize yes \
    --pidfile "$REDIS_PID" --logfile "$LOGS/redis.log" --appendonly yes --save "" >/dev/null
  wait_for redis 20 redis_healthy || die "redis: not healthy after 20 s; see .data/logs/redis.log"
  ok "redis: healthy"
}

pg_init() {
  [ -f "$PG_DATA/PG_VERSION" ] && return
  if [ -d "$PG_DATA" ] && [ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]; then
    die "postgres: $PG_DATA exists but holds no complete cluster (a half-finished setup?). Move it away (nothing is deleted automatically) and re-run."
  fi
  step "postgres: creating a private cluster in .data/pg"
  mkdir -p "$PG_DATA"
  local pwfile="$RUN/pg.pw"
  echo "$PG_PASSWORD" >"$pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$PG_DATA" "$pwfile"; chmod 700 "$PG_DATA"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 || { rm -f "$pwfile"; die "postgres: initdb failed; see .data/logs/initdb.log"; }
  rm -f "$pwfile"
}

pg_up() {
  if [ -x "$PG_BIN/pg_ctl" ]; then :; else die "postgres: server binaries not found under /usr/lib/postgresql (run npm run setup)"; fi
  pg_init
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 && pg_healthy; then ok "postgres: already running on :$SENTINEL_PG_PORT"; else
    if [ -f "$PG_DATA/postmaster.pid" ] && ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
      step "postgres: stale postmaster.pid (no running server); postgres will verify and replace it"
    fi
    refuse_taken_port postgres "$SENTINEL_PG_PORT" SENTINEL_PG_PORT
    mkdir -p "$RUN/pg-socket"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$RUN/pg-socket" && touch "$LOGS/postgres.log" && chown postgres "$LOGS/postgres.log"
    step "postgres: starting on 127.0.0.1:$SENTINEL_PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -w -t 30 start \
      -o "-p $SENTINEL_PG_PORT -c listen_addresses=127.0.0.1 -k $RUN/pg-socket -c max_connections=200 -c fsync=${SENTINEL_PG_FSYNC:-on}" >/dev/null \
      || die "postgres: did not start; see .data/logs/postgres.log"
    wait_for postgres 30 pg_healthy || die "postgres: not accepting connections; see .data/logs/postgres.log"
  fi
  if ! as_pg "$PG_BIN/psql" -h "$RUN/pg-socket" -p "$SENTINEL_PG_PORT" -U "$PG_USER" -d postgres -tAc "select 1 from pg_database where datname='$PG_DB'" | grep -q 1; then
    as_pg "$PG_BIN/createdb" -h "$RUN/pg-socket" -p "$SENTINEL_PG_PORT" -U "$PG_USER" "$PG_DB"
    as_pg "$PG_BIN/createdb" -h "$RUN/pg-socket" -p "$SENTINEL_PG_PORT" -U "$PG_USER" "${PG_DB}_test" || true
  fi
  ok "postgres: healthy (database $PG_DB)"
}

nats_down() { if pid_alive "$NATS_PID"; then kill "$(cat "$NATS_PID")"; for _ in $(seq 50); do pid_alive "$NATS_PID" || break; sleep 0.1; done; fi; rm -f "$NATS_PID"; ok "nats: stopped"; }
redis_down() { if pid_alive "$REDIS_PID"; then redis-cli -h 127.0.0.1 -p "$SENTINEL_REDIS_PORT" shutdown >/dev/null 2>&1 || kill "$(cat "$REDIS_PID")"; fi; rm -f "$REDIS_PID"; ok "redis: stopped"; }
pg_down() { if [ -f "$PG_DATA/PG_VERSION" ]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true; fi; ok "postgres: stopped"; }

status_line() { if "$2"; then printf '  %-9s healthy   %s\n' "$1" "$3"; else printf '  %-9s DOWN      %s\n' "$1" "$3"; return 1; fi; }

# An optional second argument limits up/down to one service (nats, postgres or redis).
only="${2:-all}"
case "$only" in all|nats|postgres|redis) ;; *) die "unknown service '$only' (use nats, postgres or redis)" ;; esac
want() { [ "$only" = all ] || [ "$only" = "$1" ]; }

case "${1:-status}" in
  up)
    want nats && nats_up; want postgres && pg_up; want redis && redis_up
    ok "stack is up: nats :$SENTINEL_NATS_PORT  postgres :$SENTINEL_PG_PORT  redis :$SENTINEL_REDIS_PORT" ;;
  down) want nats && nats_down; want redis && redis_down; want postgres && pg_down; true ;;
  status)
    rc=0
    status_line nats nats_healthy "nats://127.0.0.1:$SENTINEL_NATS_PORT (JetStream, monitor :$SENTINEL_NATS_MONITOR_PORT)" || rc=1
    status_line postgres pg_healthy "postgres://127.0.0.1:$SENTINEL_PG_PORT/$PG_DB" || rc=1
    status_line redis redis_healthy "redis://127.0.0.1:$SENTINEL_REDIS_PORT" || rc=1
    exit $rc ;;
  *) die "usage: stack.sh up|down|status" ;;
esac
