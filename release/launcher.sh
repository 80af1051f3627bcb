#!/bin/sh
# Launcher of the apptrust CLI release tarball, installed as `kubectl-apptrust` (kubectl finds it on
# PATH; krew links it from its bin directory) and as `apptrust`. The CLI is JavaScript: it runs on the
# Node.js found on PATH (or APPTRUST_NODE), with its dependencies in lib/node_modules next to this file.
# Only shell builtins until node, so nothing but Node (and readlink, for a symlinked launcher) is needed.
# Exit 127: no node; 126: a node older than the CLI's engines range; else the CLI's own exit code.
set -e

self=$0
case $self in */*) ;; *) self=./$self ;; esac
# krew and users symlink the launcher: follow the links to the unpacked folder that holds lib/.
while [ -L "$self" ]; do
  link=$(readlink "$self")
  case $link in /*) self=$link ;; *) self=${self%/*}/$link ;; esac
done
here=$(cd -P "${self%/*}" && pwd -P)

node=${APPTRUST_NODE:-node}
if ! command -v "$node" >/dev/null 2>&1; then
  echo "apptrust: needs Node.js >= 22.19: no \`$node\` on PATH (install Node.js, or set APPTRUST_NODE to a node binary)" >&2
  exit 127
fi
version=$("$node" --version)
v=${version#v}
major=${v%%.*}
minor=${v#*.}
minor=${minor%%.*}
case $major in '' | *[!0-9]*) major=0 ;; esac
case $minor in '' | *[!0-9]*) minor=0 ;; esac
if [ "$major" -lt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 19 ]; }; then
  echo "apptrust: needs Node.js >= 22.19, \`$node\` is $version (install a newer one, or set APPTRUST_NODE to a node binary)" >&2
  exit 126
fi
exec "$node" "$here/lib/dist/cli/bin.js" "$@"
