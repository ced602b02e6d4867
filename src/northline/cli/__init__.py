"""The ``northline`` command: thin wrappers over the library."""

from ._main import cli, main

__all__ = ["cli", "main"]
