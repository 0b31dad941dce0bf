"""JUnit XML, for CI test-report views: one testcase per file.

A test case fails exactly when its findings fail the run: errors always, warnings only with
`--strict` (as the exit code has it), so a CI test view never shows red for a run that passed.
Warnings that do not fail are still listed, in the case's system-out. A file that is not a
blueprint is skipped; an unreadable path is an error.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from avlint.engine import FileResult, RunResult
from avlint.findings import Finding
from avlint.reporters.summary import plural

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class JunitReporter:
    def __init__(self, strict: bool = False) -> None:
        self.strict = strict

    def render(self, result: RunResult, stream: TextIO) -> None:
        suite = ET.Element("testsuite", name="avlint")
        for file in sorted(result.files, key=lambda item: item.path):
            suite.append(testcase(file, self.strict))
        for error in result.path_errors:
            case = ET.SubElement(
                suite, "testcase", classname="avlint", name=_clean(error.path), file=_clean(error.path)
            )
            ET.SubElement(case, "error", message=_clean(error.reason), type="unreadable").text = _clean(
                f"{error.path}: {error.reason}"
            )
        counts = _counts(suite)
        suite.attrib.update(counts)
        root = ET.Element("testsuites", {"name": "avlint", **counts})
        root.append(suite)
        ET.indent(root)
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        stream.write(ET.tostring(root, encoding="unicode"))
        stream.write("\n")


def testcase(file: FileResult, strict: bool = False) -> ET.Element:
    case = ET.Element("testcase", classname="avlint", name=_clean(file.path), file=_clean(file.path))
    if file.skipped is not None:
        ET.SubElement(case, "skipped", message=_clean(file.skipped))
    elif file.findings:
        errors = sum(1 for finding in file.findings if finding.severity == "error")
        warnings = sum(1 for finding in file.findings if finding.severity == "warning")
        message = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
        text = "".join(_line(finding) for finding in file.findings)
        if errors or strict:
            failure = ET.SubElement(case, "failure", message=message, type="error" if errors else "warning")
            failure.text = text
        else:  # warnings that do not fail the run: shown, not failed
            ET.SubElement(case, "system-out").text = text
    return case


def _line(finding: Finding) -> str:
    return _clean(
        f"{finding.path}:{finding.line}:{finding.column}: {finding.severity} [{finding.rule} {finding.name}] {finding.message}\n"
    )


def _counts(suite: ET.Element) -> dict[str, str]:
    cases = list(suite)
    tally = {kind: sum(1 for case in cases if case.find(kind) is not None) for kind in ("failure", "error", "skipped")}
    return {
        "tests": str(len(cases)),
        "failures": str(tally["failure"]),
        "errors": str(tally["error"]),
        "skipped": str(tally["skipped"]),
    }


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def create(strict: bool = False, **_: object) -> JunitReporter:
    return JunitReporter(strict=strict)
