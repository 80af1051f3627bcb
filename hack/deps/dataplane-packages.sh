#!/usr/bin/env bash
# Installs the Debian packages the dataplane tier needs (nftables, iptables, iproute2, conntrack,
# socat) when they are missing, on Linux as root with apt-get; elsewhere it does nothing and the tier
# reports its own skip reason. Used by `make test`, `make test-dataplane` and .ci/run.
set -uo pipefail
[ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || exit 0
missing=()
for pair in nft:nftables iptables:iptables ip:iproute2 conntrack:conntrack socat:socat; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing for the dataplane tier: ${missing[*]}"
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null ||
  echo "apt-get could not install ${missing[*]}: the dataplane tier will say what it misses" >&2
exit 0
