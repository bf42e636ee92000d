"""Notebook files on disk, read into blocks and given ids: the one reader (``files``,
``notebook``), text notebooks (jupytext), the live content of cells, ids written losing
nothing, and the git history that tells a copy from its original."""
