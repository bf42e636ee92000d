"""Check that a built wheel carries both halves of the extension and enables the server one."""

import sys
import zipfile

REQUIRED = (
    "jupyter_blocks/__init__.py",
    "jupyter_blocks/_version.py",
    "share/jupyter/labextensions/jupyter-blocks/package.json",
    "share/jupyter/labextensions/jupyter-blocks/install.json",
    "share/jupyter/labextensions/jupyter-blocks/static/style.js",
    "etc/jupyter/jupyter_server_config.d/jupyter_blocks.json",
)

names = zipfile.ZipFile(sys.argv[1]).namelist()
missing = [r for r in REQUIRED if not any(n.endswith(r) for n in names)]
if missing:
    sys.exit(f"wheel {sys.argv[1]} lacks: {', '.join(missing)}")
print(f"wheel OK: {len(names)} files, labextension and server config included")
