"""ASGI entry point: ``uvicorn deskmate.asgi:app``."""

from deskmate.app import create_app, settle_for_serving

app = create_app()
settle_for_serving()  # gc.freeze() and a less frequent cyclic collector (measured in bench api)
