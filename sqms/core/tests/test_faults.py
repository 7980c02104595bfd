"""Faults around the whole system: `sqms backup` killed in the middle."""

import base64
import os

from django.core.files.uploadedfile import SimpleUploadedFile

from sqms.core import backup
from sqms.core.models import AuditEvent
from sqms.core.tests.processes import kill, wait_until
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
