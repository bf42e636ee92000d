"""The running index of a server root: walking and indexing the tree (``indexer``),
keeping it current whatever happens (``upkeep``, ``watch``), bounded calls (``guard``),
and the reads the REST API and the command line serve (``service``, ``views``, the
graph and the unlinked references)."""
