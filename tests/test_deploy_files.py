"""The deployment files agree with the project and with each other: the image installs the
versions the tests ran with, copies only what exists and is not ignored, and serves the code
location the workspace names; the Helm values and deploy/dagster.yaml set the same limits; the
settings table of docs/deploy.md lists every variable the code and the instance files read."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

from lineage_assets.config import SETTINGS

PROJECT = Path(__file__).resolve().parents[1]
REGENERATE = "regenerate deploy/constraints.txt as its header says"


def canonical(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    """`name==version` requirement lines → {canonical name: version} (others skipped)."""
    found = {}
    for line in lines:
        requirement = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in requirement and "[" not in requirement:
            name, version = requirement.split("==", 1)
            found[canonical(name)] = version.strip()
    return found


def constraints() -> dict[str, str]:
    return pins((PROJECT / "deploy/constraints.txt").read_text().splitlines())


def test_the_image_pins_every_runtime_dependency_at_pyprojects_version():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    wanted = pins(project["dependencies"] + project["optional-dependencies"]["lake"])
    pinned = constraints()
    assert {name: pinned.get(name) for name in wanted} == wanted, REGENERATE


def test_the_image_installs_the_versions_the_tests_run_with():
    installed = {}
    for name in constraints():
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    assert installed == constraints(), REGENERATE


def dockerfile() -> list[list[str]]:
    """The Dockerfile's instructions, continuation lines joined, each split into words."""
    text = re.sub(r"\\\n", " ", (PROJECT / "Dockerfile").read_text())
    return [line.split() for line in text.splitlines() if line.strip() and line[0] != "#"]


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (last matching rule wins)."""
    verdict = False
    for raw in (PROJECT / ".dockerignore").read_text().splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/").removeprefix("**/")
        parts = Path(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) for p in prefixes) or any(
            fnmatch.fnmatch(part, pattern) for part in parts
        ):
            verdict = not negate
    return verdict


def test_the_image_copies_files_that_exist_and_reach_the_build_context():
    copied = [source for words in dockerfile() if words[0] == "COPY" for source in words[1:-1]]
    assert "lineage_assets" in copied and "dagster_project" in copied
    for source in copied:
        assert (PROJECT / source).exists(), source
        assert not ignored(source), f"{source} is excluded by .dockerignore"
    assert ignored("lineage_dev/demo.py") and ignored("tests/conftest.py")
    assert ignored("lineage_assets/__pycache__/x.pyc")


def test_the_image_serves_the_code_location_the_workspace_and_helm_name():
    (cmd,) = [words for words in dockerfile() if words[0] == "CMD"]
    command = [word.strip('[],"') for word in cmd[1:]]
    assert command[:3] == ["dagster", "api", "grpc"]
    module = command[command.index("--module-name") + 1]
    port = command[command.index("--port") + 1]
    workspace = yaml.safe_load((PROJECT / "workspace.yaml").read_text())
    assert module == workspace["load_from"][0]["python_module"]["module_name"]
    expose = [words[1] for words in dockerfile() if words[0] == "EXPOSE"]
    assert expose == [port]
    values = yaml.safe_load((PROJECT / "deploy/helm/values.yaml").read_text())
    (location,) = values["dagster-user-deployments"]["deployments"]
    assert location["dagsterApiGrpcArgs"] == ["--module-name", module]
    assert str(location["port"]) == port
    base = next(words[1] for words in dockerfile() if words[0] == "FROM")
    required = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    floor = required["requires-python"].removeprefix(">=")
    assert base.startswith(f"python:{floor}-slim"), base


def test_helm_values_set_the_limits_of_the_instance_file():
    instance = yaml.safe_load((PROJECT / "deploy/dagster.yaml").read_text())
    values = yaml.safe_load((PROJECT / "deploy/helm/values.yaml").read_text())
    queue = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    runs = instance["concurrency"]["runs"]
    assert queue["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert queue["dequeueUseThreads"] == instance["run_queue"]["dequeue_use_threads"]
    assert queue["dequeueNumWorkers"] == instance["run_queue"]["dequeue_num_workers"]
    assert queue["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert (
        values["postgresql"]["postgresqlScheme"]
        == (instance["storage"]["postgres"]["postgres_db"]["scheme"])
    )


def instance_variables() -> set[str]:
    """Every variable the shipped instance files read (`{env: NAME}`)."""
    found: set[str] = set()
    for path in (PROJECT / "deploy").glob("dagster*.yaml"):
        found |= set(re.findall(r"\{env: (\w+)\}", path.read_text()))
    return found


def test_the_deploy_guide_lists_every_setting():
    guide = (PROJECT / "docs/deploy.md").read_text()
    table = guide.split("## Settings", 1)[1].split("\n## ", 1)[0]
    names = {setting.name.split()[0] for setting in SETTINGS} | instance_variables()
    missing = sorted(name for name in names if f"| `{name}`" not in table)
    assert not missing, f"docs/deploy.md's settings table lacks {missing}"
    assert {"DAGSTER_PG_PASSWORD", "DAGSTER_COMPUTE_LOG_BUCKET"} <= instance_variables()


def instance_file(name: str) -> dict:
    return yaml.safe_load((PROJECT / "deploy" / name).read_text())


def test_the_instance_variants_add_one_section_each():
    """dagster-s3-logs.yaml = dagster.yaml + compute logs in S3; dagster-ecs.yaml = that + the
    ECS run launcher (YAML has no includes, so the copies are checked here)."""
    s3_logs = instance_file("dagster-s3-logs.yaml")
    logs = s3_logs.pop("compute_logs")
    assert s3_logs == instance_file("dagster.yaml")
    assert logs["class"] == "S3ComputeLogManager"
    assert logs["config"]["bucket"] == {"env": "DAGSTER_COMPUTE_LOG_BUCKET"}
    ecs = instance_file("dagster-ecs.yaml")
    launcher = ecs.pop("run_launcher")
    assert ecs == instance_file("dagster-s3-logs.yaml")
    assert (launcher["module"], launcher["class"]) == ("dagster_aws.ecs", "EcsRunLauncher")


def test_the_ecs_run_launcher_config_is_valid_for_dagster_aws(monkeypatch):
    from dagster._config import process_config, resolve_to_config_type
    from dagster_aws.ecs import EcsRunLauncher

    monkeypatch.setenv("ECS_CLUSTER", "lineage")
    launcher = instance_file("dagster-ecs.yaml")["run_launcher"]["config"]
    checked = process_config(resolve_to_config_type(EcsRunLauncher.config_type()), launcher)
    assert checked.success, checked.errors
    assert checked.value["run_task_kwargs"]["cluster"] == "lineage"
