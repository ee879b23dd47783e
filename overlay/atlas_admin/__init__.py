"""atlas-admin: an async Python SDK for the MongoDB Atlas Administration API v2."""

from ._version import __version__

__all__ = ["__version__"]
