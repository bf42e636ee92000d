"""Static export: nbconvert's preprocessor and exporters with blocks resolved, and
``jupyter blocks export``. ``jupyter_blocks.nbconvert`` keeps the public names."""
