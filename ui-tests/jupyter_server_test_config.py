"""Server configuration for the galata suite: a throwaway root holding the demo
notebooks and the test fixtures (nbformat 3 to 4.5, some without cell ids) under
fixtures/, and a throwaway index. Only notebooks are copied: what a run of the demo
leaves beside them (.ipynb_checkpoints, exports) never reaches the tests."""

import shutil
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 - provided by Jupyter's config loader

configure_jupyter_server(c)
c.ServerApp.allow_root = True
c.ServerApp.jpserver_extensions = {"jupyter_blocks": True}
# Jupyter Notebook 7 (playwright-notebook.config.js): window.jupyterapp, as galata's
# configuration gives JupyterLab.
c.JupyterNotebookApp.expose_app_in_browser = True

REPO = Path(__file__).resolve().parent.parent


def copy_notebooks(source: Path, dest: Path) -> None:
    for notebook in sorted(source.rglob("*.ipynb")):
        relative = notebook.relative_to(source)
        if any(part.startswith(".") for part in relative.parts):
            continue
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, dest / relative)


root = Path(c.ServerApp.root_dir)
copy_notebooks(REPO / "demo", root)
copy_notebooks(REPO / "tests" / "fixtures" / "notebooks", root / "fixtures")
c.BlocksExtension.db_path = str(Path(tempfile.mkdtemp(prefix="galata-blocks-")) / "index.sqlite")
