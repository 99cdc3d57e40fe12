"""The base error for problems a user can fix: the CLI prints its message, never a traceback."""


class CarenetError(Exception):
    """An error whose message names the file, row or field at fault and what to do about it."""
