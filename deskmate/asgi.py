"""ASGI entry point: ``uvicorn deskmate.asgi:app``."""

import gc

from deskmate.app import create_app

app = create_app()
# What importing and building the app made lives as long as the process: out of the cyclic
# collector's generations, later collections do not walk it again (measured in bench api).
gc.freeze()
