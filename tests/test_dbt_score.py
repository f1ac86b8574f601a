"""The dbt scoring tool, on the shop fixture against what `dbt parse` made of it: every edge
and every model name matches, and a project that lost a ref is scored down."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git

from lineage_assets.git_sql.dbt.records import Target
from lineage_dev.dbt_score import report, score

FIXTURES = Path(__file__).parent / "fixtures" / "dbt"
AUTHOR = git.Actor("Dee Bee", "dee@example.com")
PROD = Target(name="prod", schema="analytics", database="prod")


def parsed_manifest() -> dict[str, Any]:
    """dbt's parse of the fixture (prod target), in manifest.json's shape."""
    parsed = json.loads((FIXTURES / "shop_expected_prod.json").read_text())
    nodes = {
        uid: {
            **node,
            "name": uid.split(".")[2],
            "package_name": uid.split(".")[1],
            "depends_on": {"nodes": node["depends_on"]},
        }
        for uid, node in parsed["nodes"].items()
    }
    return {"metadata": {"project_name": "shop"}, "nodes": nodes, "sources": parsed["sources"]}


def project(tmp_path: Path) -> Path:
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    shutil.copytree(FIXTURES / "shop", Path(work.working_dir, "shop"))
    work.git.add("-A")
    work.index.commit("dbt project", author=AUTHOR, committer=AUTHOR)
    return Path(work.working_dir, "shop")


def test_the_shop_fixture_scores_as_dbt_parses_it(tmp_path):
    result = score(project(tmp_path), parsed_manifest(), PROD)
    assert result.crashes == []
    assert len(result.expected) == 27
    assert (result.precision, result.recall, result.name_rate) == (1.0, 1.0, 1.0)
    assert result.models == 14  # the root project's; shop_utils is a package


def test_a_lost_ref_is_a_miss_with_its_cause(tmp_path):
    shop = project(tmp_path)
    model = shop / "models" / "marts" / "fct_orders.sql"
    model.write_text(model.read_text().replace("ref('stg_stripe_charges')", "stripe_charges"))
    repo = git.Repo(shop.parent)
    repo.git.add("-A")
    repo.index.commit("lose a ref", author=AUTHOR, committer=AUTHOR)
    result = score(shop, parsed_manifest(), PROD)
    assert result.recall < 1.0
    assert "MISS staging.stg_stripe_charges -> marts.fct_orders: ref not recorded" in report(result)
