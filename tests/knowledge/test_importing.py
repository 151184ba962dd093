from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskmate.auth.models import Role
from deskmate.auth.principal import Principal
from deskmate.errors import BadRequest
from knowledge import exporting, importing, lifecycle
from knowledge.models import Article, ArticleStatus, ArticleVersion
from knowledge.schemas import ArticleCreate
from tests.knowledge.factories import add_article, article_data, write_jsonl


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_import_creates_then_reimport_updates_instead_of_duplicating(
    session: Session, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [article_data(), article_data(external_id="kb-test-2")]
    )
    first = importing.import_path(session, path=path, publish_now=True)
    assert (first.created, first.updated) == (2, 0)

    changed = article_data(title="Connect the camera to your Wi-Fi network")
    write_jsonl(path, [changed, article_data(external_id="kb-test-2")])
    second = importing.import_path(session, path=path, publish_now=True)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert _count(session, Article) == 2
    article = session.scalar(select(Article).where(Article.external_id == "kb-test-1"))
    assert article is not None
    assert article.version == 2 and article.title == changed["title"]
    assert [v.version for v in article.versions] == [1, 2]
    assert article.status == ArticleStatus.PUBLISHED


def test_a_bad_line_is_reported_by_number_and_nothing_is_imported(
    session: Session, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            article_data(),
            "{not json",
            article_data(external_id="kb-x", title=""),
            article_data(external_id="kb-y", language="fr"),
            article_data(),
            "[1, 2]",
        ],
    )
    with pytest.raises(importing.ImportErrors) as error:
        importing.import_path(session, path=path, publish_now=True)
    detail = error.value.detail
    assert "bad.jsonl, line 2: invalid JSON" in detail
    assert "bad.jsonl, line 3: title" in detail
    assert "bad.jsonl, line 4: language" in detail
    assert "bad.jsonl, line 5: external_id 'kb-test-1' repeats bad.jsonl, line 1" in detail
    assert "bad.jsonl, line 6: expected a JSON object" in detail
    assert _count(session, Article) == 0


def test_unreadable_file_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(BadRequest, match="cannot read"):
        importing.import_path(session, path=path, publish_now=True)


def test_unknown_suffix_needs_a_format(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "articles.txt"
    path.write_text(json.dumps(article_data()) + "\n", encoding="utf-8")
    with pytest.raises(BadRequest, match="--format"):
        importing.import_path(session, path=path, publish_now=False)
    report = importing.import_path(session, path=path, publish_now=False, fmt="jsonl")
    assert report.created == 1


def test_unpublished_import_keeps_drafts_out_of_the_index(session: Session) -> None:
    add_article(session, publish=False)
    article = session.scalar(select(Article))
    assert article is not None and article.status == ArticleStatus.DRAFT
    assert article.chunks == []
    assert _count(session, ArticleVersion) == 1


CSV = (
    "external_id,title,body,category,product,tags,language,owner,review_by\n"
    'kb-c1,Reset the hub,"Hold the button for 10 s.\n\n## After\n\nPair again.",devices,'
    "Lumora Hub,reset;hub,en,kim@example.com,2027-01-31\n"
    'kb-c2,重置网关,按住按钮 10 秒。,devices,,"网关, 重置",zh,,\n'
)


def test_csv_import_reads_quoted_multiline_bodies_and_both_tag_separators(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "kb.csv"
    path.write_text(CSV, encoding="utf-8")
    report = importing.import_path(session, path=path, publish_now=False)
    assert report.created == 2
    hub = session.scalar(select(Article).where(Article.external_id == "kb-c1"))
    zh = session.scalar(select(Article).where(Article.external_id == "kb-c2"))
    assert hub is not None and zh is not None
    assert hub.body.startswith("Hold the button") and "## After" in hub.body
    assert hub.tags == ["hub", "reset"] and hub.owner == "kim@example.com"
    assert hub.review_by is not None and hub.review_by.isoformat() == "2027-01-31"
    assert zh.tags == ["网关", "重置"] and zh.product is None and zh.language == "zh"


def test_csv_errors_give_the_line_where_the_record_starts(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "kb.csv"
    path.write_text(CSV + "kb-c3,,no title,devices,,,en,,\nkb-c4,T,B,devices,,,en,,not-a-date\n")
    with pytest.raises(importing.ImportErrors) as error:
        importing.import_path(session, path=path, publish_now=False)
    # The first record spans lines 2-6, the second is line 7: the bad ones are lines 8 and 9.
    assert [p.split(":")[0] for p in error.value.problems] == ["kb.csv, line 8", "kb.csv, line 9"]
    assert "title" in error.value.problems[0] and "review_by" in error.value.problems[1]
    assert _count(session, Article) == 0

    missing = tmp_path / "headless.csv"
    missing.write_text("id,title\n1,x\n", encoding="utf-8")
    with pytest.raises(importing.ImportErrors, match="header row lacks external_id"):
        importing.import_path(session, path=missing, publish_now=False)


def _md(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_directory_of_markdown_files_imports_front_matter_and_body(
    session: Session, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    _md(
        docs / "wifi.md",
        "---\nexternal_id: kb-wifi\ncategory: connectivity\ntags: [wifi, camera]\n"
        "language: en\nreview_by: 2027-03-01\n---\n\n# Connect the camera\n\nUse 2.4 GHz.\n",
    )
    _md(
        docs / "zh" / "refund.md",
        "---\ntitle: 退款\ncategory: billing\ntags: 退款, 账单\nlanguage: zh\n---\n14 天内退款。\n",
    )
    report = importing.import_path(session, path=docs, publish_now=True)
    assert (report.created, report.published) == (2, 2)
    wifi = session.scalar(select(Article).where(Article.external_id == "kb-wifi"))
    refund = session.scalar(select(Article).where(Article.external_id == "refund"))
    assert wifi is not None and refund is not None
    assert wifi.title == "Connect the camera" and wifi.body == "Use 2.4 GHz."
    assert wifi.tags == ["camera", "wifi"] and str(wifi.review_by) == "2027-03-01"
    assert refund.title == "退款" and refund.tags == ["账单", "退款"]


def test_one_bad_markdown_file_stops_the_whole_import(session: Session, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _md(docs / "good.md", "---\ntitle: Good\ncategory: x\n---\nBody.\n")
    _md(docs / "bad.md", "---\ntitle: Bad\ncategory: x\nlanguage: fr\n---\nBody.\n")
    _md(docs / "broken.md", "---\ntitle: [unclosed\ncategory: x\n---\nBody.\n")
    _md(docs / "plain.md", "# No front matter\n")
    with pytest.raises(importing.ImportErrors) as error:
        importing.import_path(session, path=docs, publish_now=True)
    problems = error.value.problems
    assert any(p.startswith("bad.md, line 4: language") for p in problems), problems
    assert any(p.startswith("broken.md, line") and "front matter" in p for p in problems)
    assert any(p.startswith("plain.md, line 1: no front matter") for p in problems)
    assert _count(session, Article) == 0


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "md"])
def test_export_then_import_changes_nothing(session: Session, tmp_path: Path, fmt: str) -> None:
    add_article(session, owner="kim@example.com", review_by="2027-01-31")
    add_article(
        session,
        external_id="kb-zh",
        title="摄像头连接 Wi-Fi: 步骤",
        body='只支持 2.4 GHz。\n\n## 步骤\n\n打开 "App", 选择网络, 再试一次。',
        tags=["wifi", "摄像头"],
        language="zh",
        product=None,
        publish=False,
    )
    author = Principal(name="Kim", role=Role.AGENT, email="kim@example.com")
    created = lifecycle.create_article(
        session,
        data=ArticleCreate(title="Yes", body="no: really\n---\nmore", category="true"),
        actor=author,
    )
    session.flush()
    target = tmp_path / ("out" if fmt == "md" else f"out.{fmt}")
    assert exporting.export_articles(session, path=target, fmt=fmt) == 3  # type: ignore[arg-type]

    report = importing.import_path(session, path=target, publish_now=False)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    session.refresh(created)
    assert created.external_id is None and created.version == 1  # found by its id

    again = tmp_path / ("again" if fmt == "md" else f"again.{fmt}")
    exporting.export_articles(session, path=again, fmt=fmt)  # type: ignore[arg-type]
    if fmt == "md":
        first = {p.name: p.read_text() for p in target.iterdir()}
        assert first == {p.name: p.read_text() for p in again.iterdir()}
    else:
        assert target.read_text() == again.read_text()


def test_cli_imports_a_directory_and_exports_it_back(tmp_path: Path) -> None:
    from tests.test_cli import deskmate

    data = tmp_path / "data"
    assert deskmate(data, "db", "upgrade").returncode == 0
    docs = tmp_path / "docs"
    _md(docs / "a.md", "---\ntitle: Hub reset\ncategory: devices\n---\nHold 10 s.\n")
    _md(docs / "b.md", "---\ntitle: Bell\ncategory: devices\nlanguage: xx\n---\nRing.\n")
    bad = deskmate(data, "kb", "import", str(docs))
    assert bad.returncode == 1
    assert "b.md, line 4: language" in bad.stderr and "nothing was imported" in bad.stderr

    (docs / "b.md").unlink()
    ok = deskmate(data, "kb", "import", str(docs), "--format", "md")
    assert ok.returncode == 0, ok.stderr
    assert "'created': 1" in ok.stdout
    out = tmp_path / "out.jsonl"
    exported = deskmate(data, "kb", "export", str(out), "--format", "jsonl")
    assert exported.returncode == 0 and "exported 1 articles" in exported.stdout
    row = json.loads(out.read_text(encoding="utf-8"))
    assert (row["external_id"], row["title"], row["body"]) == ("a", "Hub reset", "Hold 10 s.")
    again = deskmate(data, "kb", "import", str(out))
    assert "'unchanged': 1" in again.stdout
    assert deskmate(data, "kb", "export", str(out), "--format", "xml").returncode == 1
