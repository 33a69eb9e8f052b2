"""The integration's names from the platform's endpoint registry (backend/endpoints.py).

The integration registers its views on the platform's registry, as the host's own endpoints
do; feature schemas take `RowId` from here.
"""
from backend.endpoints import Endpoint, Registry, RowId, dump, validate

__all__ = ["Endpoint", "Registry", "RowId", "dump", "validate"]
