"""Checks across the blueprints of one set (the files of a run, or everything under `--project`).

Each file is summarised where it is parsed (a worker process) into small plain data
(`summary`), the summaries of files not linted in this run come from a cache keyed by file
content (`cache`), and the set checks (`checks`) work from the summaries alone: no parse tree
crosses a process boundary and a pre-commit run parses only the files it was given. Which
objects a `!Find` can find is answered by one function (`known.KnownObjects`), so other
sources (a live server, a saved listing) can be chained after the set.
"""
