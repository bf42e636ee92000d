"""Text notebooks as people write them (jupytext and MyST headers, R Markdown, Quarto),
for the text-notebook tests."""

from __future__ import annotations

import stat
from pathlib import Path

import jupytext
import nbformat
from nbformat import v4

MYST = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Churn analysis

+++ {"id": "churn-intro"}

Why customers leave, in words: see ((script-calc)).

```{code-cell} ipython3
:id: churn-model

import math
rate = 0.1
rate
```

```{code-cell} ipython3
#| label: fig-churn
rate * 2
```
"""

PERCENT = """# %% [markdown] id="script-notes"
# # Script notes
# The model: ((churn-model)); the figure: ((fig-churn)).

# %% id="script-calc"
total = 1 + 2
total
"""

RMD = """---
title: "Report"
---

# Quarterly report

```{python id="rmd-chunk"}
quarter = 3
```
"""

QMD = """---
title: "Sales in Quarto"
jupyter: python3
---

## Sales in Quarto

```{python}
#| label: fig-quarto
x = 1
```
"""

PANDOC = """---
jupyter:
  jupytext:
    text_representation:
      extension: .md
      format_name: pandoc
---

# Read by pandoc

::: {.cell .code}
``` {.python}
1
```
:::
"""


def write_pair(folder: Path) -> None:
    """``pair.ipynb`` (ids and outputs) and ``pair.py`` (its text, later edited)."""
    nb = v4.new_notebook()
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    code = v4.new_code_cell("a = 1\na", id="pair-a")
    code.outputs = [v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)]
    nb.cells = [v4.new_markdown_cell("# Paired notebook", id="pair-title"), code]
    nbformat.write(nb, folder / "pair.ipynb")
    jupytext.write(nb, folder / "pair.py", fmt="py:percent")


def fake_program(folder: Path, name: str) -> Path:
    """A program called ``name`` that records that it ran (in ``<name>.ran``)."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(f'#!/bin/sh\necho ran >> "{folder / (name + ".ran")}"\nexit 1\n')
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return folder / (name + ".ran")


def text_root(root: Path) -> Path:
    (root / "analysis.md").write_text(MYST)
    (root / "script.py").write_text(PERCENT)
    (root / "report.Rmd").write_text(RMD)
    (root / "sales.qmd").write_text(QMD)
    (root / "README.md").write_text("# A readme, not a notebook: ((churn-model))\n")
    (root / "module.py").write_text("def f():\n    return 1\n")
    (root / "read-by-pandoc.md").write_text(PANDOC)
    (root / "half.py").write_bytes(b"# %% [markdown]\n# caf\xe9\n")
    write_pair(root)
    host = v4.new_notebook()
    host.cells = [
        v4.new_markdown_cell("{{embed ((churn-model))}} and {{embed ((pair-a))}}", id="host-1")
    ]
    nbformat.write(host, root / "host.ipynb")
    return root
