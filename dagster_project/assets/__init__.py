"""Assets, one module per domain; each owns its assets and their checks."""
