"""A pipeline's lineage as an SVG picture: laid out by grandalf (Sugiyama layers, pure
Python), steps coloured by run status, data coloured by PII, in the Pipeline, Data or Both
view of the original frontend guide. Small enough to embed in Dagster metadata."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

STATUS_COLOURS = {
    "Succeeded": "#d1fae5",
    "Failed": "#fecaca",
    "Executing": "#fef3c7",
    "Starting": "#fef3c7",
    "Stopped": "#e5e7eb",
    "NotRun": "#f3f4f6",
}
DATA_COLOUR, PII_COLOUR, PII_STROKE = "#dbeafe", "#fde2e4", "#b91c1c"
CHAR_WIDTH, NODE_HEIGHT, MAX_LABEL, MARGIN = 7, 34, 34, 20


@dataclass(frozen=True)
class Box:
    """One drawn node."""

    id: str
    label: str
    fill: str
    stroke: str
    dashed: bool = False


class _View:
    """Sizes grandalf reads from each vertex."""

    def __init__(self, width: float, height: float) -> None:
        self.w, self.h, self.xy = width, height, (0.0, 0.0)


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else "…" + text[-(MAX_LABEL - 1) :]


def boxes_and_edges(
    document: dict[str, Any], view: str
) -> tuple[list[Box], list[tuple[str, str, bool]]]:
    """What to draw for a view: `pipeline` (steps), `data` (data + processes), `both`."""
    boxes: dict[str, Box] = {}
    edges: list[tuple[str, str, bool]] = []
    steps = document.get("graphPipeline", {})
    if view in ("pipeline", "both"):
        for node in steps.get("nodes", []):
            status = (node.get("run") or {}).get("status") or "NotRun"
            node_id = f"process:{node['id']}" if view == "both" else node["id"]
            label = f"{node['id']} ({node.get('type', '?')})"
            boxes[node_id] = Box(
                node_id, _label(label), STATUS_COLOURS.get(status, "#f3f4f6"), "#374151"
            )
        for edge in steps.get("edges", []):
            prefix = "process:" if view == "both" else ""
            edges.append((prefix + edge["from"], prefix + edge["to"], True))
    if view in ("data", "both"):
        for node in document.get("graphData", {}).get("nodes", []):
            if node.get("type") == "processNode":
                status = (node.get("run") or {}).get("status") or "NotRun"
                boxes.setdefault(
                    node["id"],
                    Box(
                        node["id"],
                        _label(node.get("label", node["id"])),
                        STATUS_COLOURS.get(status, "#f3f4f6"),
                        "#374151",
                    ),
                )
                continue
            pii = bool(node.get("pii"))
            label = node.get("uri") or node["id"].removeprefix("data:")
            if pii:
                label = f"{label} [PII: {', '.join(node['pii'])}]"
            boxes[node["id"]] = Box(
                node["id"],
                _label(label),
                PII_COLOUR if pii else DATA_COLOUR,
                PII_STROKE if pii else "#1d4ed8",
                dashed=bool(node.get("placeholder")),
            )
        edges += [(e["source"], e["target"], False) for e in document["graphData"].get("edges", [])]
    known = set(boxes)
    return list(boxes.values()), [(s, t, d) for s, t, d in edges if s in known and t in known]


def render(document: dict[str, Any], view: str = "both") -> str:
    """The SVG text of one pipeline document in one view."""
    boxes, edges = boxes_and_edges(document, view)
    vertices = {}
    for box in boxes:
        vertex = Vertex(box)
        vertex.view = _View(CHAR_WIDTH * len(box.label) + 16, NODE_HEIGHT)
        vertices[box.id] = vertex
    graph = Graph(list(vertices.values()), [Edge(vertices[s], vertices[t]) for s, t, _ in edges])
    for component in graph.C:
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = 24, 36
        layout.init_all()
        layout.draw()
    _spread_components(graph)
    xs = [v.view.xy[0] - v.view.w / 2 for v in vertices.values()] or [0]
    ys = [v.view.xy[1] - v.view.h / 2 for v in vertices.values()] or [0]
    x0, y0 = min(xs) - MARGIN, min(ys) - MARGIN
    width = max([v.view.xy[0] + v.view.w / 2 for v in vertices.values()] or [0]) - x0 + MARGIN
    height = max([v.view.xy[1] + v.view.h / 2 for v in vertices.values()] or [0]) - y0 + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" '
        'font-size="12"><defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" '
        'fill="#6b7280"/></marker></defs>'
    ]
    for source, target, dashed in edges:
        (x1, y1), (x2, y2) = vertices[source].view.xy, vertices[target].view.xy
        y1 += vertices[source].view.h / 2
        y2 -= vertices[target].view.h / 2
        style = ' stroke-dasharray="4 3"' if dashed else ""
        parts.append(
            f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#6b7280"'
            f'{style} marker-end="url(#a)"/>'
        )
    for box in boxes:
        view_ = vertices[box.id].view
        x, y = view_.xy[0] - view_.w / 2, view_.xy[1] - view_.h / 2
        style = ' stroke-dasharray="5 3"' if box.dashed else ""
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{view_.w:.0f}" height="{view_.h:.0f}" rx="6" '
            f'fill="{box.fill}" stroke="{box.stroke}"{style}><title>{escape(box.id)}</title></rect>'
            f'<text x="{view_.xy[0]:.0f}" y="{view_.xy[1] + 4:.0f}" text-anchor="middle">'
            f"{escape(box.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _spread_components(graph: Graph) -> None:
    """Place disconnected components side by side instead of on top of each other."""
    offset = 0.0
    for component in graph.C:
        views = [v.view for v in component.sV]
        left = min(v.xy[0] - v.w / 2 for v in views)
        right = max(v.xy[0] + v.w / 2 for v in views)
        for v in views:
            v.xy = (v.xy[0] - left + offset, v.xy[1])
        offset += right - left + 3 * MARGIN


def data_uri(svg: str) -> str:
    """The SVG as a `data:` URI, which Dagster's markdown renders as an image."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
