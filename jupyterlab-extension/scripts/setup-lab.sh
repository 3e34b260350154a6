#!/usr/bin/env bash
# Builds what `npm run lab`, `npm run setup` and the browser tests need, skipping each
# step whose inputs have not changed (hash stamps):
#   1. the lab's own build tools and JupyterLab packages (lab/node_modules, from lab/package-lock.json)
#   2. the prebuilt extension (labextension/), with @jupyter/builder
#   3. the JupyterLab front end (lab/build/), unless --extension-only
set -euo pipefail
package_dir="$(cd "$(dirname "$0")/.." && pwd)"
lab_dir="$package_dir/lab"
repo_dir="$(cd "$package_dir/.." && pwd)"
extension_only=false
[ "${1:-}" = "--extension-only" ] && extension_only=true

hash_of() { cat "$@" | sha256sum | cut -c1-32; }
stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

lock_hash="$(hash_of "$lab_dir/package-lock.json")"
tools_stamp="$lab_dir/node_modules/.campfires-stamp"
if ! stamp_matches "$tools_stamp" "$lock_hash"; then
  echo "setup-lab: installing the lab's packages (npm ci in jupyterlab-extension/lab)"
  (cd "$lab_dir" && npm ci --no-audit --no-fund --legacy-peer-deps --loglevel=error)
  echo "$lock_hash" > "$tools_stamp"
fi

payloads="$repo_dir/kernel-lib/src/display/payloads.ts"
# The browser-safe files payloads.ts imports: the extension bundles them too.
cutter="$repo_dir/kernel-lib/src/core/cut-text.ts"
if [ ! -f "$repo_dir/kernel-lib/dist/src/display/payloads.js" ] || [ "$payloads" -nt "$repo_dir/kernel-lib/dist/src/display/payloads.js" ] \
  || [ "$cutter" -nt "$repo_dir/kernel-lib/dist/src/core/cut-text.js" ]; then
  echo "setup-lab: building kernel-lib (the extension bundles its payload schemas)"
  (cd "$repo_dir" && npm run build --silent --workspace kernel-lib)
fi

extension_hash="$(hash_of "$package_dir"/src/*.ts "$package_dir"/style/*.css "$package_dir/package.json" \
  "$package_dir/core-package.json" "$package_dir/rspack.extra.js" "$package_dir/tsconfig.json" "$payloads" "$cutter" \
  "$lab_dir/package-lock.json")"
extension_stamp="$package_dir/labextension/.campfires-stamp"
if ! stamp_matches "$extension_stamp" "$extension_hash"; then
  echo "setup-lab: building the prebuilt extension (labextension/)"
  (cd "$repo_dir" && node node_modules/typescript/bin/tsc -p "$package_dir")
  (cd "$package_dir" && node "$lab_dir/node_modules/@jupyter/builder/lib/build-labextension.js" \
    --core-package-file core-package.json . | grep -v '^$' | grep -v 'WARNING\|│\|license-webpack' || true)
  [ -f "$package_dir/labextension/package.json" ] || { echo "setup-lab: the extension build failed" >&2; exit 1; }
  echo "$extension_hash" > "$extension_stamp"
fi

$extension_only && exit 0

app_hash="$(hash_of "$lab_dir/package-lock.json" "$lab_dir/package.json" "$lab_dir/build.js" "$lab_dir/bootstrap.js" "$lab_dir/index-source.js")"
app_stamp="$lab_dir/build/.campfires-stamp"
if ! stamp_matches "$app_stamp" "$app_hash"; then
  echo "setup-lab: building the JupyterLab front end (lab/build/)"
  (cd "$lab_dir" && node build.js --production)
  echo "$app_hash" > "$app_stamp"
fi
