#!/bin/bash
# ValidateService: the server must answer GET /health with 200 within 20 s, and GET / must
# name the version that was just installed (so a stale server cannot pass).
set -euo pipefail
# Its folder without `dirname`, which would be one more program for every hook.
here=${BASH_SOURCE[0]%/*}; [[ $here != "${BASH_SOURCE[0]}" ]] || here=.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"
read -r expected <"$APP_DIR/VERSION" || true
python3 - "$WEBAPP_PORT" "$expected" <<'PY'
import sys, time, urllib.request

port, expected = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 20
last = "no answer yet"
while True:
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as r:
            if r.status == 200 and r.read().strip() == b"ok":
                with urllib.request.urlopen(base + "/", timeout=2) as page:
                    line = page.read().decode().strip()
                if f"version={expected} " in line + " ":
                    print(f"webapp is healthy: {line}")
                    sys.exit(0)
                last = f"GET / answered {line!r}, not version {expected}"
            else:
                last = f"GET /health answered {r.status}"
    except Exception as error:
        last = f"GET /health failed: {error}"
    if time.monotonic() >= deadline:
        print(f"webapp is not healthy after 20 s: {last}", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.5)
PY
