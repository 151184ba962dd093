"""ASGI entry point: ``uvicorn deskmate.asgi:app``."""

from deskmate.app import create_app

app = create_app()
