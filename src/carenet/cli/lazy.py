"""Commands known by name and imported on use, so ``carenet --help`` and a mistake in the arguments answer at once.

A command module loads Rich's tables and progress bars and its own helpers. The root group lists each command
from a table of (name, module, one-line help) and imports a command's module only when that command runs, shows
its own help or is completed; ``tests/cli/test_startup.py`` holds the table to the commands the modules build.

Typer (0.29) converts each parameter's value with a pydantic TypeAdapter that it builds, importing pydantic
(0.1 s), even for a parameter the user left out, such as ``--help`` itself. The groups here give every parameter
of theirs and of the command they hand over to a converter that is built on the first value actually given, so
``--help`` and a missing argument or unknown option answer without pydantic; a value given is converted by
Typer's own adapter, as before. One mistake is worded here, without pydantic: text that is no number at all
given to a whole-number or decimal option, with the words Typer's adapter would use.
"""

from __future__ import annotations

import inspect
import types
from difflib import get_close_matches
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Union, get_args, get_origin

import typer
from typer._click.exceptions import BadParameter, UsageError  # Typer vendors click as typer._click
from typer._coercion import build_runtime_param
from typer.core import TyperGroup, _TyperParameter

if TYPE_CHECKING:
    from typing import Any

    from typer._click import Command, Context, HelpFormatter


class LazyCommand(NamedTuple):
    """A command of the root group: its name, the module whose ``register(app)`` attaches it, its one-line help."""

    name: str
    module: str
    help: str


def one_line_help(command: Command) -> str:
    """The help a command list shows for ``command``: the first paragraph of its help, on one line, uncut."""
    text = inspect.cleandoc(command.short_help or command.help or "")
    return " ".join(text.split("\n\n")[0].replace("\b", "").split())


NOT_A_NUMBER = {
    int: "Input should be a valid integer, unable to parse string as an integer",
    float: "Input should be a valid number, unable to parse string as a number",
}
"""What Typer's (pydantic's) converter says of text that is no number, by the option's type."""


def _numeric_type(annotation: Any) -> type | None:
    """``int`` or ``float`` for an option of that type (or that type or None), else None."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = kinds[0] if len(kinds) == 1 else None
    return annotation if annotation in NOT_A_NUMBER else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _OnFirstValue:
    """Stands for a parameter's Typer converter until a value comes: an absent value needs no converter, and
    text that is no number given to a numeric option is refused as Typer would refuse it."""

    def coerce(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if value is None:  # what Typer's converter returns for an absent value, without building it
            return () if param.multiple or param.nargs == -1 else None
        kind = _numeric_type(param.type_descriptor.annotation)
        if kind is not None and isinstance(value, str) and not _is_number(value):
            raise BadParameter(NOT_A_NUMBER[kind], ctx=ctx, param=param)
        param._runtime_param = build_runtime_param(param.type_descriptor)
        return param._runtime_param.coerce(value, param=param, ctx=ctx)


_ON_FIRST_VALUE = _OnFirstValue()


def convert_on_first_value(command: Command, ctx: Context) -> None:
    """Let ``command``'s parameters (``--help`` included) build their converters only when given a value."""
    for param in command.get_params(ctx):
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            param._runtime_param = _ON_FIRST_VALUE  # type: ignore[assignment]


class WholeHelpGroup(TyperGroup):
    """A group whose command list shows each command's whole one-line help, wrapped (click cuts it at the width).

    Its own parameters and those of the command it runs convert values only when given (see the module's help).
    """

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())  # on stdout, as before, and exit code 2 (click writes it to stderr)
            ctx.exit(2)
        convert_on_first_value(self, ctx)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            convert_on_first_value(command, ctx)
        return name, command, rest

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = [(name, text) for name in self.list_commands(ctx) if (text := self.listed_help(ctx, name)) is not None]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def listed_help(self, ctx: Context, name: str) -> str | None:
        """``name``'s line in the command list, or None for a hidden or unknown command."""
        command = self.get_command(ctx, name)
        return None if command is None or command.hidden else one_line_help(command)


class LazyGroup(WholeHelpGroup):
    """The root group: ``table`` names its commands; a command's module is imported when the command is needed."""

    table: ClassVar[tuple[LazyCommand, ...]] = ()

    def list_commands(self, ctx: Context) -> list[str]:
        listed = [entry.name for entry in self.table]
        return [*listed, *(name for name in self.commands if name not in listed)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands:
            entry = self._entry(cmd_name)
            if entry is not None:
                self._load(entry.module)
        return self.commands.get(cmd_name)

    def listed_help(self, ctx: Context, name: str) -> str | None:
        entry = self._entry(name)
        if entry is not None and name not in self.commands:
            return entry.help
        return super().listed_help(ctx, name)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        # Typer suggests near names among the commands already imported; suggest among all of them instead.
        suggest, self.suggest_commands = self.suggest_commands, False
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if suggest and args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise
        finally:
            self.suggest_commands = suggest

    def _entry(self, name: str) -> LazyCommand | None:
        return next((entry for entry in self.table if entry.name == name), None)

    def _load(self, module: str) -> None:
        """Import ``module``, let it register its commands on an app with this group's settings, and keep them."""
        app = typer.Typer(rich_markup_mode=self.rich_markup_mode, suggest_commands=self.suggest_commands,
                          pretty_exceptions_enable=False, add_completion=False)
        import_module(module).register(app)
        for name, command in typer.main.get_group(app).commands.items():
            self.commands.setdefault(name, command)


__all__ = ["LazyCommand", "LazyGroup", "WholeHelpGroup", "convert_on_first_value", "one_line_help"]
