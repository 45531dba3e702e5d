"""The ingest pipeline: validate, batch, write idempotently, and dead-letter the rest."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from pabrik.model.batch import PollRows, RecordBatch, sample_of
from pabrik.model.records import DeadLetter, Record, record_kind
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection, check_record, decode_payload
from pabrik.runtime.ingest.rowcheck import RowChecker
from pabrik.storage.store import DEAD_LETTER_PAYLOAD_CAP, Store, WriteResult

Clock = Callable[[], datetime]

# A record refused by validation is kept as its JSON; replay parses it back.
RECORD_CONTEXT = {"format": "record"}


def utc_now() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(UTC)


@dataclass(slots=True)
class IngestMetrics:
    """Counters for one ingest pipeline."""

    received: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    batches: int = 0
    rejected_by_code: dict[str, int] = field(default_factory=dict)


def _record_json(record: Record) -> str:
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(record).items()}
    data["kind"] = record_kind(record)
    return json.dumps(data, default=str)


def _storable(text: str) -> str:
    """Text any store can write: lone surrogates (from JSON escapes) become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


class CommitStage(Protocol):
    """Work done on a batch before it commits, whose state commits with it (anomaly scores)."""

    def prepare(self, batch: Sequence[Record]) -> dict[str, str]:
        """Process the batch; return checkpoints to write in its transaction. Never raises."""
        ...

    def abort(self) -> None:
        """The batch did not commit: go back to the state of the last commit."""
        ...


class Ingestor:
    """Buffers accepted records and commits them in batches with their checkpoints."""

    def __init__(self, store: Store, plant: Plant, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.plant = plant
        self.clock = clock
        self.metrics = IngestMetrics()
        self._pending: list[Record] = []
        # Accepted samples that came as rows (RecordBatch): written as they are; a poll's
        # column chunks stay chunks, which the SQLite store packs into frames.
        self._rows = PollRows()
        self._row_checker = RowChecker(plant)
        self._dead: list[DeadLetter] = []
        # Connectors deliver from their own threads; one lock keeps batches whole.
        self._lock = threading.RLock()
        self.after_commit: Callable[[Sequence[Record]], None] | None = None
        """Called with each committed batch (the alarms evaluate it there); must not raise."""
        self.stage: CommitStage | None = None
        """Run on each batch before it is written; its checkpoints commit with the batch."""

    def replan(self, plant: Plant) -> None:
        """Validate from now on against a new plant (a new configuration version)."""
        with self._lock:
            self.plant = plant
            self._row_checker = RowChecker(plant)

    @property
    def pending(self) -> int:
        """Records accepted but not yet committed."""
        return len(self._pending) + len(self._rows)

    def offer(self, records: Iterable[Record]) -> list[Rejection]:
        """Validate records; keep the good ones for the next flush, dead-letter the rest."""
        now = self.clock()
        rejections: list[Rejection] = []
        with self._lock:
            if isinstance(records, RecordBatch):
                if isinstance(records.rows, PollRows):
                    polled, others = self._row_checker.split_poll(records.rows, now)
                    self.metrics.received += len(polled)
                    self._rows.join(polled)
                else:
                    good, others = self._row_checker.split(records.rows, now)
                    self.metrics.received += len(good)
                    self._rows.extend(good)
                # A row the fast check does not pass is judged as its record, word for word.
                records = [*records.records, *map(sample_of, others)]
            # Samples and counts every check passes skip check_record; it judges the rest.
            passed, records = self._row_checker.split_records(records, now)
            self.metrics.received += len(passed)
            self._pending.extend(passed)
            for record in records:
                self.metrics.received += 1
                rejection = self._checked(record, now)
                if rejection is None:
                    self._pending.append(record)
                else:
                    rejections.append(rejection)
                    self._reject(
                        record.source, rejection, _record_json(record), now, RECORD_CONTEXT
                    )
        return rejections

    def _checked(self, record: Record, now: datetime) -> Rejection | None:
        try:
            return check_record(record, self.plant, now)
        except Exception as err:  # noqa: BLE001 - a bug in a check must not block the batch
            return Rejection("validation_error", f"validation raised {type(err).__name__}")

    def offer_payload(
        self,
        payload: bytes | str,
        *,
        kind: str,
        source: str,
        machine_id: str,
        signal_id: str | None = None,
    ) -> Rejection | None:
        """Decode a JSON payload and offer it; None means it was accepted."""
        decoded = decode_payload(
            payload,
            kind=kind,
            source=source,
            machine_id=machine_id,
            signal_id=signal_id,
            max_bytes=self.plant.limits.max_payload_bytes,
        )
        if isinstance(decoded, Rejection):
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            context = {"format": "json", "kind": kind, "machine": machine_id}
            if signal_id is not None:
                context["signal"] = signal_id
            self.reject_input(source, decoded.code, decoded.detail, text, context)
            return decoded
        rejected = self.offer([decoded])
        return rejected[0] if rejected else None

    def reject_input(
        self,
        source: str,
        code: str,
        detail: str,
        payload: str,
        context: dict[str, str] | None = None,
    ) -> None:
        """Dead-letter an input a connector could not decode, with its replay context."""
        with self._lock:
            self.metrics.received += 1
            self._reject(source, Rejection(code, detail), payload, self.clock(), context)

    def _reject(
        self,
        source: str,
        rejection: Rejection,
        payload: str,
        now: datetime,
        context: dict[str, str] | None = None,
    ) -> None:
        self.metrics.rejected += 1
        by_code = self.metrics.rejected_by_code
        by_code[rejection.code] = by_code.get(rejection.code, 0) + 1
        detail, payload = _storable(rejection.detail), _storable(payload[:DEAD_LETTER_PAYLOAD_CAP])
        letter = DeadLetter(source, now, rejection.code, detail, payload, context=context)
        self._dead.append(letter)

    def ingest(
        self, records: Iterable[Record], checkpoints: dict[str, str] | None = None
    ) -> WriteResult:
        """Offer a batch and commit it at once, with its checkpoints."""
        with self._lock:
            self.offer(records)
            return self.flush(checkpoints)

    def flush(self, checkpoints: dict[str, str] | None = None) -> WriteResult:
        """Commit what is pending, with checkpoints, in one transaction."""
        with self._lock:
            return self._flush(checkpoints)

    def discard(self) -> int:
        """Drop what is pending, for a source that delivers it again; return how many."""
        with self._lock:
            dropped = len(self._pending) + len(self._rows) + len(self._dead)
            self._pending, self._rows, self._dead = [], PollRows(), []
            return dropped

    def _flush(self, checkpoints: dict[str, str] | None) -> WriteResult:
        records, rows, dead = self._pending, self._rows, self._dead
        if not records and not rows and not checkpoints and not dead:
            return WriteResult(0, 0)
        # One transaction for all three, and nothing leaves the queue before it commits:
        # a crash can neither lose an accepted record nor write a dead letter twice.
        batch = RecordBatch(records, rows) if rows else records
        stage = self.stage
        if stage is not None and (records or rows):
            checkpoints = {**(checkpoints or {}), **stage.prepare(batch)}
        try:
            result = self.store.write(batch, checkpoints, dead)
        except BaseException:
            if stage is not None:
                stage.abort()
            raise
        self._pending, self._rows, self._dead = [], PollRows(), []
        self.metrics.batches += 1
        self.metrics.accepted += result.inserted
        self.metrics.duplicates += result.offered - result.inserted
        if self.after_commit is not None and (records or rows):
            self.after_commit(batch)
        return result
