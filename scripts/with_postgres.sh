#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server:
#
#     scripts/with_postgres.sh COMMAND [ARG ...]
#     scripts/with_postgres.sh --available        # exit 0 when the PostgreSQL server binaries are installed
#
# Starts a private server (initdb + pg_ctl) in a temporary folder, listening only on a unix socket there, exports
# OPENTRADE_TEST_POSTGRES_URL (a superuser URL for the `postgres` database; the tests create their own databases
# from it), runs COMMAND, then stops the server and removes the folder. Exit status: COMMAND's.
# As root the server runs as the `postgres` user (initdb refuses root); otherwise as the caller.
# PG_FAST=0 keeps fsync on (benchmarks); the default turns durability off: the data is thrown away anyway.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG ...]" >&2
  exit 64
fi

bindir=""
if command -v pg_ctl >/dev/null 2>&1; then
  bindir="$(dirname "$(command -v pg_ctl)")"
else
  # Debian keeps the server binaries out of PATH, one folder per major version: take the newest.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ]; then bindir="$d"; break; fi
  done
fi
if [ "$1" = "--available" ]; then
  [ -n "$bindir" ]
  exit
fi
if [ -z "$bindir" ]; then
  echo "PostgreSQL is not installed (no pg_ctl): apt-get install postgresql" >&2
  exit 69
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/opentrade-pg.XXXXXX")"
as=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "running as root needs a 'postgres' user to own the server (Debian's postgresql package makes one)" >&2
    exit 69
  fi
  chown postgres: "$dir"
  as=(runuser -u postgres --)
fi

stop() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

# C collation: bytewise, like SQLite, so both databases sort text alike.
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
fast=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
[ "${PG_FAST:-1}" = 0 ] && fast=()
# No TCP listener: the socket lives in the private folder, so parallel runs and a system cluster never collide.
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
  "-k $dir -c listen_addresses= -c max_connections=300 -c shared_buffers=256MB ${fast[*]} ${PG_OPTIONS:-}" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export OPENTRADE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@/postgres?host=$dir"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $dir" >&2
set +e
"$@"
rc=$?
set -e
exit "$rc"
