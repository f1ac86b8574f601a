"""A repository's `.lineage.toml` as pure data: dialects and the dbt target fill only what the
configuration leaves open, and oversized or forbidden settings are named and ignored."""

from __future__ import annotations

from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.settings import (
    MAX_DIALECT_NAME,
    MAX_DIALECT_OVERRIDES,
    MAX_PATTERN,
    apply_settings,
    default_dialect,
    dialect_overrides,
    parse_settings,
    settings_path,
)

CONFIG = GitSourceConfig("file:///repo.git")
PATH = ".lineage.toml"


def test_settings_live_at_the_top_of_the_synced_folder():
    assert settings_path(CONFIG) == ".lineage.toml"
    assert settings_path(GitSourceConfig("file:///r.git", subdirectory="/sql/")) == (
        "sql/.lineage.toml"
    )


def test_dialects_and_dbt_target_fill_an_open_configuration():
    document = parse_settings(
        '[sql]\ndialect = "athena"\n[sql.dialects]\n"redshift/*" = "redshift"\n'
        '[dbt]\ntarget = "dev"\nschema = "dbt_ana"\n'
    )
    applied = apply_settings(CONFIG, document, PATH)
    assert applied.problems == ()
    assert applied.config.dialect == "athena"
    assert applied.config.dialect_overrides == (("redshift/*", "redshift"),)
    assert (applied.config.dbt_target, applied.config.dbt_schema) == ("dev", "dbt_ana")


def test_the_configuration_wins_over_the_repository():
    configured = GitSourceConfig(
        "file:///repo.git", dialect="tsql", dialect_overrides=(("a/*", "spark"),), dbt_target="p"
    )
    document = {"sql": {"dialect": "athena", "dialects": {"b/*": "mysql"}}, "dbt": {"target": "x"}}
    applied = apply_settings(configured, document, PATH)
    assert applied.config.dialect == "tsql" and applied.config.dbt_target == "p"
    assert applied.config.dialect_overrides == (("a/*", "spark"), ("b/*", "mysql"))


def test_env_allow_and_oversized_values_are_ignored_and_named():
    document = {"dbt": {"env_allow": ["AWS_SECRET_ACCESS_KEY"], "schema": "s" * 1000}}
    applied = apply_settings(CONFIG, document, PATH)
    assert applied.config.dbt_schema is None
    assert [p.split(" ignored")[0] for p in applied.problems] == [
        ".lineage.toml: [dbt] env_allow",
        ".lineage.toml: [dbt] schema",
    ]


def test_a_non_table_sql_section_keeps_the_dbt_settings():
    applied = apply_settings(CONFIG, {"sql": "athena", "dbt": {"target": "dev"}}, PATH)
    assert applied.config.dialect is None and applied.config.dbt_target == "dev"


def test_dialect_overrides_are_bounded_in_length_and_number():
    many = {f"p{i}/*": "spark" for i in range(MAX_DIALECT_OVERRIDES + 5)}
    many["x" * (MAX_PATTERN + 1)] = "spark"
    many["long/*"] = "d" * (MAX_DIALECT_NAME + 1)
    overrides, problems = dialect_overrides(many, PATH)
    assert len(overrides) == MAX_DIALECT_OVERRIDES and overrides[0] == ("p0/*", "spark")
    assert len(problems) == 2
    assert f"patterns over {MAX_PATTERN} chars ignored" in problems[0]
    assert f"the first {MAX_DIALECT_OVERRIDES} are used" in problems[1]
    assert dialect_overrides(["not", "a", "table"], PATH) == ((), [])


def test_an_oversized_default_dialect_is_ignored():
    assert default_dialect("athena", PATH) == ("athena", [])
    assert default_dialect("", PATH) == (None, [])
    dialect, problems = default_dialect("d" * (MAX_DIALECT_NAME + 1), PATH)
    assert dialect is None and problems == [
        f".lineage.toml: [sql] dialect over {MAX_DIALECT_NAME} chars ignored"
    ]
