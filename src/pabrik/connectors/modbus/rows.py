"""A poll's good samples kept as columns, one chunk per read; a row tuple is made when read.

Making 4,000 six-item tuples per poll was a third of a poll's time (and most of its garbage
collections): the reader of the batch (the ingest check, the store) walks the rows once
anyway, so each row is built there, in one C loop, from the read's columns. The SQLite store
packs each column chunk into a frame (one row per read and instant) without making the rows.
The class lives in the model, which the stores may import; this name stays for the connector.
"""

from __future__ import annotations

from pabrik.model.batch import PollRows

__all__ = ["PollRows"]
