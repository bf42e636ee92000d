"""The block syntax and the text rules around it, with no I/O: where ``((id))``,
``{{embed ((id))}}`` and ``[[path.ipynb]]`` are written (``refs``), what math hides
(``latex``), titles, labels, mentions in prose, rewriting references, relative links of
a block shown elsewhere, embed patches, and the words search indexes."""
