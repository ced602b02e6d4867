"""``python -m northline.api.openapi [PATH]``: regenerate ``openapi.json`` (the repository
root's, by default) after changing a route; ``tests/test_api_errors.py`` checks it is current.
"""

from __future__ import annotations

from ._openapi import main

if __name__ == "__main__":
    main()
