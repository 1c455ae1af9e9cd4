#!/bin/sh
# Checks that the permissions section was applied: prints "owner:group mode path" for each
# installed path and fails on the first one that differs from the AppSpec.
set -u
root=${SHOWCASE_ROOT:-/srv/showcase}
status=0
expect() {
  actual=$(stat -c '%U:%G %a' "$2" 2>/dev/null || echo missing)
  echo "$actual $2"
  if [ "$actual" != "$1" ]; then
    echo "expected $1 for $2" >&2
    status=1
  fi
}
expect "appuser:appuser 640" "$root/www/index.html"
expect "appuser:appuser 750" "$root/www/assets"
expect "appuser:appuser 640" "$root/www/assets/style.css"
expect "root:root 755" "$root/bin/showcase-info"
exit $status
