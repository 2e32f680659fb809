"""The command line builds only the commands a run names; the table it goes by must match
what each command module adds, or a command would be missing from its own run."""

from __future__ import annotations

import pytest
import typer

from entrypoints.cli.main import COMMANDS, build_app


def names(app: typer.Typer) -> set[str]:
    return set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_whole_application_has_exactly_the_commands_of_the_table() -> None:
    assert names(build_app()) == {name for listed in COMMANDS.values() for name in listed}


@pytest.mark.parametrize("module", list(COMMANDS))
def test_naming_a_command_builds_its_module_only(module: str) -> None:
    for name in COMMANDS[module]:
        assert names(build_app([name, "--json"])) == set(COMMANDS[module])
        assert names(build_app(["--verbose", name])) == set(COMMANDS[module])


def test_help_version_and_unknown_names_build_everything() -> None:
    everything = names(build_app())
    for args in ([], ["--help"], ["--version"], ["shwo", "x"]):
        assert names(build_app(args)) == everything
