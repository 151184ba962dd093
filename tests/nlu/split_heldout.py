"""Split a held-out test set off the NLU training data (run once, before any training).

For every intent and language (Chinese if the example has a CJK character, else English), a
seeded random 20% of the examples are removed from data/nlu/*.yml and written to
tests/nlu/heldout_<lang>.yml. `deskmate bench nlu` measures the model on those files only, and
they must never be copied back under data/. Running it again would split off another 20%, so it
refuses when the held-out files exist.

    python tests/nlu/split_heldout.py
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "nlu"
OUT = ROOT / "tests" / "nlu"
FRACTION = 0.2
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def language_of(example: str) -> str:
    return "zh" if _CJK.search(example) else "en"


def split_file(path: Path, heldout: dict[str, dict[str, list[str]]]) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    for item in document["nlu"]:
        intent = item.get("intent")
        if intent is None:
            continue
        examples = [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
        for language in ("en", "zh"):
            pool = [e for e in examples if language_of(e) == language]
            count = round(len(pool) * FRACTION)
            chosen = random.Random(f"{intent}:{language}").sample(pool, count)
            heldout[language].setdefault(intent, []).extend(chosen)
            for example in chosen:
                line = f"      - {example}\n"
                if line not in text:
                    raise SystemExit(f"{path}: cannot find the line of {example!r}")
                text = text.replace(line, "", 1)
    path.write_text(text, encoding="utf-8")


def write_heldout(language: str, intents: dict[str, list[str]]) -> None:
    lines = [
        'version: "3.1"',
        "",
        f"# Held-out {language} NLU examples: split off data/nlu by tests/nlu/split_heldout.py",
        "# before any training. Never train on these (never copy them under data/).",
        "nlu:",
    ]
    for intent in sorted(intents):
        if not intents[intent]:
            continue
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {example}" for example in intents[intent]]
    (OUT / f"heldout_{language}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    if any((OUT / f"heldout_{language}.yml").exists() for language in ("en", "zh")):
        sys.exit("the held-out files exist already; splitting again would shrink the training data")
    heldout: dict[str, dict[str, list[str]]] = {"en": {}, "zh": {}}
    for path in sorted(DATA.glob("*.yml")):
        split_file(path, heldout)
    for language, intents in heldout.items():
        write_heldout(language, intents)
        print(language, sum(len(v) for v in intents.values()), "held-out examples")


if __name__ == "__main__":
    main()
