"""JSON bodies of the runtime's reused views, encoded once per view and shared by requests."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

JSON = "application/json"
KEEP = 128
"""Views whose bodies are kept (a plant's overview and its machines' polled views)."""


class EncodedViews:
    """The response body of each recent view object, keyed by identity and what shaped it."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._bodies: OrderedDict[tuple[int, Hashable], tuple[object, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def response(self, view: object, shape: Hashable, public: Callable[[], BaseModel]) -> Response:
        """``public()`` as FastAPI would send it, encoded only the first time ``view`` is seen."""
        # Polls of one plant or machine share a view until the runtime refreshes it; building
        # and encoding its public model per request was most of the API's time under load.
        key = (id(view), shape)
        with self._lock:
            found = self._bodies.get(key)
            if found is not None and found[0] is view:
                self._bodies.move_to_end(key)
                return Response(found[1], media_type=JSON)
        body = bytes(JSONResponse(public().model_dump(mode="json", by_alias=True)).body)
        with self._lock:
            self._bodies[key] = (view, body)
            while len(self._bodies) > self._keep:
                self._bodies.popitem(last=False)
        return Response(body, media_type=JSON)
