"""Every tunable of the SDK in one place, so that defaults are easy to find and to change."""

from __future__ import annotations

import httpx

DEFAULT_BASE_URL = "https://cloud.mongodb.com"

# Atlas answers most admin calls quickly, but some (cluster listings of large organisations)
# take many seconds; connecting should never take that long, so that part fails sooner.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# httpx timeouts bound each connect, read, write and pool wait, not a whole call: a body that trickles in one
# byte at a time never trips them. The deadline bounds a whole call (token request, retries and waits included).
DEFAULT_DEADLINE = 300.0

# --- response bodies -----------------------------------------------------------------------------
# Bodies are read in chunks and decoded with bounded output, so a hostile answer costs at most this much.
MAX_BODY_SIZE = 64 * 1024 * 1024  # decoded bytes of one response body (a client option)
# A body that decodes to more than this many times its encoded size is refused once it is past
# DECOMPRESSION_RATIO_FLOOR decoded bytes (JSON compresses about 5-20x; bombs about 1000x per layer).
MAX_DECOMPRESSION_RATIO = 250
DECOMPRESSION_RATIO_FLOOR = 1024 * 1024
DECODE_CHUNK_SIZE = 64 * 1024  # bytes produced per decompression step
# Token answers, Digest challenges and the 401s of the auth flows are small; so is their cap.
AUTH_BODY_LIMIT = 256 * 1024
# Only the encodings whose decoding can be bounded are asked for (brotli and zstd are not).
ACCEPT_ENCODING = "gzip, deflate"

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
# An expires_in that is not a positive number, or is absurdly long, gets this short lifetime instead: the
# token is used for a while (no token request per call) and replaced soon (not trusted for hours).
TOKEN_FALLBACK_LIFETIME = 300.0
TOKEN_MAX_LIFETIME = 24 * 3600.0
# Atlas allows about ten token requests a minute per client and IP. Once this many token requests failed
# within TOKEN_FAILURE_WINDOW seconds, calls fail fast until the oldest of them leaves the window.
TOKEN_FAILURE_LIMIT = 3
TOKEN_FAILURE_WINDOW = 60.0

# --- pagination ----------------------------------------------------------------------------------
# Atlas list endpoints accept itemsPerPage from 1 to 500 and default to 100.
DEFAULT_ITEMS_PER_PAGE = 100
ITEMS_PER_PAGE_MIN = 1
ITEMS_PER_PAGE_MAX = 500

# --- waiting for long-running operations (wait_until, wait_until_gone) ---------------------------
# A new cluster takes about 5-15 minutes to become IDLE, a deletion a few minutes: poll often at first
# (small changes finish in seconds), then back off to one check every half minute, for up to an hour.
WAIT_TIMEOUT = 3600.0
WAIT_INITIAL_INTERVAL = 2.0  # seconds between the first and the second check
WAIT_MAX_INTERVAL = 30.0  # no pause between checks grows beyond this
WAIT_BACKOFF_FACTOR = 1.5  # each pause is this much longer than the one before
WAIT_JITTER = 0.1  # each pause is spread by +/- this fraction so that many waiters don't poll in lockstep
WAIT_REPR_LIMIT = 300  # characters of the last observed value quoted in AtlasWaitTimeoutError

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

# --- parsing (issue #13) ---------------------------------------------------------------------------
# Lenient parsing logs each (operation, field path) that differs from the spec once per client; a server that
# keeps inventing new paths stops being logged after this many.
MAX_DEVIATION_WARNINGS = 1_000

# --- parsing speed (issue #18) ------------------------------------------------------------------
# A JSON body at least this large is decoded and parsed into models with the cyclic garbage collector paused (see
# atlas_admin._gcpause): a page builds thousands of objects that all stay alive, and collections that start in the
# middle only traverse them and promote them to older generations (measured in bench/run.py, issue #18).
PARSE_GC_PAUSE_MIN_BYTES = 16 * 1024
