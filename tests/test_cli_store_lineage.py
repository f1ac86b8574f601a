"""The CLI's lineage commands read the published store (the contract builder's documents, as
the API serves them) and never AWS unless `--live`; an unknown pipeline, execution, domain,
node or run is one line naming the close matches, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineage_assets import aws, config
from lineage_assets.cli import main
from lineage_assets.contract import Request, build_lineage
from lineage_assets.contract.schema import validation_errors
from lineage_assets.contract.snapshots import pipeline_document
from lineage_assets.graph import snapshot
from lineage_assets.sagemaker.crawl import crawl_regions
from lineage_assets.store import LineageStore, connect_published
from lineage_dev.emulator import definitions as seeded
from lineage_dev.emulator.definitions import ACCOUNT_ID
from tests.conftest import point_at_emulator

REGIONS = ("us-east-1", "eu-west-1")
TWIN_REGION = "ap-northeast-2"  # holds a second pipeline named like the Abalone one
TWIN_ACCOUNT = "210987654328"  # the twin's account: the seeded one stays untouched


@pytest.fixture(scope="module")
def crawled(emulator, tmp_path_factory) -> tuple[Path, str]:
    """The emulated account crawled once, every pipeline's snapshot saved, then published;
    returns the data folder and the crawl run's id."""
    server, _ = emulator
    home = tmp_path_factory.mktemp("cli-store")
    with pytest.MonkeyPatch.context() as patch:
        point_at_emulator(patch, server.endpoint_url)
        with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as store:
            run_id = store.begin_run("test")
            crawl_regions(store, aws.client, ACCOUNT_ID, REGIONS, run_id=run_id, reads=store.conn)
            patch.setenv("MOTO_ACCOUNT_ID", TWIN_ACCOUNT)
            twin = aws.client("sagemaker", TWIN_REGION)
            if not twin.list_pipelines()["PipelineSummaries"]:
                twin.create_pipeline(
                    PipelineName=seeded.ABALONE_PIPELINE,
                    PipelineDefinition=json.dumps(seeded.abalone_definition()),
                    RoleArn=seeded.ROLE_ARN,
                )
            crawl_regions(
                store, aws.client, TWIN_ACCOUNT, (TWIN_REGION,), run_id=run_id, reads=store.conn
            )
            keys = store.conn.execute("SELECT source_key FROM sagemaker_pipelines").fetchall()
            for (key,) in keys:
                document = pipeline_document(store.conn, key)
                snapshot.save(store, key, document, home / "graph", run_id)
            store.finish_run(run_id)
            store.publish()
    return home, run_id


@pytest.fixture
def home(crawled, monkeypatch) -> Path:
    """LINEAGE_HOME at the crawled store, and any AWS client a failure."""

    def no_aws(*args, **kwargs):
        raise AssertionError("AWS was asked")

    monkeypatch.setenv("LINEAGE_HOME", str(crawled[0]))
    monkeypatch.setattr(aws, "client", no_aws)
    return crawled[0]


def stored(home: Path, request: Request) -> dict:
    conn = connect_published(config.published_path(home))
    try:
        return build_lineage(conn, request)
    finally:
        conn.close()


def printed(capsys) -> dict:
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def test_list_reads_the_store(home, capsys):
    assert main(["sagemaker", "list"]) == 0
    listing = printed(capsys)
    names = {(r["region"], p["name"]) for r in listing["regions"] for p in r["pipelines"]}
    assert (TWIN_REGION, seeded.ABALONE_PIPELINE) in names
    assert ("eu-west-1", seeded.EU_PIPELINE) in names
    assert main(["sagemaker", "list", "--region", "us-east-1", "--domain", "ml-platform"]) == 0
    listing = printed(capsys)
    assert [r["region"] for r in listing["regions"]] == ["us-east-1"]
    in_domain = {p["name"] for p in listing["regions"][0]["pipelines"]}
    assert in_domain == {seeded.ABALONE_PIPELINE, seeded.CHURN_PIPELINE}
    assert main(["sagemaker", "list", "--name", "churn"]) == 0
    listing = printed(capsys)
    assert [p["name"] for r in listing["regions"] for p in r["pipelines"]] == [
        seeded.CHURN_PIPELINE
    ]


@pytest.mark.parametrize("view", ["both", "data"])
def test_lineage_is_the_contract_document_from_the_store(home, capsys, view):
    argv = ["sagemaker", "lineage", seeded.ABALONE_PIPELINE, "--region", "us-east-1"]
    assert main([*argv, "--view", view, "--latest-exec"]) == 0
    document = printed(capsys)
    assert document == stored(home, Request(seeded.ABALONE_PIPELINE, "us-east-1", view, True))
    assert validation_errors(document) == []
    assert document["execution"]["status"] == "Failed"
    assert ("graphPipeline" in document) is (view == "both")

    assert main([*argv, "--view", view]) == 0  # no execution: the current definition, not run
    current = printed(capsys)
    assert current["execution"] is None and validation_errors(current) == []
    assert {s["run"]["status"] for s in current["summary"]["steps"]} == {"NotRun"}


def test_lineage_as_of_an_execution(home, capsys):
    conn = connect_published(config.published_path(home))
    try:
        oldest = conn.execute(
            "SELECT execution_id FROM sagemaker_executions WHERE source_key = ? "
            "ORDER BY started_at LIMIT 1",
            [f"sagemaker:123456789012/us-east-1/{seeded.ABALONE_PIPELINE}"],
        ).fetchone()[0]
    finally:
        conn.close()
    argv = ["sagemaker", "lineage", seeded.ABALONE_PIPELINE, "--region", "us-east-1"]
    assert main([*argv, "--execution", oldest]) == 0
    assert printed(capsys)["execution"]["id"] == oldest


def test_a_name_in_two_regions_asks_for_one(home, capsys):
    assert main(["sagemaker", "lineage", seeded.ABALONE_PIPELINE]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "us-east-1" in err and TWIN_REGION in err and "--region" in err
    assert main(["sagemaker", "lineage", seeded.CHURN_PIPELINE]) == 0  # one region: found
    assert printed(capsys)["pipeline"]["region"] == "us-east-1"


def unknown_cases(run_id: str) -> list[tuple[list[str], str, str]]:
    """(argv, the line's start, a close match it must name)."""
    typo_run = run_id[:-1] + ("0" if run_id[-1] != "0" else "1")
    churn = seeded.CHURN_PIPELINE
    return [
        (["sagemaker", "lineage", "AbalonePipelin"], "unknown pipeline 'AbalonePipelin'", ""),
        (
            ["sagemaker", "lineage", "CustomerChurnFeature", "--region", "us-east-1"],
            "unknown pipeline in us-east-1 'CustomerChurnFeature'",
            churn,
        ),
        (
            ["sagemaker", "lineage", churn, "--execution", "execution-nope"],
            "unknown execution 'execution-nope'",
            "",
        ),
        (["sagemaker", "list", "--domain", "ml-platfrm"], "unknown domain 'ml-platfrm'", ""),
        (["graph", "--pipeline", "CustomerChurnFeature"], "unknown pipeline", churn),
        (["graph", "--as-of", typo_run], f"unknown crawl run '{typo_run}'", run_id),
        (["graph-diff", typo_run, run_id, "--pipeline", churn], "unknown crawl run", run_id),
        (["impact", "data:s3://no-such-bucket/x/"], "unknown node", ""),
    ]


def test_unknown_names_are_one_line_with_close_matches_and_exit_1(home, crawled, capsys):
    for argv, start, match in unknown_cases(crawled[1]):
        assert main(argv) == 1, argv
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1, (argv, err)
        assert err.startswith(f"error: {start}"), (argv, err)
        assert match in err.partition(" close matches: ")[2] or not match, (argv, err)
    assert main(["sagemaker", "lineage", "AbalonePipelin"]) == 1
    assert "close matches: AbalonePipeline" in capsys.readouterr().err
    assert main(["sagemaker", "list", "--domain", "ml-platfrm"]) == 1
    assert "close matches: ml-platform" in capsys.readouterr().err
    assert main(["sagemaker", "list", "--domain", "ML-PLATFRM"]) == 1  # any case, as stored
    assert "close matches: ml-platform" in capsys.readouterr().err
    assert main(["sagemaker", "lineage", "abalonepipeline", "--region", "us-east-1"]) == 1
    assert "close matches: AbalonePipeline" in capsys.readouterr().err


def test_an_unknown_node_names_the_nodes_close_to_it(home, capsys):
    conn = connect_published(config.published_path(home))
    try:
        (node,) = conn.execute(
            "SELECT min(source_node) FROM lineage_edge_index "
            "WHERE starts_with(source_node, 'data:')"
        ).fetchone()
    finally:
        conn.close()
    typo = node[:-3] + node[-2:]
    assert main(["impact", typo]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: unknown node '{typo}'") and node in err
    assert main(["impact", node]) == 0  # a known node walks as before
    assert capsys.readouterr().out


def test_hostile_names_stay_on_one_line_without_terminal_escapes(home, capsys):
    for name in ("Abalone\x1b[2J\nPipeline", "‮enilepiP", "x" * 10_000):
        for argv in (["sagemaker", "lineage", name], ["graph", "--pipeline", name]):
            assert main(argv) == 1
            out, err = capsys.readouterr()
            assert out == "" and err.count("\n") == 1 and err.startswith("error: unknown")
            assert "\x1b" not in err and "\u202e" not in err


def test_live_is_the_explicit_opt_in(home, capsys):
    assert main(["sagemaker", "list", "--live", "--region", "us-east-1"]) == 1
    assert "AWS was asked" in capsys.readouterr().err  # --live does ask AWS
    argv = ["sagemaker", "lineage", seeded.CHURN_PIPELINE]
    assert main([*argv, "--live", "--execution", "x"]) == 2
    assert "--execution reads the store" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: --live and --definition exclude each other
        main([*argv, "--live", "--definition", "d.json"])


@pytest.mark.parametrize(
    "argv", [["sagemaker", "list"], ["sagemaker", "lineage", seeded.ABALONE_PIPELINE]]
)
def test_without_a_published_store_they_say_so_and_never_ask_aws(
    tmp_path, monkeypatch, capsys, argv
):
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    monkeypatch.setattr(aws, "client", lambda *a, **k: pytest.fail("AWS was asked"))
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "lineage_published.duckdb" in err


def test_impact_prints_node_ids_with_control_characters_escaped(home, capsys, monkeypatch):
    from lineage_assets.cli import graph as cli_graph

    hostile = "data:s3://b/\x1b]0;owned\x07key\n2\tfake/"
    walk = {"nodes": [{"node": hostile, "depth": 1, "path": ["table:t", hostile]}]}
    monkeypatch.setattr(cli_graph.catalog, "impact", lambda *args: walk)
    assert main(["impact", "table:t"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.count("\t") == 2 and "\x1b" not in out
    assert "\\x1b]0;owned\\x07key\\n2\\tfake/" in out
