"""``sqms text train|train-sentiment|analyse|segment|classify`` — text analytics from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Text analytics. `text train` trains the complaint classifier on the labelled complaints and prints "
        "its hold-out metrics; `text train-sentiment`; `text analyse [--full]`; `text segment TEXT`; "
        "`text classify TEXT`."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        t = sub.add_parser("train", help="Train the complaint classifier (stratified hold-out, fixed seed).")
        t.add_argument("--features", choices=["words", "words_chars"], help="default: the settings")
        t.add_argument("--algorithm", choices=["logreg", "svm"], help="default: the settings")
        t.add_argument("--as", dest="as_user", help="act as this user (default: the first superuser)")
        s = sub.add_parser("train-sentiment", help="Train the sentiment model on rated texts.")
        s.add_argument("--as", dest="as_user")
        a = sub.add_parser("analyse", help="Score the sentiment of new feedback and survey texts.")
        a.add_argument("--full", action="store_true", help="re-analyse every text")
        g = sub.add_parser("segment", help="Print the words of a text (with the domain dictionary).")
        g.add_argument("text")
        c = sub.add_parser("classify", help="Print the suggested category of a text.")
        c.add_argument("text")

    def handle(self, *args: Any, **o: Any) -> None:
        from sqms.core.cli import actor_for
        from sqms.core.errors import DomainError
        from sqms.text import segment, services

        sub = o["sub"]
        try:
            if sub == "train":
                m = services.train_classifier(
                    actor=actor_for(o.get("as_user")),
                    features=o.get("features"),
                    algorithm=o.get("algorithm"),
                )
                self._report(m)
            elif sub == "train-sentiment":
                m = services.train_sentiment(actor=actor_for(o.get("as_user")))
                self.stdout.write(
                    f"sentiment v{m.version}: accuracy {m.accuracy:.4f}, lexicon "
                    f"{m.metrics['lexicon_accuracy']:.4f} on the same {m.n_test} texts; "
                    f"{'model' if m.params['use_model'] else 'lexicon'} in use"
                )
            elif sub == "analyse":
                done = services.analyse_texts(full=o["full"])
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in done.items()))
            elif sub == "segment":
                self.stdout.write(" / ".join(segment.cut(o["text"])))
            elif sub == "classify":
                s = services.suggest(o["text"])
                if s is None:
                    raise CommandError("No classifier trained yet: run `sqms text train`.")
                verdict = "applied" if s["apply"] else "shown only"
                self.stdout.write(
                    f"{s['category'].code} {s['category'].name} confidence {s['confidence']:.3f} "
                    f"({verdict}; threshold {s['threshold']:.2f}; model v{s['model_version']})"
                )
        except DomainError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(exc.message + (f" ({detail})" if detail else "")) from exc

    def _report(self, m: Any) -> None:
        w = self.stdout.write
        w(
            f"classifier v{m.version} ({m.method}): hold-out accuracy {m.accuracy:.4f}, "
            f"macro F1 {m.metrics['macro_f1']:.4f}; {m.n_train} training / {m.n_test} hold-out complaints"
        )
        w(f"{'category':<24}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for lab in m.metrics["labels"]:
            w(
                f"{(lab['code'] or lab['name']):<24}{lab['precision']:>10.4f}{lab['recall']:>10.4f}"
                f"{lab['f1']:>10.4f}{lab['support']:>9}"
            )
        for s in m.metrics.get("skipped", []):
            w(f"left out (too few examples): {s['code'] or s['name']} ({s['n']})")
