"""The container image and the compose file (README, "Run it for a council").

The files are checked on every run. The image itself is built, and `ehc --version` run in
it, only where a Docker daemon answers; elsewhere that test is skipped and says why.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def stages() -> list[str]:
    """The Dockerfile's stages, each from its FROM line to the next."""
    return re.split(r"^(?=FROM )", DOCKERFILE, flags=re.M)[1:]


def test_every_base_image_is_pinned_to_a_full_version() -> None:
    bases = re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.M)
    assert len(bases) == 3  # assets, build, runtime
    for base in [*bases, SERVICES["db"]["image"]]:
        assert re.search(r":\d+\.\d+(\.\d+)?-[\w-]+$", base), f"{base} is not pinned"


def test_the_runtime_runs_as_a_user_without_privileges() -> None:
    runtime = stages()[-1]
    users = re.findall(r"^USER (\S+)", runtime, flags=re.M)
    assert users and users[-1] not in ("root", "0")


def test_the_runtime_has_weasyprints_libraries_and_the_servers_client_tools() -> None:
    runtime = stages()[-1]
    assert "libpango-1.0-0" in runtime and "libpangoft2-1.0-0" in runtime
    client = re.search(r"postgresql-client-(\d+)", runtime)
    server = re.search(r"postgres:(\d+)\.", SERVICES["db"]["image"])
    assert client and server
    # pg_dump refuses a server newer than itself: `ehc backup` needs the same major version.
    assert client.group(1) == server.group(1)


def test_what_the_image_copies_exists_and_installs_from_the_lock_file() -> None:
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"COPY {path}: no such file in the project"
    assert "-c requirements.lock" in DOCKERFILE


def test_compose_runs_web_without_a_scheduler_and_one_scheduler_with_a_standby() -> None:
    web = SERVICES["web"]["command"]
    assert web[:2] == ["ehc", "serve"] and "--no-scheduler" in web
    assert int(web[web.index("--workers") + 1]) > 1
    schedulers = [name for name, s in SERVICES.items() if s.get("command") == ["ehc", "scheduler"]]
    assert sorted(schedulers) == ["scheduler", "scheduler-standby"]
    assert SERVICES["migrate"]["command"] == ["ehc", "db", "upgrade"]
    for name in ("web", *schedulers):
        service = SERVICES[name]
        assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert service["environment"]["EHC_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}


def _docker_daemon() -> str | None:
    """None when a Docker daemon answers, else why not."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no answer"])[-1]
        return f"no Docker daemon answers ({last})"
    return None


def test_the_image_builds_and_runs_ehc() -> None:
    missing = _docker_daemon()
    if missing:
        pytest.skip(f"Docker is not available here, so the image is not built: {missing}")
    tag = "ehc-engine:test"
    build = subprocess.run(
        ["docker", "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1800
    )
    assert build.returncode == 0, build.stderr[-3000:]
    run = subprocess.run(
        ["docker", "run", "--rm", tag, "ehc", "--version"], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ehc "), run.stderr
    user = subprocess.run(
        ["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True
    )
    assert user.stdout.strip() not in ("", "0")
