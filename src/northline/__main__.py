"""``python -m northline``: the same as the ``northline`` command."""

from .cli import main

main()
