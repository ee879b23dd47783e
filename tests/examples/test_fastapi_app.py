"""examples/fastapi_app's own tests, collected here so that `make test` runs them against the installed SDK."""

from fastapi_app.test_app import *  # noqa: F403
