"""One sub-package per paper; importing this registers their models (later issues)."""
