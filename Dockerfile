# The lineage-assets code location as a Dagster user deployment: the gRPC server the webserver
# and the daemon load definitions from, and the image its run workers execute in (Helm's
# K8sRunLauncher and dagster-aws's EcsRunLauncher both start runs from it).
#   docker build -t lineage-assets:$(git rev-parse --short HEAD) .
#   deploy/smoke.sh   # builds it, validates the definitions inside it, checks the gRPC server
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the SQL sync clones the warehouse repository (GitPython drives the git binary);
# tini: reaps the run workers' children and forwards SIGTERM to the gRPC server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 lineage

WORKDIR /opt/lineage

# Every runtime dependency at the version the test suite ran with (deploy/constraints.txt is
# generated from a clean install of `.[lake]`), in its own layer so code changes reuse it.
COPY deploy/constraints.txt deploy/constraints.txt
RUN pip install --requirement deploy/constraints.txt

# The product only: the library and the Dagster layer (no emulator, demo or tests).
COPY pyproject.toml README.md workspace.yaml ./
COPY lineage_assets lineage_assets
COPY dagster_project dagster_project
RUN pip install --no-deps ".[lake]" && pip check

# The instance file every Dagster process of the deployment reads (PostgreSQL; its DAGSTER_PG_*
# variables come from the task or pod). The Helm chart mounts its own at the same path.
ENV DAGSTER_HOME=/opt/dagster/dagster_home \
    LINEAGE_HOME=/var/lib/lineage
COPY deploy/dagster.yaml /opt/dagster/dagster_home/dagster.yaml
RUN mkdir -p /var/lib/lineage && chown lineage /var/lib/lineage /opt/dagster/dagster_home

USER lineage
EXPOSE 4000
ENTRYPOINT ["tini", "--"]
CMD ["dagster", "api", "grpc", "--module-name", "dagster_project.definitions", \
     "--host", "0.0.0.0", "--port", "4000"]
