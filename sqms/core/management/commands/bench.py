"""`sqms bench` lists the benchmarks in bench/; `sqms bench NAME [ARGS…]` runs one.

Each benchmark is a script of its own (it makes its own database, so it never touches the
installation's data); this command finds it by name and passes the remaining arguments on, e.g.
`sqms bench sla_sweep --tickets 100000 --write`.
"""

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

BENCH_DIR = Path(settings.BASE_DIR) / "bench"


def benchmarks() -> dict[str, str]:
    """name → the first line of the script's docstring."""
    found = {}
    for script in sorted(BENCH_DIR.glob("*.py")):
        if script.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
        found[script.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return found


class Command(BaseCommand):
    help = "List the benchmarks, or run one: sqms bench NAME [ARGS…] (ARGS go to the script)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the benchmark (a script in bench/)")
        parser.add_argument("script_args", nargs="...", help="arguments for the benchmark")

    def handle(self, *args: Any, **options: Any) -> None:
        available = benchmarks()
        name = (options["name"] or "").replace("-", "_")
        if not name:
            width = max(map(len, available), default=0)
            for bench, summary in available.items():
                self.stdout.write(f"{bench:<{width}}  {summary}")
            return
        if name not in available:
            raise CommandError(
                f"no benchmark {name!r}; there are: {', '.join(available) or 'none'}"
            )
        script = BENCH_DIR / f"{name}.py"  # a name from the listing, never a path
        result = subprocess.run(  # noqa: S603
            [sys.executable, str(script), *options["script_args"]], check=False
        )
        if result.returncode:
            raise CommandError(f"{name} failed (exit {result.returncode})")
