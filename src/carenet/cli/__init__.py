"""The ``carenet`` command."""

from carenet.cli.app import app, main

__all__ = ["app", "main"]
