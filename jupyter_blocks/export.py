"""`jupyter blocks export`: one notebook written out with its blocks resolved."""

from __future__ import annotations

import os
from dataclasses import dataclass

import nbformat
from nbconvert.exporters import HTMLExporter, MarkdownExporter
from nbconvert.writers import FilesWriter

from .nbconvert import ExportReport, TransclusionPreprocessor
from .store import BlockStore

SUFFIXES = {"html": ".html", "markdown": ".md", "notebook": ".embedded.ipynb"}


@dataclass
class Exported:
    written: str
    report: ExportReport


def export(source: str, root: str, store: BlockStore, to: str, output: str = "") -> Exported:
    """Export the notebook at ``source`` (under ``root``) as ``to``."""
    nb = nbformat.read(source, as_version=4)
    relative = os.path.relpath(source, root).replace(os.sep, "/")
    preprocessor = TransclusionPreprocessor(root_dir=root, store=store, notebook_path=relative)
    nb, resources = preprocessor.preprocess(nb, {})
    stem = os.path.splitext(source)[0]
    target = os.path.abspath(output or stem + SUFFIXES[to])
    if to == "notebook":
        nbformat.validate(nb)
        nbformat.write(nb, target)
        return Exported(target, preprocessor.report)
    exporter = (
        # Outputs embedded from a notebook the user does not trust are sanitized by
        # nbconvert's own rules.
        HTMLExporter(sanitize_html=preprocessor.report.untrusted)
        if to == "html"
        else MarkdownExporter()
    )
    body, resources = exporter.from_notebook_node(
        nb, resources={"metadata": {"path": os.path.dirname(source)}}
    )
    base, extension = os.path.splitext(target)
    writer = FilesWriter(build_directory=os.path.dirname(target))
    resources["output_extension"] = extension
    writer.write(body, resources, notebook_name=os.path.basename(base))
    return Exported(target, preprocessor.report)
