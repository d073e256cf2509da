"""Starting and stopping the two servers: used by `python -m bot run` and by
the end-to-end tests, so both exercise exactly the same processes."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, List, Optional, Sequence, Union

from bot.paths import REPO_ROOT

DEFAULT_MODEL = REPO_ROOT / "models" / "current.tar.gz"
LOOPBACK = "127.0.0.1"


def server_environment() -> dict:
    """No telemetry, loopback only, quiet TensorFlow start-up, cached bytecode."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST=env.get("SANIC_HOST", LOOPBACK),
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    # Let Python keep the bytecode it compiles (__pycache__, git-ignored). With
    # PYTHONDONTWRITEBYTECODE set, as many container and CI images do, and a
    # venv installed without .pyc files (uv's default), every server start
    # compiled TensorFlow and Rasa from source again: ~9 s more CPU per start
    # (docs/benchmark.md, "Where the time goes"). TensorFlow's own thread pools
    # are left at their defaults: 1 thread instead of 2 made no measurable
    # difference to latency or throughput on 2 cores.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def action_server_command(port: int = 5055) -> List[str]:
    return [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)]


def rasa_server_command(
    model: Path = DEFAULT_MODEL,
    port: int = 5005,
    endpoints: Path = REPO_ROOT / "endpoints.yml",
    cors: Sequence[str] = (),
) -> List[str]:
    command = [
        sys.executable, "-m", "rasa", "run",
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(REPO_ROOT / "credentials.yml"),
        "--interface", LOOPBACK,
        "--port", str(port),
    ]
    return command + (["--cors", *cors] if cors else [])


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    cwd: Path = REPO_ROOT
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    poll_seconds: float = field(default=0.5, repr=False)

    def start(self, output: Union[int, IO, None] = None) -> "Service":
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=server_environment(),
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            start_new_session=True,  # Ctrl-C reaches us; we stop children in order
        )
        return self

    def is_ready(self) -> bool:
        """Answers its health check; raises if the process has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with code {self.process.returncode}")
        return self.answers_health_check()

    def answers_health_check(self) -> bool:
        return is_healthy(self.health_url)

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_ready():
                return
            time.sleep(self.poll_seconds)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f} s")

    def stop(self, grace: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def free_port() -> int:
    """A port nothing listens on at the moment, on loopback."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def action_server(port: int = 5055) -> Service:
    return Service("action server", action_server_command(port), f"http://{LOOPBACK}:{port}/health")


def rasa_server(port: int = 5005, **options) -> Service:
    return Service(
        "Rasa server",
        rasa_server_command(port=port, **options),
        f"http://{LOOPBACK}:{port}/webhooks/rest/",
    )


# --- Redis, for several Rasa servers sharing conversations (bot/deploy/) ---

REDIS_SERVER = "redis-server"


@dataclass
class RedisService(Service):
    """A throwaway `redis-server` on loopback: nothing written to disk, ready
    once it answers PING."""

    poll_seconds: float = field(default=0.1, repr=False)

    def answers_health_check(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.health_url, socket_timeout=2).ping())
        except redis.RedisError:
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        super().wait_ready(timeout)


def redis_server_command(port: int, directory: Path) -> List[str]:
    import shutil

    executable = shutil.which(REDIS_SERVER)
    if executable is None:
        raise FileNotFoundError(
            f"`{REDIS_SERVER}` is not installed: `make system-deps` installs it "
            "(Debian package redis-server)"
        )
    return [
        executable,
        "--bind", LOOPBACK, "--port", str(port), "--protected-mode", "yes",
        "--dir", str(directory), "--save", "", "--appendonly", "no",
    ]


def redis_server(port: int, directory: Path) -> RedisService:
    return RedisService(
        "Redis server", redis_server_command(port, directory), f"redis://{LOOPBACK}:{port}/0"
    )
