"""Soak: a mixed workload against `sqms serve` for a set time, then the invariants checked.

Makes its own database (a SQLite file, or a PostgreSQL database dropped first whose name must
contain "bench"), migrates it, builds a company with --halls halls (four agents and a unit
manager each), a quality manager and SLA policies of 2 and 6 calendar minutes (so that the
sweep warns and escalates at any hour), starts `sqms serve` (gunicorn and the task worker, whose
scheduler runs the SLA sweep and the rollup upkeep) on the loopback interface, and for
--duration seconds runs, each in its own threads:

- agents registering tickets through the REST API and taking them round the loop with the
  action endpoints (respond, assign, start, resolve, verify by the unit manager, then the
  customer's feedback, not-solved with another round, or close), claiming tickets customers
  sent through the portal (several agents may try the same one: the losers get 409) and
  commenting;
- customers on the public portal, each from its own loopback address: the submit form (filled
  in for the few seconds the portal demands), then tracking their request by number and phone
  and writing a message on it;
- managers, logged in, opening the quality overview and the service desk's unit overview.

Every write carries a unique marker. Reports per kind of request its throughput, p50/p95/p99
latency, 4xx answers (409 conflicts and the like: expected, counted apart) and errors (5xx and
connection errors); then checks and prints as pass/fail: each accepted write stored exactly
once, no ticket lost or duplicated, every timeline replaying to its ticket's state, the audit
chain, rollups against the raw computation, no failed background task. Exits non-zero if an
invariant fails or there was any error. --write appends the result to docs/benchmarks.md.

    sqms bench soak --database postgres://postgres@127.0.0.1:5432/sqms_bench_soak --write
    python bench/soak.py --duration 30             # SQLite, in a temporary directory
"""

import argparse
import datetime
import http.client
import http.cookies
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import (  # noqa: E402
    append_report,
    database_url_for,
    fresh_sqlite,
    machine,
    percentile,
    postgres_version,
    recreate_database,
    start_server,
    stop_server,
)
from bench._soak_checks import Check, Ledger  # noqa: E402

API = "/api/servicedesk/tickets/"
AGENTS_PER_HALL = 4
# The portal refuses a form sent sooner than this after it was shown (a person fills it in).
PORTAL_FILL_SECONDS = 3.2
KINDS = ("complaint", "consultation", "business", "fault")
CHANNELS = ("counter", "phone", "email", "app")
# The soak's SLA policy: first response and resolution within so many calendar minutes.
SLA_MINUTES = (2, 6)


# --- the HTTP client ----------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0: no answer (connection error or timeout)
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stats:
    """Latencies and outcomes of one thread's requests, by kind of request."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ok: Counter[str] = field(default_factory=Counter)
    client_errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)


class Client:
    """One user's connection: an API token or session cookies, a fixed source address."""

    def __init__(self, port: int, stats: Stats, *, token: str = "", source: str = "") -> None:
        self.port = port
        self.stats = stats
        self.token = token
        self.source = source
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        payload: Any = None,
        form: dict[str, Any] | None = None,
    ) -> Answer:
        headers = {"Accept-Language": "en"}
        body: bytes | None = None
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1",
                    self.port,
                    timeout=120,
                    source_address=(self.source, 0) if self.source else None,
                )
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            answer = Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    for name, morsel in http.cookies.SimpleCookie(value).items():
                        self.cookies[name] = morsel.value
        except (OSError, http.client.HTTPException) as error:
            self.close()
            answer = Answer(0, {}, str(error).encode())
        elapsed = time.perf_counter() - started
        self.stats.latencies[kind].append(elapsed)
        if answer.status == 0 or answer.status >= 500:
            self.stats.errors[(kind, answer.status)] += 1
            if len(self.stats.error_samples) < 20:
                self.stats.error_samples.append(
                    f"{kind} {method} {path} → {answer.status}: {answer.body[:300]!r}"
                )
        elif answer.status >= 400:
            self.stats.client_errors[(kind, answer.status)] += 1
        else:
            self.stats.ok[kind] += 1
        return answer

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def hidden(html: bytes, name: str) -> str:
    found = re.search(rb'name="' + name.encode() + rb'" value="([^"]*)"', html)
    return found.group(1).decode() if found else ""


# --- the load -----------------------------------------------------------------------------


class Run:
    """What the threads share: the stop flag, the marker counter and the ledger."""

    def __init__(self, port: int, until: float, seed: int) -> None:
        self.port = port
        self.until = until
        self.tag = secrets.token_hex(3)
        self.lock = threading.Lock()
        self.ledger = Ledger()
        self.counter = 0
        self.seed = seed
        self.portal_tickets = 0

    def running(self) -> bool:
        return time.monotonic() < self.until

    def marker(self, who: str) -> str:
        with self.lock:
            self.counter += 1
            return f"soak-{self.tag}-{who}-{self.counter}"

    def settle(self, marker: str, what: str, where: Any, answer: Answer) -> bool:
        """Record the answer to a tagged write in the ledger; True if it was accepted."""
        with self.lock:
            if answer.status == 0 or answer.status >= 500:
                self.ledger.unknown.add(marker)
                return False
            if answer.status >= 400:
                self.ledger.refused.add(marker)
                return False
            self.ledger.accepted[marker] = (what, where)
            return True


@dataclass
class Case:
    """A ticket an agent works on, and the steps left on its round of the loop."""

    pk: int
    steps: list[str]


def plan(rng: random.Random) -> list[str]:
    ending = rng.choices(["confirm", "not_solved", "close"], weights=[70, 15, 15])[0]
    steps = ["respond", "assign", "start", "resolve", "verify"]
    if ending == "not_solved":
        return [*steps, "not_solved", "start", "resolve", "verify", "close"]
    return [*steps, ending]


def agent(run: Run, stats: Stats, me: dict[str, Any], hall: dict[str, Any], index: int) -> None:
    rng = random.Random(run.seed * 1000 + index)  # noqa: S311 - a workload, not secrets
    client = Client(run.port, stats, token=me["token"])
    verifier = Client(run.port, stats, token=hall["manager_token"])
    colleagues = [a["id"] for a in hall["agents"] if a["id"] != me["id"]]
    who = f"a{index}"
    cases: list[Case] = []
    while run.running():
        roll = rng.random()
        # New work when little is in hand; now and then more than can be handled at once, so
        # some tickets wait long enough for the SLA sweep to warn and escalate.
        if len(cases) < 3 or (roll < 0.06 and len(cases) < 8):
            marker = run.marker(who)
            answer = client.request(
                "api register",
                "POST",
                API,
                payload={
                    "kind": rng.choice(KINDS),
                    "channel": rng.choice(CHANNELS),
                    "title": f"压测工单 [{marker}]",
                    "description": "宽带报装未上门",
                    "customer_name": "李四",
                    "customer_phone": f"139{rng.randrange(10**8):08d}",
                    "impact": rng.randint(1, 3),
                    "urgency": rng.randint(1, 3),
                },
            )
            if answer.status == 201:
                pk = answer.json()["id"]
                run.settle(marker, "register", pk, answer)
                cases.append(Case(pk, plan(rng)))
            else:
                run.settle(marker, "register", None, answer)
            continue
        if roll < 0.14 and len(cases) < 6:
            claimed = claim_portal_ticket(run, client, hall, who, rng)
            if claimed is not None:
                cases.append(Case(claimed, plan(rng)[1:]))
            continue
        case = rng.choice(cases)
        if roll < 0.2:
            client.request("api detail", "GET", f"{API}{case.pk}/")
            marker = run.marker(who)
            answer = client.request(
                "api comment",
                "POST",
                f"{API}{case.pk}/comments/",
                payload={"text": f"已联系装维 [{marker}]"},
            )
            run.settle(marker, "comment", case.pk, answer)
            continue
        step = case.steps.pop(0)
        if not advance(run, client, verifier, case.pk, step, rng, colleagues, who):
            case.steps.clear()  # refused: the ticket is no longer ours to follow
        if not case.steps:
            cases.remove(case)
    client.close()
    verifier.close()


def advance(
    run: Run,
    client: Client,
    verifier: Client,
    pk: int,
    step: str,
    rng: random.Random,
    colleagues: list[int],
    who: str,
) -> bool:
    """One action of the loop on ticket `pk`; True if the server accepted it."""
    url = f"{API}{pk}/"
    if step == "start":
        answer = client.request("api start", "POST", f"{url}start/", payload={})
        with run.lock:
            if answer.status == 200:
                run.ledger.starts[pk] += 1
            elif answer.status == 0 or answer.status >= 500:
                run.ledger.unknown_starts[pk] += 1
        return answer.status == 200
    marker = run.marker(who)
    note = f"[{marker}]"
    action, what, payload, by = {
        "respond": ("respond", "respond", {"message": f"已致电客户 {note}"}, client),
        "assign": (
            "assign",
            "assign",
            {"assignee": rng.choice(colleagues), "note": f"转交同事 {note}"},
            client,
        ),
        "resolve": ("resolve", "resolve", {"resolution": f"已上门处理 {note}"}, client),
        "verify": ("verify", "verify", {"note": f"回访确认 {note}"}, verifier),
        "confirm": ("feedback", "feedback", {"confirmed": True, "note": f"满意 {note}"}, client),
        "not_solved": (
            "feedback",
            "feedback",
            {"confirmed": False, "note": f"仍未解决 {note}"},
            client,
        ),
        "close": ("close", "close", {"note": f"三次回访未接通 {note}"}, client),
    }[step]
    answer = by.request(f"api {action}", "POST", f"{url}{action}/", payload=payload)
    return run.settle(marker, what, pk, answer)


def claim_portal_ticket(
    run: Run, client: Client, hall: dict[str, Any], who: str, rng: random.Random
) -> int | None:
    """Respond to a new ticket customers sent to this hall through the portal. Colleagues look
    at the same list, so two may try the same ticket: one wins, the other gets 409."""
    answer = client.request(
        "api list",
        "GET",
        f"{API}?channel=web&status=new&org_unit={hall['id']}&ordering=created_at&page_size=5",
    )
    if answer.status != 200:
        return None
    waiting = answer.json()["results"]
    if not waiting:
        return None
    pk = int(rng.choice(waiting[:3])["id"])
    marker = run.marker(who)
    answer = client.request(
        "api claim", "POST", f"{API}{pk}/respond/", payload={"message": f"已受理 [{marker}]"}
    )
    return pk if run.settle(marker, "claim", pk, answer) else None


def customer(run: Run, stats: Stats, halls: list[dict[str, Any]], index: int) -> None:
    """One customer after another, each from an address of its own (the portal limits
    submissions per address and per phone, as it would for real people)."""
    rng = random.Random(run.seed * 1000 + 500 + index)  # noqa: S311 - a workload
    who = f"c{index}"
    served = 0
    while run.running():
        served += 1
        source = f"127.{index % 200 + 1}.{served // 250 % 250 + 1}.{served % 250 + 1}"
        client = Client(run.port, stats, source=source)
        phone = f"13{index % 10}{served % 10**8:08d}"
        form = client.request("portal form", "GET", "/portal/submit/")
        if form.status != 200:
            client.close()
            continue
        units = [int(u) for u in re.findall(rb'<option value="(\d+)"', form.body)]
        shown = time.monotonic()
        # Filling in the form; a customer who is still typing when the soak ends walks away.
        time.sleep(PORTAL_FILL_SECONDS + rng.random())
        if not run.running():
            client.close()
            break
        marker = run.marker(who)
        answer = client.request(
            "portal submit",
            "POST",
            "/portal/submit/",
            form={
                "csrfmiddlewaretoken": hidden(form.body, "csrfmiddlewaretoken"),
                "form_token": hidden(form.body, "form_token"),
                "kind": rng.choice(KINDS),
                "org_unit": rng.choice(units) if units else halls[0]["id"],
                "title": f"网上报障 [{marker}]",
                "description": f"家里宽带断网 {time.monotonic() - shown:.0f} 秒前",
                "customer_name": "王五",
                "customer_phone": phone,
                "language": "zh-hans",
                "consent": "on",
                "website": "",
            },
        )
        location = urlsplit(answer.headers.get("location", "")).path
        number = location.rstrip("/").rsplit("/", 1)[-1] if answer.status == 302 else ""
        if answer.status == 302 and "/portal/submitted/" not in location:
            answer.status = 400  # re-shown form or refusal: counted as not accepted
        run.settle(marker, "portal-submit", number or None, answer)
        if number:
            client.request("portal submitted", "GET", location)
            with run.lock:
                run.portal_tickets += 1
            track(run, client, number, phone, who)
        client.close()


def track(run: Run, client: Client, number: str, phone: str, who: str) -> None:
    """Later (a fresh session from the same address): find the request, read it, write."""
    client.cookies.clear()
    form = client.request("portal track", "GET", f"/portal/track/?number={number}")
    answer = client.request(
        "portal track",
        "POST",
        "/portal/track/",
        form={
            "csrfmiddlewaretoken": hidden(form.body, "csrfmiddlewaretoken"),
            "number": number,
            "phone": phone,
        },
    )
    if answer.status != 302:
        return
    page = client.request("portal ticket", "GET", f"/portal/t/{number}/")
    marker = run.marker(who)
    answer = client.request(
        "portal message",
        "POST",
        f"/portal/t/{number}/message/",
        form={
            "csrfmiddlewaretoken": hidden(page.body, "csrfmiddlewaretoken"),
            "text": f"请尽快处理 [{marker}]",
        },
    )
    if answer.status == 302 and f"/portal/t/{number}/" not in answer.headers.get("location", ""):
        answer.status = 400
    run.settle(marker, "portal-message", number, answer)


def manager(run: Run, stats: Stats, user: dict[str, Any], index: int) -> None:
    rng = random.Random(run.seed * 1000 + 900 + index)  # noqa: S311 - a workload
    client = Client(run.port, stats)
    login = client.request("manager login", "GET", "/accounts/login/")
    answer = client.request(
        "manager login",
        "POST",
        "/accounts/login/",
        form={
            "csrfmiddlewaretoken": hidden(login.body, "csrfmiddlewaretoken"),
            "username": user["username"],
            "password": user["password"],
        },
    )
    if answer.status != 302:
        with run.lock:
            stats.errors[("manager login", answer.status)] += 1
            stats.error_samples.append(f"log-in of {user['username']}: {answer.status}")
        return
    while run.running():
        client.request("dashboard quality", "GET", "/quality/")
        client.request("dashboard service desk", "GET", "/tickets/manager/")
        time.sleep(rng.uniform(0.5, 1.5))  # reading the page
    client.close()


# --- set-up -------------------------------------------------------------------------------


def prepare(args: Any, var_dir: str) -> str:
    """Create and migrate the database (it becomes DATABASE_URL); return its description."""
    if args.database == "sqlite":
        url = fresh_sqlite(Path(var_dir) / "soak.sqlite3")
        described = "SQLite (WAL) file"
    else:
        parts = urlsplit(args.database)
        name = parts.path.strip("/") or "sqms_bench_soak"
        url, admin = database_url_for(args.database, name)
        recreate_database(admin, name)
        described = f"PostgreSQL {postgres_version(url)} on the same machine (database `{name}`)"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SQMS_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "sqms.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    print("migrating …", flush=True)
    call_command("migrate", verbosity=0)
    return described


def make_org(halls: int, seed: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group
    from django.db import connections

    from sqms.core import tokens
    from sqms.core.models import OrgUnit, User
    from sqms.servicedesk.models import SlaPolicy

    rng = random.Random(seed)  # noqa: S311 - only salts the passwords' suffix
    company = OrgUnit.objects.add_root(
        {"code": "SOAK", "name": "压测公司", "name_en": "Soak company", "kind": "company"}
    )
    groups = {g.name: g for g in Group.objects.all()}

    def user(name: str, unit: Any, role: str) -> tuple[Any, str]:
        password = f"{secrets.token_urlsafe(12)}-{rng.randrange(10**6)}"
        person = User.objects.create_user(
            username=name, password=password, org_unit=unit, language="en"
        )
        person.groups.add(groups[role])
        return person, password

    org: dict[str, Any] = {"halls": [], "managers": []}
    for h in range(halls):
        unit = OrgUnit.objects.add_child(
            company,
            {"code": f"SOAK{h + 1}", "name": f"压测{h + 1}号厅", "name_en": f"Hall {h + 1}"}
            | {"kind": "hall"},
        )
        hall: dict[str, Any] = {"id": unit.pk, "agents": []}
        for a in range(AGENTS_PER_HALL):
            person, _password = user(f"soak-agent-{h + 1}-{a + 1}", unit, "agent")
            _token, key = tokens.create_token(user=person, name="soak", actor=person)
            hall["agents"].append({"id": person.pk, "token": key})
        boss, password = user(f"soak-manager-{h + 1}", unit, "unit_manager")
        _token, key = tokens.create_token(user=boss, name="soak", actor=boss)
        hall["manager_token"] = key
        org["managers"].append({"username": boss.username, "password": password})
        org["halls"].append(hall)
    # Tight targets on the calendar clock, so that at any hour some tickets breach while
    # agents work on them: the sweep warns, escalates and reassigns under the load. Kind,
    # channel and unit make these the most specific policies for every soak ticket.
    for kind in KINDS:
        for channel in (*CHANNELS, "web"):
            SlaPolicy.objects.create(
                name=f"Soak {kind} {channel}",
                kind=kind,
                channel=channel,
                org_unit=company,
                response_minutes=SLA_MINUTES[0],
                resolve_minutes=SLA_MINUTES[1],
                business_time=False,
                warn_percent=50,
                escalate_to_manager=True,
            )
    quality, password = user("soak-quality", company, "quality_manager")
    org["managers"].append({"username": quality.username, "password": password})
    connections.close_all()  # the server and the load run in other processes and threads
    return org


# --- report -------------------------------------------------------------------------------


def summarise(all_stats: list[Stats], seconds: float) -> tuple[list[dict[str, Any]], dict]:
    latencies: dict[str, list[float]] = defaultdict(list)
    ok: Counter[str] = Counter()
    client_errors: Counter[tuple[str, int]] = Counter()
    errors: Counter[tuple[str, int]] = Counter()
    for stats in all_stats:
        for kind, values in stats.latencies.items():
            latencies[kind].extend(values)
        ok.update(stats.ok)
        client_errors.update(stats.client_errors)
        errors.update(stats.errors)
    rows = []
    for kind in sorted(latencies):
        ordered = sorted(latencies[kind])
        rows.append(
            {
                "kind": kind,
                "requests": len(ordered),
                "ok": ok[kind],
                "4xx": sum(n for (k, _s), n in client_errors.items() if k == kind),
                "4xx_codes": {s: n for (k, s), n in client_errors.items() if k == kind},
                "errors": sum(n for (k, _s), n in errors.items() if k == kind),
                "per_second": len(ordered) / seconds,
                **{f"p{p}_ms": percentile(ordered, p) * 1000 for p in (50, 95, 99)},
            }
        )
    everything = sorted(v for values in latencies.values() for v in values)
    total = {
        "kind": "all",
        "requests": len(everything),
        "ok": sum(ok.values()),
        "4xx": sum(client_errors.values()),
        "4xx_codes": dict(Counter({s: n for (_k, s), n in client_errors.items()})),
        "errors": sum(errors.values()),
        "per_second": len(everything) / seconds,
        **{f"p{p}_ms": percentile(everything, p) * 1000 for p in (50, 95, 99)},
    }
    return rows, total


def table(rows: list[dict[str, Any]], total: dict[str, Any]) -> str:
    lines = [
        "| requests of kind | count | req/s | p50 (ms) | p95 (ms) | p99 (ms) | 4xx | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*rows, total]:
        codes = ", ".join(f"{n}×{s}" for s, n in sorted(row["4xx_codes"].items()))
        name = "**all**" if row["kind"] == "all" else row["kind"]
        lines.append(
            f"| {name} | {row['requests']:,} | {row['per_second']:.1f} | {row['p50_ms']:.0f} "
            f"| {row['p95_ms']:.0f} | {row['p99_ms']:.0f} | {codes or 0} | {row['errors']} |"
        )
    return "\n".join(lines)


def sweep_facts() -> str:
    from django_tasks_db.models import DBTaskResult

    from sqms.servicedesk.models import TicketEvent

    sweeps = DBTaskResult.objects.filter(
        task_path__endswith="sla_sweep", status="SUCCESSFUL"
    ).count()
    upkeeps = DBTaskResult.objects.filter(
        task_path__endswith="quality_upkeep", status="SUCCESSFUL"
    ).count()
    escalations = TicketEvent.objects.filter(event_type="escalation").count()
    warnings = TicketEvent.objects.filter(event_type="sla_warning").count()
    return (
        f"{sweeps} SLA sweeps ({escalations} escalations, {warnings} warnings) and "
        f"{upkeeps} rollup upkeeps ran in the worker"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a file in a temporary directory) or a PostgreSQL URL whose database "
        "(name containing 'bench') is dropped and recreated",
    )
    parser.add_argument("--halls", type=int, default=2)
    parser.add_argument("--agents", type=int, default=6, help="agent threads")
    parser.add_argument("--customers", type=int, default=4, help="portal customer threads")
    parser.add_argument("--managers", type=int, default=2, help="manager threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="sqms-soak-")
    described = prepare(args, var_dir)
    org = make_org(args.halls, args.seed)
    env = dict(os.environ)
    log_path = Path(var_dir) / "serve.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed after the run
    print(f"starting sqms serve with {args.workers} web workers …", flush=True)
    server = start_server(env, args.port, args.workers, log)
    load_before = os.getloadavg()[0]
    started_at = datetime.datetime.now(datetime.UTC)
    all_stats: list[Stats] = []
    try:
        print(
            f"soaking for {args.duration:g} s: {args.agents} agents, {args.customers} "
            f"customers, {args.managers} managers …",
            flush=True,
        )
        begun = time.monotonic()
        run = Run(args.port, begun + args.duration, args.seed)
        threads = []
        agents = [(a, hall) for hall in org["halls"] for a in hall["agents"]]
        for i in range(args.agents):
            me, hall = agents[i % len(agents)]
            stats = Stats()
            all_stats.append(stats)
            threads.append(threading.Thread(target=agent, args=(run, stats, me, hall, i)))
        for i in range(args.customers):
            stats = Stats()
            all_stats.append(stats)
            threads.append(threading.Thread(target=customer, args=(run, stats, org["halls"], i)))
        for i in range(args.managers):
            stats = Stats()
            all_stats.append(stats)
            boss = org["managers"][(len(org["managers"]) - 1 - i) % len(org["managers"])]
            threads.append(threading.Thread(target=manager, args=(run, stats, boss, i)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - begun
    finally:
        stop_server(server)
        log.close()
    ended_at = datetime.datetime.now(datetime.UTC)

    rows, total = summarise(all_stats, seconds)
    print(table(rows, total))
    samples = [s for stats in all_stats for s in stats.error_samples]
    for sample in samples[:10]:
        print("ERROR", sample)
    server_errors = [
        line
        for line in log_path.read_text(errors="replace").splitlines()
        if "Traceback" in line or "WORKER TIMEOUT" in line or "[ERROR]" in line
    ]
    for line in server_errors[:10]:
        print("SERVER", line)

    from bench._soak_checks import run_all
    from sqms.quality.sources import local_zone

    zone = local_zone()
    first, last = started_at.astimezone(zone).date(), ended_at.astimezone(zone).date()
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    print("checking the invariants …", flush=True)
    checks = run_all(run.ledger, days)
    facts = sweep_facts()
    print(facts)
    for check in checks:
        print(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}")
    failed = [c for c in checks if not c.passed]
    verdict = (
        "all invariants hold"
        if not failed
        else f"{len(failed)} invariant(s) FAILED: " + ", ".join(c.name for c in failed)
    )
    print(f"{total['errors']} errors; {verdict}")
    if args.write:
        write_report(args, rows, total, checks, described, load_before, facts, seconds)
    if failed or total["errors"]:
        print(f"kept {var_dir} (server log: {log_path})")
        sys.exit(1)
    shutil.rmtree(var_dir, ignore_errors=True)


def write_report(
    args: Any,
    rows: list[dict[str, Any]],
    total: dict[str, Any],
    checks: list[Check],
    described: str,
    load_before: float,
    facts: str,
    seconds: float,
) -> None:
    database = "sqlite" if args.database == "sqlite" else args.database
    command = (
        f"sqms bench soak --duration {args.duration:g} --database {database} --halls "
        f"{args.halls} --agents {args.agents} --customers {args.customers} --managers "
        f"{args.managers} --workers {args.workers} --write"
    )
    invariants = "\n".join(
        f"- {'pass' if c.passed else '**FAIL**'}: {c.name} ({c.detail})" for c in checks
    )
    append_report(
        f"""
## Soak: mixed workload for {seconds / 60:.0f} minutes ({datetime.date.today().isoformat()})

- Machine: {machine()}
- Database: {described}
- Server: `sqms serve` (gunicorn, {args.workers} sync workers, plus the task worker); loopback
- Load: {args.agents} agents (REST API: register, the loop's actions, claims of portal
  tickets, comments), {args.customers} portal customers (submit, track, message; one address
  each), {args.managers} managers (quality overview, service desk unit overview)
- {facts}
- Machine load average (1 min) when the load began: {load_before:.1f}
- Command: `{command}`

{table(rows, total)}

Errors (5xx or no answer): {total["errors"]}. Invariants:

{invariants}
"""
    )


if __name__ == "__main__":
    main()
