#!/usr/bin/env bash
# Copies this host's CNCF Distribution registry binary (Debian's `docker-registry`, or upstream's `registry`;
# ECR_REGISTRY_BINARY names another) into a build context's docker/registry-bin/, where the Dockerfile's
# `registry` stage takes it when the base image has no apt-get (the offline stand-in that
# scripts/build-node-base-image.sh makes). With the real node:20-bookworm-slim base the image installs
# Debian's package instead and a staged binary is ignored. Does nothing (and says so) when the host has none:
# the image is then built without a registry, and ECR runs degraded in it (docs/ecr-provider.md).
#
#   bash scripts/stage-registry-binary.sh [context-dir]      # default: the repository root
set -euo pipefail

context=${1:-$(cd "$(dirname "$0")/.." && pwd)}
binary=${ECR_REGISTRY_BINARY:-$(command -v docker-registry || command -v registry || true)}
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "no registry binary on this host (apt-get install docker-registry): none staged"
  exit 0
fi
mkdir -p "$context/docker/registry-bin"
cp -L "$binary" "$context/docker/registry-bin/docker-registry"
chmod 755 "$context/docker/registry-bin/docker-registry"
echo "staged $binary in $context/docker/registry-bin/"
