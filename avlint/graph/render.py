"""Format name to renderer; each format lives in its own module, imported only when chosen."""

from __future__ import annotations

from avlint.graph.model import FlowGraph


def render(output_format: str, graphs: list[FlowGraph], live: bool = False) -> str:
    if output_format == "mermaid":
        from avlint.graph.mermaid import render_mermaid

        return render_mermaid(graphs)
    if output_format == "markdown":
        from avlint.graph.markdown import render_markdown

        return render_markdown(graphs, live)
    if output_format == "dot":
        from avlint.graph.dot import render_dot

        return render_dot(graphs)
    if output_format == "svg":
        from avlint.graph.svg import render_svg

        return render_svg(graphs)
    if output_format == "html":
        from avlint.graph.html import render_html

        return render_html(graphs, live)
    raise ValueError(f"unknown graph format {output_format!r}")
