"""Parity harness: runs the authors' own code and writes golden fixtures (see README.md)."""
