"""jupyter-blocks benchmarks: ``python -m bench --help``."""
