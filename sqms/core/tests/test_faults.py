"""Faults around the whole system: `sqms backup` killed in the middle."""

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import translation

from sqms.core import backup, tokens
from sqms.core.error_views import server_error
from sqms.core.models import AuditEvent
from sqms.core.tests.processes import REPO, kill, wait_until
from sqms.servicedesk import attachments, services
from sqms.servicedesk.choices import Channel, TicketKind

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Incompressible media, so writing the archive takes a while after the tables: the kill comes
# while the files are being written.
MEDIA_FILES, MEDIA_FILE_BYTES = 5, 2 << 20
AUDIT_TABLES = {AuditEvent._meta.db_table, "core_auditchainhead"}


def test_a_backup_killed_midway_leaves_no_archive_and_the_next_one_is_complete(
    shared_db, settings, tmp_path, org, make_user
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    shared_db.env["SQMS_MEDIA_ROOT"] = str(media)
    key_file = tmp_path / "backup.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    agent = make_user("agent", unit=org.hall1)
    ticket = services.register_ticket(
        actor=agent, kind=TicketKind.CONSULTATION, channel=Channel.WEB, title="备份测试"
    )
    attachments.add_attachment(ticket, actor=agent, upload=SimpleUploadedFile("a.pdf", PDF))
    for index in range(MEDIA_FILES):
        (media / f"bulk-{index}.bin").write_bytes(os.urandom(MEDIA_FILE_BYTES))
    shared_db.push()
    archive = tmp_path / "backups" / "sqms.sqmsbak"

    child = shared_db.start("backup", str(archive), "--key-file", str(key_file))
    try:
        wait_until(
            lambda: any(p.stat().st_size > MEDIA_FILE_BYTES for p in archive.parent.glob("*")),
            120,
            "the archive's media part",
            child=child,
        )
        kill(child)
    finally:
        if child.poll() is None:
            child.kill()
    assert not archive.exists()
    # What the killed backup left is never taken for an archive.
    left = list(archive.parent.iterdir())
    assert left  # the partial file, of which the kill left some megabytes
    for path in left:
        refused = shared_db.run("restore", str(path), "--key-file", str(key_file), "--check")
        assert refused.returncode != 0
        # "The archive is truncated…" (the commands speak the installation's language).
        assert "备份文件不完整" in refused.stderr, refused.stderr

    again = shared_db.run("backup", str(archive), "--key-file", str(key_file))
    assert again.returncode == 0, again.stdout + again.stderr
    key, _source = backup.resolve_key(str(key_file))
    contents = backup.verify_archive(archive, key)
    shared_db.pull()
    live = {t: v for t, v in backup.database_digests().items() if t not in AUDIT_TABLES}
    archived = {
        t["table"]: (t["rows"], t["digest"])
        for t in contents.manifest["tables"]
        if t["table"] not in AUDIT_TABLES
    }
    assert archived == live
    assert len(contents.files) == MEDIA_FILES + 1
    assert [path.name for path in archive.parent.iterdir() if path != archive] == [], "leftovers"


# --- the database connection dropped under load --------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, key: str) -> tuple[int, float, str]:
    """(status, seconds, body) of one request; status 0 when no answer came at all."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our server
            return response.status, time.monotonic() - started, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - started, error.read().decode(errors="replace")
    except OSError as error:
        return 0, time.monotonic() - started, str(error)


@pytest.mark.postgres_only
def test_dropped_database_connections_fail_cleanly_and_the_app_recovers(shared_db, org, make_user):
    if shared_db.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    agent = make_user("agent", unit=org.hall1)
    for index in range(5):
        services.register_ticket(
            actor=agent, kind=TicketKind.CONSULTATION, channel=Channel.WEB, title=f"断线 {index}"
        )
    _token, key = tokens.create_token(user=agent, name="load", actor=agent)
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and the app's server
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sqms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        env=shared_db.env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/servicedesk/tickets/"
    try:
        wait_until(lambda: _get(url, key)[0] == 200, 120, "the server", child=None)
        stop = threading.Event()
        answers: list[tuple[int, float, str]] = []

        def load() -> None:
            while not stop.is_set():
                answers.append(_get(url, key))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        terminated = 0
        for _round in range(5):
            time.sleep(0.4)
            terminated += shared_db.scalar(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        time.sleep(0.4)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert terminated >= 5  # the server's connections really were cut, over and over
        statuses = sorted({status for status, _s, _b in answers})
        assert max(seconds for _c, seconds, _b in answers) < 15  # nothing hung
        # Requests in flight when their connection was cut: "try again", never a server error.
        assert set(statuses) <= {200, 503}, statuses
        for status, _s, body in answers:
            if status == 503:
                assert json.loads(body)["code"] == "database_unavailable"
        # Afterwards every request is answered again, by the same server processes.
        after = [_get(url, key) for _ in range(10)]
        assert [status for status, _s, _b in after] == [200] * 10
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_unavailable_answer_needs_no_database(db, rf, django_assert_num_queries):
    for path, kind in (("/api/servicedesk/tickets/", "application/json"), ("/tickets/", "html")):
        request = rf.get(path)
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            with django_assert_num_queries(0), translation.override("zh-hans"):
                response = server_error(request)
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert kind in response["Content-Type"]
        assert "暂时无法连接数据库" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/tickets/")).status_code == 500
