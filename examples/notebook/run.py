"""Execute the notebook headless (nbclient) and keep the executed copy.

Usage: python examples/notebook/run.py [OUT]   (default notebook-out)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _small import out_dir  # noqa: E402 - after the path is set

out = out_dir("notebook-out")
out.mkdir(parents=True, exist_ok=True)
notebook = nbformat.read(str(HERE / "stepping.ipynb"), as_version=4)
NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
nbformat.write(notebook, str(out / "stepping.ipynb"))
print(f"executed: {out / 'stepping.ipynb'}")
