#!/usr/bin/env bash
# Installs everything WcLayer's build, tests and demo need on a fresh Debian machine, builds,
# and (unless --no-demo) runs the demo: a sample layer made on the spot, taken through the
# main job. Safe to run again.
#   build/setup.sh            install, build, run the demo
#   build/setup.sh --no-demo  install and build only (what CI does before `npm test`)
set -euo pipefail
cd "$(dirname "$0")/.."

demo=1
for a in "$@"; do
  case "$a" in
    --no-demo) demo=0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Peer tools the tests compare against (bsdtar, GNU tar, hivex, zstd, pigz, xz).
need=()
command -v bsdtar >/dev/null || need+=(libarchive-tools)
command -v tar >/dev/null || need+=(tar)
command -v hivexml >/dev/null || need+=(libhivex-bin)
command -v zstd >/dev/null || need+=(zstd)
command -v pigz >/dev/null || need+=(pigz)
command -v xz >/dev/null || need+=(xz-utils)
command -v hivexregedit >/dev/null || need+=(libwin-hivex-perl)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

node -e 'const [a]=process.versions.node.split(".").map(Number); if (a<20) { console.error("setup: Node.js >= 20 is needed, found " + process.version); process.exit(1) }'

# PowerShell and Pester come from NuGet when the feed has them; the static checks in
# `npm test` stand in for Pester when it does not (see README, "Testing").
if ! command -v pwsh >/dev/null && command -v dotnet >/dev/null; then
  if dotnet tool install --global PowerShell >/dev/null 2>&1; then
    echo "setup: installed PowerShell as a .NET global tool" >&2
  else
    echo "setup: PowerShell is not on this machine's NuGet feed; PowerShell files are checked statically" >&2
  fi
fi

npm ci --no-audit --no-fund
npm run build

if [ "$demo" -eq 1 ]; then
  node build/demo.mjs
fi
