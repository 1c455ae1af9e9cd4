#!/bin/bash
# AfterInstall: record which deployment put this revision here. The server reads the file at
# start and names the deployment in its answer to GET /.
set -euo pipefail
# Its folder without `dirname`, which would be one more program for every hook.
here=${BASH_SOURCE[0]%/*}; [[ $here != "${BASH_SOURCE[0]}" ]] || here=.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"
read -r version <"$APP_DIR/VERSION" || true
# bash's own clock (printf %()T), not `date`.
TZ=UTC printf -v installed_at '%(%Y-%m-%dT%H:%M:%SZ)T' -1
tmp=$DEPLOYED_BY.tmp.$$
{
  printf 'DEPLOYMENT_ID=%s\n' "${DEPLOYMENT_ID:-none}"
  printf 'LIFECYCLE_EVENT=%s\n' "${LIFECYCLE_EVENT:-none}"
  printf 'APPLICATION_NAME=%s\n' "${APPLICATION_NAME:-}"
  printf 'DEPLOYMENT_GROUP_NAME=%s\n' "${DEPLOYMENT_GROUP_NAME:-}"
  printf 'VERSION=%s\n' "$version"
  printf 'INSTALLED_AT=%s\n' "$installed_at"
} >"$tmp"
mv -f "$tmp" "$DEPLOYED_BY"
echo "installed webapp $version (deployment ${DEPLOYMENT_ID:-none})"
