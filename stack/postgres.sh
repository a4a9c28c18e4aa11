#!/usr/bin/env bash
# PostgreSQL for the workflow-controller's synchronization database (Argo's postgres profile: database locks and
# semaphores, `database: true` / `database: {key}` in synchronization), as the Debian package's server binaries.
#   POSTGRES_PASSWORD=… stack/postgres.sh run DIR PORT   a fresh cluster (DIR/cluster; user postgres with that password),
#                                             served on 127.0.0.1:PORT only;
#                                             stays in the foreground; SIGTERM = fast shutdown
#   stack/postgres.sh health PORT             exits 0 when the server accepts connections
#   POSTGRES_PASSWORD=… stack/postgres.sh sql PORT STATEMENT   runs one statement as user postgres
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x ${PGBIN:-}/postgres ]] || { echo "postgres: no server under /usr/lib/postgresql (make system-deps installs postgresql-15)" >&2; exit 1; }
# as user postgres through setpriv, which execs: runuser would stay between us and the server
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
case ${1:-} in
  health) "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$2" ;;
  run)
    dir=$2 port=$3 password=${POSTGRES_PASSWORD:?the password of user postgres}
    # The cluster lives where user postgres can reach it whatever the checkout's path (a clone under /root is
    # closed to it): /var/tmp/argoexec-ts-postgres-PORT, made anew; DIR links to it for post-mortems.
    own=/var/tmp/argoexec-ts-postgres-$port
    rm -rf "$own"; mkdir -p "$own/data" "$own/socket"; chown -R postgres:postgres "$own"; chmod 700 "$own" "$own/data"
    mkdir -p "$dir"; ln -sfn "$own" "$dir/cluster"; dir=$own
    pwfile=$(mktemp); printf '%s\n' "$password" > "$pwfile"; chown postgres "$pwfile"
    as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    # the socket directory is the cluster's own (not /var/run/postgresql); TCP on loopback only
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$PGBIN/postgres" -D "$dir/data" -p "$port" -c listen_addresses=127.0.0.1 \
      -c unix_socket_directories="$dir/socket" -c fsync=off -c full_page_writes=off &
    pg=$! # postgres itself (a simple command, not a function: no subshell; setpriv execs): SIGINT = fast shutdown
    trap 'kill -INT "$pg" 2>/dev/null' TERM INT
    while kill -0 "$pg" 2>/dev/null; do wait "$pg" || true; done
    ;;
  sql) # POSTGRES_PASSWORD=… stack/postgres.sh sql PORT STATEMENT : one statement as user postgres, quiet
    PGPASSWORD=${POSTGRES_PASSWORD:?the password of user postgres} "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
      -h 127.0.0.1 -p "$2" -U postgres -d postgres -c "$3" ;;
  *) echo "usage: POSTGRES_PASSWORD=… $0 run DIR PORT | $0 health PORT | POSTGRES_PASSWORD=… $0 sql PORT STATEMENT" >&2; exit 2 ;;
esac
