"""`sqms backup` / `sqms restore`: a populated system backed up, restored into a new database
(same vendor and the other one) by a separate process, and compared table by table; every
refusal (wrong key, damaged, truncated, non-empty target, other data keys); no plaintext
personal data in the archive; a consistent snapshot while others write."""

import base64
import io
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import environ
import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.utils import ConnectionHandler
from django.utils import translation

from sqms.core import backup
from sqms.core.models import AuditEvent, User
from sqms.core.tests import crypto_keys
from sqms.servicedesk import attachments
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import Attachment, TicketEvent
from sqms.servicedesk.tests.doc_helpers import make_ticket

BASE_DIR = Path(settings.BASE_DIR)
KNOWN_PHONE = "13987650123"
KNOWN_NAME = "欧阳备份"
KNOWN_ID = "11010519491231002X"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOTE = "客户来电记录：宽带故障，已派单。\n".encode()
AUDIT_TABLES = {AuditEvent._meta.db_table, "core_auditchainhead"}


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are matched in English (the catalogue translates them into Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "backup.key"
    path.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    return path


def populate(org: Any, make_user: Any) -> dict[str, Any]:
    """Users, a ticket with a timeline and two attachments, audit events, and a customer when
    the customers app is installed."""
    agent = make_user("agent", unit=org.hall1, username="bk_agent", mobile=KNOWN_PHONE)
    make_user("unit_manager", unit=org.branch1, username="bk_manager")
    ticket = make_ticket(
        org.hall1, agent, customer_phone=KNOWN_PHONE, customer_name=KNOWN_NAME, title="备份测试"
    )
    TicketEvent.objects.create(
        ticket=ticket, actor=agent, event_type=EventType.COMMENT, message="已联系客户。"
    )
    attachments.add_attachment(ticket, actor=agent, upload=SimpleUploadedFile("scan.pdf", PDF))
    attachments.add_attachment(ticket, actor=agent, upload=SimpleUploadedFile("备注.txt", NOTE))
    if apps.is_installed("sqms.customers"):
        customer_model = apps.get_model("customers", "Customer")
        customer_model.objects.create(
            org_unit=org.hall1,
            number="CBK000001",
            name=KNOWN_NAME,
            phone=KNOWN_PHONE,
            id_number=KNOWN_ID,
        )
    return {"agent": agent, "ticket": ticket}


def run_backup(path: Path, key_file: Path, *extra: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "backup",
            str(path),
            "--key-file",
            str(key_file),
            *extra,
            stdout=out,
            stderr=io.StringIO(),
        )
    return out.getvalue()


def run_restore(path: Path, key_file: Path, *extra: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "restore",
            str(path),
            "--key-file",
            str(key_file),
            *extra,
            stdout=out,
            stderr=io.StringIO(),
        )
    return out.getvalue()


def plaintext(path: Path, key_file: Path) -> bytes:
    key, _source = backup.resolve_key(str(key_file))
    with path.open("rb") as handle:
        return backup.open_plaintext(handle, key).read()


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 -- our own manage.py with fixed arguments
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env={**os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE": "", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# --- targets for the restore: a new SQLite file, a new PostgreSQL database ---------------------


def postgres_server_url() -> str:
    """The PostgreSQL server the tests may create databases on."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return os.environ.get("SQMS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def admin_connection() -> Any:
    try:
        return psycopg.connect(
            postgres_server_url() + "/postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError:
        if connection.vendor == "postgresql":
            raise
        pytest.skip("no PostgreSQL server to restore into")


@pytest.fixture
def target(request: Any, tmp_path: Path) -> Any:
    """(DATABASE_URL, media dir) of a new, empty database of the requested vendor."""
    media = tmp_path / "target-media"
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.sqlite3'}", media
        return
    name = f"sqms_backup_target_{uuid.uuid4().hex[:8]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgres_server_url()}/{name}", media
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def digests_of(url: str) -> dict[str, tuple[int, str]]:
    handler = ConnectionHandler({"default": environ.Env.db_url_config(url)})
    other = handler["default"]
    try:
        return backup.database_digests(other)
    finally:
        other.close()


# --- the round trip ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target", ["sqlite", "postgresql"], indirect=True)
def test_round_trip_restores_every_table_and_file_into_a_new_database(
    org: Any, make_user: Any, media: Path, key_file: Path, tmp_path: Path, target: Any
) -> None:
    populate(org, make_user)
    before = backup.database_digests()
    archive = tmp_path / "sqms.sqmsbak"
    output = run_backup(archive, key_file)
    assert "sqms.sqmsbak" in output

    # The archive's manifest describes the database exactly as it was.
    manifest = backup.verify_archive(archive, backup.resolve_key(str(key_file))[0]).manifest
    assert {t["table"]: (t["rows"], t["digest"]) for t in manifest["tables"]} == before
    assert manifest["vendor"] == connection.vendor
    assert manifest["migrations"]["servicedesk"]
    files = {f["path"]: f for f in manifest["files"]}
    assert len(files) == 2 and manifest["missing_files"] == []
    for stored in Attachment.objects.all():
        assert files[stored.file.name]["size"] == stored.size

    # A backup is audited, and the archive's own hash is in the event.
    event = AuditEvent.objects.filter(object_type="core.backup").get()
    assert event.after is not None and event.after["sha256"] == backup_sha256(archive)

    url, target_media = target
    env = {
        "DATABASE_URL": url,
        "SQMS_MEDIA_ROOT": str(target_media),
        "SQMS_BACKUP_KEY_FILE": str(key_file),
    }
    restored = manage(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "MISMATCH" not in restored.stdout

    # Every table equals the original; the audit log has one more event: the restore.
    after = digests_of(url)
    assert set(after) == set(before)
    for table, value in before.items():
        if table not in AUDIT_TABLES:
            assert after[table] == value, table
    audit_table = AuditEvent._meta.db_table
    assert after[audit_table][0] == before[audit_table][0] + 1
    verified = manage(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr + verified.stdout

    # The attachment files are back, byte for byte.
    for stored in Attachment.objects.all():
        name = str(stored.file.name)
        assert (target_media / name).read_bytes() == (media / name).read_bytes()


def backup_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- what the archive holds --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_archive_holds_no_plaintext_personal_data(
    org: Any, make_user: Any, key_file: Path, tmp_path: Path
) -> None:
    populate(org, make_user)
    archive = tmp_path / "a.sqmsbak"
    run_backup(archive, key_file)
    raw = archive.read_bytes()
    content = plaintext(archive, key_file)
    # The decrypted, decompressed archive really is the database ...
    assert b'"servicedesk_ticket"' in content and "备份测试".encode() in content
    assert NOTE in content  # ... with the attachment files
    # ... but personal data is there only as ciphertext.
    assert b'"v1:' in content
    for secret in (KNOWN_PHONE, KNOWN_NAME, KNOWN_ID, "139 8765 0123", "3987650123"):
        assert secret.encode() not in content, secret
        assert secret.encode() not in raw
    # The file itself is encrypted: not even the table names show.
    assert b"servicedesk_ticket" not in raw and "备份测试".encode() not in raw


@pytest.mark.django_db
def test_check_reads_the_archive_without_writing(
    org: Any, make_user: Any, key_file: Path, tmp_path: Path, media: Path
) -> None:
    populate(org, make_user)
    archive = tmp_path / "a.sqmsbak"
    run_backup(archive, key_file)
    before = backup.database_digests()
    out = run_restore(archive, key_file, "--check")
    assert "The archive is intact." in out
    with pytest.raises(CommandError, match="already exists"):
        run_backup(archive, key_file)
    assert backup.database_digests() == before


@pytest.mark.django_db
def test_a_large_table_spans_many_chunks_and_round_trips_through_the_stream(
    key_file: Path, tmp_path: Path
) -> None:
    """The writer and reader on their own: several MB through 1 MB chunks, read back in
    small pieces, with incompressible data so the chunk count is real."""
    key, _source = backup.resolve_key(str(key_file))
    blocks = [os.urandom(700_000) for _i in range(5)]
    path = tmp_path / "stream.bin"
    with path.open("wb") as out:
        writer = backup.EncryptingWriter(out, key)
        for block in blocks:
            writer.write(block)
        writer.close()
    assert path.stat().st_size > 3 * backup.CHUNK_BYTES
    with path.open("rb") as handle:
        reader = backup.open_plaintext(handle, key)
        pieces = []
        while piece := reader.read(77_777):
            pieces.append(piece)
    assert b"".join(pieces) == b"".join(blocks)


# --- refusals ----------------------------------------------------------------------------------


@pytest.fixture
def archive(org: Any, make_user: Any, key_file: Path, tmp_path: Path) -> Path:
    populate(org, make_user)
    path = tmp_path / "a.sqmsbak"
    run_backup(path, key_file)
    return path


def assert_refused(path: Path, key_file: Path, message: str) -> None:
    before = backup.database_digests()
    with pytest.raises(CommandError, match=message):
        run_restore(path, key_file)
    # Nothing was written.
    assert backup.database_digests() == before


@pytest.mark.django_db
def test_a_wrong_key_is_refused(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(os.urandom(32)).decode())
    assert_refused(archive, other, "Wrong backup key")
    with pytest.raises(CommandError, match="Wrong backup key"):
        run_restore(archive, other, "--check")


@pytest.mark.django_db
@pytest.mark.parametrize("where", [0.01, 0.5, 0.99])
def test_one_changed_byte_is_refused(archive: Path, key_file: Path, where: float) -> None:
    data = bytearray(archive.read_bytes())
    position = max(backup.HEADER_BYTES + 4, int(len(data) * where))
    data[position] ^= 0x01
    archive.write_bytes(bytes(data))
    assert_refused(archive, key_file, "damaged")


@pytest.mark.django_db
def test_a_changed_header_is_refused(archive: Path, key_file: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(backup.MAGIC) + 3] ^= 0x80  # in the salt: the derived key check fails
    archive.write_bytes(bytes(data))
    assert_refused(archive, key_file, "Wrong backup key")


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [0.5, 0.999, "header"])
def test_a_truncated_archive_is_refused(archive: Path, key_file: Path, keep: Any) -> None:
    data = archive.read_bytes()
    size = backup.HEADER_BYTES if keep == "header" else int(len(data) * keep)
    archive.write_bytes(data[:size])
    assert_refused(archive, key_file, "truncated")


@pytest.mark.django_db
def test_an_archive_cut_at_a_chunk_boundary_is_refused(key_file: Path, tmp_path: Path) -> None:
    """Whole chunks but not the last one: only the last-chunk flag shows the end is gone."""
    key, _source = backup.resolve_key(str(key_file))
    path = tmp_path / "cut.bin"
    with path.open("wb") as out:
        writer = backup.EncryptingWriter(out, key)
        writer.write(os.urandom(3 * backup.CHUNK_BYTES))
        writer.close()
    data = path.read_bytes()
    first_chunk = backup.HEADER_BYTES + 4 + int.from_bytes(data[backup.HEADER_BYTES :][:4], "big")
    path.write_bytes(data[:first_chunk])
    with path.open("rb") as handle, pytest.raises(backup.ArchiveError, match="truncated"):
        backup.open_plaintext(handle, key).read()


@pytest.mark.django_db
def test_something_that_is_not_an_archive_is_refused(key_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("这不是备份文件".encode() * 10)
    assert_refused(path, key_file, "not an sqms backup archive")
    with pytest.raises(CommandError, match="No such archive"):
        run_restore(tmp_path / "missing.sqmsbak", key_file)


@pytest.mark.django_db
def test_a_database_in_use_is_never_overwritten(archive: Path, key_file: Path) -> None:
    # The test database holds the users and audit events of the archive's own system.
    users = User.objects.count()
    assert_refused(archive, key_file, "not empty")
    assert User.objects.count() == users


@pytest.mark.django_db
def test_other_data_keys_are_refused_before_anything_is_written(
    archive: Path, key_file: Path, settings: Any
) -> None:
    settings.SQMS_KEYS = crypto_keys.keys("k9")
    assert_refused(archive, key_file, "data keys differ")


@pytest.mark.django_db
def test_an_unsafe_file_path_in_an_archive_is_refused(tmp_path: Path, media: Path) -> None:
    with pytest.raises(backup.ArchiveError, match="unsafe"):
        backup._media_path(media, "../../etc/passwd")
    with pytest.raises(backup.ArchiveError, match="unsafe"):
        backup._media_path(media, "/etc/passwd")
    assert backup._media_path(media, "attachments/2026/11/a.pdf") == (
        media / "attachments" / "2026" / "11" / "a.pdf"
    )


# --- keys --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_show_key_creates_a_private_key_file_and_audits_it(
    settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.delenv(backup.KEY_ENV, raising=False)
    monkeypatch.delenv(backup.KEY_FILE_ENV, raising=False)
    settings.VAR_DIR = tmp_path / "var"
    out = io.StringIO()
    call_command("backup", "--show-key", stdout=out, stderr=io.StringIO())
    shown = out.getvalue().strip()
    key_path = tmp_path / "var" / "backup_key"
    assert key_path.read_text().strip() == shown
    assert len(base64.b64decode(shown)) == 32
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert AuditEvent.objects.filter(object_type="core.backup_key").count() == 1
    # The same key next time; a restore elsewhere takes it from a file or the environment.
    out = io.StringIO()
    call_command("backup", "--show-key", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == shown
    monkeypatch.setenv(backup.KEY_ENV, shown)
    settings.VAR_DIR = tmp_path / "elsewhere"
    assert backup.resolve_key()[0] == base64.b64decode(shown)


@pytest.mark.django_db
def test_restore_never_invents_a_key(settings: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv(backup.KEY_ENV, raising=False)
    monkeypatch.delenv(backup.KEY_FILE_ENV, raising=False)
    settings.VAR_DIR = tmp_path / "var"
    with translation.override("en"), pytest.raises(CommandError, match="No backup key"):
        call_command("restore", str(tmp_path / "a.sqmsbak"), stderr=io.StringIO())
    assert not (tmp_path / "var" / "backup_key").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "must be 32 bytes")],
)
def test_a_bad_key_file_is_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run_backup(tmp_path / "a.sqmsbak", path)
    with pytest.raises(CommandError, match="Cannot read"):
        run_backup(tmp_path / "a.sqmsbak", tmp_path / "missing.key")
    assert not (tmp_path / "a.sqmsbak").exists()


# --- canonical values --------------------------------------------------------------------------


def test_canonical_values_agree_across_vendors() -> None:
    """What SQLite and PostgreSQL drivers return for the same stored value canonicalises to
    the same JSON value, so digests compare across vendors."""
    import datetime as dt
    import decimal

    def canon(kind: str, value: Any, **extra: Any) -> Any:
        return backup.canonicaliser({"kind": kind, **extra})(value)

    aware = dt.datetime(2026, 11, 21, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    naive_utc = dt.datetime(2026, 11, 21, 12, 30)
    assert canon("datetime", aware) == canon("datetime", naive_utc) == "2026-11-21T12:30:00.000000"
    assert canon("decimal", 1.5, places=2) == canon("decimal", decimal.Decimal("1.50"), places=2)
    assert canon("json", '{"b": 1, "a": [1, 2]}') == canon("json", '{"a":[1,2],"b":1}')
    assert canon("uuid", uuid.UUID(int=5)) == canon("uuid", uuid.UUID(int=5).hex)
    assert canon("bool", 1) is True and canon("bool", True) is True
    assert canon("duration", dt.timedelta(seconds=2)) == canon("duration", 2_000_000)
    assert canon("binary", memoryview(b"ab")) == canon("binary", b"ab")
    assert canon("time", "10:00:00") == canon("time", dt.time(10))


# --- consistency -------------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_writes_during_a_backup_do_not_tear_the_archive(
    org: Any, make_user: Any, key_file: Path, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a second writer beside the snapshot needs PostgreSQL")
    populate(org, make_user)
    before = backup.database_digests()
    other = ConnectionHandler({"default": dict(connection.settings_dict)})["default"]
    written: list[str] = []

    def write_meanwhile(message: str) -> None:
        if written or not message.startswith("core_"):
            return
        with other.cursor() as cursor:  # autocommit: committed at once
            cursor.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) "
                "VALUES (%s, %s, now())",
                ["concurrent" + uuid.uuid4().hex[:8], "x"],
            )
        written.append(message)

    key, _source = backup.resolve_key(str(key_file))
    try:
        result = backup.create_backup(tmp_path / "a.sqmsbak", key, progress=write_meanwhile)
    finally:
        other.close()
    assert written
    tables = {t["table"]: (t["rows"], t["digest"]) for t in result.manifest["tables"]}
    assert tables == before  # the archive is the database as of the snapshot
    assert backup.database_digests()["django_session"][0] == before["django_session"][0] + 1


@pytest.mark.django_db
def test_a_sqlite_snapshot_ignores_writes_made_while_it_reads(tmp_path: Path) -> None:
    """The SQLite read transaction on a WAL database, as `sqms serve` runs it: a second
    connection commits rows in the middle of the read without waiting, and the reader
    still sees the table as it was when it started."""
    config = environ.Env.db_url_config(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    # As sqms/settings.py configures SQLite.
    config["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    handler = ConnectionHandler({"default": dict(config), "writer": dict(config)})
    reader, writer = handler["default"], handler["writer"]
    spec = {
        "table": "t",
        "columns": [{"name": "id", "kind": "int"}, {"name": "v", "kind": "text"}],
        "order_by": ["id"],
    }
    try:
        with writer.cursor() as cursor:
            cursor.execute("CREATE TABLE t (id integer PRIMARY KEY, v text)")
            cursor.executemany(
                "INSERT INTO t (id, v) VALUES (%s, %s)", [(i, f"行{i}") for i in range(5000)]
            )
        seen = 0
        with backup._snapshot_transaction(reader):
            for _row in backup.read_rows(reader, spec):
                seen += 1
                if seen == 10:
                    with writer.cursor() as cursor:  # commits at once, does not block
                        cursor.execute("INSERT INTO t (id, v) VALUES (%s, %s)", [99999, "新"])
                        cursor.execute("DELETE FROM t WHERE id < 100")
            assert backup.table_digest(reader, spec).rows == 5000
        assert seen == 5000
        assert backup.table_digest(reader, spec).rows == 5000 - 100 + 1
    finally:
        reader.close()
        writer.close()


@pytest.mark.django_db
def test_a_database_not_fully_migrated_is_backed_up_as_it_is(
    org: Any, key_file: Path, tmp_path: Path
) -> None:
    """Backing up before running an upgrade's migrations: the archive follows the migration
    state the database is at, and says so."""
    from django.db.migrations.executor import MigrationExecutor

    leaf = sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", list(leaf))
    key, _source = backup.resolve_key(str(key_file))
    messages: list[str] = []
    with translation.override("en"):
        result = backup.create_backup(tmp_path / "a.sqmsbak", key, progress=messages.append)
    assert any("not fully migrated" in message for message in messages)
    assert leaf[1] not in result.manifest["migrations"].get(leaf[0], [])
    assert {t["table"] for t in result.manifest["tables"]} >= {"core_orgunit", "core_user"}
    contents = backup.verify_archive(tmp_path / "a.sqmsbak", key)
    assert contents.manifest["rows"] == result.manifest["rows"] > 0
