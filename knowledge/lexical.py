"""Lexical search's tokenizers: words (English stemmed, Chinese segmented) and character n-grams.

The BM25 index they feed (``knowledge.bm25``) lives in memory, one per process. It is filled from
the database on first use and then kept in step chunk by chunk (``add``/``remove``), the same way
the dense index is, so a published article is searchable by its words as soon as by its meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Runs of Latin letters/digits, and runs of CJK ideographs; everything else separates tokens.
LATIN = r"[a-z0-9]+(?:[.'][a-z0-9]+)*"
CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
TOKEN = re.compile(f"{LATIN}|{CJK}")
CJK_RUN = re.compile(CJK)

_EN_STOPWORDS = """a about after again all am an and any are as at be been before being but
    by can could
    did do does doing don't for from had has have having he her here hers him his how i i'm if
    in into is it it's its just me my myself no nor not of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours yourself"""
EN_STOPWORDS = frozenset(_EN_STOPWORDS.split())
# Particles, pronouns and question words that carry no topic in a customer's question.
_ZH_STOPWORDS = """的 了 吗 呢 吧 啊 呀 么 是 在 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 就
    也 都 和 与 或 及 把 被 让 给 对 从 到 为 以 而 但 如果 怎么 怎样 如何 什么 为什么 哪里 哪 能
    可以 会 要 想 还 又 再 很 太 个 一 一下 有 没 没有 不 请问 请 一直 已经 之后 之前
    时候 怎么办 办"""
ZH_STOPWORDS = frozenset(_ZH_STOPWORDS.split())


def stem(word: str) -> str:
    """A light English suffix stripper: "resetting"/"reset", "cameras"/"camera", "charging".

    A full Porter stemmer conflates too much on short product vocabulary; these few rules are
    the ones that matter for customer questions.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    base = word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            break
        base = word[: len(word) - len(suffix)] + keep
        if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] != "l":
            base = base[:-1]  # "resetting" -> "resett" -> "reset"
        break
    if len(base) > 4 and base.endswith("e"):
        base = base[:-1]  # "charge" and "charging" both become "charg"
    return base


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _jieba_words(run: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut_for_search(run) if w.strip()]


class Tokenizer:
    """Lower-cased, NFKC-normalised tokens; English stemmed, Chinese segmented.

    ``chinese`` is "jieba" (dictionary word segmentation, search mode) or "bigram" (overlapping
    character pairs, no dictionary). ``deskmate bench kb`` measures both.
    """

    def __init__(self, *, chinese: str = "jieba") -> None:
        if chinese not in ("jieba", "bigram"):
            raise ValueError(f"unknown Chinese tokenization {chinese!r} (choose jieba or bigram)")
        self.chinese = chinese
        self._segment: Callable[[str], list[str]] = _jieba_words if chinese == "jieba" else _bigrams
        if chinese == "jieba":
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)

    def __call__(self, text: str) -> list[str]:
        normalised = unicodedata.normalize("NFKC", text).lower()
        tokens: list[str] = []
        for match in TOKEN.finditer(normalised):
            piece = match.group(0)
            if CJK_RUN.fullmatch(piece):
                tokens.extend(w for w in self._segment(piece) if w not in ZH_STOPWORDS)
            elif piece not in EN_STOPWORDS:
                tokens.append(stem(piece.replace("'", "")))
        return tokens


class CharTokenizer:
    """Character n-grams: 3- to 5-grams of each English word (with ``#`` marking its ends), and
    the bigrams plus single characters of each Chinese run.

    A typo ("scaning", "wfi") or a fragment still shares most of its n-grams with the right word,
    where the word tokenizer shares none. Used by a second BM25 lane next to the word one.
    """

    def __init__(self, *, smallest: int = 3, largest: int = 5) -> None:
        if not 1 <= smallest <= largest:
            raise ValueError("n-gram sizes must satisfy 1 <= smallest <= largest")
        self.sizes = range(smallest, largest + 1)

    def __call__(self, text: str) -> list[str]:
        normalised = unicodedata.normalize("NFKC", text).lower()
        grams: list[str] = []
        for match in TOKEN.finditer(normalised):
            piece = match.group(0)
            if CJK_RUN.fullmatch(piece):
                if len(piece) > 1:
                    grams.extend(_bigrams(piece))
                grams.extend(ch for ch in piece if ch not in ZH_STOPWORDS)
            elif piece not in EN_STOPWORDS:
                word = f"#{piece}#"
                for n in self.sizes:
                    grams.extend(word[i : i + n] for i in range(len(word) - n + 1))
        return grams
