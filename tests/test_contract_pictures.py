"""Pictures an analyst can read: the identifying end of a name survives, a legend explains
the colours, failed steps and personal data never share a colour, the width is bounded, and
names from the account are text, never markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lineage_assets.graph import svg

SENSITIVE = "s3://acme-raw-landing/exports/2026/customers_full_with_payment_card_and_phone"


def document(steps: int = 3, status: str = "Failed") -> dict:
    nodes = [
        {"id": f"Step{i:03d}", "type": "Processing", "run": {"status": "Succeeded"}}
        for i in range(steps)
    ]
    nodes[-1]["run"] = {"status": status, "failureReason": "OOM <killed>"}
    data = [
        {
            "id": f"data:{SENSITIVE}",
            "type": "dataArtifact",
            "uri": SENSITIVE,
            "pii": ["email", "payment_card", "person_name", "phone"],
        },
        {"id": "process:Step000", "type": "processNode", "stepId": "Step000", "stepType": "X"},
    ]
    return {
        "graphPipeline": {
            "nodes": nodes,
            "edges": [{"from": f"Step{i:03d}", "to": f"Step{i + 1:03d}"} for i in range(steps - 1)],
        },
        "graphData": {
            "nodes": data,
            "edges": [{"source": f"data:{SENSITIVE}", "target": "process:Step000", "kind": "read"}],
        },
    }


def texts(picture: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(picture).iter("{http://www.w3.org/2000/svg}text")]


def test_labels_keep_the_identifying_end_of_a_long_name():
    picture = svg.render(document(), "data")
    lines = texts(picture)
    assert any(line.startswith("customers") and line.endswith("card_and_phone") for line in lines)
    assert any(line.startswith("[PII: email, payment_card +2]") for line in lines)
    assert "acme-raw-landing" in lines
    assert svg.elide("abcdefghijklmnopqrstuvwxyz", 10) == "abc…uvwxyz"
    assert all(len(line) <= svg.MAX_LABEL for line in lines)


def test_the_legend_names_every_colour_and_failed_differs_from_pii():
    picture = svg.render(document(), "both")
    assert {"Succeeded", "Failed", "Executing", "Not run", "Dataset with PII"} <= set(
        texts(picture)
    )
    assert svg.STATUS_COLOURS["Failed"] != svg.PII_COLOUR
    assert svg.STATUS_STROKES["Failed"] != svg.PII_STROKE
    assert svg.PII_STROKE in picture and svg.STATUS_STROKES["Failed"] in picture


def test_a_wide_pipeline_is_bounded_in_width():
    wide = document(steps=200)
    wide["graphPipeline"]["edges"] = []  # 200 independent steps side by side
    picture = svg.render(wide, "pipeline")
    root = ET.fromstring(picture)
    assert float(root.get("width")) <= svg.MAX_WIDTH
    view_box_width = float(root.get("viewBox").split()[2])
    assert view_box_width > svg.MAX_WIDTH  # scaled down, not cut off
    assert len(re.findall(r'<rect x="', picture)) == 200


def test_names_from_the_account_are_escaped_text():
    hostile = document()
    hostile["graphPipeline"]["nodes"][0]["id"] = '<script>alert("x")</script>'
    hostile["graphPipeline"]["edges"] = []
    picture = svg.render(hostile, "pipeline")
    ET.fromstring(picture)  # still well-formed XML
    assert "<script>" not in picture
    assert "OOM &lt;killed&gt;" in picture  # the failure reason is a tooltip, escaped
