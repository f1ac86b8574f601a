"""A pipeline's lineage as an SVG picture an analyst can read at a glance: laid out by grandalf
(Sugiyama layers, pure Python), steps coloured by run status, data with personal data in a
hue of its own, labels that keep the identifying end of a name, a legend, a bounded width.
Small enough to embed in Dagster metadata; the interactive viewer is `lineage-assets serve`."""

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
    "Stopped": "#fecaca",
    "Executing": "#fef3c7",
    "Starting": "#fef3c7",
    "Stopping": "#fef3c7",
    "NotRun": "#f3f4f6",
}
STATUS_STROKES = {"Succeeded": "#047857", "Failed": "#b91c1c", "Stopped": "#b91c1c"}
DATA_COLOUR, DATA_STROKE = "#dbeafe", "#1d4ed8"
# Personal data is purple, far from the red of a failed step.
PII_COLOUR, PII_STROKE = "#ede9fe", "#6d28d9"
CHAR_WIDTH, BOLD_CHAR_WIDTH, LINE_HEIGHT, MAX_LABEL, MARGIN = 7, 7.6, 15, 32, 20
MAX_WIDTH = 1000
LEGEND = (
    ("Succeeded", STATUS_COLOURS["Succeeded"], STATUS_STROKES["Succeeded"], ""),
    ("Failed", STATUS_COLOURS["Failed"], STATUS_STROKES["Failed"], ""),
    ("Executing", STATUS_COLOURS["Executing"], "#b45309", ""),
    ("Not run", STATUS_COLOURS["NotRun"], "#6b7280", "4 3"),
    ("Dataset", DATA_COLOUR, DATA_STROKE, ""),
    ("Dataset with PII", PII_COLOUR, PII_STROKE, ""),
    ("Placeholder (not resolved)", DATA_COLOUR, DATA_STROKE, "5 3"),
)


@dataclass(frozen=True)
class Box:
    """One drawn node: its label lines, colours and the full text of its tooltip."""

    id: str
    label: str
    fill: str
    stroke: str
    dashed: bool = False
    title: str = ""
    heavy: bool = False

    @property
    def lines(self) -> list[str]:
        return self.label.split("\n")


class _View:
    """Sizes grandalf reads from each vertex."""

    def __init__(self, width: float, height: float) -> None:
        self.w, self.h, self.xy = width, height, (0.0, 0.0)


def elide(text: str, limit: int = MAX_LABEL) -> str:
    """`text` within `limit` characters: the start and, longer, the identifying end kept."""
    if len(text) <= limit:
        return text
    tail = (limit * 3) // 5
    head = limit - tail - 1
    return text[:head] + "…" + text[-tail:]


def data_label(uri: str, pii: list[str]) -> str:
    """Two or three lines: the end of the key, the bucket, and the PII classes."""
    scheme, _, rest = uri.partition("://")
    parts = [p for p in (rest or scheme).split("/") if p]
    bucket, key = (parts[0], "/".join(parts[1:][-2:])) if parts else (uri, "")
    if len(key) > MAX_LABEL:  # the last segment alone names the dataset best
        key = parts[-1]
    lines = [elide(key), elide(bucket)] if key else [elide(bucket)]
    if pii:
        listed = ", ".join(pii)
        if len(listed) > MAX_LABEL - 7:
            listed = f"{', '.join(pii[:2])} +{len(pii) - 2}"
        lines.append(f"[PII: {listed}]")
    return "\n".join(lines)


def _step_box(node_id: str, name: str, kind: str, run: dict[str, Any] | None) -> Box:
    run = run or {}
    status = run.get("status") or "NotRun"
    title = f"{name} ({kind}): {status}"
    if run.get("failureReason"):
        title += f" — {run['failureReason']}"
    one_line = f"{name} ({kind})"
    label = one_line if len(one_line) <= MAX_LABEL else f"{elide(name)}\n({elide(kind)})"
    return Box(
        node_id,
        label,
        STATUS_COLOURS.get(status, STATUS_COLOURS["NotRun"]),
        STATUS_STROKES.get(status, "#374151"),
        dashed=status == "NotRun",
        title=title,
        heavy=status in ("Failed", "Stopped"),
    )


def boxes_and_edges(
    document: dict[str, Any], view: str
) -> tuple[list[Box], list[tuple[str, str, bool]]]:
    """What to draw for a view: `pipeline` (steps), `data` (data + processes), `both`."""
    boxes: dict[str, Box] = {}
    edges: list[tuple[str, str, bool]] = []
    steps = document.get("graphPipeline", {})
    prefix = "process:" if view == "both" else ""
    if view in ("pipeline", "both"):
        for node in steps.get("nodes", []):
            node_id = prefix + node["id"]
            boxes[node_id] = _step_box(node_id, node["id"], node.get("type", "?"), node.get("run"))
        for edge in steps.get("edges", []):
            edges.append((prefix + edge["from"], prefix + edge["to"], True))
    if view in ("data", "both"):
        for node in document.get("graphData", {}).get("nodes", []):
            if node.get("type") == "processNode":
                name = node.get("stepId") or node.get("label", node["id"])
                boxes.setdefault(
                    node["id"],
                    _step_box(node["id"], name, node.get("stepType") or "?", node.get("run")),
                )
                continue
            pii = list(node.get("pii") or [])
            uri = node.get("uri") or node.get("label") or node["id"].removeprefix("data:")
            label = data_label(uri, pii) if node.get("type") == "dataArtifact" else elide(uri)
            boxes[node["id"]] = Box(
                node["id"],
                label,
                PII_COLOUR if pii else DATA_COLOUR,
                PII_STROKE if pii else DATA_STROKE,
                dashed=bool(node.get("placeholder")),
                title=uri + (f" — PII: {', '.join(pii)}" if pii else ""),
                heavy=bool(pii),
            )
        edges += [(e["source"], e["target"], False) for e in document["graphData"].get("edges", [])]
    known = set(boxes)
    return list(boxes.values()), [(s, t, d) for s, t, d in edges if s in known and t in known]


def _legend(x0: float, y0: float) -> tuple[list[str], float, float]:
    """Legend swatches in one row under the drawing; its parts, width and height."""
    parts, x = [], x0
    for text, fill, stroke, dash in LEGEND:
        style = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<rect class="legend" width="14" height="14" x="{x:.0f}" y="{y0:.0f}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"{style}/>'
            f'<text x="{x + 18:.0f}" y="{y0 + 11:.0f}">{escape(text)}</text>'
        )
        x += 18 + CHAR_WIDTH * len(text) + 16
    return parts, x - x0, 24


def render(document: dict[str, Any], view: str = "both") -> str:
    """The SVG text of one pipeline document in one view."""
    boxes, edges = boxes_and_edges(document, view)
    vertices = {}
    for box in boxes:
        vertex = Vertex(box)
        width = BOLD_CHAR_WIDTH * max(len(line) for line in box.lines) + 20
        vertex.view = _View(width, LINE_HEIGHT * len(box.lines) + 14)
        vertices[box.id] = vertex
    graph = Graph(list(vertices.values()), [Edge(vertices[s], vertices[t]) for s, t, _ in edges])
    for component in graph.C:
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = 24, 40
        layout.init_all()
        layout.draw()
    _spread_components(graph)
    views = [v.view for v in vertices.values()]
    x0 = min([v.xy[0] - v.w / 2 for v in views] or [0]) - MARGIN
    y0 = min([v.xy[1] - v.h / 2 for v in views] or [0]) - MARGIN
    right = max([v.xy[0] + v.w / 2 for v in views] or [0]) + MARGIN
    bottom = max([v.xy[1] + v.h / 2 for v in views] or [0]) + MARGIN
    legend, legend_width, legend_height = _legend(x0 + MARGIN, bottom)
    width = max(right - x0, legend_width + 2 * MARGIN)
    height = bottom - y0 + legend_height + MARGIN
    shown_width = min(width, MAX_WIDTH)  # wide graphs scale down instead of overflowing
    shown_height = height * shown_width / width
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} {width:.0f} '
        f'{height:.0f}" width="{shown_width:.0f}" height="{shown_height:.0f}" '
        'font-family="sans-serif" font-size="12"><defs><marker id="a" viewBox="0 0 10 10" '
        'refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
        '<path d="M0,0L10,5L0,10z" fill="#6b7280"/></marker></defs>'
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
        stroke_width = 3 if box.heavy else 1.5
        parts.append(
            f"<g><title>{escape(box.title or box.id)}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{view_.w:.0f}" height="{view_.h:.0f}" rx="6" '
            f'fill="{box.fill}" stroke="{box.stroke}" stroke-width="{stroke_width}"{style}/>'
        )
        first = view_.xy[1] - (len(box.lines) - 1) * LINE_HEIGHT / 2 + 4
        for index, line in enumerate(box.lines):
            weight = ' font-weight="bold"' if index == 0 else ""
            parts.append(
                f'<text x="{view_.xy[0]:.0f}" y="{first + index * LINE_HEIGHT:.0f}" '
                f'text-anchor="middle"{weight}>{escape(line)}</text>'
            )
        parts.append("</g>")
    parts += legend
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
