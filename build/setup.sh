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

# The PowerShell module's end-to-end tests host the PowerShell 7.6 engine from NuGet
# (System.Management.Automation; pwsh and Pester are not on the feed). Restore that project
# now, while the network is known to be wanted; `npm test` then builds it offline from the cache.
if command -v dotnet >/dev/null; then
  DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet restore test/dotnet/WcLayer.Module.Tests --configfile test/dotnet/NuGet.config >/dev/null
else
  echo "setup: dotnet is not installed; the C# transport and module tests of npm test need the .NET 10 SDK" >&2
fi

npm ci --no-audit --no-fund
npm run build

if [ "$demo" -eq 1 ]; then
  node build/demo.mjs
fi
