"""The sqms commands: serve and worker as real processes, demo, createadmin, audit verify."""

import contextlib
import getpass
import io
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.tasks import task
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from sqms.core import audit, demo, services
from sqms.core.models import AuditEvent, OrgUnit, User
from sqms.core.scope import unit_in_scope
from sqms.core.system_actor import SYSTEM_USERNAME
from sqms.core.tests.factories import TEST_PASSWORD

REPO = Path(__file__).resolve().parents[3]


def run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- processes ------------------------------------------------------------------------------


def process_env(var_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sqms.settings",
        "SQMS_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'sqms.sqlite3'}",
        "SQMS_WORKER_HEARTBEAT_SECONDS": "2",
        "SQMS_STOP_TIMEOUT": "10",
        **extra,
    }


@pytest.fixture(scope="module")
def migrated_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var dir whose SQLite database is migrated once; tests copy it."""
    var_dir = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "-m", "sqms.cli", "migrate", "--noinput", "-v0"],
        env=process_env(var_dir),
        cwd=REPO,
        check=True,
        timeout=120,
    )
    return var_dir


def copy_var(migrated_var: Path, tmp_path: Path) -> Path:
    var_dir = tmp_path / "var"
    shutil.copytree(migrated_var, var_dir)
    return var_dir


def query(var_dir: Path, sql: str, *params: object) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(var_dir / "sqms.sqlite3", timeout=20)) as db:
        return db.execute(sql, params).fetchall()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until[T](condition: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")  # pragma: no cover


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def start_serve(var_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "sqms.cli", "serve", "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [*argv, "--workers", "1"],
        env=process_env(var_dir),
        cwd=REPO,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


# Generous: `serve` on a fresh var/ migrates first, and two test workers plus other load on
# this 2-core machine have stretched that past 40 s. Only how long to wait, not a timing check.
SERVE_STARTS_WITHIN = 120


def healthy(base: str) -> bool:
    status, body = get(f"{base}/healthz")
    return status == 200 and json.loads(body)["ok"] is True


def test_serve_runs_web_and_worker_and_stops_on_sigint(tmp_path):
    var_dir, port = tmp_path / "var", free_port()
    base = f"http://127.0.0.1:{port}"
    serve = start_serve(var_dir, port, tmp_path / "serve.log")
    try:
        wait_until(
            lambda: healthy(base), SERVE_STARTS_WITHIN, "/healthz to report the worker alive"
        )
        status, body = get(f"{base}/accounts/login/")
        assert status == 200 and 'name="password"' in body
        status, _ = get(f"{base}/static/vendor/bootstrap/bootstrap.min.css")
        assert status == 200, "whitenoise serves static files from the finders"
        children = child_pids(serve.pid)
        assert len(children) == 2, children
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    for pid in children:
        assert not group_alive(pid), f"child {pid} or one of its processes is still running"
    # The worker removed its heartbeat as it stopped.
    assert query(var_dir, "SELECT count(*) FROM core_workerheartbeat") == [(0,)]


def test_serve_stops_everything_when_a_child_dies(tmp_path, migrated_var):
    var_dir, port = copy_var(migrated_var, tmp_path), free_port()
    serve = start_serve(var_dir, port, tmp_path / "serve.log")
    try:
        wait_until(
            lambda: healthy(f"http://127.0.0.1:{port}"), SERVE_STARTS_WITHIN, "serve to start"
        )
        children = child_pids(serve.pid)
        worker = next(
            pid for pid in children if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
        os.kill(worker, signal.SIGKILL)
        assert serve.wait(timeout=30) == 1
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    for pid in children:
        assert not group_alive(pid)


def test_worker_process_beats_and_stops_on_sigterm(tmp_path, migrated_var):
    var_dir = copy_var(migrated_var, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "sqms.cli", "worker", "--schedule-interval", "0.5"],
        env=process_env(var_dir),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def heartbeats() -> list[tuple[str, int]]:
        return query(var_dir, "SELECT worker_id, pid FROM core_workerheartbeat")

    try:
        ((worker_id, pid),) = wait_until(heartbeats, 30, "the worker's heartbeat")
        assert pid == worker.pid and worker_id.endswith(f":{worker.pid}")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert heartbeats() == []


@task()
def nap(seconds: float) -> str:
    """A task that takes a while, to be caught mid-run by a signal."""
    time.sleep(seconds)
    return "rested"


# pytest may import this module under a shorter name; the child processes use the full one.
NAP_PATH = "sqms.core.tests.test_commands.nap"
ENQUEUE_NAP = """
import django
django.setup()
from sqms.core.tests.test_commands import nap
print(nap.enqueue(2.0).id)
"""


def test_worker_finishes_the_running_task_on_sigterm(tmp_path, migrated_var):
    """db_worker's semantics: the first signal lets the current task finish, then exits."""
    var_dir = copy_var(migrated_var, tmp_path)
    env = process_env(var_dir)
    enqueued = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", ENQUEUE_NAP],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert enqueued.stdout.strip()
    naps = f"SELECT status, return_value FROM {DBTaskResult._meta.db_table} WHERE task_path = ?"  # noqa: S608

    def status() -> str:
        ((task_status, _),) = query(var_dir, naps, NAP_PATH)
        return task_status

    worker = subprocess.Popen(
        [sys.executable, "-m", "sqms.cli", "worker"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: status() == "RUNNING", 30, "the task to start")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    ((task_status, return_value),) = query(var_dir, naps, NAP_PATH)
    assert (task_status, json.loads(return_value)) == ("SUCCESSFUL", "rested")


# --- audit verify -----------------------------------------------------------------------------


@pytest.fixture
def audited(org, make_user):
    admin = make_user("admin", unit=org.hq)
    for n in range(5):
        services.create_org_unit(
            actor=admin, parent=org.hall2, code=f"X{n}", name=f"窗口{n}", kind="counter"
        )
    return AuditEvent.objects.count()


def test_audit_verify_ok(audited):
    assert audited == 5
    assert run("audit", "verify").strip() == "OK: 5 events verified"


def test_audit_verify_finds_a_tampered_event(audited):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_repr = %s WHERE seq = 3",  # noqa: S608
            ["forged"],
        )
    with pytest.raises(CommandError) as caught:
        run("audit", "verify")
    assert caught.value.returncode == 1
    message = str(caught.value)
    assert "event #3 was altered" in message
    assert "Event #3:" in message and "forged" in message


def test_audit_verify_finds_a_deleted_event(audited):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = 4")  # noqa: S608
    with pytest.raises(CommandError) as caught:
        run("audit", "verify")
    assert caught.value.returncode == 1
    assert "event #4 is missing" in str(caught.value)


def test_audit_needs_a_subcommand(db):
    with pytest.raises(CommandError, match="subcommand"):
        run("audit")


# --- demo ------------------------------------------------------------------------------------


def test_demo_builds_the_organisation_once(db):
    output = run("demo", "--password", TEST_PASSWORD)
    assert "Demo organisation 华南通信 created." in output
    assert OrgUnit.objects.count() == len(demo.UNITS) == 17
    company = OrgUnit.objects.get(code=demo.COMPANY_CODE)
    assert company.is_root() and company.name_en == "Huanan Telecom"
    assert {unit.name for unit in OrgUnit.objects.get_children(company)} == {
        "广州分公司",
        "深圳分公司",
        "客户服务中心",
        "质量管理部",
        "培训部",
        "信息技术部",
        "审计部",
    }
    hall_counters = {
        hall.name: OrgUnit.objects.get_children(hall).count()
        for hall in OrgUnit.objects.filter(kind="hall")
    }
    assert hall_counters == {"天河营业厅": 3, "福田营业厅": 2}
    assert OrgUnit.objects.get_children(OrgUnit.objects.get(code="HNTEL-CC")).count() == 2

    people = User.objects.exclude(username=SYSTEM_USERNAME).prefetch_related("groups")
    users = {user.username: user for user in people}
    assert len(users) == 8
    roles = {name: user.role_names for name, user in users.items()}
    assert sorted(role for names in roles.values() for role in names) == sorted(
        spec.role for spec in demo.USERS
    )
    for spec in demo.USERS:
        user = users[spec.username]
        assert user.org_unit is not None and user.org_unit.code == spec.unit
        assert user.employee_number == spec.employee_number and user.position
        assert user.get_full_name() == spec.last_name + spec.first_name
        assert user.check_password(TEST_PASSWORD)
        assert user.mobile == spec.mobile
        assert spec.username in output
    # Placed sensibly: the agent and the hall manager work in a hall, which the manager sees
    # and the other branch's hall does not belong to.
    assert users["lina"].org_unit is not None and users["lina"].org_unit.kind == "hall"
    futian = OrgUnit.objects.get(code="HNTEL-SZ-FT")
    assert unit_in_scope(users["wangqiang"], users["lina"].org_unit)
    assert not unit_in_scope(users["wangqiang"], futian)

    # Everything went through the services: audited, and the chain holds.
    events = AuditEvent.objects.count()
    organisation = AuditEvent.objects.filter(object_type__in=["core.orgunit", "core.user"])
    assert organisation.count() == 17 + 8 + 1  # units, users, the admin moving to its department
    # Each app's demo records (tickets, customers, plans …) went through services as well.
    assert events > organisation.count()
    assert "13920000002" not in json.dumps(list(AuditEvent.objects.values("after")))
    assert audit.verify_chain() == (events, None)

    again = run("demo")
    assert "already there" in again
    assert (
        OrgUnit.objects.count() == 17
        and User.objects.exclude(username=SYSTEM_USERNAME).count() == 8
    )
    assert AuditEvent.objects.count() == events

    # --scale grows the history in bulk, with progress, and rebuilds the rollups over it.
    from django.db.models import Sum

    from sqms.quality import history
    from sqms.quality.models import DailyFact
    from sqms.servicedesk.models import Ticket

    before = history.loaded()
    assert before >= 1000
    grown = run("demo", "--scale", f"{before + 300:,}")
    assert f"{before + 300:,} / {before + 300:,}" in grown
    assert f"The demo history holds {before + 300:,} tickets." in grown
    assert history.loaded() == before + 300
    assert DailyFact.objects.aggregate(n=Sum("tickets"))["n"] == Ticket.objects.count()
    with pytest.raises(CommandError):
        run("demo", "--scale", "0")


def test_demo_passwords_are_random_and_shown_once(db):
    output = run("demo")
    passwords = {}
    for spec in demo.USERS:
        line = next(line for line in output.splitlines() if f" {spec.username} " in line)
        passwords[spec.username] = line.split()[-1]
    assert len(set(passwords.values())) == 8
    for username, password in passwords.items():
        assert len(password) >= 16
        assert User.objects.get(username=username).check_password(password)
    assert "not shown again" in output


def test_demo_refuses_a_weak_password_and_creates_nothing(db):
    with pytest.raises(CommandError, match=r"too short|too common|entirely numeric"):
        run("demo", "--password", "123")
    assert not OrgUnit.objects.exists() and not User.objects.exists()


def test_demo_refuses_a_database_with_another_organisation(org):
    with pytest.raises(CommandError, match="already holds an organisation"):
        run("demo", "--password", TEST_PASSWORD)
    assert not OrgUnit.objects.filter(code=demo.COMPANY_CODE).exists()
    assert not User.objects.exists()


def test_demo_is_all_or_nothing(db):
    # A clash half-way (the auditor's username is taken) rolls every unit and user back.
    User.objects.create_user("sunli", password=TEST_PASSWORD)
    with pytest.raises(CommandError):
        run("demo", "--password", TEST_PASSWORD)
    assert not OrgUnit.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["sunli"]
    assert not AuditEvent.objects.exists()


# --- createadmin -------------------------------------------------------------------------------


def test_createadmin_noinput_from_environment(org, monkeypatch):
    monkeypatch.setenv("SQMS_ADMIN_PASSWORD", TEST_PASSWORD)
    output = run("createadmin", "--noinput", "--username", "root", "--email", "it@example.com")
    assert "Administrator root created" in output
    user = User.objects.get(username="root")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.role_names == ["admin"]
    assert user.org_unit == org.hq
    assert user.check_password(TEST_PASSWORD)
    (event,) = AuditEvent.objects.filter(object_type="core.user", object_id=str(user.pk))
    assert event.actor is None and event.after  # created by the system
    assert event.after["is_superuser"] is True
    assert audit.verify_chain()[1] is None


def test_createadmin_validates_the_password(org):
    with pytest.raises(CommandError, match="too short"):
        run("createadmin", "--noinput", "--password", "abc")
    with pytest.raises(CommandError, match="too similar"):
        run("createadmin", "--noinput", "--username", "huangfeihong", "--password", "huangfeihong1")
    assert not User.objects.exists()


def test_createadmin_noinput_needs_a_password(org, monkeypatch):
    monkeypatch.delenv("SQMS_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="SQMS_ADMIN_PASSWORD"):
        run("createadmin", "--noinput")
    assert not User.objects.exists()


def test_createadmin_promotes_an_existing_user(org, make_user):
    user = make_user("quality_manager", unit=org.branch1, username="boss")
    output = run("createadmin", "--noinput", "--username", "boss")
    assert "boss is now an administrator" in output
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    assert sorted(user.role_names) == ["admin", "quality_manager"]
    assert user.org_unit == org.branch1, "an existing placement is kept"
    assert user.check_password(TEST_PASSWORD), "the password is kept unless one is given"
    (event,) = AuditEvent.objects.filter(action="security", object_id=str(user.pk))
    assert event.actor is None and event.after == {
        "is_superuser": True,
        "is_staff": True,
        "roles": ["admin", "quality_manager"],
    }
    run("createadmin", "--noinput", "--username", "boss", "--password", "Another-Horse-77")
    user.refresh_from_db()
    assert user.check_password("Another-Horse-77")


def test_createadmin_cancelled_at_the_prompt(db, monkeypatch):
    def interrupted(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(getpass, "getpass", interrupted)
    with pytest.raises(CommandError, match="Cancelled"):
        run("createadmin")
    assert not User.objects.exists()


def test_createadmin_asks_for_the_password(db, monkeypatch):
    answers = iter(
        ["Correct-Horse-42", "different", "short", "short", TEST_PASSWORD, TEST_PASSWORD]
    )
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    output = run("createadmin", "--username", "first")
    assert "Administrator first created" in output and "no org unit yet" in output
    user = User.objects.get(username="first")
    assert user.check_password(TEST_PASSWORD) and user.org_unit is None


def test_sqms_console_script_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "sqms.cli", "help", "--commands"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sqms.settings"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = set(result.stdout.split())
    assert {"serve", "worker", "demo", "createadmin", "audit"} <= commands
    assert re.search(r"\bdb_worker\b", result.stdout)


def test_bench_lists_the_benchmarks_and_runs_one_by_name(capfd: pytest.CaptureFixture[str]) -> None:
    call_command("bench")
    listing = capfd.readouterr().out
    assert "sla_sweep" in listing and "register_api" in listing
    with pytest.raises(CommandError, match="no benchmark"):
        call_command("bench", "no-such-bench")
    # The smallest real run: the Monte Carlo engine needs no database.
    call_command("bench", "risk-montecarlo", "--iterations", "1000", "--risks", "1")
    assert "1000" in capfd.readouterr().out.replace(",", "")
