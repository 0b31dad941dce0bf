"""`avlint graph`: flows drawn from blueprint files, with lint findings and drift on the boxes.

build.py turns parsed documents into FlowGraph models (model.py); one module per output format
renders them (mermaid.py, dot.py, markdown.py, svg.py, html.py); layout.py places boxes for the
drawings avlint makes itself. Nothing here is imported on the lint path.
"""

FORMATS = ("mermaid", "markdown", "dot", "svg", "html")
