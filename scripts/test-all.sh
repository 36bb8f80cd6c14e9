#!/usr/bin/env bash
# The project's test command: starts a private PostgreSQL on a free loopback port, runs every
# test of every module with `mvn -B verify` (extra arguments go to Maven), then stops and removes
# the server, whatever happened. Works as root (CI) and as a normal user. If
# AI_TENANCY_TEST_PG_URL is already set, that database is used and no server is started.
# After a green run of every module (no -pl among the arguments, or one naming the starter), the
# Spring Boot starter's tests run once more against Spring Boot 3.5 (-Pboot3, built into
# target-boot3 so the Boot 4 build output stays as it is; upstream modules are built, not tested).
# AI_TENANCY_TEST_PG_STOP / _START (exported for a server started here) let the fault suite stop
# and start PostgreSQL mid-test; without them that test is skipped (it fails under CI).
# Chromium and chromium-driver (for the admin console's browser tests) are installed the same way
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

run_maven() {
  mvn -B verify "$@" || return $?
  if [[ " $* " != *" -pl "* && " $* " != *" --projects "* || "$*" == *spring-starter* ]]; then
    echo "test-all: the starter's tests against Spring Boot 3.5"
    mvn -B verify -Pboot3 -pl ai-tenancy-spring-starter -am -Daitenancy.buildSuffix=-boot3 \
      -Dtest='dev.aitenancy.spring.**' -Dsurefire.failIfNoSpecifiedTests=false "$@"
  fi
}

# The admin console's browser tests drive headless Chromium through /usr/bin/chromedriver: installed
# from Debian packages when missing (as root, with apt-get), and then required - the tests fail
# rather than skip when it cannot start (as they do whenever CI is set).
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "test-all: installing Chromium and its driver from Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    export AI_TENANCY_BROWSER_REQUIRED=1
  else
    echo "test-all: Chromium is missing (apt-get install chromium chromium-driver); the console's browser tests will be skipped unless CI is set" >&2
  fi
fi

if [[ -n "${AI_TENANCY_TEST_PG_URL:-}" ]]; then
  echo "test-all: using the PostgreSQL at $AI_TENANCY_TEST_PG_URL"
  run_maven "$@"
  exit $?
fi

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

PG_BIN="$(find_pg_bin)"
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "test-all: PostgreSQL server binaries are missing; install them (apt-get install postgresql) or run as root" >&2
    exit 1
  fi
  echo "test-all: installing PostgreSQL from Debian packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN="$(find_pg_bin)"
fi

PG_DIR="$(mktemp -d /tmp/ai-tenancy-pg.XXXXXX)"
if [[ "$(id -u)" -eq 0 ]]; then
  # PostgreSQL refuses to run as root
  chown postgres:postgres "$PG_DIR"
  as_pg() { runuser -u postgres -- "$@"; }
  PG_SUPERUSER=postgres
else
  as_pg() { "$@"; }
  PG_SUPERUSER="$(id -un)"
fi

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_SUPERUSER" --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --no-locale --no-sync >/dev/null

pg_options() {
  echo "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
}

started=""
for attempt in 1 2 3 4 5; do
  PG_PORT=$(( 20000 + RANDOM % 30000 ))
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 -o "$(pg_options)" \
      start >/dev/null; then
    started=yes
    break
  fi
done
if [[ -z "$started" ]]; then
  echo "test-all: PostgreSQL did not start; its log follows" >&2
  cat "$PG_DIR/server.log" >&2 || true
  exit 1
fi

PG_PASSWORD="aitenancy-test-$RANDOM$RANDOM"
as_pg "$PG_BIN/psql" -q -h "$PG_DIR" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE aitenancy LOGIN PASSWORD '$PG_PASSWORD';
CREATE DATABASE aitenancy_test OWNER aitenancy;
SQL

# The fault suite stops and starts this server during a burst of calls: each variable is a command
# line (run with sh -c) that returns once the server is stopped, or accepting connections again.
if [[ "$(id -u)" -eq 0 ]]; then as_pg_cmd="runuser -u postgres -- "; else as_pg_cmd=""; fi
pg_ctl_cmd="$as_pg_cmd$(printf '%q' "$PG_BIN/pg_ctl") -D $(printf '%q' "$PG_DIR/data") -w -t 30"
export AI_TENANCY_TEST_PG_STOP="$pg_ctl_cmd -m fast stop"
export AI_TENANCY_TEST_PG_START="$pg_ctl_cmd -l $(printf '%q' "$PG_DIR/server.log") -o $(printf '%q' "$(pg_options)") start"

export AI_TENANCY_TEST_PG_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/aitenancy_test"
export AI_TENANCY_TEST_PG_USER=aitenancy
export AI_TENANCY_TEST_PG_PASSWORD="$PG_PASSWORD"
echo "test-all: started PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

set +e
run_maven "$@"
status=$?
set -e
exit $status
