"""`sqms insight-train`: retrain the text models on the ticket history and print the metrics."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sqms.insight import outcomes, training


class Command(BaseCommand):
    help = "Retrain the problem-type and priority models on resolved tickets; print metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Activate the new models even if worse."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from sqms.core.system_actor import system_actor

        outcomes.sync_final_categories()
        result = training.train_from_tickets(actor=system_actor(), force=options["force"])
        self.stdout.write(f"texts: {result.n_texts}, {result.seconds:.1f} s")
        for item in result.results:
            if item.model is None:
                self.stdout.write(self.style.WARNING(f"{item.purpose}: {item.insufficient}"))
                continue
            metrics = item.model.metrics
            self.stdout.write(
                f"{item.purpose} v{item.model.version}: accuracy {metrics['accuracy']:.3f}, "
                f"macro-F1 {metrics['macro_f1']:.3f} (majority baseline "
                f"{metrics['baseline_accuracy']:.3f} / {metrics['baseline_macro_f1']:.3f}), "
                f"train {item.model.n_train}, held out {item.model.n_test}, "
                f"{'active' if item.model.is_active else 'not active'}: "
                f"{item.model.activation_note}"
            )
