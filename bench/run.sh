#!/usr/bin/env bash
# Runs every benchmark against the built library (npm run bench builds it first).
# Benchmarks print figures and ratios against a baseline measured in the same run;
# they are not tests and never fail a build.
set -uo pipefail
cd "$(dirname "$0")/.."
run() {
  echo "== $*"
  "$@" || echo "(benchmark failed: $*)"
  echo
}
for bench in bench/handoff.js bench/party-box.js bench/throughput.js bench/simulation.js bench/sweep-workers.js bench/config-loader.js bench/notebook.js; do
  [ -f "$bench" ] && run node "$bench"
done
# The Redis bus benchmark runs from TypeScript and needs Debian's redis-server.
if [ -f bench/redis-bus.ts ] && [ -f test/helpers/register-ts.js ]; then
  run node -r ./test/helpers/register-ts.js bench/redis-bus.ts
fi
# Scrubbing in the browser needs the built lab and extension (bash jupyterlab-extension/scripts/setup-lab.sh).
if [ -f bench/scrub.ts ] && [ -f jupyterlab-extension/lab/build/templates/index.html ] && [ -f jupyterlab-extension/labextension/package.json ]; then
  run node -r ./test/helpers/register-ts.js bench/scrub.ts
fi
