"""``python -m jupyter_blocks.cli``."""

from . import main

main()
