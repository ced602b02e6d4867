"""The service: REST under ``/api/v1``, the live WebSocket stream, auth, audit and OpenAPI.

:func:`create_app` builds the FastAPI app over a store; every route is checked against the
one permission table :data:`PERMISSIONS` (a route not in it is closed to everyone), every
record against the caller's markings, and every error answers one JSON shape.
"""

from ._app import TOKEN_TTL_S, create_app
from ._basemap import LAYERS
from ._errors import Unauthenticated
from ._hub import KINDS, Hub, Subscription
from ._openapi import openapi_document, write_openapi
from ._passwords import hash_password, verify_password
from ._permissions import PERMISSIONS, PREFIX, PUBLIC, WS

__all__ = [
    "KINDS",
    "LAYERS",
    "PERMISSIONS",
    "PREFIX",
    "PUBLIC",
    "TOKEN_TTL_S",
    "WS",
    "Hub",
    "Subscription",
    "Unauthenticated",
    "create_app",
    "hash_password",
    "openapi_document",
    "verify_password",
    "write_openapi",
]
