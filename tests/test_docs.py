"""The docs keep up with the code: every setting in the README, every table in docs/tables.md."""

from __future__ import annotations

import re
from pathlib import Path

from lineage_assets.config import SETTINGS
from lineage_assets.store import LineageStore

PROJECT = Path(__file__).resolve().parents[1]


def test_the_readme_opens_with_the_two_commands_and_lists_every_setting():
    readme = (PROJECT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert re.findall(r"^make (\w+)", first_block, re.M) == ["demo", "test"]
    for setting in SETTINGS:
        assert f"`{setting.name.split()[0]}`" in readme, setting.name


def test_docs_tables_describes_every_table_and_column(tmp_path):
    docs = (PROJECT / "docs" / "tables.md").read_text()
    with LineageStore.open(tmp_path / "s.duckdb") as store:
        columns = store.catalog.columns
    for table, table_columns in columns.items():
        assert f"`{table}`" in docs, f"docs/tables.md does not describe table {table}"
        section = docs.split(f"### `{table}`", 1)[-1].split("\n### ", 1)[0]
        for column in table_columns:
            assert f"| {column} |" in section, f"docs/tables.md: {table}.{column} undocumented"


def _cfn_loader() -> type:
    """A YAML loader that reads CloudFormation's short tags (!Ref, !If …) as plain values."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            return {suffix: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {suffix: loader.construct_sequence(node, deep=True)}
        return {suffix: loader.construct_mapping(node, deep=True)}

    Loader.add_multi_constructor("!", tag)
    return Loader


def test_the_member_role_template_grants_what_the_readme_lists_and_nothing_to_write():
    import yaml

    readme = (PROJECT / "README.md").read_text()
    template = yaml.load((PROJECT / "docs/iam/member-role.yaml").read_text(), Loader=_cfn_loader())
    role = template["Resources"]["LineageReadOnlyRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    actions = [action for statement in statements for action in statement["Action"]]
    assert len(actions) == len(set(actions))
    prose = " ".join(readme.split("Read-only IAM for the crawl", 1)[1].split("\n\n", 1)[0].split())
    listed = {
        f"{service}:{name.strip()}"
        for service, names in re.findall(r"`(\w+):([\w, *]+)`", prose)
        for name in names.split(",")
    }
    crawler_only = {"organizations:ListAccounts", "sts:AssumeRole"}
    assert set(actions) == listed - crawler_only
    assert crawler_only <= listed
    verbs = {action.split(":")[1] for action in actions}
    assert all(v.startswith(("List", "Describe", "Get", "BatchGet")) for v in verbs), verbs
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Action"] == "sts:AssumeRole"
    assert "sts:ExternalId" in str(trust["Condition"])
    assert template["Parameters"]["RoleName"]["Default"] == "LineageReadOnly"
