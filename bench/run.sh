#!/usr/bin/env bash
# Runs every benchmark against the built library (npm run bench builds it first).
# Benchmarks print figures and ratios against a baseline measured in the same run;
# they are not tests and never fail a build.
set -uo pipefail
cd "$(dirname "$0")/.."
for bench in bench/handoff.js bench/party-box.js bench/throughput.js bench/redis*.js bench/simulation*.js; do
  [ -f "$bench" ] || continue
  echo "== node $bench"
  node "$bench" || echo "(benchmark $bench failed)"
  echo
done
