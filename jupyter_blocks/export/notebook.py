"""`jupyter blocks export`: one notebook written out with its blocks resolved."""

from __future__ import annotations

import os
from dataclasses import dataclass

import nbformat
from nbconvert.exporters import HTMLExporter, MarkdownExporter
from nbconvert.writers import FilesWriter

from ..notebooks.notebook import DEFAULT_MAX_SIZE, read_notebook
from ..store import BlockStore
from .preprocessor import TransclusionPreprocessor
from .report import ExportReport

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SUFFIXES = {"html": ".html", "markdown": ".md", "notebook": ".embedded.ipynb"}


@dataclass
class Exported:
    written: str
    report: ExportReport


def export(
    source: str,
    root: str,
    store: BlockStore,
    to: str,
    output: str = "",
    max_size: int = DEFAULT_MAX_SIZE,
) -> Exported:
    """Export the notebook at ``source`` (under ``root``) as ``to``: ``html``,
    ``markdown`` or ``notebook``. Raises Skip when the notebook cannot be read (not a
    regular file, larger than ``max_size`` bytes, not a notebook)."""
    content = read_notebook(source, max_size)
    # What nbformat could not hold (a cell or an output that is not an object) is left
    # out, as JupyterLab cannot show it either.
    content["cells"] = [c for c in content["cells"] if c.get("cell_type") != "invalid"]
    for cell in content["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if o.get("output_type") != "invalid"]
    widgets = content["metadata"].get("widgets")
    if isinstance(widgets, dict) and WIDGET_STATE not in widgets:
        # Widget state of an older format, which nbconvert's HTML filter fails on
        # (KeyError) and could not show anyway.
        del content["metadata"]["widgets"]
    nb = nbformat.from_dict(content)
    relative = os.path.relpath(source, root).replace(os.sep, "/")
    preprocessor = TransclusionPreprocessor(
        root_dir=root, store=store, notebook_path=relative, html=to == "html"
    )
    nb, resources = preprocessor.preprocess(nb, {})
    stem = os.path.splitext(source)[0]
    target = os.path.abspath(output or stem + SUFFIXES[to])
    if to == "notebook":
        nbformat.validate(nb)
        nbformat.write(nb, target)
        return Exported(target, preprocessor.report)
    # What came from other notebooks is already sanitized (policy.py); the notebook's
    # own cells are exported as plain nbconvert exports them.
    exporter = HTMLExporter() if to == "html" else MarkdownExporter()
    # As nbconvert names a notebook's page and pictures: after the notebook.
    name = os.path.splitext(os.path.basename(source))[0]
    body, resources = exporter.from_notebook_node(
        nb, resources={"metadata": {"path": os.path.dirname(source), "name": name}}
    )
    base, extension = os.path.splitext(target)
    writer = FilesWriter(build_directory=os.path.dirname(target))
    resources["output_extension"] = extension
    writer.write(body, resources, notebook_name=os.path.basename(base))
    return Exported(target, preprocessor.report)
