"""Custom actions of the Deskmate Rasa assistant (run by the rasa-sdk action server).

`python -m rasa_sdk --actions actions` imports every module of this package; keep imports light
(no network clients or models at import time).
"""
