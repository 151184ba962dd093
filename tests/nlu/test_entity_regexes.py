"""The entity regexes in data/nlu/entities.yml, applied as Rasa's RegexEntityExtractor applies
them (Python ``re``, every match in the message), find what the training data annotates, in
English and in Chinese, and nothing inside longer runs of digits or letters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")


def regexes() -> dict[str, list[re.Pattern[str]]]:
    found: dict[str, list[re.Pattern[str]]] = {}
    for item in yaml.safe_load((ROOT / "data/nlu/entities.yml").read_text(encoding="utf-8"))["nlu"]:
        if "regex" in item:
            patterns = [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
            found[item["regex"]] = [re.compile(p) for p in patterns]
    return found


def extract(text: str, entity: str) -> list[str]:
    return [m.group(0) for pattern in regexes()[entity] for m in pattern.finditer(text)]


def annotated(entity_names: set[str]) -> list[tuple[str, str, str]]:
    """(plain text, entity, annotated value) for every annotation of these entities."""
    rows = []
    for path in sorted((ROOT / "data/nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in item.get("examples", "").splitlines() if "intent" in item else ():
                if not line.startswith("- "):
                    continue
                text = ANNOTATION.sub(lambda m: m.group(1), line[2:])
                for value, entity in ANNOTATION.findall(line[2:]):
                    if entity in entity_names:
                        rows.append((text, entity, value))
    return rows


def test_every_annotated_regex_entity_is_found_by_its_regex() -> None:
    names = set(regexes())
    rows = annotated(names)
    assert len(rows) > 100
    missed = [
        (text, entity, value) for text, entity, value in rows if value not in extract(text, entity)
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("my number is +44 7700 900123", "phone", ["+44 7700 900123"]),
        ("电话是13611112222", "phone", ["13611112222"]),  # right after a Chinese character
        ("号码13700009999，谢谢", "phone", ["13700009999"]),
        ("打15800003333找我", "phone", ["15800003333"]),
        ("电话：136-1111-2222", "phone", ["136-1111-2222"]),
        ("serial AB12345678901", "phone", []),  # digits glued to letters are not a phone
        ("ticket DM-000123 please", "ticket_reference", ["DM-000123"]),
        ("工单DM-000123怎么样了", "ticket_reference", ["DM-000123"]),
        ("XDM-000123", "ticket_reference", []),
        ("DM-0001234", "ticket_reference", []),
        ("订单ORD-12345678还没到", "order_number", ["ORD-12345678"]),
        ("write to me at ana.li@example.com.", "email", ["ana.li@example.com"]),
        ("邮箱是ana@example.com谢谢", "email", ["ana@example.com"]),
    ],
)
def test_entities_in_english_and_chinese(text: str, entity: str, expected: list[str]) -> None:
    assert extract(text, entity) == expected
