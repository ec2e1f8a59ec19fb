#!/usr/bin/env bash
# Peer baseline: the omnistock reservation workloads on PostgreSQL, driven by pgbench.
#
# Starts a throw-away PostgreSQL cluster on 127.0.0.1:$PG_PORT (data under /tmp), loads the
# catalog, runs every workload x variant x client count, checks the flash invariant, prints a
# results table on stdout and appends one JSON line per run to $RESULTS. Stops the server and
# removes its directory on exit, Ctrl-C included. Run as root, from anywhere (PostgreSQL itself
# runs as the 'postgres' user). See README.md.
#
#   CLIENTS="16 64" DURATION=30 WARMUP=5 RESULTS=bench/results/peers.jsonl bench/peers/postgres.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${PG_PORT:-55432}"
PG_VARIANTS="${PG_VARIANTS:-plain_tx function}"
PGBENCH_THREADS="${PGBENCH_THREADS:-2}"
PG_SHARED_BUFFERS="${PG_SHARED_BUFFERS:-1GB}"

[ "$(id -u)" -eq 0 ] || die "run as root (e.g. sudo $0): the server is set up for and started as the postgres user"
check_settings
for v in $PG_VARIANTS; do
  case "$v" in plain_tx|function) ;; *) die "unknown PG_VARIANTS entry '$v' (plain_tx, function)" ;; esac
done
[[ "$PGBENCH_THREADS" =~ ^[1-9][0-9]*$ ]] || die "PGBENCH_THREADS must be a positive integer"

# pgbench ships in postgresql-client-15, which postgresql pulls in.
ensure_packages postgresql postgresql-contrib python3
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/postgres" ]; then
  PGBIN="$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [ -x "$PGBIN/postgres" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  log "PostgreSQL 15 not found; using $PGBIN"
fi
id postgres >/dev/null 2>&1 || die "the 'postgres' user does not exist (the postgresql package creates it)"
# PostgreSQL refuses to run as root: the cluster belongs to 'postgres', the rest runs as root.
as_postgres() { runuser -u postgres -- "$@"; }

port_free "$PG_PORT" || die "127.0.0.1:$PG_PORT is already in use (set PG_PORT)"

TMP="$(mktemp -d /tmp/omnistock-peers-pg.XXXXXX)"
chmod 755 "$TMP"
DATA="$TMP/data"
SOCK="$TMP/sock"
WORK="$TMP/work"
mkdir -p "$DATA" "$SOCK" "$TMP/log" "$WORK"
chown postgres "$DATA" "$SOCK" "$TMP/log"
chmod 700 "$DATA"
RUN_JSONL="$WORK/results.jsonl"
: >"$RUN_JSONL"
STARTED=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  kill_child
  if [ "$STARTED" = 1 ]; then
    log "stopping PostgreSQL"
    as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ "$KEEP" = 1 ]; then
    log "kept $TMP (KEEP=1)"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

max_clients=0
for c in $CLIENTS; do [ "$c" -gt "$max_clients" ] && max_clients=$c; done

log "initdb in $DATA"
as_postgres "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
cat >>"$DATA/postgresql.conf" <<EOF

# omnistock peer baseline (bench/peers/postgres.sh)
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCK'
max_connections = $((max_clients + 20))
shared_buffers = $PG_SHARED_BUFFERS
# durability as shipped: every commit waits for its WAL flush
synchronous_commit = on
fsync = on
full_page_writes = on
# no forced checkpoint in the middle of a run (one is taken before every run)
max_wal_size = 8GB
checkpoint_timeout = 30min
EOF

log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
STARTED=1
as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$TMP/log/postgres.log" -w -t 60 start >/dev/null \
  || { tail -n 30 "$TMP/log/postgres.log" >&2 || true; die "PostgreSQL did not start"; }

psql_db() {
  local db="$1"; shift
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"
}

PG_VERSION="$(psql_db postgres -At -c 'SHOW server_version')"
log "PostgreSQL $PG_VERSION up"

# The schema: the same in both databases (catalog: uniform and skewed; flash: the one position).
SCHEMA_SQL="$(cat <<'SQL'
CREATE TABLE inventory (
  sku         text    NOT NULL,
  location_id integer NOT NULL,
  on_hand     bigint  NOT NULL,
  reserved    bigint  NOT NULL DEFAULT 0
) WITH (fillfactor = 90);

CREATE TABLE reservations (
  client_id    integer   NOT NULL,  -- the order id is (client_id, seq), made by the client
  seq          bigint    NOT NULL,
  skus         text[]    NOT NULL,
  location_ids integer[] NOT NULL,
  quantities   integer[] NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, seq)
);

-- The server-side variant: one call per order, the same per-line conditional UPDATE; a line
-- that cannot be covered raises, the block's subtransaction rolls every line back, and the
-- call returns false (the caller's transaction itself never fails on a stock-out).
CREATE FUNCTION reserve(p_client_id integer, p_seq bigint, p_skus text[],
                        p_location_ids integer[], p_quantities integer[])
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. cardinality(p_skus) LOOP
    UPDATE inventory SET reserved = reserved + p_quantities[i]
     WHERE sku = p_skus[i] AND location_id = p_location_ids[i]
       AND on_hand - reserved >= p_quantities[i];
    IF NOT FOUND THEN
      RAISE EXCEPTION 'stock out' USING ERRCODE = 'P0001';
    END IF;
  END LOOP;
  INSERT INTO reservations (client_id, seq, skus, location_ids, quantities)
  VALUES (p_client_id, p_seq, p_skus, p_location_ids, p_quantities);
  RETURN true;
EXCEPTION WHEN raise_exception THEN
  RETURN false;
END
$$;
SQL
)"

for db in catalog flash; do
  psql_db postgres -c "CREATE DATABASE $db"
  psql_db "$db" -c "$SCHEMA_SQL"
done

need_catalog=0
need_flash=0
for w in $WORKLOADS; do
  case "$w" in uniform|skewed) need_catalog=1 ;; flash) need_flash=1 ;; esac
done
if [ "$need_catalog" = 1 ]; then
  log "loading the catalog: $SKUS SKUs x $LOCATIONS locations, on_hand $UNIFORM_ON_HAND each"
  t_load=$SECONDS
  psql_db catalog <<SQL
INSERT INTO inventory (sku, location_id, on_hand, reserved)
SELECT 'SKU-' || lpad(s::text, 6, '0'), l, $UNIFORM_ON_HAND, 0
  FROM generate_series(1, $SKUS) AS s, generate_series(1, $LOCATIONS) AS l;
ALTER TABLE inventory ADD PRIMARY KEY (sku, location_id);
VACUUM (ANALYZE) inventory;
SQL
  log "catalog loaded in $((SECONDS - t_load)) s ($(psql_db catalog -At -c 'SELECT count(*) FROM inventory') positions)"
fi
if [ "$need_flash" = 1 ]; then
  psql_db flash <<SQL
INSERT INTO inventory (sku, location_id, on_hand, reserved) VALUES ('SKU-000001', 1, $FLASH_ON_HAND, 0);
ALTER TABLE inventory ADD PRIMARY KEY (sku, location_id);
VACUUM (ANALYZE) inventory;
SQL
fi

for variant in $PG_VARIANTS; do
  for w in $WORKLOADS; do
    python3 "$PEERS_DIR/peers.py" pgbench-script --variant "$variant" --workload "$w" \
      --skus "$SKUS" --locations "$LOCATIONS" --zipf-s "$ZIPF_S" >"$WORK/$variant-$w.sql"
  done
done

run_one() {
  local variant="$1" workload="$2" clients="$3"
  local db=catalog on_hand=$UNIFORM_ON_HAND positions=$((SKUS * LOCATIONS)) skus=$SKUS locations=$LOCATIONS
  if [ "$workload" = flash ]; then
    db=flash on_hand=$FLASH_ON_HAND positions=1 skus=1 locations=1
    psql_db flash -c "UPDATE inventory SET on_hand = $FLASH_ON_HAND, reserved = 0"
  fi
  psql_db "$db" -c "TRUNCATE reservations" -c "VACUUM (ANALYZE) inventory" -c "CHECKPOINT"

  local dir="$WORK/$variant-$workload-c$clients"
  mkdir -p "$dir"
  local threads=$PGBENCH_THREADS
  [ "$threads" -gt "$clients" ] && threads=$clients
  local total=$((WARMUP + DURATION + 1))
  log "postgres $variant $workload: $clients clients, ${WARMUP} s warmup + ${DURATION} s measured"
  local rc=0
  # pgbench's stdout (the summary) and stderr (progress every 5 s, errors) go to files; the
  # progress lines and errors are echoed to the terminal while it runs. pgbench runs in the
  # background (see run_child in lib.sh) so that Ctrl-C and SIGTERM act at once.
  : >"$dir/pgbench.err"
  "$PGBIN/pgbench" -n -M prepared -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -c "$clients" -j "$threads" -T "$total" -D seq=0 -f "$WORK/$variant-$workload.sql" \
    --log --log-prefix="$dir/tx" --max-tries=1 --failures-detailed -P 5 "$db" \
    >"$dir/pgbench.out" 2>"$dir/pgbench.err" &
  CHILD_PID=$!
  tail -n +1 -f --pid="$CHILD_PID" "$dir/pgbench.err" 2>/dev/null \
    | grep --line-buffered -E '^progress|aborted|ERROR' >&2 &
  local echo_pid=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  wait "$echo_pid" 2>/dev/null || true
  # pgbench: 0 = ran, 2 = ran but some clients aborted, anything else = did not run.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
    tail -n 20 "$dir/pgbench.err" >&2 || true
    die "pgbench failed (exit $rc)"
  fi
  local aborted
  aborted="$(grep -cE '^client [0-9]+ .*aborted' "$dir/pgbench.err" || true)"
  [ "$rc" -eq 2 ] && log "warning: pgbench reports aborted clients ($aborted); see the errors above"
  psql_db "$db" -At -c "COPY (SELECT client_id, seq FROM reservations) TO STDOUT" >"$dir/successes.tsv"
  local flash_args=()
  if [ "$workload" = flash ]; then
    local reserved
    reserved="$(psql_db flash -At -c "SELECT reserved FROM inventory WHERE sku = 'SKU-000001' AND location_id = 1")"
    flash_args=(--flash-reserved "$reserved" --flash-on-hand "$FLASH_ON_HAND")
  fi
  local label
  case "$variant" in
    plain_tx) label="plain transaction (BEGIN; UPDATE per line; INSERT; COMMIT | ROLLBACK)" ;;
    function) label="server-side function reserve() (PL/pgSQL, one call per order)" ;;
  esac
  local extra
  extra="$(printf '{"variant_label":"%s","skus":%d,"locations":%d,"positions":%d,"on_hand_per_position":%d,"server":"PostgreSQL %s","config":"synchronous_commit=on fsync=on shared_buffers=%s; pgbench -M prepared over TCP 127.0.0.1, -j %d","pgbench_exit":%d}' \
    "$label" "$skus" "$locations" "$positions" "$on_hand" "$PG_VERSION" "$PG_SHARED_BUFFERS" "$threads" "$rc")"
  local line
  line="$(python3 "$PEERS_DIR/peers.py" pgbench-stats --log-prefix "$dir/tx" --successes "$dir/successes.tsv" \
    --warmup "$WARMUP" --duration "$DURATION" --system postgres --variant "$variant" \
    --workload "$workload" --clients "$clients" --aborted-clients "$aborted" \
    "${flash_args[@]}" --extra "$extra")"
  record_result "$line"
  log "$(python3 "$PEERS_DIR/peers.py" summary "$line")"
  [ "$KEEP" = 1 ] || rm -f "$dir"/tx.*
}

for w in $WORKLOADS; do
  for variant in $PG_VARIANTS; do
    for c in $CLIENTS; do
      run_one "$variant" "$w" "$c"
    done
  done
done

echo
echo "PostgreSQL $PG_VERSION peer baseline (results appended to $RESULTS)"
python3 "$PEERS_DIR/peers.py" table "$RUN_JSONL"
