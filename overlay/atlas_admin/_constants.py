"""Every tunable of the SDK in one place, so that defaults are easy to find and to change."""

from __future__ import annotations

import httpx

DEFAULT_BASE_URL = "https://cloud.mongodb.com"

# Atlas answers most admin calls quickly, but some (cluster listings of large organisations)
# take many seconds; connecting should never take that long, so that part fails sooner.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# --- retries -------------------------------------------------------------------------------------
DEFAULT_MAX_RETRIES = 2
BACKOFF_INITIAL = 0.5  # seconds before the first retry; doubles for each further retry
BACKOFF_MAX = 8.0  # no computed backoff waits longer than this
BACKOFF_JITTER = 0.25  # each backoff is spread by +/- this fraction so clients don't retry in lockstep
# A server asking us to wait longer than this is treated as "not now": we fail at once instead of
# silently blocking the caller for minutes.
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Methods whose repetition cannot change the outcome (RFC 9110 section 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# --- OAuth 2.0 service accounts ------------------------------------------------------------------
TOKEN_PATH = "/api/oauth/token"
REVOKE_PATH = "/api/oauth/revoke"
TOKEN_REFRESH_MARGIN = 60.0  # seconds before expiry at which a token counts as stale
TOKEN_DEFAULT_LIFETIME = 3600  # seconds, used when the token answer has no expires_in

# --- pagination ----------------------------------------------------------------------------------
# Atlas list endpoints accept itemsPerPage from 1 to 500 and default to 100.
DEFAULT_ITEMS_PER_PAGE = 100
ITEMS_PER_PAGE_MIN = 1
ITEMS_PER_PAGE_MAX = 500

# --- errors --------------------------------------------------------------------------------------
ERROR_EXCERPT_LIMIT = 500  # characters of an undecodable body kept on AtlasResponseError
# Headers that may carry the server's id of a request, most specific first.
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Mongodb-Request-Id", "X-Correlation-Id")

LOGGER_NAME = "atlas_admin"

# --- environment variables read by from_env() ----------------------------------------------------
ENV_CLIENT_ID = "MONGODB_ATLAS_CLIENT_ID"
ENV_CLIENT_SECRET = "MONGODB_ATLAS_CLIENT_SECRET"
ENV_PUBLIC_API_KEY = "MONGODB_ATLAS_PUBLIC_API_KEY"
ENV_PRIVATE_API_KEY = "MONGODB_ATLAS_PRIVATE_API_KEY"
# Older names used by the Atlas CLI and Terraform provider; read when the names above are unset.
ENV_PUBLIC_KEY = "MONGODB_ATLAS_PUBLIC_KEY"
ENV_PRIVATE_KEY = "MONGODB_ATLAS_PRIVATE_KEY"
ENV_ACCESS_TOKEN = "MONGODB_ATLAS_ACCESS_TOKEN"
ENV_BASE_URL = "MONGODB_ATLAS_BASE_URL"

# --- parsing -------------------------------------------------------------------------------------
# A JSON body at least this large is decoded and parsed into models with the cyclic garbage collector paused (see
# atlas_admin._gcpause): a page builds thousands of objects that all stay alive, and collections that start in the
# middle only traverse them and promote them to older generations (measured in bench/run.py, issue #18).
PARSE_GC_PAUSE_MIN_BYTES = 16 * 1024
