#!/bin/bash
# ApplicationStop: stop the server this host runs. CodeDeploy runs this script from the
# revision that was installed LAST time, so it must keep working for later revisions too.
set -euo pipefail
# Its folder without `dirname`, which would be one more program for every hook.
here=${BASH_SOURCE[0]%/*}; [[ $here != "${BASH_SOURCE[0]}" ]] || here=.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"
stop_server
