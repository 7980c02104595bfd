"""Benchmark: the risk app's Monte Carlo engine (no database).

Times `simulate_losses` + `summarise` for portfolios of 1, 10, 50 and 200 risks at
100,000 and 1,000,000 iterations (Poisson frequency, lognormal severity), and prints the
simulated mean beside the closed form Σ p·exp(μ + σ²/2) as a sanity check.

    python bench/risk_montecarlo.py
    python bench/risk_montecarlo.py --iterations 100000 --risks 1 10 50 --write
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")

import django

django.setup()

import numpy as np  # noqa: E402

from bench._harness import append_report, load_average, markdown_table, report_section  # noqa: E402
from sqms.risk.simulation import (  # noqa: E402
    expected_annual_loss,
    fit_lognormal,
    simulate_losses,
    summarise,
)


def portfolio(size: int, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    inputs = []
    for n in range(size):
        low = float(rng.integers(1_000, 100_000))
        high = low * float(rng.uniform(3, 50))
        mu, sigma = fit_lognormal(low, high)
        p = round(float(rng.uniform(0.01, 0.9)), 4)
        inputs.append(
            {"risk": n, "number": f"RK{n}", "annual_probability": str(p), "mu": mu, "sigma": sigma}
        )
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--risks", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    load_at_start = load_average()
    rows = []
    header = ("risks", "iterations", "seconds", "mean", "closed form", "VaR99")
    widths = (6, 11, 8, 14, 14, 14)
    print(" ".join(f"{title:>{width}}" for title, width in zip(header, widths, strict=True)))
    for size in args.risks:
        inputs = portfolio(size)
        closed = sum(
            expected_annual_loss(float(e["annual_probability"]), e["mu"], e["sigma"])
            for e in inputs
        )
        for iterations in args.iterations:
            started = time.perf_counter()
            total, per_risk = simulate_losses(
                inputs, iterations=iterations, seed=42, frequency_model="poisson"
            )
            results = summarise(total, per_risk, inputs)
            elapsed = time.perf_counter() - started
            print(
                f"{size:>6} {iterations:>11} {elapsed:>8.2f} {results['mean']:>14.0f} "
                f"{closed:>14.0f} {results['var99']:>14.0f}"
            )
            rows.append(
                (
                    size,
                    f"{iterations:,}",
                    f"{elapsed:.2f}",
                    f"{results['mean']:,.0f}",
                    f"{closed:,.0f}",
                    f"{results['var99']:,.0f}",
                )
            )
    if args.write:
        append_report(
            report_section(
                "Risk Monte Carlo engine",
                database="none (the engine runs in memory)",
                load_at_start=load_at_start,
                details=["Model: Poisson frequency, lognormal severity, seed 42"],
                table=markdown_table(header, rows),
            )
        )


if __name__ == "__main__":
    main()
