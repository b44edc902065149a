#!/usr/bin/env bash
# Installs the packages of tools/packages.txt that are missing (apt-get,
# through sudo when not root). Quiet when everything is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t pkgs < <(grep -vE '^\s*(#|$)' "$here/packages.txt")
missing=()
avoid=() # "name-": never install it (apt-get's syntax), e.g. a recommends
for p in "${pkgs[@]}"; do
	case "$p" in *-) avoid+=("$p"); continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" "${avoid[@]}" >/dev/null
