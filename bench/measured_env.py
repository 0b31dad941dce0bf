"""The environment every measured command runs in, shared by run.py and live.py.

With PYTHONDONTWRITEBYTECODE set (some CI images and sandboxes set it), an editable install
recompiles avlint's modules from source on every run, which no user with an installed package
pays. Then the measured commands keep their bytecode under bench/.pycache instead
(git-ignored), and `warm_bytecode` fills it before anything is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

ENV = dict(os.environ)
PYCACHE_NOTE = ""
if ENV.pop("PYTHONDONTWRITEBYTECODE", None) is not None and "PYTHONPYCACHEPREFIX" not in ENV:
    ENV["PYTHONPYCACHEPREFIX"] = str(BENCH / ".pycache")
    PYCACHE_NOTE = (
        "PYTHONDONTWRITEBYTECODE is set here: measured commands keep their bytecode in bench/.pycache instead"
    )


def warm_bytecode() -> None:
    """Compile avlint as `pip install` would, so no measured run pays for it."""
    code = "import avlint, compileall, os; compileall.compile_dir(os.path.dirname(avlint.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], env=ENV, check=True, cwd=BENCH.parent)
