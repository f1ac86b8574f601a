#!/usr/bin/env bash
# Smoke test of the code-location image, wherever Docker runs:
#   1. build it from the repository's root (Dockerfile + .dockerignore);
#   2. `dagster definitions validate` inside it (every definition loads, no I/O at import);
#   3. start its default command, the gRPC server, and wait for its health check.
# Usage: deploy/smoke.sh [IMAGE_TAG]   (default lineage-assets:smoke)
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-lineage-assets:smoke}"

docker build --tag "$image" .

# An empty DAGSTER_HOME: validation needs no instance, so no PostgreSQL either.
docker run --rm --env DAGSTER_HOME=/tmp "$image" \
  dagster definitions validate --module-name dagster_project.definitions

container="$(docker run --detach --env DAGSTER_HOME=/tmp "$image")"
trap 'docker rm --force "$container" >/dev/null' EXIT
for _ in $(seq 1 60); do
  if docker exec "$container" dagster api grpc-health-check --port 4000 >/dev/null 2>&1; then
    echo "smoke: $image builds, validates and serves the code location on port 4000"
    exit 0
  fi
  sleep 2
done
echo "smoke: the gRPC server of $image did not answer; its log:" >&2
docker logs "$container" >&2
exit 1
