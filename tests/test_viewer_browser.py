"""The viewer in a real browser (Playwright driving Debian's chromium) on the crawled demo
store: the graph renders, the view toggle changes what is drawn, a step shows its SQL with
file:line:commit, a dataset its PII columns, and the page asks nothing of the network; on a
store with one pipeline name in two accounts of a region, the menu tells them apart."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from lineage_assets import config
from lineage_assets.api.app import bounded_app
from lineage_assets.store import LineageStore
from lineage_dev.emulator import definitions as seeded
from tests.conftest import point_at_emulator
from tests.support.twin_account import REGION, TWIN, TWIN_STORE_URI, crawl_both

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@contextmanager
def serving(published: Path) -> Iterator[str]:
    """The API on uvicorn in a thread, on a free port, over a published store; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(bounded_app(published), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(demo_crawl, tmp_path_factory):
    """The API over the session's crawled store."""
    with serving(config.published_path(demo_crawl.copy(tmp_path_factory.mktemp("viewer")))) as url:
        yield url


@pytest.fixture(scope="module")
def twins_url(emulator, tmp_path_factory):
    """The API over a store holding the churn pipeline of the seeded account and, under the
    same name in the same region, the twin account's; with the seeded account's id."""
    server, account = emulator
    home = tmp_path_factory.mktemp("viewer-twins")
    with pytest.MonkeyPatch.context() as patch:
        point_at_emulator(patch, server.endpoint_url)
        with LineageStore.open(config.duckdb_path(home), config.published_path(home)) as store:
            crawl_both(store, account.account_id, seeded.CHURN_PIPELINE)
            store.publish()
    with serving(config.published_path(home)) as url:
        yield url, account.account_id


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page that may only talk to the local server; anything else is recorded and refused."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.blocked = []

    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            return route.continue_()
        tab.blocked.append(route.request.url)
        return route.abort()

    tab.route("**/*", guard)
    yield tab
    context.close()


def rendered(page, view):
    page.wait_for_selector(f"body[data-rendered='{view}']")
    return page.evaluate("cy.nodes().map(n => n.id())")


def click_node(page, node_id):
    box = page.locator("#cy").bounding_box()
    # `null` at the end: returning the cy object would make Playwright serialise all of it
    page.evaluate(f"cy.zoom(1); cy.center(cy.$id({node_id!r})); null")
    point = page.evaluate(f"cy.$id({node_id!r}).renderedPosition()")
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    return page.locator("#panel")


def test_viewer_draws_toggles_and_explains_nodes(page, base_url, tmp_path):
    page.goto(f"{base_url}/?pipeline=CustomerChurnFeatures&region=us-east-1")
    both = rendered(page, "both")
    steps = {"PrepareCustomerFeatures", "TrainChurnModel", "RegisterChurnModel-RegisterModel"}
    assert {f"process:{s}" for s in steps} <= set(both)
    assert any(n.startswith("data:") for n in both)
    page.screenshot(path=tmp_path / "both.png")

    page.click("#views button[data-view='pipeline']")
    pipeline = rendered(page, "pipeline")
    assert set(pipeline) == {f"process:{s}" for s in steps}
    assert page.evaluate("cy.edges().length") >= 2
    # layered left to right: the first step sits left of the model registration
    x = page.evaluate("id => cy.$id(id).position().x", "process:PrepareCustomerFeatures")
    assert x < page.evaluate(
        "id => cy.$id(id).position().x", "process:RegisterChurnModel-RegisterModel"
    )

    page.click("#views button[data-view='data']")
    data = rendered(page, "data")
    assert set(data) > set(pipeline) and not page.evaluate("cy.edges('.dep').length")

    panel = click_node(page, "process:PrepareCustomerFeatures")
    page.wait_for_function("document.querySelector('#panel h2') !== null")
    text = panel.inner_text()
    assert "SELECT customer_id" in text
    assert "athena/04_customer_features.sql:" in text
    assert "Succeeded" in text
    page.screenshot(path=tmp_path / "step.png")

    panel = click_node(page, "data:s3://acme-raw-landing/customers/")
    page.wait_for_function("document.querySelector('#panel h2').textContent.includes('acme-raw')")
    text = panel.inner_text()
    assert "kr_rrn" in text and "email" in text
    assert "public access block" in text
    page.screenshot(path=tmp_path / "dataset.png")
    assert page.blocked == []


def test_unknown_pipeline_in_the_url_falls_back_and_search_highlights(page, base_url, demo_crawl):
    page.goto(f"{base_url}/?pipeline=NoSuchPipeline")
    assert rendered(page, "both")
    page.fill("#search", "TrainChurn")
    churn = f"{demo_crawl.account.account_id}/us-east-1/CustomerChurnFeatures"
    page.select_option("#pipeline", churn)
    page.wait_for_function("cy.$id('process:TrainChurnModel').length === 1")
    page.fill("#search", "TrainChurn")
    matches = page.evaluate("cy.nodes('.match').map(n => n.id())")
    assert "process:TrainChurnModel" in matches
    assert "process:PrepareCustomerFeatures" not in matches
    assert page.blocked == []


def test_the_openapi_page_works_offline(page, base_url):
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.startswith("/lineage") for p in paths)
    assert page.blocked == []


def test_the_global_view_highlights_what_a_node_feeds(page, base_url):
    page.goto(f"{base_url}/")
    rendered(page, "both")
    page.select_option("#pipeline", "__global__")
    nodes = rendered(page, "global")
    raw = "data:s3://acme-raw-landing/customers/"
    assert raw in nodes and any(n.startswith("table:") for n in nodes)
    package = next(n for n in nodes if n.startswith("model_package:") and "churn" in n)
    panel = click_node(page, raw)
    page.wait_for_function("document.querySelector('#panel h2') !== null")
    assert package in panel.inner_text()  # listed downstream
    assert page.evaluate(f"cy.$id({package!r}).hasClass('faded')") is False
    unrelated = page.evaluate("cy.nodes('.faded').length")
    assert 0 < unrelated < len(nodes)
    step = next(n for n in nodes if n.startswith("step:") and "CustomerChurnFeatures" in n)
    click_node(page, step)
    page.wait_for_function(f"document.querySelector('#panel h2').textContent === {step!r}")
    href = page.get_attribute("#panel a", "href")
    account, region = step.removeprefix("step:").split("/")[:2]
    assert href == f"?pipeline=CustomerChurnFeatures&region={region}&account={account}"
    assert page.blocked == []


def lineage_requests(page) -> list[str]:
    """The URLs of the page's GET /lineage requests, as they are sent."""
    asked: list[str] = []

    def record(request) -> None:
        if "/lineage?" in request.url:
            asked.append(request.url)

    page.on("request", record)
    return asked


def data_nodes(page) -> list[str]:
    return page.evaluate("cy.nodes().map(n => n.id()).filter(id => id.startsWith('data:'))")


def test_one_name_in_two_accounts_is_two_menu_entries_each_drawn(page, twins_url):
    url, account = twins_url
    churn = seeded.CHURN_PIPELINE
    asked = lineage_requests(page)
    page.goto(f"{url}/?pipeline={churn}&region={REGION}&account={TWIN}")
    rendered(page, "both")
    labels = page.locator("#pipeline option").all_inner_texts()
    assert f"{churn} ({REGION}, {account})" in labels and f"{churn} ({REGION}, {TWIN})" in labels
    assert page.input_value("#pipeline") == f"{TWIN}/{REGION}/{churn}"
    assert f"account={TWIN}" in asked[-1]
    assert any(node.startswith(f"data:{TWIN_STORE_URI}/") for node in data_nodes(page))

    page.select_option("#pipeline", f"{account}/{REGION}/{churn}")
    page.wait_for_function(
        "prefix => !cy.nodes().some(n => n.id().startsWith(prefix)) && cy.nodes().length > 0",
        arg=f"data:{TWIN_STORE_URI}/",
    )
    assert f"account={account}" in asked[-1]
    assert "give account" not in page.inner_text("#status")
    assert page.blocked == []


def test_a_name_without_account_in_the_url_opens_the_first_account(page, twins_url):
    url, account = twins_url
    asked = lineage_requests(page)
    page.goto(f"{url}/?pipeline={seeded.CHURN_PIPELINE}&region={REGION}")
    rendered(page, "both")  # not the 409 a request without the account would get
    first = min(account, TWIN)
    assert page.input_value("#pipeline") == f"{first}/{REGION}/{seeded.CHURN_PIPELINE}"
    assert f"account={first}" in asked[-1]
