# Shared by the webapp's hook scripts (sourced, not run). Everything the app owns lives under
# WEBAPP_ROOT; the variables exist so the hooks can be tried outside a deployment.
# The helpers below start no programs (bash builtins only): the hooks poll them ten times a
# second while the server starts or stops, on every host at once.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
WEBAPP_ROOT=${WEBAPP_ROOT:-/srv/webapp}
WEBAPP_PORT=${WEBAPP_PORT:-8080}
APP_DIR=$WEBAPP_ROOT/current          # what the AppSpec's `files` section installs
RUN_DIR=$WEBAPP_ROOT/run
LOG_DIR=$WEBAPP_ROOT/logs
PIDFILE=$RUN_DIR/server.pid
DEPLOYED_BY=$WEBAPP_ROOT/deployed-by
# Hooks may run with a minimal PATH (CodeDeploy's agent, `su`); the system python3 is wanted.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

# Succeeds, with SERVER_PID set, if the pid file names a live server.py process.
# A zombie's cmdline is empty, so a server that has exited never counts as running.
server_running() {
  local pid='' arg
  SERVER_PID=
  { read -r pid <"$PIDFILE"; } 2>/dev/null || [[ -n $pid ]] || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # The arguments are NUL-separated; `read -d ''` takes one at a time (bash 4.2, Amazon Linux 2).
  while IFS= read -r -d '' arg; do
    if [[ $arg == *server.py ]]; then
      SERVER_PID=$pid
      return 0
    fi
  done 2>/dev/null <"/proc/$pid/cmdline" || true
  return 1
}

# Pauses for $1 seconds: a read with a timeout on a FIFO that nobody writes to, since `sleep`
# would start a program at every turn of a polling loop. Falls back to `sleep` where no FIFO
# can be made.
nap() {
  if [[ -z ${NAP_FD:-} ]]; then
    if { [[ -p $RUN_DIR/nap ]] || mkfifo "$RUN_DIR/nap"; } 2>/dev/null && exec {NAP_FD}<>"$RUN_DIR/nap"; then
      :
    else
      NAP_FD=none
    fi
  fi
  if [[ $NAP_FD == none ]]; then sleep "$1"; else read -r -t "$1" -u "$NAP_FD" _ || true; fi
}

# Waits up to $1 tenths of a second for the server to be gone; fails if it is still running.
wait_until_stopped() {
  local i
  for ((i = 0; i < $1; i++)); do
    server_running || return 0
    nap 0.1
  done
  ! server_running
}

# Stops the server: TERM, up to 10 s, then KILL. Succeeds when nothing was running.
stop_server() {
  local pid
  if ! server_running; then
    echo "webapp is not running"
    [[ ! -e $PIDFILE ]] || rm -f "$PIDFILE"
    return 0
  fi
  pid=$SERVER_PID
  echo "stopping webapp (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until_stopped 100; then
    echo "webapp did not stop within 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    if ! wait_until_stopped 20; then
      echo "webapp (pid $pid) is still running" >&2
      return 1
    fi
  fi
  rm -f "$PIDFILE"
  echo "webapp stopped"
}
