"""Benchmark: training the insight text models and the latency of suggestions.

Makes a fresh SQLite database in a temporary directory (or uses --database-url), migrates it,
then:

(a) trains the problem-type and priority models on N synthetic labelled ticket texts
    (sqms.insight.corpus, default 100,000) exactly as `sqms insight-train` does — one
    stratified 80/20 split, jieba word + character TF-IDF, SGD logistic regression — and
    prints the wall time (including writing the model files) and held-out macro-F1;
(b) calls `sqms.insight.suggest.suggest` 500 times on held-out texts (another seed) as an
    agent and prints p50/p95 latency; the similar-case index holds the N training vectors
    (ticket ids 1..N; they need not exist — the one scope query per call runs all the same);
(c) POSTs the same texts to /api/insight/suggest/ with an API token through Django's test
    client (the whole Django/DRF stack in-process, no HTTP socket) and prints p50/p95.

    python bench/insight_train.py                 # 100,000 texts
    python bench/insight_train.py --texts 20000 --calls 200 --write
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import (  # noqa: E402
    append_report,
    database_description,
    fresh_sqlite,
    load_average,
    markdown_table,
    report_section,
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    load_at_start = load_average()

    var_dir = Path(tempfile.mkdtemp(prefix="sqms-bench-insight-"))
    os.environ["SQMS_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = args.database_url or fresh_sqlite(var_dir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)

    from sqms.core import tokens
    from sqms.core.models import OrgUnit, User
    from sqms.insight import corpus, suggest, training
    from sqms.insight.features import ticket_text

    unit = OrgUnit.objects.add_root(
        {"code": "BENCH", "name": "压测营业厅", "name_en": "Bench hall", "kind": "hall"}
    )
    agent = User.objects.create_user(username="bench-agent", org_unit=unit, language="en")
    agent.groups.add(Group.objects.get(name="agent"))
    agent = User.objects.get(pk=agent.pk)

    print(f"generating {args.texts:,} texts …", flush=True)
    started = time.perf_counter()
    texts = corpus.labelled_texts(args.texts, seed=1)
    samples = [
        training.Sample(t.text, t.category_code, t.priority, ticket_id=i)
        for i, t in enumerate(texts, start=1)
    ]
    print(f"  {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    result = training.train(samples)
    wall = time.perf_counter() - started
    print(f"training on {args.texts:,} texts: {wall:.1f} s wall (both models, files written)")
    figures = [("training, both models (s wall)", f"{wall:.1f}")]
    for item in result.results:
        if item.model is None:
            raise SystemExit(f"{item.purpose}: {item.insufficient}")
        m = item.model.metrics
        print(
            f"  {item.purpose}: macro-F1 {m['macro_f1']:.3f} (majority baseline "
            f"{m['baseline_macro_f1']:.3f}), accuracy {m['accuracy']:.3f}, "
            f"train {item.model.n_train:,} / held out {item.model.n_test:,}, "
            f"classifier fit {m['fit_seconds']:.1f} s"
        )
        figures.append(
            (
                f"{item.purpose}: macro-F1 (majority baseline) / accuracy",
                f"{m['macro_f1']:.3f} ({m['baseline_macro_f1']:.3f}) / {m['accuracy']:.3f}",
            )
        )

    queries = list(corpus.labelled_texts(args.calls, seed=99))
    suggest.suggest(queries[0].text, agent)  # loads the models once, as a process does
    timings = []
    for item in queries:
        started = time.perf_counter()
        suggest.suggest(ticket_text(item.title, item.description), agent)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"suggest(), {len(timings)} calls: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms"
    )
    figures.append(
        (
            f"suggest(), {len(timings)} calls: p50 / p95 (ms)",
            f"{statistics.median(timings):.1f} / {percentile(timings, 0.95):.1f}",
        )
    )

    _token, key = tokens.create_token(user=agent, name="bench", actor=agent)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    timings = []
    for item in queries:
        started = time.perf_counter()
        response = client.post(
            "/api/insight/suggest/",
            {"title": item.title, "description": item.description},
            content_type="application/json",
        )
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"API answered {response.status_code}: {response.content[:300]!r}")
    print(
        f"POST /api/insight/suggest/, {len(timings)} calls: p50 "
        f"{statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms"
    )
    figures.append(
        (
            f"POST /api/insight/suggest/, {len(timings)} calls: p50 / p95 (ms)",
            f"{statistics.median(timings):.1f} / {percentile(timings, 0.95):.1f}",
        )
    )
    if args.write:
        append_report(
            report_section(
                "Insight models: training and suggestions",
                database=database_description(),
                load_at_start=load_at_start,
                details=[f"Data: {args.texts:,} synthetic labelled ticket texts"],
                table=markdown_table(("measure", "result"), figures),
            )
        )


if __name__ == "__main__":
    main()
