"""Fixes: data attached to findings by the checks, turned into text edits and applied."""
