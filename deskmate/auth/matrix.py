"""The permission matrix of a running app: every route, its permission, the roles allowed.

Every route must be either public (listed in ``PUBLIC_ROUTES`` / ``PUBLIC_MOUNTS`` in
``deskmate.auth.permissions``) or depend on ``require_permission(NAME)``. ``classify`` finds the
routes that are neither, and ``render_markdown`` writes the table kept in docs/permissions.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import Mount, Route

from deskmate.auth.models import Role
from deskmate.auth.permissions import PUBLIC_MOUNTS, PUBLIC_ROUTES, roles_for


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    permission: str | None  # None: public
    route: RouteContext  # the effective route (prefixes applied); has .dependant for API routes


@dataclass(frozen=True)
class Matrix:
    protected: list[RouteAccess]
    public: list[RouteAccess]
    undeclared: list[str]  # "METHOD /path" of routes that are neither public nor protected


def _permissions(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "permission", None)
        if isinstance(permission, str):
            yield permission
        yield from _permissions(sub)


def _methods(route: RouteContext) -> list[str]:
    return sorted(m for m in (route.methods or {"GET"}) if m != "HEAD")


def classify(app: FastAPI) -> Matrix:
    protected: list[RouteAccess] = []
    public: list[RouteAccess] = []
    undeclared: list[str] = []
    # iter_route_contexts flattens included routers and applies their prefixes.
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        path = str(route.path)
        if isinstance(original, Mount):
            if path not in PUBLIC_MOUNTS:
                undeclared.append(f"MOUNT {path}")
            continue
        if not isinstance(original, Route):
            undeclared.append(f"? {path} ({type(original).__name__})")
            continue
        is_api = isinstance(original, APIRoute)
        found = sorted(set(_permissions(route.dependant))) if is_api else []
        for method in _methods(route):
            key = (method, path)
            if len(found) > 1:
                undeclared.append(f"{method} {path} (several permissions: {found})")
            elif found and key in PUBLIC_ROUTES:
                undeclared.append(f"{method} {path} (both public and protected)")
            elif found:
                protected.append(RouteAccess(method, path, found[0], route))
            elif key in PUBLIC_ROUTES:
                public.append(RouteAccess(method, path, None, route))
            else:
                undeclared.append(f"{method} {path}")
    return Matrix(protected=protected, public=public, undeclared=undeclared)


def render_markdown(app: FastAPI) -> str:
    matrix = classify(app)
    roles = list(Role)
    lines = [
        "# Permission matrix",
        "",
        "Generated from the app's routes and `deskmate/auth/permissions.py` by",
        "`python -m deskmate.auth.matrix > docs/permissions.md`;",
        "`tests/auth/test_permission_matrix.py` fails when this file is out of date, when a",
        "route is neither public nor protected, and when any role gets another answer than this",
        "table says (401 without a token, 403 for a role without a mark).",
        "",
        "Customers have no API role and no token: they reach Deskmate only through the channels",
        "(web chat, Telegram), which identify them by their channel identity. The public chat",
        "routes below are theirs.",
        "",
        "| route | permission | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for access in sorted(matrix.protected, key=lambda a: (a.path, a.method)):
        assert access.permission is not None
        allowed = roles_for(access.permission)
        marks = " | ".join("✓" if r in allowed else "" for r in roles)
        lines.append(f"| `{access.method} {access.path}` | `{access.permission}` | {marks} |")
    lines += ["", "## Public (no token)", ""]
    for access in sorted(matrix.public, key=lambda a: (a.path, a.method)):
        lines.append(f"- `{access.method} {access.path}`")
    for mount in sorted(PUBLIC_MOUNTS):
        lines.append(f"- `{mount}/…` (static files)")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from deskmate.app import create_app
    from deskmate.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        print(render_markdown(create_app(Settings(data_dir=Path(tmp), environment="test"))), end="")
