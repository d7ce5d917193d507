"""The writer: rows as tuples into tables, PostgreSQL COPY from a thread (SQLite:
executemany), and primary keys reserved per batch. Knows nothing of what the rows mean."""

from __future__ import annotations

import csv
import datetime as dt
import io
import queue
import resource
import threading
import time
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from .options import ScaleError

NULL = "\\N"


@dataclass
class Stats:
    started: float = field(default_factory=time.perf_counter)
    households: int = 0
    residents: int = 0
    ids: int = 0
    rows: dict = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sink:
    """Writes tuples into a table: COPY on PostgreSQL (writer thread), executemany elsewhere."""

    def __init__(self, stats: Stats, *, threaded: bool = True):
        self.stats = stats
        self.pg = connection.vendor == "postgresql"
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        # Inside a transaction (e.g. a test) a second connection would not see the rows this one
        # has not committed yet: COPY then runs on the caller's connection.
        self.threaded = threaded and self.pg and not connection.in_atomic_block
        if self.threaded:
            self._queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._work, name="seed-scale-copy", daemon=True)
            self._thread.start()

    @staticmethod
    def columns(model: type[models.Model], names: list[str]) -> list[str]:
        return [model._meta.get_field(name).column for name in names]

    def write(self, model, names: list[str], rows: list[tuple]) -> None:
        """Queue `rows` (tuples in the order of `names`; NULL as "\\N") for `model`'s table."""
        if not rows:
            return
        names, rows = with_derived_keys(model, names, rows)
        self.stats.add(model._meta.db_table, len(rows))
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns(model, names))
        if self.pg:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            if not self.threaded:
                buffer.seek(0)
                with connection.cursor() as cursor:
                    cursor.cursor.copy_expert(self._copy_sql(table, cols), buffer)
                return
            self._check()
            self._queue.put((table, cols, buffer.getvalue()))
            return
        marks = ", ".join(["%s"] * len(names))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )

    def _work(self) -> None:
        # Own connection (Django connections are per thread); one autocommit COPY per batch.
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if self._error is not None:
                    continue
                table, cols, data = item
                with connection.cursor() as cursor:
                    cursor.cursor.copy_expert(self._copy_sql(table, cols), io.StringIO(data))
        except BaseException as exc:  # reported by the main thread
            self._error = exc
            while True:  # drain so that the producer never blocks
                if self._queue.get() is None:
                    return
        finally:
            connection.close()

    @staticmethod
    def _copy_sql(table: str, cols: str) -> str:
        return f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"

    def _check(self) -> None:
        if self._error is not None:
            raise ScaleError(f"Writing rows failed: {self._error}") from self._error

    def flush(self) -> None:
        """Wait until everything queued is in the database (the writer thread then stops)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            self._check()


def with_derived_keys(model, names: list[str], rows: list[tuple]) -> tuple[list[str], list]:
    """Add the model's derived keys (core.fields.DerivedKeyField: search keys, natural sort
    keys) computed from their source columns, as the model's save() would."""
    from core.fields import KEYS, DerivedKeyField

    derived = [
        f for f in model._meta.concrete_fields
        if isinstance(f, DerivedKeyField) and f.attname not in names
    ]  # fmt: skip
    if not derived:
        return names, rows
    index = {name: i for i, name in enumerate(names)}
    missing = [n for f in derived for n in f.sources if n not in index]
    if missing:
        raise ScaleError(f"{model._meta.label}: no column {missing[0]} to derive a key from.")

    def keys(row):
        for f in derived:
            parts = [row[index[n]] for n in f.sources]
            text = " ".join(str(p) for p in parts if p and p != NULL)
            yield KEYS[f.kind](text)[: f.max_length]

    return names + [f.attname for f in derived], [(*row, *keys(row)) for row in rows]


def _sqlite_value(value):
    if isinstance(value, str):
        return None if value == NULL else value
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def reserve_ids(model: type[models.Model], n: int) -> int:
    """Reserve n consecutive primary keys; returns the first one."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            sequence = cursor.fetchone()[0]
            # One statement, so two concurrent reservations cannot overlap.
            # Under an advisory lock so that two reservations never overlap.
            with transaction.atomic():
                cursor.execute("SELECT pg_advisory_xact_lock(7208151)")
                cursor.execute("SELECT nextval(%s)", [sequence])
                first = cursor.fetchone()[0]
                if n > 1:
                    cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX({model._meta.pk.column}), 0) FROM {table}")
        return cursor.fetchone()[0] + 1
