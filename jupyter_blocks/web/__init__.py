"""Every REST handler under ``/api/blocks/`` (``routes.route_table`` lists them)."""
