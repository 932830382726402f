"""JSON answers encoded by orjson, and bodies kept beside their gzip encoding.

The listing and nearby answers are plain dicts of thousands of small values: FastAPI's own path
(jsonable_encoder, then json.dumps) walks them twice in Python; orjson writes the same JSON
(UTF-8, no spaces) in one pass in Rust. A cached listing is compressed once, not per request.
"""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

GZIP_MIN_BYTES = 1000  # as the app's GZipMiddleware: smaller answers are sent as they are
GZIP_LEVEL = 6


def json_bytes(content: Any) -> bytes:
    """The content as compact UTF-8 JSON (numpy numbers as numbers)."""
    return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


class FastJSONResponse(Response):
    """A JSON response rendered by :func:`json_bytes`."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


class Body:
    """A rendered JSON answer and, once asked for, its gzip encoding, kept together."""

    def __init__(self, plain: bytes) -> None:
        self.plain = plain
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzipped is None:  # two threads may both compress; the results are equal
            self._gzipped = gzip.compress(self.plain, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped

    def response(self, request: Request) -> Response:
        """The body as the client accepts it: gzip when asked and worth it, else plain."""
        accepts = request.headers.get("accept-encoding", "")
        if len(self.plain) >= GZIP_MIN_BYTES and "gzip" in accepts.lower():
            return Response(
                self.gzipped(),
                media_type="application/json",
                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        return Response(self.plain, media_type="application/json")
