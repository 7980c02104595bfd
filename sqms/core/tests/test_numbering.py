"""Record numbers: format, local day, daily roll-over, and no duplicates or gaps under load."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections, transaction

from sqms.core.models import NumberSequence
from sqms.core.numbering import next_number

REPO = Path(__file__).resolve().parents[3]


def counters(numbers: list[str]) -> list[int]:
    return sorted(int(number[-6:]) for number in numbers)


@pytest.mark.django_db
def test_format_is_prefix_local_date_and_six_digits():
    # 2026-11-20 20:00 UTC is already 21 November in Shanghai.
    now = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    assert next_number("SQ", now=now) == "SQ20261121000001"
    assert next_number("SQ", now=now) == "SQ20261121000002"
    assert next_number("CP", now=now) == "CP20261121000001"


@pytest.mark.django_db
def test_counter_rolls_over_each_local_day():
    with time_machine.travel(datetime(2026, 11, 21, 15, 59, tzinfo=UTC), tick=False):
        assert next_number("SQ") == "SQ20261121000001"
        assert next_number("SQ") == "SQ20261121000002"
    # 16:00 UTC is midnight in Shanghai: a new day, a new counter.
    with time_machine.travel(datetime(2026, 11, 21, 16, 0, tzinfo=UTC), tick=False):
        assert next_number("SQ") == "SQ20261122000001"
    assert NumberSequence.objects.filter(prefix="SQ").count() == 2


@pytest.mark.django_db
def test_rolled_back_number_is_issued_again():
    now = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert next_number("SQ", now=now).endswith("000001")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("SQ", now=now).endswith("000002")
        raise RuntimeError("the record using the number failed")
    assert next_number("SQ", now=now).endswith("000002")


@pytest.mark.parametrize("prefix", ["", "sq", "S1", "TOOLONGPREFIX"])
def test_bad_prefix_is_refused(prefix):
    with pytest.raises(ValueError, match="prefix"):
        next_number(prefix)


def _take(count: int, now: datetime) -> list[str]:
    try:
        return [next_number("TH", now=now) for _ in range(count)]
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_threads_get_unique_numbers_without_gaps():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, whose table locks "
            "fail at once instead of waiting on the busy timeout; threads against a file "
            "database are covered by test_processes_get_unique_numbers_without_gaps"
        )
    now = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    threads, each = 8, 25
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(_take, [each] * threads, [now] * threads))
    numbers = [number for batch in results for number in batch]
    assert len(set(numbers)) == threads * each
    assert counters(numbers) == list(range(1, threads * each + 1))


# Each child process takes numbers from several threads at once.
TAKER = """
import django, json, sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
django.setup()
from django.db import connections
from sqms.core.numbering import next_number
now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
def take(count):
    try:
        return [next_number("PR", now=now) for _ in range(count)]
    finally:
        connections.close_all()
threads, each = int(sys.argv[1]), int(sys.argv[2])
with ThreadPoolExecutor(threads) as pool:
    batches = list(pool.map(take, [each] * threads))
print(json.dumps([number for batch in batches for number in batch]))
"""


@pytest.mark.django_db(transaction=True)
def test_processes_get_unique_numbers_without_gaps(tmp_path):
    """Several OS processes, each with several threads, share one file or server database: the
    upsert alone keeps numbers unique and gap-free."""
    settings_dict = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sqms.settings"}
    if connection.vendor == "postgresql":
        # The children talk to the test database pytest-django created.
        user = settings_dict["USER"] or "postgres"
        host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    elif connection.vendor == "sqlite":
        # The in-memory test database is private to this process; give the children a file
        # database of their own, migrated once, which is what production runs on.
        env["SQMS_VAR_DIR"] = str(tmp_path)
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'numbers.sqlite3'}"
        subprocess.run(
            [sys.executable, "-m", "sqms.cli", "migrate", "--noinput", "-v0"],
            env=env,
            cwd=REPO,
            check=True,
            timeout=120,
        )
    else:  # pragma: no cover - only the two supported databases
        pytest.skip(f"no process test for {connection.vendor}")
    processes, threads, each = 4, 4, 15
    children = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", TAKER, str(threads), str(each)],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    numbers = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        numbers += json.loads(out)
    total = processes * threads * each
    assert len(numbers) == len(set(numbers)) == total
    assert counters(numbers) == list(range(1, total + 1))
