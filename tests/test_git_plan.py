"""The sync plan as pure data: what to parse, remove and keep, from the stored state and the
checkout alone (no git, no store)."""

from __future__ import annotations

from lineage_assets.git_sql.plan import CheckoutState, StoredState, SyncPlan, plan_sync
from lineage_assets.git_sql.repository import RepoFile


def files(**blobs: str) -> dict[str, RepoFile]:
    """`a_sql="b1"` → {"a.sql": RepoFile("a.sql", "b1")}; `__` stands for `/`."""
    named = {k.replace("__", "/").replace("_sql", ".sql"): v for k, v in blobs.items()}
    return {path: RepoFile(path, blob) for path, blob in named.items()}


def plan(stored: dict[str, str | None], current: dict[str, RepoFile], **facts) -> SyncPlan:
    commit = facts.pop("stored_commit", "c1" if stored else None)
    return plan_sync(StoredState(commit, stored), CheckoutState("c2", current, **facts))


def parsed(result: SyncPlan) -> list[str]:
    return [f.path for f in result.parse]


def test_first_sync_parses_everything():
    result = plan({}, files(a_sql="1", b_sql="2"))
    assert parsed(result) == ["a.sql", "b.sql"]
    assert result.added == ("a.sql", "b.sql") and result.unchanged == 0
    assert result.remove == () and result.deleted == ()


def test_unchanged_blobs_are_kept_and_changed_ones_parsed():
    result = plan({"a.sql": "1", "b.sql": "2"}, files(a_sql="1", b_sql="3"))
    assert parsed(result) == ["b.sql"] and result.changed == ("b.sql",)
    assert result.unchanged == 1 and result.added == ()


def test_nothing_to_do_when_nothing_changed():
    result = plan({"a.sql": "1"}, files(a_sql="1"))
    assert result == SyncPlan((), (), (), (), (), (), 1)


def test_a_gone_path_is_removed_and_a_reappearing_blob_is_a_rename():
    result = plan({"a.sql": "1", "b.sql": "2"}, files(x__a_sql="1"))
    assert result.renamed == (("a.sql", "x/a.sql"),)
    assert result.deleted == ("b.sql",)
    assert result.remove == ("a.sql", "b.sql")  # the old path of a rename goes too
    assert parsed(result) == ["x/a.sql"] and result.added == ()


def test_two_new_paths_with_one_old_blob_make_one_rename_and_one_add():
    result = plan({"a.sql": "1"}, files(b_sql="1", c_sql="1"))
    assert result.renamed == (("a.sql", "b.sql"),) and result.added == ("c.sql",)


def test_a_rewritten_history_trusts_nothing_stored():
    result = plan({"a.sql": "1", "b.sql": "2"}, files(a_sql="1", b_sql="2"), rewritten=True)
    assert parsed(result) == ["a.sql", "b.sql"] and result.changed == ("a.sql", "b.sql")
    assert result.unchanged == 0


def test_stale_files_are_parsed_again_and_removed_when_gone():
    stored = {"a.sql": None, "gone.sql": None, "ok.sql": "3"}
    result = plan(stored, files(a_sql="1", ok_sql="3"))
    assert parsed(result) == ["a.sql"] and result.changed == ("a.sql",)
    assert result.deleted == ("gone.sql",) and result.remove == ("gone.sql",)


def test_a_stale_file_is_not_mistaken_for_the_source_of_a_rename():
    result = plan({"old.sql": None}, files(new_sql="1"))
    assert result.renamed == () and result.added == ("new.sql",)
    assert result.deleted == ("old.sql",)


def test_a_changed_dbt_yaml_reparses_every_model_and_only_the_models():
    stored = {"m/a.sql": "1", "m/b.sql": "2", "plain.sql": "3"}
    current = files(m__a_sql="1", m__b_sql="2", plain_sql="3")
    models = frozenset({"m/a.sql", "m/b.sql"})
    quiet = plan(stored, current, dbt_models=models, changed_paths=frozenset({"README.md"}))
    assert parsed(quiet) == []
    yaml = plan(stored, current, dbt_models=models, changed_paths=frozenset({"dbt_project.yml"}))
    assert parsed(yaml) == ["m/a.sql", "m/b.sql"] and yaml.unchanged == 1
    unknown = plan(stored, current, dbt_models=models, changed_paths=None)
    assert parsed(unknown) == ["m/a.sql", "m/b.sql"]  # a diff that could not be read
    no_dbt = plan(stored, current, changed_paths=frozenset({"models/x.yml"}))
    assert parsed(no_dbt) == []


def test_a_model_already_chosen_is_not_parsed_twice():
    stored = {"m/a.sql": "1", "m/b.sql": "2"}
    result = plan(
        stored,
        files(m__a_sql="9", m__b_sql="2"),
        dbt_models=frozenset({"m/a.sql", "m/b.sql"}),
        changed_paths=frozenset({"m/schema.yml", "m/a.sql"}),
    )
    assert parsed(result) == ["m/a.sql", "m/b.sql"] and result.changed == ("m/a.sql", "m/b.sql")


def test_prefetch_groups_are_bounded_in_files_and_bytes(monkeypatch):
    from lineage_assets.git_sql import sync

    monkeypatch.setattr(sync, "BATCH", 3)
    monkeypatch.setattr(sync, "PREFETCH_BYTES", 100)
    sized = [
        RepoFile(f"f{i}.sql", str(i), size=size) for i, size in enumerate([60, 50, 10, 10, 10, 10])
    ]
    huge = RepoFile("huge.sql", "h", size=10**12)  # never read with a group
    groups = [[f.path for f in group] for group in sync.prefetch_chunks([*sized, huge])]
    assert groups == [["f0.sql"], ["f1.sql", "f2.sql", "f3.sql"], ["f4.sql", "f5.sql", "huge.sql"]]


# -- what a sync writes once its files are parsed ---------------------------------------------


def test_completion_marks_failures_in_path_order_and_removes_every_path_gone():
    from lineage_assets.git_sql.repository import GitSourceConfig
    from lineage_assets.git_sql.sync import FileFailure, completion

    config = GitSourceConfig("https://user:secret@example.com/shop.git", name="shop")
    decided = plan({"old.sql": "1", "gone.sql": "2"}, files(new_sql="1", b_sql="3"))
    done = completion(
        config,
        decided,
        {"b.sql": "b.sql:1: MemoryError", "a.sql": "a.sql:7: TemplateSyntaxError: x: y"},
        "c2",
    )
    assert done.failed == (
        FileFailure("sql:shop/a.sql", "a.sql:7: TemplateSyntaxError: x: y", "a.sql:7"),
        FileFailure("sql:shop/b.sql", "b.sql:1: MemoryError", "b.sql:1"),
    )
    assert decided.renamed == (("old.sql", "new.sql"),)
    assert done.removed == ("sql:shop/gone.sql", "sql:shop/old.sql")  # renamed ones go too
    assert (done.repository_key, done.commit) == ("git:shop", "c2")
    assert "secret" not in done.remote


def test_record_plan_tells_the_result_what_was_decided():
    from lineage_assets.git_sql.sync import SyncResult, record_plan

    stored = StoredState("c1", {"a.sql": "1", "b.sql": "2", "old.sql": "9"})
    facts = CheckoutState("c2", files(a_sql="1", b_sql="3", new_sql="9", c_sql="4"))
    result = SyncResult(remote="r")
    record_plan(result, stored, facts, plan_sync(stored, facts))
    assert (result.commit, result.previous_commit, result.rewritten) == ("c2", "c1", False)
    assert (result.added, result.changed, result.renamed) == (
        ["c.sql"], ["b.sql"], [("old.sql", "new.sql")]
    )  # fmt: skip
    assert result.unchanged == 1 and result.deleted == []
