"""Changes jupyter-blocks writes into notebooks, through the ContentsManager: ids
(``persist``), references that follow a rename (``renames``) and the Link action
(``linking``)."""
