"""The K-fold dev protocol of dev_split.py without training whole Rasa models, to choose settings.

dev_split.py trains a whole Rasa model per fold, which encodes every training utterance with the
sentence encoder again. This script uses the same folds (dev_split.split) and the pipeline's own
components (JiebaTokenizer, HybridIntentClassifier, configured as in the given config.yml), but
takes the sentence vectors from a cache under var/ (filled with the featurizer's `encode` on first
use) and applies the FallbackClassifier's threshold itself. On the same data and config it gave
the same figures as dev_split.py in about a third of the time (seed 11: 3 against 9 minutes on a
loaded 2-core machine; `--set 'C=[1.0]'` skips the search for C and is faster again). Confirm a
choice with dev_split.py all the same.

    .venv-rasa/bin/python tests/nlu/fast_folds.py --seed 11 [--set neighbour_weight=0.3]
        [--errors zh]

Every original utterance also falls into one of two fixed halves (a hash of its text and
intent). --errors prints the misclassified utterances of half A only; half B's accuracy is
printed but its utterances never are, so that training data written after reading half A's
errors can be checked on utterances nobody read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.nlu.dev_split import split  # noqa: E402

CACHE = ROOT / "var" / "nlu-cache" / "sentence-vectors.npz"
CLASSIFIER = "nlu_components.hybrid_classifier.HybridIntentClassifier"


def half(text: str, intent: str) -> str:
    """'A' or 'B', fixed for an utterance (independent of seed and fold)."""
    return "AB"[hashlib.sha256(f"{intent}\n{text}".encode()).digest()[0] % 2]


class VectorCache:
    """Sentence vectors by text, kept in one .npz file between runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                self.vectors = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))

    def get(self, texts: list[str]) -> np.ndarray:
        from nlu_components.use_featurizer import encode

        missing = sorted({t for t in texts if t not in self.vectors})
        if missing:
            for text, vector in zip(missing, encode(missing, threads=1), strict=True):
                self.vectors[text] = vector
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self.vectors)
            np.savez(self.path, texts=np.array(keys), vectors=np.stack(list(self.vectors.values())))
        return np.stack([self.vectors[t] for t in texts])


def pipeline_settings(config: Path) -> tuple[dict[str, Any], dict[str, Any], float]:
    """(tokenizer settings, classifier settings, fallback threshold) from a config.yml."""
    steps = {s["name"]: s for s in yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]}
    tokenizer = {k: v for k, v in steps["JiebaTokenizer"].items() if k != "name"}
    classifier = {k: v for k, v in steps[CLASSIFIER].items() if k != "name"}
    fallback = steps.get("FallbackClassifier", {}).get("threshold", 0.0)
    return tokenizer, classifier, float(fallback)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-extra", action="store_true", help="leave out data/nlu/*_extra.yml")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="override a classifier setting, e.g. neighbour_weight=0.3",
    )
    parser.add_argument("--errors", choices=["en", "zh"], help="print half A's errors")
    args = parser.parse_args()

    logging.disable(logging.WARNING)
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    from rasa.shared.nlu.training_data.message import Message

    from nlu_components.hybrid_classifier import HybridIntentClassifier
    from nlu_components.use_featurizer import UniversalSentenceEncoderFeaturizer

    token_settings, settings, threshold = pipeline_settings(ROOT / args.config)
    for item in args.set:
        key, value = item.split("=", 1)
        settings[key] = json.loads(value)
    context = ExecutionContext(GraphSchema({}), node_name="fast_folds")
    tokenizer = JiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config(), **token_settings}, None, None, context
    )
    featurizer = UniversalSentenceEncoderFeaturizer.create(
        UniversalSentenceEncoderFeaturizer.get_default_config(), None, None, context
    )
    cache = VectorCache(CACHE)

    def prepare(messages: list[Message]) -> list[Message]:
        tokenizer.process(messages)
        for message, vector in zip(
            messages, cache.get([m.get("text") for m in messages]), strict=True
        ):
            tokens = message.get("text_tokens")
            featurizer.add_features_to_message(
                np.zeros((len(tokens), vector.shape[0]), dtype=np.float32),
                vector[np.newaxis, :],
                "text",
                message,
            )
        return messages

    dev: list[tuple[str, str, str]] = []
    predicted: list[str] = []
    for fold in range(args.folds):
        train, fold_dev = split(args.seed, extra=not args.no_extra, fold=fold, folds=args.folds)
        data = RasaYAMLReader().reads(
            yaml.safe_dump({"version": "3.1", "nlu": train}, allow_unicode=True)
        )
        prepare(data.intent_examples)
        with tempfile.TemporaryDirectory() as tmp:
            component = HybridIntentClassifier.create(
                {**HybridIntentClassifier.get_default_config(), **settings},
                LocalModelStorage(Path(tmp)),
                Resource("fast_folds"),
                context,
            )
            component.train(data)
            parsed = component.process(prepare([Message(data={"text": t}) for t, _, _ in fold_dev]))
        for message in parsed:
            top = message.get("intent")
            predicted.append("nlu_fallback" if top["confidence"] < threshold else top["name"])
        dev += fold_dev

    figures: dict[str, Any] = {"seed": args.seed, "settings": settings}
    rows = list(zip(dev, predicted, strict=True))
    for language in ("en", "zh"):
        pairs = [(g, p) for (_, g, lang), p in rows if lang == language]
        figures[f"{language}_accuracy"] = round(sum(g == p for g, p in pairs) / len(pairs), 4)
        figures[f"{language}_n"] = len(pairs)
        for name in "AB":
            part = [(g, p) for (t, g, lang), p in rows if lang == language and half(t, g) == name]
            figures[f"{language}_half_{name}"] = round(sum(g == p for g, p in part) / len(part), 4)
    oos = [p for (_, g, _), p in rows if g == "out_of_scope"]
    figures["oos_recall"] = round(oos.count("out_of_scope") / len(oos), 4)
    figures["false_fallbacks"] = sum(
        p == "nlu_fallback" for (_, g, _), p in rows if g != "out_of_scope"
    )
    confusions = Counter(f"{g} -> {p}" for (_, g, _), p in rows if g != p)
    figures["confusions"] = confusions.most_common(15)
    json.dump(figures, sys.stdout, indent=1, ensure_ascii=False)
    print()
    if args.errors:
        for (text, gold, language), guess in sorted(rows, key=lambda r: (r[0][1], r[1])):
            if language == args.errors and gold != guess and half(text, gold) == "A":
                print(f"{gold} -> {guess}: {text}")


if __name__ == "__main__":
    main()
