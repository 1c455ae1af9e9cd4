#!/bin/sh
# Prints who runs this hook, where, and the deployment variables it was given: the ones
# CodeDeploy sets, and Hoist's HOIST_* additions.
echo "event: ${LIFECYCLE_EVENT:-?}"
echo "user: $(id -un) (uid $(id -u), groups $(id -Gn))"
echo "working directory: $(pwd)"
echo "script: $0"
env | grep -E '^(LIFECYCLE_EVENT|DEPLOYMENT_ID|APPLICATION_NAME|DEPLOYMENT_GROUP_NAME|DEPLOYMENT_GROUP_ID|HOIST_[A-Z0-9_]*|HOME|USER|LOGNAME)=' | sort
