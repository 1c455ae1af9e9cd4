#!/bin/bash
# AfterInstall: record which deployment put this revision here. The server reads the file at
# start and names the deployment in its answer to GET /.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
version=$(cat "$APP_DIR/VERSION")
tmp=$DEPLOYED_BY.tmp.$$
{
  printf 'DEPLOYMENT_ID=%s\n' "${DEPLOYMENT_ID:-none}"
  printf 'LIFECYCLE_EVENT=%s\n' "${LIFECYCLE_EVENT:-none}"
  printf 'APPLICATION_NAME=%s\n' "${APPLICATION_NAME:-}"
  printf 'DEPLOYMENT_GROUP_NAME=%s\n' "${DEPLOYMENT_GROUP_NAME:-}"
  printf 'VERSION=%s\n' "$version"
  printf 'INSTALLED_AT=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$tmp"
mv -f "$tmp" "$DEPLOYED_BY"
echo "installed webapp $version (deployment ${DEPLOYMENT_ID:-none})"
