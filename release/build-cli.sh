#!/usr/bin/env bash
# Builds the CLI release artefact and its krew plugin manifest (make cli-release):
#   OUT_DIR/apptrust-cli-vX.Y.Z.tar.gz         the compiled CLI, its production dependencies and the
#                                              launchers: runs with only Node.js on PATH, no network
#   OUT_DIR/apptrust-cli-vX.Y.Z.tar.gz.sha256  its checksum (sha256sum format)
#   OUT_DIR/apptrust.yaml                      plugins/apptrust.yaml filled with version, URL and sha256
# Usage: release/build-cli.sh VERSION OUT_DIR REPO   (VERSION: vX.Y.Z, package.json's version; empty
# means that one; REPO: owner/name on GitHub, whose releases page hosts the tarball).
# Reproducible: the same commit and lockfile give the same bytes (sorted entries, fixed owner and
# mtime, gzip without a timestamp), so anyone can rebuild a release and compare its sha256.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 VERSION OUT_DIR OWNER/REPO" >&2
  exit 2
fi
version=$1 out=$2 repo=$3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

pkg_version=$(node -p 'require("./package.json").version')
case $version in '') version=v$pkg_version ;; v*) ;; *) version=v$version ;; esac
if [ "$version" != "v$pkg_version" ]; then
  echo "cli-release: VERSION=$version, but package.json says $pkg_version: the CLI prints package.json's version, so release v$pkg_version or change package.json first (npm version X.Y.Z --no-git-tag-version)" >&2
  exit 2
fi
case $repo in */*) ;; *) echo "cli-release: REPO must be owner/name, got $repo" >&2; exit 2 ;; esac
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
  echo "cli-release: needs GNU tar (reproducible archives: --sort, --mtime, --owner)" >&2
  exit 2
fi
for f in LICENSE README.md package.json package-lock.json; do
  [ -f "$f" ] || { echo "cli-release: $f is missing" >&2; exit 2; }
done

name=apptrust-cli-$version
stage=$(mktemp -d "${TMPDIR:-/tmp}/apptrust-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# A clean compile (no stale files from an older dist/), packed by npm so the package's "files"
# decide what ships, exactly as in the npm package.
mkdir -p "$stage/pkg"
tsc -p tsconfig.build.json --outDir "$stage/pkg/dist"
cp package.json package-lock.json README.md LICENSE "$stage/pkg/"
(cd "$stage/pkg" && npm pack --ignore-scripts --silent --pack-destination "$stage" >/dev/null)
mkdir -p "$stage/$name/lib"
tar -xzf "$stage/apptrust-operator-$pkg_version.tgz" -C "$stage/$name/lib" --strip-components=1

# Production dependencies, from the lockfile, into lib/node_modules. What a running CLI never reads
# goes (TypeScript sources and declarations, source maps, docs); licence and notice files stay, they
# travel with the code.
cp package-lock.json "$stage/$name/lib/"
(cd "$stage/$name/lib" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --silent)
rm "$stage/$name/lib/package-lock.json"
find "$stage/$name/lib/node_modules" -type f \
  \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.md' \) \
  ! -iname 'license*' ! -iname 'licence*' ! -iname 'notice*' -delete
rm -rf "$stage/$name/lib/node_modules/@types"
# The dependencies' own commands are never run, and krew's unpacker takes regular files and
# directories only (a symlink fails the install).
rm -rf "$stage/$name/lib/node_modules/.bin"
if [ -n "$(find "$stage/$name" ! -type f ! -type d)" ]; then
  echo "cli-release: the archive would hold entries krew cannot unpack:" >&2
  find "$stage/$name" ! -type f ! -type d >&2
  exit 1
fi

cp release/launcher.sh "$stage/$name/kubectl-apptrust"
cp release/launcher.sh "$stage/$name/apptrust"
cp LICENSE "$stage/$name/LICENSE"

mkdir -p "$out"
tarball=$out/$name.tar.gz
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu \
  --mode='u+rwX,go+rX,go-w' -C "$stage" -cf - "$name" | gzip -9n >"$tarball"

sha=$(sha256sum "$tarball" | cut -d' ' -f1)
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
# The template's placeholders, filled; its first comment block (about being a template) is dropped.
sed -e '1,/^$/d' -e "s|@VERSION@|$version|g" -e "s|@SHA256@|$sha|g" -e "s|@REPO@|$repo|g" \
  plugins/apptrust.yaml >"$out/apptrust.yaml"
if grep -q '@[A-Z0-9]*@' "$out/apptrust.yaml"; then
  echo "cli-release: unfilled placeholder in $out/apptrust.yaml" >&2
  exit 1
fi
echo "$tarball ($(du -k "$tarball" | cut -f1) KiB, sha256 $sha)"
echo "$out/apptrust.yaml (krew plugin manifest: upload the tarball to https://github.com/$repo/releases/tag/$version, then submit this file to a krew index)"
