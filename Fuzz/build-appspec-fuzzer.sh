#!/bin/sh
# Builds a libFuzzer binary for the AppSpec parser and validator: every module it needs
# (CYaml, Yams, HoistCore, HoistPlanning, HoistConfig) compiled with coverage, outside SwiftPM.
# Usage: Fuzz/build-appspec-fuzzer.sh [out-dir]; then copy Fuzz/corpus to a scratch directory
# (libFuzzer adds its finds to the first corpus directory) and run:
#   <out-dir>/appspec-fuzzer -max_total_time=60 <scratch-corpus>
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build/fuzz}
yams=$root/.build/checkouts/Yams/Sources
[ -d "$yams" ] || (cd "$root" && swift package resolve)
mkdir -p "$out"
cd "$out"

for c in "$yams"/CYaml/src/*.c; do
  clang -O1 -fsanitize=fuzzer-no-link -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" -c "$c" -o "cyaml-$(basename "$c" .c).o"
done

module() { # name, then sources
  name=$1; shift
  swiftc -O -sanitize=fuzzer -parse-as-library -DSWIFT_PACKAGE -module-name "$name" -emit-module -emit-module-path "$name.swiftmodule" \
    -I . -I "$yams/CYaml/include" -Xcc -DYAML_DECLARE_STATIC -wmo -c "$@" -o "$name.o"
}
module Yams "$yams"/Yams/*.swift
module HoistCore $(find "$root/Sources/HoistCore" -name '*.swift')
module HoistPlanning "$root"/Sources/HoistPlanning/*.swift
module HoistConfig $(find "$root/Sources/HoistConfig" -name '*.swift')

swiftc -O -sanitize=fuzzer -parse-as-library -I . -I "$yams/CYaml/include" "$root/Fuzz/AppSpecFuzzer.swift" ./*.o -o appspec-fuzzer
echo "built $out/appspec-fuzzer"
