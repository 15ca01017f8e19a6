"""`ehc teams add` and `ehc teams list`."""

from __future__ import annotations

from tests.cli.test_cli import run


def test_teams_are_added_once_and_listed(sqlite_url: str) -> None:
    assert run("teams", "list", db=sqlite_url).stdout.startswith("There are no teams yet")
    added = run("teams", "add", "  North  ", db=sqlite_url)
    assert (added.returncode, added.stdout.strip()) == (0, "Added the team North")
    again = run("teams", "add", "NORTH", db=sqlite_url)
    assert again.returncode == 2
    assert again.stderr.strip() == "There is already a team called “North”"
    assert run("teams", "add", "South", db=sqlite_url).returncode == 0
    listed = run("teams", "list", db=sqlite_url).stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["North", "South"]
    assert "0 cases" in listed[0]
