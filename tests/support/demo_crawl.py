"""One nightly crawl of the emulated demo account per test session (per xdist worker), shared by
the end-to-end, API, viewer and OpenLineage tests; each module reads a copy of its own, so none
sees another's cursors, connections or files."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lineage_assets import config
from lineage_dev.demo_repo import build_demo_remote
from lineage_dev.emulator.seed import SeededAccount
from lineage_dev.emulator.server import EmulatorServer

PROJECT = Path(__file__).resolve().parents[2]
REGIONS = "us-east-1,eu-west-1"

if TYPE_CHECKING:  # dagster loads when a crawl runs, not with every test session
    import dagster as dg


@dataclass(frozen=True)
class DemoCrawl:
    """The data folder of one `lineage_job` run, the seeded account it crawled, whether each
    asset check passed, and the OpenLineage export's metadata of that run."""

    home: Path
    account: SeededAccount
    checks: dict[str, bool]
    openlineage_metadata: dict[str, str]

    def copy(self, folder: Path) -> Path:
        """A data folder of its own holding the published store and the snapshot files."""
        shutil.copy(config.published_path(self.home), config.published_path(folder))
        shutil.copytree(self.home / "graph", folder / "graph")
        return folder


def crawl_demo(server: EmulatorServer, home: Path) -> dg.ExecuteInProcessResult:
    """Run the nightly job against the emulator into `home` (no OpenLineage transport)."""
    import dagster as dg

    from dagster_project.definitions import defs
    from tests.conftest import point_at_emulator  # conftest imports this module

    remote = build_demo_remote(PROJECT / "sql_repo", home / "sql_repo.git")
    with pytest.MonkeyPatch.context() as patch:
        point_at_emulator(patch, server.endpoint_url)
        patch.setenv("LINEAGE_HOME", str(home))
        patch.setenv("LINEAGE_AWS_REGIONS", REGIONS)
        patch.setenv("LINEAGE_SQL_REPO", remote.url)
        for name in os.environ:
            if name.startswith("OPENLINEAGE"):
                patch.delenv(name, raising=False)
        with dg.instance_for_test() as instance:
            return (
                defs()
                .resolve_job_def("lineage_job")
                .execute_in_process(instance=instance, raise_on_error=False)
            )


@pytest.fixture(scope="session")
def demo_crawl(
    emulator: tuple[EmulatorServer, SeededAccount], tmp_path_factory: pytest.TempPathFactory
) -> DemoCrawl:
    """The demo account crawled once by the nightly job (the expensive part of these tests)."""
    server, account = emulator
    home = tmp_path_factory.mktemp("demo-crawl")
    result = crawl_demo(server, home)
    assert result.success
    assert config.published_path(home).exists()
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    exported = result.asset_materializations_for_node("openlineage_export")[0]
    metadata = {key: str(value) for key, value in exported.metadata.items()}
    return DemoCrawl(home, account, checks, metadata)
