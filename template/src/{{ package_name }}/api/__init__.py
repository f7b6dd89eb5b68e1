"""HTTP layer: routes grouped by responsibility."""
