#!/bin/bash
# ApplicationStart: start the server in the background, detached from this hook. Its output
# goes to a log file and its stdin is /dev/null: a background process that keeps the hook's
# stdout or stderr open makes the deployment wait (CodeDeploy) or fail (Hoist).
set -euo pipefail
# Its folder without `dirname`, which would be one more program for every hook.
here=${BASH_SOURCE[0]%/*}; [[ $here != "${BASH_SOURCE[0]}" ]] || here=.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"
mkdir -p "$RUN_DIR" "$LOG_DIR"
# A server left running (say a first deployment after a manual start) is replaced.
# stop_server leaves no pid file behind (and ends this hook if it cannot stop the server).
stop_server
cd "$APP_DIR"
# setsid gives the server a session of its own, so a signal to this hook's process group does
# not reach it; -w keeps $! alive as long as the server runs even if setsid had to fork.
# Descriptors this hook inherited beyond 0-2 (pipes of whatever started it) are closed too.
(
  for fd in "/proc/$BASHPID/fd/"*; do
    fd=${fd##*/}
    if ((fd > 2)); then exec {fd}>&-; fi
  done
  exec nohup setsid -w python3 server.py --port "$WEBAPP_PORT" --pidfile "$PIDFILE" \
    --log "$LOG_DIR/access.log" --deployed-by "$DEPLOYED_BY" >>"$LOG_DIR/server.log" 2>&1 </dev/null
) &
launched=$!
# The server writes its pid file once it listens; wait for that, at most 15 s.
for ((i = 0; i < 150; i++)); do
  if server_running; then
    read -r version <VERSION || true
    echo "webapp started (pid $SERVER_PID, port $WEBAPP_PORT, version $version)"
    exit 0
  fi
  kill -0 "$launched" 2>/dev/null || break
  nap 0.1
done
echo "webapp did not start; the end of $LOG_DIR/server.log:" >&2
tail -n 20 "$LOG_DIR/server.log" >&2 || true
exit 1
