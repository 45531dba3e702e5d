"""JSON bodies of the runtime's reused views, encoded once per view and shared by requests."""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

JSON = "application/json"
KEEP = 128
"""Views whose bodies are kept (a plant's overview and its machines' polled views)."""
GZIP_LEVEL = 9
"""As Starlette's GZipMiddleware compresses the responses it is given (its default)."""


@dataclass(slots=True)
class _Body:
    view: object
    plain: bytes
    gzipped: bytes | None = field(default=None)


class EncodedViews:
    """The response body of each recent view object, keyed by identity and what shaped it."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._bodies: OrderedDict[tuple[int, Hashable], _Body] = OrderedDict()
        self._lock = threading.Lock()

    def response(
        self,
        view: object,
        shape: Hashable,
        public: Callable[[], BaseModel],
        accept_encoding: str = "",
    ) -> Response:
        """``public()`` as FastAPI would send it, encoded only the first time ``view`` is seen.

        A client that accepts gzip gets the body compressed once per view as well, which the
        GZip middleware passes on as it is.
        """
        # Polls of one plant or machine share a view until the runtime refreshes it; building
        # and encoding its public model per request was most of the API's time under load, and
        # then compressing it (the plant's 180 kB, in a worker thread) per request was next.
        key = (id(view), shape)
        with self._lock:
            found = self._bodies.get(key)
            if found is not None and found.view is view:
                self._bodies.move_to_end(key)
            else:
                found = None
        if found is None:
            plain = bytes(JSONResponse(public().model_dump(mode="json", by_alias=True)).body)
            found = _Body(view, plain)
            with self._lock:
                self._bodies[key] = found
                while len(self._bodies) > self._keep:
                    self._bodies.popitem(last=False)
        if "gzip" not in accept_encoding:
            return Response(found.plain, media_type=JSON)
        if found.gzipped is None:
            # Two first requests may both compress it: the same bytes, so either may stay.
            found.gzipped = zlib.compress(found.plain, GZIP_LEVEL, wbits=16 + zlib.MAX_WBITS)
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(found.gzipped, media_type=JSON, headers=headers)
