"""Server configuration for the galata suite: a throwaway root holding the demo
notebooks and a few real id-less notebooks, and a throwaway index."""

import shutil
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 - provided by Jupyter's config loader

configure_jupyter_server(c)
c.ServerApp.allow_root = True
c.ServerApp.jpserver_extensions = {"jupyter_blocks": True}

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PDSH = REPO.parent / "shared" / "corpus" / "pdsh"
root = Path(c.ServerApp.root_dir)
shutil.copytree(REPO / "demo", root, dirs_exist_ok=True)
(root / "pdsh").mkdir(exist_ok=True)
for name in ("02.01-Understanding-Data-Types.ipynb", "03.08-Aggregation-and-Grouping.ipynb"):
    shutil.copy(PDSH / name, root / "pdsh" / name)
c.BlocksExtension.db_path = str(Path(tempfile.mkdtemp(prefix="galata-blocks-")) / "index.sqlite")
