"""Backup and restore: one encrypted, compressed archive of the whole system.

Archive layout (format 1)::

    header   MAGIC (8 bytes) | salt (16) | key check (16)
    chunks   length (4, big-endian) | AES-256-GCM ciphertext of up to CHUNK_BYTES

The archive key is derived from the backup key and the random salt (HKDF-SHA256), so every
archive has its own key and nonces (a chunk counter plus a "last chunk" flag) never repeat.
The header is the associated data of every chunk, and the last chunk is sealed with the flag
set, so a changed byte, a wrong key, a swapped header or a cut-off end are all refused.

The plaintext is a zlib stream of records, one per line:

    H {"format": 1}                    start
    T {"table": ..., "columns": [...]} a table follows
    R [value, ...]                     one row: the stored column values in a vendor-neutral,
                                       canonical JSON form (encrypted fields stay ciphertext)
    E {"rows": n}                      end of table
    F {"path": ..., "size": n}         a media file; n raw bytes and a newline follow
    M {...manifest...}                 last record: migrations, per-table row count and
                                       digest, per-file sha256

A table's digest is the sum modulo 2**256 of the sha256 of each row's canonical JSON: it does
not depend on the order rows come back in, and it is the same on SQLite and PostgreSQL, so a
restore into either vendor is checked against the manifest.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import io
import json
import os
import secrets
import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms import secrets_store

FORMAT_VERSION = 1
MAGIC = b"SQMSBK\x00\x01"
SALT_BYTES = 16
CHECK_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES + CHECK_BYTES
CHUNK_BYTES = 1 << 20
KEY_BYTES = 32
FETCH_ROWS = 2000
INSERT_ROWS = 1000
FLUSH_BYTES = 256 * 1024
COMPRESS_LEVEL = 4
BACKUP_KEY_FILE = "backup_key"
KEY_ENV = "SQMS_BACKUP_KEY"
KEY_FILE_ENV = "SQMS_BACKUP_KEY_FILE"
_MOD = 1 << 256

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why, for the operator."""


class ArchiveError(BackupError):
    """The archive cannot be trusted: wrong key, damaged, truncated or not an archive."""


def _quiet(message: str) -> None:
    return None


# --- keys ------------------------------------------------------------------------------------


def _decode_backup_key(text: str, source: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BackupError(
            _("The backup key in %(source)s is not base64.") % {"source": source}
        ) from None
    if len(raw) != KEY_BYTES:
        raise BackupError(
            _("The backup key in %(source)s must be %(n)d bytes (base64), not %(m)d.")
            % {"source": source, "n": KEY_BYTES, "m": len(raw)}
        )
    return raw


def _read_key_file(path: str | Path) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise BackupError(
            _("Cannot read the backup key file %(path)s: %(error)s")
            % {"path": path, "error": exc.strerror or exc}
        ) from None


def default_key_path() -> Path:
    return Path(settings.VAR_DIR) / BACKUP_KEY_FILE


def resolve_key(key_file: str | None = None, *, create: bool = False) -> tuple[bytes, str]:
    """The backup key and where it came from.

    Order: an explicit key file; $SQMS_BACKUP_KEY (base64); $SQMS_BACKUP_KEY_FILE; the key kept
    in var/backup_key (made on the first backup, except in production, which must configure
    one). A restore never makes a key: a new key could not open an existing archive.
    """
    if key_file:
        return _decode_backup_key(_read_key_file(key_file), key_file), key_file
    if value := os.environ.get(KEY_ENV):
        return _decode_backup_key(value, f"${KEY_ENV}"), f"${KEY_ENV}"
    if path := os.environ.get(KEY_FILE_ENV):
        return _decode_backup_key(_read_key_file(path), path), path
    default = default_key_path()
    if default.exists():
        return _decode_backup_key(_read_key_file(default), str(default)), str(default)
    if create and not getattr(settings, "PRODUCTION", False):
        text = secrets_store._create_once(default, secrets_store.new_key() + "\n")
        return _decode_backup_key(text, str(default)), str(default)
    raise BackupError(
        _(
            "No backup key: pass --key-file, or set %(env)s (base64) or %(env_file)s. "
            "On the machine that made the archive, `sqms backup --show-key` prints its key."
        )
        % {"env": KEY_ENV, "env_file": KEY_FILE_ENV}
    )


def _derive(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES + CHECK_BYTES, salt=salt, info=b"sqms-backup-1"
    ).derive(key)
    return material[:KEY_BYTES], material[KEY_BYTES:]


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def key_fingerprint(encoded: object) -> str:
    """A short, one-way fingerprint of a base64 key: shows whether two machines hold the same
    key without showing the key."""
    raw = base64.b64decode(str(encoded))
    return hashlib.sha256(b"sqms-key-fingerprint\x00" + raw).hexdigest()[:16]


def data_key_fingerprints() -> dict[str, Any]:
    keys: dict[str, Any] = settings.SQMS_KEYS
    data_keys: dict[str, str] = keys.get("data_keys", {})
    return {
        "data_keys": {key_id: key_fingerprint(value) for key_id, value in data_keys.items()},
        "blind_index_key": key_fingerprint(keys.get("blind_index_key", "")),
    }


# --- encrypted, compressed stream ------------------------------------------------------------


class EncryptingWriter:
    """Compresses, then encrypts in CHUNK_BYTES pieces into `out` (memory stays flat)."""

    def __init__(self, out: IO[bytes], key: bytes) -> None:
        salt = secrets.token_bytes(SALT_BYTES)
        archive_key, check = _derive(key, salt)
        self._out = out
        self._aead = AESGCM(archive_key)
        self._header = MAGIC + salt + check
        self._counter = 0
        self._plain = bytearray()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._zlib = zlib.compressobj(COMPRESS_LEVEL)
        self.plain_bytes = 0
        out.write(self._header)

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= FLUSH_BYTES:
            self._compress()

    def _compress(self) -> None:
        data = b"".join(self._pending)
        self.plain_bytes += len(data)
        self._pending, self._pending_size = [], 0
        self._plain += self._zlib.compress(data)
        while len(self._plain) > CHUNK_BYTES:
            self._seal(bytes(self._plain[:CHUNK_BYTES]), last=False)
            del self._plain[:CHUNK_BYTES]

    def _seal(self, data: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), data, self._header)
        self._out.write(struct.pack(">I", len(sealed)))
        self._out.write(sealed)
        self._counter += 1

    def close(self) -> None:
        self._compress()
        self._plain += self._zlib.flush()
        while len(self._plain) > CHUNK_BYTES:
            self._seal(bytes(self._plain[:CHUNK_BYTES]), last=False)
            del self._plain[:CHUNK_BYTES]
        self._seal(bytes(self._plain), last=True)
        self._plain = bytearray()


class _DecryptingRaw(io.RawIOBase):
    """The compressed plaintext of an archive, chunk by authenticated chunk."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC[:6]):
            raise ArchiveError(_("This file is not an sqms backup archive."))
        if header[: len(MAGIC)] != MAGIC:
            raise ArchiveError(_("This archive has a format this version of sqms cannot read."))
        salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
        archive_key, check = _derive(key, salt)
        if not secrets.compare_digest(check, header[len(MAGIC) + SALT_BYTES :]):
            raise ArchiveError(
                _(
                    "Wrong backup key: this archive was made with a different key "
                    "(or its header is damaged). Nothing was restored."
                )
            )
        self._source = source
        self._aead = AESGCM(archive_key)
        self._header = header
        self._counter = 0
        self._buffer = b""
        self._offset = 0
        self._done = False
        self._next_length = self._read_length()

    def readable(self) -> bool:
        return True

    def _read_length(self) -> bytes:
        return self._source.read(4)

    def _next_chunk(self) -> None:
        prefix = self._next_length
        if not prefix:
            raise ArchiveError(
                _("The archive is truncated: its end is missing. Nothing was restored.")
            )
        if len(prefix) < 4:
            raise ArchiveError(_("The archive is truncated. Nothing was restored."))
        (length,) = struct.unpack(">I", prefix)
        if length > CHUNK_BYTES + 64:
            raise ArchiveError(
                _("The archive is damaged (chunk %(n)d). Nothing was restored.")
                % {"n": self._counter + 1}
            )
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise ArchiveError(_("The archive is truncated. Nothing was restored."))
        self._next_length = self._read_length()
        last = not self._next_length
        try:
            self._buffer = self._aead.decrypt(_nonce(self._counter, last), sealed, self._header)
        except InvalidTag:
            message = _("The archive is damaged (chunk %(n)d failed its integrity check).")
            if last:
                try:
                    self._aead.decrypt(_nonce(self._counter, False), sealed, self._header)
                    message = _("The archive is truncated: its end is missing.")
                except InvalidTag:
                    pass
            raise ArchiveError(
                (message % {"n": self._counter + 1}) + " " + _("Nothing was restored.")
            ) from None
        self._offset = 0
        self._counter += 1
        self._done = last

    def readinto(self, target: Any) -> int:
        while self._offset >= len(self._buffer):
            if self._done:
                return 0
            self._next_chunk()
        n = min(len(target), len(self._buffer) - self._offset)
        target[:n] = self._buffer[self._offset : self._offset + n]
        self._offset += n
        return n


class _InflatingRaw(io.RawIOBase):
    def __init__(self, source: _DecryptingRaw) -> None:
        self._source = source
        self._zlib = zlib.decompressobj()
        self._input_done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        size = len(target)
        while True:
            data = self._zlib.unconsumed_tail
            if not data and not self._input_done:
                data = self._source.read(64 * 1024) or b""
                if not data:
                    self._input_done = True
            if self._zlib.eof:
                self._finish()
                return 0
            try:
                out = self._zlib.decompress(data, size)
            except zlib.error:
                raise ArchiveError(_("The archive's content is damaged.")) from None
            if out:
                target[: len(out)] = out
                return len(out)
            if self._input_done and not self._zlib.unconsumed_tail:
                if not self._zlib.eof:
                    raise ArchiveError(_("The archive's content is incomplete."))
                return 0

    def _finish(self) -> None:
        """At the end of the compressed stream: read (and so authenticate) the rest of the
        chunks, which must hold nothing more."""
        if self._input_done:
            return
        trailing = self._zlib.unused_data
        while block := self._source.read(64 * 1024):
            trailing += block
        self._input_done = True
        if trailing:
            raise ArchiveError(_("The archive's content is damaged."))


def open_plaintext(source: IO[bytes], key: bytes) -> io.BufferedReader:
    return io.BufferedReader(_InflatingRaw(_DecryptingRaw(source, key)), buffer_size=1 << 16)


# --- canonical values ------------------------------------------------------------------------

INT_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
KIND_BY_TYPE = {
    **dict.fromkeys(INT_TYPES, "int"),
    "BooleanField": "bool",
    "NullBooleanField": "bool",
    "FloatField": "float",
    "DecimalField": "decimal",
    "DateTimeField": "datetime",
    "DateField": "date",
    "TimeField": "time",
    "DurationField": "duration",
    "JSONField": "json",
    "UUIDField": "uuid",
    "BinaryField": "binary",
    "GenericIPAddressField": "ip",
    "IPAddressField": "ip",
}


def column_kind(model_field: models.Field) -> str:
    target: Any = model_field
    while target.is_relation and getattr(target, "target_field", None) is not None:
        target = target.target_field
    return KIND_BY_TYPE.get(target.get_internal_type(), "text")


def _to_utc_naive(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _canonical_decimal(places: int | None) -> Callable[[Any], str]:
    quantum = decimal.Decimal(1).scaleb(-places) if places is not None else None

    def convert(value: Any) -> str:
        number = decimal.Decimal(str(value))
        if quantum is not None:
            number = number.quantize(quantum)
        return str(number)

    return convert


def _canonical_json(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical_duration(value: Any) -> int:
    if isinstance(value, dt.timedelta):
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    return int(value)


def _canonical_text(value: Any) -> Any:
    if value.__class__ is str:
        return value
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value if isinstance(value, str | int | float | bool) else str(value)


def canonicaliser(column: dict[str, Any]) -> Callable[[Any], Any]:
    """Turn a value as a database driver returns it into its canonical JSON value."""
    kind = column["kind"]
    if kind == "int":
        return int
    if kind == "bool":
        return bool
    if kind == "float":
        return float
    if kind == "decimal":
        return _canonical_decimal(column.get("places"))
    if kind == "datetime":
        return lambda v: _to_utc_naive(v).isoformat(timespec="microseconds")
    if kind == "date":
        return lambda v: (dt.date.fromisoformat(v) if isinstance(v, str) else v).isoformat()
    if kind == "time":
        return lambda v: (dt.time.fromisoformat(v) if isinstance(v, str) else v).isoformat(
            timespec="microseconds"
        )
    if kind == "duration":
        return _canonical_duration
    if kind == "json":
        return _canonical_json
    if kind == "uuid":
        return lambda v: (v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))).hex
    if kind == "binary":
        return lambda v: base64.b64encode(bytes(v)).decode()
    if kind == "ip":
        return str
    return _canonical_text


def db_adapter(column: dict[str, Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """Turn a canonical value back into a parameter the target database stores."""
    kind = column["kind"]
    ops, features = connection.ops, connection.features
    if kind == "decimal":
        return lambda v: ops.adapt_decimalfield_value(
            decimal.Decimal(v), column.get("digits"), column.get("places")
        )
    if kind == "datetime":

        def to_datetime(value: str) -> Any:
            moment = dt.datetime.fromisoformat(value)
            if settings.USE_TZ:
                moment = moment.replace(tzinfo=dt.UTC)
            return ops.adapt_datetimefield_value(moment)

        return to_datetime
    if kind == "date":
        return lambda v: ops.adapt_datefield_value(dt.date.fromisoformat(v))
    if kind == "time":
        return lambda v: ops.adapt_timefield_value(dt.time.fromisoformat(v))
    if kind == "duration":
        if features.has_native_duration_field:
            return lambda v: dt.timedelta(microseconds=v)
        return int
    if kind == "json":
        return lambda v: ops.adapt_json_value(json.loads(v), None)
    if kind == "uuid":
        if features.has_native_uuid_field:
            return uuid.UUID
        return str
    if kind == "binary":
        return base64.b64decode
    if kind == "ip":
        return ops.adapt_ipaddressfield_value
    return lambda v: v


def row_bytes(row: list[Any]) -> bytes:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class TableDigest:
    """Row count and an order-independent digest (sum of the rows' sha256 modulo 2**256)."""

    rows: int = 0
    total: int = 0

    def add(self, data: bytes) -> None:
        self.rows += 1
        self.total = (self.total + int.from_bytes(hashlib.sha256(data).digest(), "big")) % _MOD

    @property
    def hexdigest(self) -> str:
        return f"{self.total:064x}"


# --- what is backed up -----------------------------------------------------------------------


def backed_up_models(registry: Any = None) -> list[type[models.Model]]:
    """Every table of every installed app (auto-created many-to-many tables included), in
    dependency order: a model comes after the models its foreign keys point to, where the
    graph allows (cycles are broken by name; constraints are checked at the end anyway).

    `registry` is the app registry to read (default: the code's models); a database that is
    not fully migrated is read through the models of its migration state."""
    chosen: dict[str, type[models.Model]] = {}
    for model in (registry or apps).get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped:
            continue
        chosen.setdefault(meta.db_table, model)
    by_label = {m._meta.label_lower: m for m in chosen.values()}
    depends: dict[str, set[str]] = {}
    for label, model in by_label.items():
        targets = set()
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not None:
                related = f.related_model._meta.concrete_model._meta.label_lower  # type: ignore[union-attr]
                if related != label and related in by_label:
                    targets.add(related)
        depends[label] = targets
    ordered: list[str] = []
    done: set[str] = set()
    remaining = sorted(by_label)
    while remaining:
        ready = [label for label in remaining if depends[label] <= done] or remaining[:1]
        for label in ready:
            ordered.append(label)
            done.add(label)
        remaining = [label for label in remaining if label not in done]
    return [by_label[label] for label in ordered]


def table_spec(model: type[models.Model]) -> dict[str, Any]:
    meta = model._meta
    columns = []
    for f in meta.concrete_fields:
        column: dict[str, Any] = {"name": f.column, "kind": column_kind(f)}
        if column["kind"] == "decimal":
            column["digits"] = getattr(f, "max_digits", None)
            column["places"] = getattr(f, "decimal_places", None)
        if isinstance(f, models.FileField):
            column["file"] = True
        columns.append(column)
    pk_fields = getattr(meta, "pk_fields", None) or [meta.pk]
    return {
        "table": meta.db_table,
        "model": meta.label_lower,
        "columns": columns,
        "order_by": [f.column for f in pk_fields if f is not None],
    }


def read_rows(connection: BaseDatabaseWrapper, spec: dict[str, Any]) -> Iterator[list[Any]]:
    """The table's rows as canonical value lists, streamed (server-side cursor on PostgreSQL)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c["name"]) for c in spec["columns"])
    order = ", ".join(quote(c) for c in spec["order_by"])
    sql = f"SELECT {columns} FROM {quote(spec['table'])}"  # noqa: S608 -- names, not input
    if order:
        sql += f" ORDER BY {order}"
    converters = [canonicaliser(c) for c in spec["columns"]]
    use_server_side = connection.vendor == "postgresql" and connection.in_atomic_block
    cursor = connection.chunked_cursor() if use_server_side else connection.cursor()
    with cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(FETCH_ROWS):
            for raw in batch:
                yield [
                    None if value is None else convert(value)
                    for convert, value in zip(converters, raw, strict=True)
                ]


def table_digest(connection: BaseDatabaseWrapper, spec: dict[str, Any]) -> TableDigest:
    digest = TableDigest()
    for row in read_rows(connection, spec):
        digest.add(row_bytes(row))
    return digest


def database_digests(
    connection: BaseDatabaseWrapper | None = None,
) -> dict[str, tuple[int, str]]:
    """{table: (rows, digest)} of every backed-up table, read now (for checks and tests)."""
    connection = connection or connections["default"]
    result = {}
    for model in backed_up_models():
        spec = table_spec(model)
        digest = table_digest(connection, spec)
        result[spec["table"]] = (digest.rows, digest.hexdigest)
    return result


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
        rows = cursor.fetchall()
    result: dict[str, list[str]] = {}
    for app_label, name in rows:
        result.setdefault(app_label, []).append(name)
    return result


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix path, absolute path) of every regular file under MEDIA_ROOT."""
    if not root.is_dir():
        return
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


# --- backup ----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    manifest: dict[str, Any]
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _snapshot_transaction(connection: BaseDatabaseWrapper) -> Any:
    """One consistent read transaction: REPEATABLE READ READ ONLY on PostgreSQL; a deferred
    (read) transaction on SQLite, whose WAL snapshot does not block writers."""
    from contextlib import contextmanager

    @contextmanager
    def snapshot() -> Iterator[None]:
        if connection.in_atomic_block:
            # Already inside a transaction (a caller's): it is the snapshot.
            yield
            return
        if connection.vendor == "postgresql":
            with transaction.atomic(using=connection.alias):
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield
            return
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("ROLLBACK")  # read only: nothing to commit
            return
        with transaction.atomic(using=connection.alias):
            yield

    return snapshot()


def schema_models(connection: BaseDatabaseWrapper, progress: Progress = _quiet) -> list[Any]:
    """The models matching the database's tables: the code's models when every migration is
    applied; otherwise those of the migration state the database is at (a backup before an
    upgrade's `sqms migrate` must still work)."""
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return backed_up_models()
    progress(_("The database is not fully migrated: backing up the schema it has."))
    targets = migration_targets(connection, applied_migrations(connection))
    state = executor.loader.project_state(targets, at_end=True)
    return backed_up_models(state.apps)


def create_backup(
    path: Path,
    key: bytes,
    *,
    using: str = "default",
    progress: Progress = _quiet,
) -> BackupResult:
    """Write the archive to `path` (via a temporary file renamed at the end)."""
    import time

    started = time.monotonic()
    connection = connections[using]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "sqms_version": _sqms_version(),
        "keys": data_key_fingerprints(),
        "tables": [],
        "files": [],
    }
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = EncryptingWriter(out, key)
            writer.write(b"H" + row_bytes({"format": FORMAT_VERSION}) + b"\n")  # type: ignore[arg-type]
            referenced: set[str] = set()
            with _snapshot_transaction(connection):
                manifest["migrations"] = applied_migrations(connection)
                for model in schema_models(connection, progress):
                    spec = table_spec(model)
                    manifest["tables"].append(
                        _dump_table(connection, spec, writer, referenced, progress)
                    )
                root = media_root()
                for relative, absolute in media_files(root):
                    manifest["files"].append(_dump_file(relative, absolute, writer))
                progress(_("files: %(n)d") % {"n": len(manifest["files"])})
            present = {f["path"] for f in manifest["files"]}
            manifest["missing_files"] = sorted(referenced - present)
            manifest["rows"] = sum(t["rows"] for t in manifest["tables"])
            writer.write(b"M" + row_bytes(manifest) + b"\n")  # type: ignore[arg-type]
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return BackupResult(
        path=path,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
        manifest=manifest,
        seconds=time.monotonic() - started,
        extra={"plain_bytes": writer.plain_bytes},
    )


def _sqms_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sqms")
    except PackageNotFoundError:
        return "unknown"


def _dump_table(
    connection: BaseDatabaseWrapper,
    spec: dict[str, Any],
    writer: EncryptingWriter,
    referenced: set[str],
    progress: Progress,
) -> dict[str, Any]:
    writer.write(b"T" + row_bytes(spec) + b"\n")  # type: ignore[arg-type]
    digest = TableDigest()
    file_columns = [i for i, c in enumerate(spec["columns"]) if c.get("file")]
    for row in read_rows(connection, spec):
        data = row_bytes(row)
        digest.add(data)
        writer.write(b"R" + data + b"\n")
        for index in file_columns:
            if row[index]:
                referenced.add(row[index])
        if digest.rows % 100_000 == 0:
            progress(_("%(table)s: %(rows)d rows…") % {"table": spec["table"], "rows": digest.rows})
    writer.write(b"E" + row_bytes({"rows": digest.rows}) + b"\n")  # type: ignore[arg-type]
    progress(_("%(table)s: %(rows)d rows") % {"table": spec["table"], "rows": digest.rows})
    return {
        "table": spec["table"],
        "model": spec["model"],
        "rows": digest.rows,
        "digest": digest.hexdigest,
    }


def _dump_file(relative: str, absolute: Path, writer: EncryptingWriter) -> dict[str, Any]:
    digest = hashlib.sha256()
    with absolute.open("rb") as handle:
        # Size from the open file, so a file growing meanwhile cannot break the framing.
        size = os.fstat(handle.fileno()).st_size
        writer.write(b"F" + row_bytes({"path": relative, "size": size}) + b"\n")  # type: ignore[arg-type]
        left = size
        while left:
            block = handle.read(min(left, 1 << 20))
            if not block:
                block = b"\x00" * min(left, 1 << 20)  # the file shrank meanwhile
            digest.update(block)
            writer.write(block)
            left -= len(block)
    writer.write(b"\n")
    return {"path": relative, "size": size, "sha256": digest.hexdigest()}


# --- reading an archive ----------------------------------------------------------------------


@dataclass
class ArchiveContents:
    manifest: dict[str, Any]
    tables: list[dict[str, Any]]
    files: list[dict[str, Any]]


def _parse(line: bytes, what: str) -> Any:
    try:
        return json.loads(line[1:])
    except ValueError:
        raise ArchiveError(
            _("The archive's content is damaged (%(what)s).") % {"what": what}
        ) from None


def _records(
    plain: io.BufferedReader,
    on_table: Callable[[dict[str, Any]], None],
    on_row: Callable[[bytes], None],
    on_table_end: Callable[[dict[str, Any], int], None],
    on_file: Callable[[dict[str, Any], Iterator[bytes]], None],
) -> dict[str, Any]:
    """Walk the records; return the manifest."""
    first = plain.readline()
    if not first.startswith(b"H"):
        raise ArchiveError(_("The archive's content is damaged (no header)."))
    header = _parse(first, "header")
    if header.get("format") != FORMAT_VERSION:
        raise ArchiveError(_("This archive has a format this version of sqms cannot read."))
    table: dict[str, Any] | None = None
    while True:
        line = plain.readline()
        if not line:
            raise ArchiveError(_("The archive's content is incomplete (no manifest)."))
        tag = line[:1]
        if tag == b"R" and table is not None:
            on_row(line[1:-1])
        elif tag == b"T":
            table = _parse(line, "table")
            on_table(table)
        elif tag == b"E" and table is not None:
            on_table_end(table, int(_parse(line, "table end")["rows"]))
            table = None
        elif tag == b"F":
            info = _parse(line, "file")
            size = int(info["size"])

            def blocks(left: int = size) -> Iterator[bytes]:
                while left:
                    block = plain.read(min(left, 1 << 20))
                    if not block:
                        raise ArchiveError(_("The archive's content is incomplete."))
                    left -= len(block)
                    yield block

            on_file(info, blocks())
            if plain.read(1) != b"\n":
                raise ArchiveError(_("The archive's content is damaged (file framing)."))
        elif tag == b"M":
            manifest: dict[str, Any] = _parse(line, "manifest")
            if plain.read(1):
                raise ArchiveError(_("The archive's content is damaged (data after manifest)."))
            return manifest
        else:
            raise ArchiveError(_("The archive's content is damaged (unknown record)."))


def verify_archive(path: Path, key: bytes, progress: Progress = _quiet) -> ArchiveContents:
    """Read the whole archive once: every chunk authenticated, every table's rows and digest
    and every file's sha256 checked against the manifest. Writes nothing."""
    tables: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    digests: dict[str, TableDigest] = {}
    current: dict[str, TableDigest] = {}

    def on_table(spec: dict[str, Any]) -> None:
        tables.append(spec)
        current["t"] = digests[spec["table"]] = TableDigest()

    def on_row(data: bytes) -> None:
        current["t"].add(data)

    def on_table_end(spec: dict[str, Any], rows: int) -> None:
        if rows != digests[spec["table"]].rows:
            raise ArchiveError(_("The archive's content is damaged (row count)."))
        progress(_("verified %(table)s: %(rows)d rows") % {"table": spec["table"], "rows": rows})

    def on_file(info: dict[str, Any], blocks: Iterator[bytes]) -> None:
        digest = hashlib.sha256()
        for block in blocks:
            digest.update(block)
        files.append({**info, "sha256": digest.hexdigest()})

    try:
        with Path(path).open("rb") as handle:
            manifest = _records(
                open_plaintext(handle, key), on_table, on_row, on_table_end, on_file
            )
    except FileNotFoundError:
        raise BackupError(_("No such archive: %(path)s") % {"path": path}) from None
    listed = {t["table"]: t for t in manifest.get("tables", [])}
    if set(listed) != set(digests):
        raise ArchiveError(_("The archive's manifest does not match its tables."))
    for table, digest in digests.items():
        if listed[table]["rows"] != digest.rows or listed[table]["digest"] != digest.hexdigest:
            raise ArchiveError(
                _("The archive's table %(table)s does not match its manifest.") % {"table": table}
            )
    if [(f["path"], f["sha256"]) for f in files] != [
        (f["path"], f["sha256"]) for f in manifest.get("files", [])
    ]:
        raise ArchiveError(_("The archive's files do not match its manifest."))
    return ArchiveContents(manifest=manifest, tables=tables, files=files)


# --- restore ---------------------------------------------------------------------------------


@dataclass
class TableCheck:
    table: str
    rows: int
    expected_rows: int
    digest: str
    expected_digest: str

    @property
    def ok(self) -> bool:
        return self.rows == self.expected_rows and self.digest == self.expected_digest


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    checks: list[TableCheck]
    files: int
    seconds: float = 0.0
    # Migrations this code has beyond the archive's state (`sqms migrate` applies them).
    pending_migrations: int = 0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def check_target_empty(connection: BaseDatabaseWrapper) -> None:
    """Refuse a database anyone has used: one with users or audit events. A new database
    (no tables) or one that was only migrated is empty."""
    from sqms.core.models import AuditEvent

    existing = set(connection.introspection.table_names())
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    counts = {}
    for model, label in ((user_model, _("users")), (AuditEvent, _("audit events"))):
        table = model._meta.db_table
        if table in existing:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[label] = cursor.fetchone()[0]
    used = {label: n for label, n in counts.items() if n}
    if used:
        detail = ", ".join(f"{n} {label}" for label, n in used.items())
        raise BackupError(
            _(
                "The target database is not empty (%(detail)s). A restore never overwrites "
                "data: create a new, empty database and point DATABASE_URL at it."
            )
            % {"detail": detail}
        )


def check_keys_match(manifest: dict[str, Any]) -> None:
    """The target must hold the data keys the archive's encrypted columns were written
    with, or personal data would not decrypt after the restore."""
    source = manifest.get("keys") or {}
    here = data_key_fingerprints()
    missing = [
        key_id
        for key_id, fingerprint in (source.get("data_keys") or {}).items()
        if here["data_keys"].get(key_id) != fingerprint
    ]
    if missing or source.get("blind_index_key") not in (None, here["blind_index_key"]):
        names = ", ".join(missing) or _("blind index key")
        raise BackupError(
            _(
                "This machine's data keys differ from the ones the archive was made with "
                "(%(names)s): personal data would not decrypt. Install the source's key file "
                "(var/keys.json, or SQMS_KEY_FILE / SQMS_DATA_KEYS and SQMS_BLIND_INDEX_KEY) "
                "first."
            )
            % {"names": names}
        )


def migration_targets(
    connection: BaseDatabaseWrapper, migrations: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """The last applied migration of each app in the archive, as nodes of this code's graph."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    graph = loader.graph
    targets = []
    unknown = []
    for app_label, names in sorted(migrations.items()):
        nodes = {(app_label, name) for name in names}
        known = {node for node in nodes if node in graph.nodes}
        if app_label not in loader.migrated_apps:
            if apps.is_installed(app_label) or any(
                config.label == app_label for config in apps.get_app_configs()
            ):
                continue
            unknown.extend(sorted(nodes))
            continue
        # Migrations squashed away here are fine if their replacement is present.
        for node in nodes - known:
            if not any(node in getattr(m, "replaces", []) for m in loader.disk_migrations.values()):
                unknown.append(node)
        for node in known:
            ancestors = set(graph.forwards_plan(node))
            if known <= ancestors:
                targets.append(node)
                break
    if unknown:
        listed = ", ".join(f"{a}.{n}" for a, n in unknown[:5])
        raise BackupError(
            _(
                "The archive was made by a newer sqms: this installation lacks its migrations "
                "(%(names)s). Install the same or a newer version, then restore."
            )
            % {"names": listed}
        )
    return targets


def check_media(files: list[dict[str, Any]]) -> None:
    root = media_root()
    for info in files:
        target = _media_path(root, info["path"])
        if target.exists():
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
            if digest != info["sha256"]:
                raise BackupError(
                    _(
                        "The media directory already holds a different %(path)s; restore into "
                        "an empty media directory (SQMS_MEDIA_ROOT)."
                    )
                    % {"path": info["path"]}
                )


def _media_path(root: Path, relative: str) -> Path:
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ArchiveError(
            _("The archive names an unsafe file path: %(path)s") % {"path": relative}
        )
    return root.joinpath(*pure.parts)


def restore_backup(
    path: Path,
    key: bytes,
    *,
    using: str = "default",
    progress: Progress = _quiet,
) -> RestoreResult:
    import time

    started = time.monotonic()
    connection = connections[using]
    progress(_("Verifying the archive…"))
    contents = verify_archive(path, key)
    manifest = contents.manifest
    check_keys_match(manifest)
    check_target_empty(connection)
    targets = migration_targets(connection, manifest.get("migrations", {}))
    check_media(contents.files)

    progress(_("Migrating the target database to the archive's state…"))
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    executor.migrate(targets, plan=plan)

    _restore_files(path, key, progress)
    checks = _load_tables(connection, path, key, contents, progress)
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreResult(
        manifest=manifest,
        checks=checks,
        files=len(contents.files),
        seconds=time.monotonic() - started,
        pending_migrations=len(pending),
    )


def _skip_rows(data: bytes) -> None:
    return None


def _drain_file(info: dict[str, Any], blocks: Iterator[bytes]) -> None:
    for _block in blocks:
        pass


def _restore_files(path: Path, key: bytes, progress: Progress) -> None:
    root = media_root()

    def on_file(info: dict[str, Any], blocks: Iterator[bytes]) -> None:
        target = _media_path(root, info["path"])
        if target.exists():  # same content (checked before): keep it
            for _block in blocks:
                pass
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        with partial.open("wb") as out:
            for block in blocks:
                out.write(block)
        os.replace(partial, target)

    with Path(path).open("rb") as handle:
        _records(
            open_plaintext(handle, key),
            lambda spec: None,
            _skip_rows,
            lambda spec, rows: None,
            on_file,
        )
    progress(_("Files restored."))


def _load_tables(
    connection: BaseDatabaseWrapper,
    path: Path,
    key: bytes,
    contents: ArchiveContents,
    progress: Progress,
) -> list[TableCheck]:
    quote = connection.ops.quote_name
    existing = set(connection.introspection.table_names())
    archive_tables = [spec["table"] for spec in contents.tables]
    missing = [t for t in archive_tables if t not in existing]
    if missing:
        raise BackupError(
            _("After migrating, the target lacks tables of the archive: %(tables)s")
            % {"tables": ", ".join(missing[:5])}
        )
    model_tables = set(connection.introspection.django_table_names(only_existing=True))
    flush_tables = sorted(set(archive_tables) | model_tables)
    expected = {t["table"]: t for t in contents.manifest["tables"]}
    state: dict[str, Any] = {}

    def flush_batch() -> None:
        batch = state.get("batch")
        if not batch:
            return
        if connection.vendor == "postgresql":
            # COPY: one round trip per batch instead of one per row.
            with connection.connection.cursor() as raw, raw.copy(state["copy"]) as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            with connection.cursor() as cursor:
                cursor.executemany(state["sql"], batch)
        state["batch"] = []

    def on_table(spec: dict[str, Any]) -> None:
        columns = spec["columns"]
        names = ", ".join(quote(c["name"]) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        state["sql"] = f"INSERT INTO {quote(spec['table'])} ({names}) VALUES ({marks})"  # noqa: S608
        state["copy"] = f"COPY {quote(spec['table'])} ({names}) FROM STDIN"
        state["adapters"] = [db_adapter(c, connection) for c in columns]
        state["batch"] = []
        state["rows"] = 0
        state["table"] = spec["table"]

    def on_row(data: bytes) -> None:
        values = json.loads(data)
        state["batch"].append(
            [
                None if value is None else adapt(value)
                for adapt, value in zip(state["adapters"], values, strict=True)
            ]
        )
        state["rows"] += 1
        if len(state["batch"]) >= INSERT_ROWS:
            flush_batch()
        if state["rows"] % 100_000 == 0:
            progress(
                _("%(table)s: %(rows)d rows…") % {"table": state["table"], "rows": state["rows"]}
            )

    def on_table_end(spec: dict[str, Any], rows: int) -> None:
        flush_batch()
        progress(_("%(table)s: %(rows)d rows loaded") % {"table": spec["table"], "rows": rows})

    checks: list[TableCheck] = []
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            for statement in connection.ops.sql_flush(
                no_style(), flush_tables, reset_sequences=True, allow_cascade=False
            ):
                cursor.execute(statement)
        with Path(path).open("rb") as handle:
            _records(
                open_plaintext(handle, key),
                on_table,
                on_row,
                on_table_end,
                _drain_file,
            )
        _reset_sequences(connection, contents.tables)
        connection.check_constraints(table_names=archive_tables)
        progress(_("Checking every table against the manifest…"))
        for spec in contents.tables:
            digest = table_digest(connection, spec)
            want = expected[spec["table"]]
            checks.append(
                TableCheck(
                    table=spec["table"],
                    rows=digest.rows,
                    expected_rows=want["rows"],
                    digest=digest.hexdigest,
                    expected_digest=want["digest"],
                )
            )
        bad = [c.table for c in checks if not c.ok]
        if bad:
            raise RestoreMismatch(checks, bad)
    return checks


class RestoreMismatch(BackupError):
    def __init__(self, checks: list[TableCheck], tables: list[str]) -> None:
        self.checks = checks
        super().__init__(
            _(
                "The restored data does not match the archive's manifest (%(tables)s); "
                "the restore was rolled back."
            )
            % {"tables": ", ".join(tables[:5])}
        )


def _reset_sequences(connection: BaseDatabaseWrapper, tables: list[dict[str, Any]]) -> None:
    """PostgreSQL: move each serial/identity sequence past the restored ids. (SQLite's
    AUTOINCREMENT counter follows inserted ids by itself.)"""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for spec in tables:
            for column in spec["columns"]:
                if column["kind"] != "int":
                    continue
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", [quote(spec["table"]), column["name"]]
                )
                sequence = cursor.fetchone()[0]
                if not sequence:
                    continue
                cursor.execute(
                    f"SELECT setval(%s, COALESCE(MAX({quote(column['name'])}), 1), "  # noqa: S608
                    f"MAX({quote(column['name'])}) IS NOT NULL) FROM {quote(spec['table'])}",
                    [sequence],
                )
