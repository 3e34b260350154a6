#!/usr/bin/env bash
# Set-up for `npm test` on a fresh Debian machine: the Debian packages the tests use,
# the npm dependencies, the builds, the Jupyter kernelspec and the test JupyterLab.
# Each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

debian_packages=(jupyter-nbconvert python3-nbclient jupyter-client python3-jupyter-server python3-jupyterlab-server chromium redis-server)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if (( ${#missing[@]} > 0 )); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

npm run build --silent

for step in kernel-lib/scripts/install-kernelspec.js; do
  [ -f "$step" ] && node "$step"
done
for step in jupyterlab-extension/scripts/setup-lab.sh; do
  [ -f "$step" ] && bash "$step"
done
exit 0
