"""Mistakes and expected failures end in a plain message and the documented exit code.

None of these commands needs Prefect, so the CLI runs without a Prefect server.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from tests.fixtures.cli import Cli, CliResult

NO_PREFECT = "http://127.0.0.1:9/api"


@pytest.fixture
def cli(evidence_home: Path) -> Cli:
    return Cli(evidence_home, NO_PREFECT, {})


def _no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", ".", "--bogus"],
        ["list", "--limit", "many"],
        ["get", "abcdef"],
        ["case", "create"],
        ["no-such-command"],
    ],
)
def test_a_usage_mistake_shows_the_usage_and_exits_2(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    _no_traceback(result)
    assert "Usage:" in result.stderr


def test_version_prints_the_package_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"evidence {version('bwv-evidence')}"


def test_a_setting_that_cannot_be_used_is_a_configuration_error_naming_it(cli: Cli) -> None:
    cli.env["EVIDENCE_S3_RETRIES"] = "11"
    cli.env["evidence_prefect_server"] = "nope"
    result = cli("show", "0123")
    assert result.returncode == 6, result.stderr
    assert "EVIDENCE_S3_RETRIES='11': Input should be less than or equal to 10" in result.stderr
    assert "EVIDENCE_PREFECT_SERVER='nope'" in result.stderr
    _no_traceback(result)


@pytest.mark.parametrize(
    "url",
    ["mysql://user@127.0.0.1/evidence", "nosuchdb://x/y", "postgresql+psycopg2://u@h/db"],
)
def test_an_unsupported_database_url_is_a_configuration_error(cli: Cli, url: str) -> None:
    cli.env["EVIDENCE_DATABASE_URL"] = url
    result = cli("list")
    assert result.returncode == 6, result.stderr
    _no_traceback(result)
    assert "EVIDENCE_DATABASE_URL" in result.stderr


def test_a_database_that_is_down_is_a_storage_error(cli: Cli) -> None:
    cli.env["EVIDENCE_DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:9/evidence"
    result = cli("list")
    assert result.returncode == 8, result.stderr
    _no_traceback(result)
    assert "not reachable" in result.stderr


def test_a_home_that_cannot_be_made_is_a_clean_storage_error(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cli.env["EVIDENCE_HOME"] = str(blocker / "home")
    result = cli("list")
    assert result.returncode == 8, result.stderr
    _no_traceback(result)
    assert str(blocker) in result.stderr
