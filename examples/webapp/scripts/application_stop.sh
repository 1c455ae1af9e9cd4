#!/bin/bash
# ApplicationStop: stop the server this host runs. CodeDeploy runs this script from the
# revision that was installed LAST time, so it must keep working for later revisions too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
stop_server
