"""Deskmate: an open-source conversational service desk."""

__version__ = "0.1.0"
