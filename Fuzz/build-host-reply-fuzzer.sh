#!/bin/sh
# Builds a libFuzzer binary for the parsers of what hosts send back (lock replies, the probe's
# reply, the hook wrapper's stderr): HoistCore and HoistPlanning compiled with coverage,
# outside SwiftPM. Usage: Fuzz/build-host-reply-fuzzer.sh [out-dir]; then copy
# Fuzz/host-reply-corpus to a scratch directory and run:
#   <out-dir>/host-reply-fuzzer -max_total_time=60 <scratch-corpus>
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build/fuzz-host-reply}
mkdir -p "$out"
cd "$out"

module() { # name, then sources
  name=$1; shift
  swiftc -O -sanitize=fuzzer -parse-as-library -DSWIFT_PACKAGE -module-name "$name" -emit-module -emit-module-path "$name.swiftmodule" \
    -I . -wmo -c "$@" -o "$name.o"
}
module HoistCore $(find "$root/Sources/HoistCore" -name '*.swift')
module HoistPlanning $(find "$root/Sources/HoistPlanning" -name '*.swift')

swiftc -O -sanitize=fuzzer -parse-as-library -I . "$root/Fuzz/HostReplyFuzzer.swift" ./*.o -o host-reply-fuzzer
echo "built $out/host-reply-fuzzer"
