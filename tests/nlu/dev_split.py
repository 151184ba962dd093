"""Choose NLU settings on the TRAINING data only: train on 80% of data/nlu, score the other 20%.

The held-out split (tests/nlu/heldout_*.yml) is for the final figure; settings and new training
utterances are chosen with this script instead. For every intent and language a seeded 20% of
data/nlu becomes the dev set; an NLU-only model is trained on the rest with the given config and
the dev set is parsed with it. Prints accuracy per language, out-of-scope recall, false
fallbacks and the commonest confusions. Run it with the Rasa environment, from the repo root:

    .venv-rasa/bin/python tests/nlu/dev_split.py --config config.yml [--seed 1] [--folds 5]

With --folds K the original utterances of every intent and language are dealt into K folds
instead (seeded), and K models each score one fold: every original utterance is scored once,
about five times as many dev examples as one 20% split, so seed-to-seed noise is smaller.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def split(
    seed: int, *, extra: bool = True, fold: int | None = None, folds: int = 5
) -> tuple[list[dict[str, object]], list[tuple[str, str, str]]]:
    """(training items for an NLU file, dev examples as (text, intent, language)).

    The dev examples come from the original files only, so that runs with and without the
    *_extra.yml files (always training data, or left out with extra=False) share one dev set.
    With `fold` set, the dev set is that fold of `folds` (per intent and language, the seeded
    shuffle of the original utterances dealt round-robin) instead of a seeded 20% sample.
    """
    train: list[dict[str, object]] = []
    dev: list[tuple[str, str, str]] = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        is_extra = path.stem.endswith("_extra")
        if is_extra and not extra:
            continue
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" not in item:
                train.append(item)
                continue
            if is_extra:
                train.append(item)
                continue
            lines = [ln[2:] for ln in item["examples"].splitlines() if ln.startswith("- ")]
            kept: list[str] = []
            for language in ("en", "zh"):
                pool = [e for e in lines if bool(_CJK.search(e)) == (language == "zh")]
                rng = random.Random(f"{seed}:{item['intent']}:{language}")
                if fold is None:
                    chosen = set(rng.sample(pool, round(len(pool) * 0.2)))
                elif len(pool) < folds:  # e.g. an EXTERNAL_ trigger intent: always trained
                    chosen = set()
                else:
                    chosen = set(rng.sample(pool, len(pool))[fold::folds])
                kept += [e for e in pool if e not in chosen]
                dev += [(_ANNOTATION.sub(r"\1", e), item["intent"], language) for e in chosen]
            train.append({"intent": item["intent"], "examples": "".join(f"- {e}\n" for e in kept)})
    return train, dev


def thresholds(dev: list[tuple[str, str, str]], parsed: list[dict]) -> dict[str, object]:
    """What other FallbackClassifier thresholds would give, from the classifier's ranking."""
    table: dict[str, object] = {}
    for threshold, ambiguity in itertools.product((0.0, 0.2, 0.3, 0.4, 0.5), (0.0, 0.05, 0.1)):
        right = fallbacks = oos_right = oos_n = 0
        for (_, gold, _), result in zip(dev, parsed, strict=True):
            ranking = [r for r in result["intent_ranking"] if r["name"] != "nlu_fallback"]
            top = ranking[0]
            second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
            guess = top["name"]
            if top["confidence"] < threshold or top["confidence"] - second < ambiguity:
                guess = "nlu_fallback"
            right += guess == gold
            fallbacks += guess == "nlu_fallback" and gold != "out_of_scope"
            oos_n += gold == "out_of_scope"
            oos_right += gold == "out_of_scope" == guess
        table[f"threshold {threshold}, ambiguity {ambiguity}"] = {
            "accuracy": round(right / len(dev), 3),
            "false_fallbacks": fallbacks,
            "oos_recall": round(oos_right / oos_n, 3),
        }
    return table


def train_and_parse(config: str, train: list[dict[str, object]], texts: list[str]) -> list[dict]:
    """Trains an NLU-only model on `train` with `config` and parses `texts` with it."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "nlu.yml"
        data.write_text(
            yaml.safe_dump({"version": "3.1", "nlu": train}, allow_unicode=True),
            encoding="utf-8",
        )
        subprocess.run(
            [
                str(ROOT / ".venv-rasa" / "bin" / "rasa"),
                "train",
                "nlu",
                "--config",
                config,
                "--nlu",
                str(data),
                "--out",
                tmp,
                "--fixed-model-name",
                "dev",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        logging.disable(logging.WARNING)
        from rasa.core.agent import Agent

        agent = Agent.load(str(Path(tmp) / "dev.tar.gz"))

        async def parse() -> list[dict]:
            return [await agent.parse_message(t) for t in texts]

        return asyncio.run(parse())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-extra", action="store_true", help="leave out data/nlu/*_extra.yml")
    parser.add_argument(
        "--folds", type=int, default=0, help="K >= 2: K-fold over the original utterances"
    )
    args = parser.parse_args()
    dev: list[tuple[str, str, str]] = []
    parsed: list[dict] = []
    for fold in range(args.folds) if args.folds >= 2 else [None]:
        train, fold_dev = split(args.seed, extra=not args.no_extra, fold=fold, folds=args.folds)
        parsed += train_and_parse(args.config, train, [t for t, _, _ in fold_dev])
        dev += fold_dev
    predicted = [p["intent"]["name"] for p in parsed]
    figures: dict[str, object] = {
        "config": args.config,
        "seed": args.seed,
        "extra": not args.no_extra,
        "folds": args.folds if args.folds >= 2 else None,
        "thresholds": thresholds(dev, parsed),
    }
    for language in ("en", "zh"):
        pairs = [(g, p) for (_, g, lang), p in zip(dev, predicted, strict=True) if lang == language]
        figures[f"{language}_accuracy"] = round(sum(g == p for g, p in pairs) / len(pairs), 3)
        figures[f"{language}_n"] = len(pairs)
    oos = [p for (_, g, _), p in zip(dev, predicted, strict=True) if g == "out_of_scope"]
    figures["oos_recall"] = round(oos.count("out_of_scope") / len(oos), 3)
    in_scope = [p for (_, g, _), p in zip(dev, predicted, strict=True) if g != "out_of_scope"]
    figures["false_fallbacks"] = in_scope.count("nlu_fallback")
    figures["confusions"] = Counter(
        f"{g} -> {p}" for (_, g, _), p in zip(dev, predicted, strict=True) if g != p
    ).most_common(15)
    json.dump(figures, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
