"""`avlint graph`: flows drawn from blueprint files, with lint findings and drift on the boxes.

command.py runs it: summary.py lints and summarises each file (in the lint's worker
processes), objects.py finds the objects and resolves references across files, build.py
turns them into FlowGraph models (model.py), and one module per output format renders them
(mermaid.py, markdown.py, dot.py, svg.py, html.py; labels.py holds the text of a box, text.py
and layout.py measure and place it for the drawings avlint makes itself). Nothing here is
imported on the lint path.
"""

FORMATS = ("mermaid", "markdown", "dot", "svg", "html")
