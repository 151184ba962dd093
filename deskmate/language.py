"""Telling the language of a customer's text: any Chinese character means Chinese."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(text: str, *, default: str = "en") -> str:
    return "zh" if CJK.search(text) else default
