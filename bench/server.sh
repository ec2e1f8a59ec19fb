# Sourced by the bench scripts: starts one omnistockd and stops it when the script exits.
#
#   source bench/server.sh
#   start_server BIN_DIR WORK_DIR LISTEN [FLAG ...]   # data in WORK_DIR/data, log in
#                                                     # WORK_DIR/omnistockd.log
#   ... "$server_target" is the address it serves on (LISTEN may name port 0) ...
#
# Exits the script with the server's log when it does not come up. The EXIT trap stops the
# server (stop_server) and runs the script's own `on_exit` if it defines one.
server_pid=""
server_target=""

# SIGTERM, then up to 60 s for the clean shutdown, then SIGKILL.
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 600); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "omnistockd did not stop within 60 s of SIGTERM: killed" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

_server_exit() {
  stop_server
  if declare -F on_exit >/dev/null; then on_exit; fi
}
trap _server_exit EXIT

start_server() {
  local bin=$1 work=$2 listen=$3
  shift 3
  mkdir -p "$work"
  rm -f "$work/ready"
  "$bin/omnistockd" --listen="$listen" --data_dir="$work/data" --ready_file="$work/ready" \
    "$@" >"$work/omnistockd.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    [[ -s "$work/ready" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$work/ready" ]]; then
    echo "omnistockd did not start; its log ($work/omnistockd.log):" >&2
    cat "$work/omnistockd.log" >&2
    exit 1
  fi
  server_target=$(cat "$work/ready")
}
