#!/bin/bash
# BeforeInstall: make the folders the app needs that the install does not create. Creating
# WEBAPP_ROOT here (not by the install) keeps it out of the install's cleanup list.
set -euo pipefail
# Its folder without `dirname`, which would be one more program for every hook.
here=${BASH_SOURCE[0]%/*}; [[ $here != "${BASH_SOURCE[0]}" ]] || here=.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"
mkdir -p "$WEBAPP_ROOT" "$RUN_DIR" "$LOG_DIR"
chmod 0755 "$WEBAPP_ROOT" "$RUN_DIR" "$LOG_DIR"
echo "prepared $RUN_DIR and $LOG_DIR"
