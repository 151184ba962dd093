"""Password login: the session cookie, CSRF, lockout and logout, as a browser would use them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth import users
from deskmate.auth.models import Role, User
from deskmate.db import utcnow
from deskmate.errors import BadRequest, Conflict
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app

PASSWORD = "correct horse battery"
ARTICLE = {"title": "Pair the hub", "body": "Hold the button.", "category": "devices"}


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    app = make_app(
        data_dir=data_dir,
        session_factory=session_factory,
        embedder=embedder,
        kb_schedule_interval=0,
        secret_key="test-secret-key-0123456789abcdef",
    )
    with session_factory() as session:
        users.create_user(
            session, email="Ann@Example.com", name="Ann", role=Role.AGENT, password=PASSWORD
        )
        users.create_user(
            session,
            email="kim@example.com",
            name="Kim",
            role=Role.KNOWLEDGE_MANAGER,
            password=PASSWORD,
        )
        session.commit()
    return client_for(app)


def _login(client: TestClient, email: str = "ann@example.com", password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return {"status": response.status_code, "body": response.json(), "headers": response.headers}


def _csrf(client: TestClient) -> dict[str, str]:
    return {"X-Deskmate-CSRF": client.cookies.get("dm_csrf") or ""}


def test_login_sets_a_strict_http_only_session_cookie_used_by_the_api(client: TestClient) -> None:
    result = _login(client, email=" ANN@example.com ")
    assert result["status"] == 200
    assert result["body"]["role"] == "agent" and result["body"]["email"] == "ann@example.com"
    cookies = result["headers"].get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("dm_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("dm_csrf="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert "Max-Age=28800" in session_cookie
    assert "HttpOnly" not in csrf_cookie  # the page reads it to send the header

    me = client.get("/api/v1/auth/me").json()
    assert (me["name"], me["role"]) == ("Ann", "agent") and me["user_id"]
    assert client.get("/api/v1/kb/articles").status_code == 200

    # Changes need the CSRF header matching the cookie.
    no_header = client.post("/api/v1/kb/articles", json=ARTICLE)
    assert no_header.status_code == 401 and no_header.json()["error"] == "csrf_failed"
    wrong = client.post("/api/v1/kb/articles", json=ARTICLE, headers={"X-Deskmate-CSRF": "x"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "csrf_failed"
    created = client.post("/api/v1/kb/articles", json=ARTICLE, headers=_csrf(client))
    assert created.status_code == 201
    assert created.json()["author"] == "ann@example.com"
    # The role comes from the user: an agent may not publish.
    publish = client.post(
        f"/api/v1/kb/articles/{created.json()['id']}/archive", headers=_csrf(client)
    )
    assert publish.status_code == 403 and publish.json()["error"] == "not_permitted"


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    wrong = _login(client, password="nope")
    unknown = _login(client, email="nobody@example.com")
    assert wrong["status"] == unknown["status"] == 401
    assert wrong["body"] == unknown["body"]
    assert wrong["body"]["error"] == "invalid_credentials"
    assert "dm_session" not in client.cookies
    assert client.get("/api/v1/auth/me").status_code == 401
    bad = client.post("/api/v1/auth/login", json={"email": "a@b.c"})
    assert bad.status_code == 422


def test_repeated_failures_lock_the_account_for_a_while(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    for _ in range(users.MAX_FAILED_LOGINS):
        assert _login(client, password="guess")["body"]["error"] == "invalid_credentials"
    locked = _login(client)  # even the right password is refused now
    assert locked["status"] == 401 and locked["body"]["error"] == "account_locked"
    assert _login(client, email="kim@example.com")["status"] == 200  # others are not affected

    with session_factory() as session:
        user = session.scalar(select(User).where(User.email == "ann@example.com"))
        assert user is not None and user.locked_until is not None
        user.locked_until = utcnow() - timedelta(seconds=1)
        session.commit()
    assert _login(client)["status"] == 200


def test_sign_in_attempts_from_one_address_are_rate_limited(client: TestClient) -> None:
    app = client.app
    app.state.settings = app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"login_rate_per_minute": 3}
    )
    statuses = [
        _login(client, email=f"user{n}@example.com", password="guess")["status"] for n in range(3)
    ]
    assert statuses == [401, 401, 401]
    limited = _login(client, email="someone@example.com")
    assert limited["status"] == 429 and limited["body"]["error"] == "rate_limited"


def test_logout_ends_the_session_even_for_a_copied_cookie(client: TestClient) -> None:
    assert _login(client)["status"] == 200
    copied = dict(client.cookies)
    assert client.post("/api/v1/auth/logout").status_code == 401  # needs the CSRF header too
    assert client.post("/api/v1/auth/logout", headers=_csrf(client)).status_code == 204
    assert "dm_session" not in client.cookies
    replay = client.get("/api/v1/auth/me", cookies=copied)
    assert replay.status_code == 401 and replay.json()["error"] == "not_authenticated"
    assert _login(client)["status"] == 200  # a new login works again
    assert client.get("/api/v1/auth/me").status_code == 200


def test_forged_or_expired_cookies_are_refused(client: TestClient) -> None:
    assert _login(client)["status"] == 200
    claims = jwt.decode(
        client.cookies["dm_session"], options={"verify_signature": False}, algorithms=["HS256"]
    )
    forged = jwt.encode(claims, "another-secret-" + "x" * 32, algorithm="HS256")
    expired = jwt.encode(
        {**claims, "exp": claims["iat"] - 10}, "test-secret-key-0123456789abcdef", "HS256"
    )
    for token in (forged, expired, "garbage"):
        client.cookies.clear()
        client.cookies.set("dm_session", token)
        assert client.get("/api/v1/auth/me").status_code == 401


def test_console_needs_a_session(client: TestClient) -> None:
    first = client.get("/console", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login")
    assert "<form" in client.get("/login").text
    _login(client)
    page = client.get("/console", follow_redirects=False)
    assert page.status_code == 200 and "DeskmateConsole" in page.text


def test_user_creation_rules(session: Session) -> None:
    with pytest.raises(BadRequest, match="at least"):
        users.create_user(session, email="a@b.co", name="A", role=Role.AGENT, password="short")
    with pytest.raises(BadRequest, match="e-mail"):
        users.create_user(session, email="nope", name="A", role=Role.AGENT, password=PASSWORD)
    user = users.create_user(session, email="a@b.co", name="A", role=Role.AGENT, password=PASSWORD)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with pytest.raises(Conflict):
        users.create_user(session, email="A@B.CO", name="B", role=Role.AGENT, password=PASSWORD)


def test_cli_creates_a_user_who_can_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deskmate.db import make_engine, make_session_factory
    from tests.test_cli import deskmate

    monkeypatch.setenv("DESKMATE_USER_PASSWORD", PASSWORD)
    data = tmp_path / "data"
    assert deskmate(data, "db", "upgrade").returncode == 0
    ok = deskmate(
        data,
        "user",
        "create",
        "--email",
        "kim@example.com",
        "--name",
        "Kim",
        "--role",
        "knowledge_manager",
    )
    assert ok.returncode == 0, ok.stderr
    again = deskmate(
        data, "user", "create", "--email", "kim@example.com", "--name", "K", "--role", "agent"
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    wizard = deskmate(
        data, "user", "create", "--email", "w@example.com", "--name", "W", "--role", "wizard"
    )
    assert wizard.returncode == 1 and "unknown role" in wizard.stderr

    engine = make_engine(f"sqlite:///{data / 'deskmate.db'}")
    with make_session_factory(engine)() as session:
        user, _issued = users.login(
            session, email="kim@example.com", password=PASSWORD, secret="s" * 32
        )
        assert user.role == "knowledge_manager"
    engine.dispose()
