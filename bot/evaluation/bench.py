"""`make bench`: latency, throughput, start-up, memory and training time, next
to a stock `rasa init` assistant measured by the same harness in the same run.

Everything is real: both assistants are trained here (`rasa train` into a
temporary directory, with an empty Rasa cache so nothing is reused; the model
in models/ is not touched), served as real processes (bot.services: our action
server and Rasa server; the stock assistant needs no action server), and
spoken to over the REST channel, `POST /webhooks/rest/webhook`, whichever
class implements it. The message mix is fixed (bench_messages.yml): every
benchmark conversation sends a whole script under its own sender id. After a
warm-up, the same harness runs one conversation at a time and then 16
conversations at once.

Writes docs/benchmark.md (its hand-written part, below the marker line, is
kept) and results/bench/bench.json, and prints the summary. A benchmark: it
reports figures and targets, it never asserts them; it exits non-zero only if
the benchmark itself could not run.

    python -m bot.evaluation.bench               # the full run, as `make bench`
    python -m bot.evaluation.bench --skip-train  # serve models/current.tar.gz and
                                                 # an earlier stock model; reuse the
                                                 # training times of the last run
"""
import argparse
import asyncio
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import aiohttp

from bot.paths import PACKAGE_DIR, REPO_ROOT
from bot.services import (
    DEFAULT_MODEL,
    LOOPBACK,
    Service,
    action_server,
    free_port,
    rasa_server,
    server_environment,
)
from bot.yaml_files import read_yaml

MESSAGES = PACKAGE_DIR / "evaluation" / "bench_messages.yml"
REPORT = REPO_ROOT / "docs" / "benchmark.md"
RESULTS = REPO_ROOT / "results" / "bench"
STOCK_MODEL_KEEP = RESULTS / "stock-model.tar.gz"   # for --skip-train iterations
HAND_WRITTEN = "<!-- Everything below this line is hand-written; bench.py keeps it. -->"

WARMUP_CONVERSATIONS = 2        # sequential, not measured
SEQUENTIAL_CONVERSATIONS = 4    # one at a time
CONCURRENCY = 16
CONCURRENT_CONVERSATIONS = 16   # all at once
REQUEST_TIMEOUT = 60.0
READY_TIMEOUT = 300.0
POLL = 0.05                     # seconds between readiness probes

# Targets for these 2-core machines (the issue): ours, not the stock assistant's.
TARGET_P95_ONE_MS = 80.0
TARGET_THROUGHPUT_16 = 50.0
TARGET_READY_S = 30.0
TARGET_RASA_RSS_MB = 1024.0


# ---------------------------------------------------------------- processes

def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_tree(pid: int) -> List[int]:
    """The process and all its descendants, from the parent ids in /proc."""
    parents: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its children (/proc/<pid>/stat)."""
    ticks = 0
    for member in process_tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> Dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), summed over the tree."""
    pids = process_tree(pid)
    return {
        "rss_mb": sum(_status_kb(p, "VmRSS") for p in pids) / 1024,
        "peak_mb": sum(_status_kb(p, "VmHWM") for p in pids) / 1024,
        "processes": len(pids),
    }


def start(service: Service, log: Path) -> float:
    """Starts the service with its output into `log`; returns its start time."""
    started = time.monotonic()
    with open(log, "wb") as output:
        service.start(output)
    return started


def wait_ready(services: List[Tuple[Service, float]], logs: List[Path]) -> Dict[str, float]:
    """Seconds from each process start to its first healthy answer."""
    ready: Dict[str, float] = {}
    deadline = time.monotonic() + READY_TIMEOUT
    while len(ready) < len(services):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {READY_TIMEOUT:.0f} s: see {logs}")
        for service, started in services:
            if service.name in ready:
                continue
            try:
                if service.is_ready():
                    ready[service.name] = time.monotonic() - started
            except RuntimeError as exited:
                raise RuntimeError(f"{exited}: see {logs}") from exited
        time.sleep(POLL)
    return ready


# ---------------------------------------------------------------- training

def train(project: Path, out: Path, name: str, log: Path) -> float:
    """Seconds for `rasa train` of the project in `project`, with an empty cache."""
    cache = out / f"cache-{name}"
    env = server_environment()
    env["RASA_CACHE_DIRECTORY"] = str(cache)   # nothing reused from earlier trainings
    started = time.monotonic()
    with open(log, "wb") as output:
        result = subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--fixed-model-name", name, "--out", str(out)],
            cwd=project, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    seconds = time.monotonic() - started
    if result.returncode != 0 or not (out / f"{name}.tar.gz").exists():
        raise RuntimeError(f"`rasa train` of {project} failed: see {log}")
    shutil.rmtree(cache, ignore_errors=True)
    return seconds


def create_stock_project(directory: Path) -> None:
    """The project `rasa init --no-prompt` creates, without its training step
    (trained by `train` instead, to be timed like ours): a copy of Rasa's
    scaffold directory, as rasa.cli.scaffold.create_initial_project makes it
    (found without importing Rasa, which takes seconds)."""
    spec = importlib.util.find_spec("rasa")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Rasa is not installed")
    scaffold = Path(list(spec.submodule_search_locations)[0]) / "cli" / "initial_project"
    if not (scaffold / "config.yml").exists():
        raise RuntimeError(f"no `rasa init` scaffold at {scaffold}")
    shutil.copytree(scaffold, directory)


# ---------------------------------------------------------------- load

@dataclass
class Phase:
    conversations: int
    concurrency: int
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    empty_replies: int = 0
    wall_s: float = 0.0
    first_error: str = ""
    slowest: Tuple[float, str] = (0.0, "")

    @property
    def messages(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, q: float) -> float:
        """Linear interpolation between closest ranks (numpy's default)."""
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        position = (len(data) - 1) * q / 100
        low = int(position)
        high = min(low + 1, len(data) - 1)
        return data[low] + (data[high] - data[low]) * (position - low)

    def summary(self) -> Dict[str, float]:
        return {
            "messages": self.messages, "conversations": self.conversations,
            "concurrency": self.concurrency, "errors": self.errors,
            "empty_replies": self.empty_replies, "wall_s": self.wall_s,
            "throughput": self.messages / self.wall_s if self.wall_s else float("nan"),
            "p50_ms": self.percentile(50), "p95_ms": self.percentile(95),
            "p99_ms": self.percentile(99), "max_ms": max(self.latencies_ms, default=float("nan")),
            "first_error": self.first_error,
        }


async def _conversation(
    session: aiohttp.ClientSession, url: str, sender: str, script: List[str], phase: Phase
) -> None:
    for text in script:
        started = time.perf_counter()
        problem = ""
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.read()
                if response.status != 200:
                    problem = f"HTTP {response.status} for {text!r}: {body[:200]!r}"
                else:
                    replies = json.loads(body)
                    if not isinstance(replies, list):
                        problem = f"not a list of replies for {text!r}: {body[:200]!r}"
                    elif not replies:
                        phase.empty_replies += 1
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            problem = f"{type(error).__name__} for {text!r}: {error}"
        elapsed = (time.perf_counter() - started) * 1000
        phase.latencies_ms.append(elapsed)
        phase.slowest = max(phase.slowest, (elapsed, text))
        if problem:
            phase.errors += 1
            phase.first_error = phase.first_error or problem


async def _drive(url: str, script: List[str], conversations: int, concurrency: int, tag: str) -> Phase:
    phase = Phase(conversations, concurrency)
    queue: asyncio.Queue = asyncio.Queue()
    for number in range(conversations):
        queue.put_nowait(f"bench-{tag}-{number}-{uuid.uuid4().hex[:8]}")
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def worker() -> None:
            while not queue.empty():
                await _conversation(session, url, queue.get_nowait(), script, phase)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.wall_s = time.perf_counter() - started
    return phase


def drive(url: str, script: List[str], conversations: int, concurrency: int, tag: str) -> Phase:
    return asyncio.run(_drive(url, script, conversations, concurrency, tag))


def first_reply_ms(url: str, text: str) -> float:
    """The very first message after ready: what the first person waits."""
    return drive(url, [text], 1, 1, "first").latencies_ms[0]


# ---------------------------------------------------------------- one assistant

@dataclass
class Assistant:
    name: str
    services: List[Service]      # the Rasa server first
    script: List[str]
    url: str


def measure(assistant: Assistant, logs: Path) -> Dict:
    log_files = [logs / f"{assistant.name}-{i}.log" for i in range(len(assistant.services))]
    try:
        started = [(service, start(service, log)) for service, log in zip(assistant.services, log_files)]
        ready = wait_ready(started, log_files)
        rasa = assistant.services[0]
        print(f"  {assistant.name}: ready in {max(ready.values()):.1f} s", flush=True)
        startup_cpu = {s.name: cpu_seconds(s.process.pid) for s in assistant.services}
        idle = {s.name: memory_mb(s.process.pid) for s in assistant.services}
        first = first_reply_ms(assistant.url, assistant.script[0])
        # The first conversation after start meets every lazy start-up cost left.
        cold = drive(assistant.url, assistant.script, 1, 1, "cold")
        drive(assistant.url, assistant.script, WARMUP_CONVERSATIONS - 1, 1, "warmup")
        phases = {}
        for key, conversations, concurrency in (
            ("one", SEQUENTIAL_CONVERSATIONS, 1), ("many", CONCURRENT_CONVERSATIONS, CONCURRENCY)
        ):
            before = {s.name: cpu_seconds(s.process.pid) for s in assistant.services}
            load_before = os.getloadavg()[0]
            phase = drive(assistant.url, assistant.script, conversations, concurrency, key)
            phases[key] = phase.summary()
            phases[key]["cpu_ms_per_message"] = {
                s.name: (cpu_seconds(s.process.pid) - before[s.name]) * 1000 / max(phase.messages, 1)
                for s in assistant.services
            }
            phases[key]["load_average"] = max(load_before, os.getloadavg()[0])
            print(f"  {assistant.name}: {concurrency} conversation(s) at once: "
                  f"p95 {phase.percentile(95):.0f} ms, {phases[key]['throughput']:.1f} msg/s, "
                  f"{phase.errors} errors", flush=True)
        loaded = {s.name: memory_mb(s.process.pid) for s in assistant.services}
        return {
            "ready_s": ready, "ready_all_s": max(ready.values()),
            "startup_cpu_s": startup_cpu,
            "first_reply_ms": first,
            "cold_slowest_ms": cold.slowest[0], "cold_slowest_text": cold.slowest[1],
            "cold_errors": cold.errors,
            **phases,
            "memory_idle": idle, "memory_loaded": loaded,
            "rasa_server": rasa.name,
        }
    finally:
        for service in assistant.services:
            service.stop()


# ---------------------------------------------------------------- report

def machine() -> Dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "-"

    memory = _status_kb_meminfo()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "memory": f"{memory / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(),
        "rasa": version("rasa"), "rasa-sdk": version("rasa-sdk"),
        "tensorflow": version("tensorflow") if version("tensorflow") != "-" else version("tensorflow-cpu"),
        "spacy": version("spacy"), "sanic": version("sanic"),
    }


def _status_kb_meminfo() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _fmt(value: Optional[float], digits: int = 0) -> str:
    if value is None or value != value:   # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


@dataclass
class Row:
    figure: str
    ours: Optional[float]
    stock: Optional[float]
    digits: int = 0
    target: str = ""
    passes: Optional[Callable[[float], bool]] = None

    def cells(self) -> List[str]:
        ratio = "-"
        if self.ours is not None and self.stock not in (None, 0) and self.stock == self.stock:
            ratio = f"{self.ours / self.stock:.2f}"
        verdict = ""
        if self.passes is not None and self.ours is not None:
            verdict = "pass" if self.passes(self.ours) else "**FAIL**"
        return [self.figure, _fmt(self.ours, self.digits), _fmt(self.stock, self.digits),
                ratio, self.target, verdict]


def rows(results: Dict) -> List[Row]:
    ours, stock = results["ours"], results["stock"]

    def both(getter: Callable[[Dict], Optional[float]]) -> Tuple[Optional[float], Optional[float]]:
        def safe(side: Dict) -> Optional[float]:
            try:
                return getter(side)
            except (KeyError, TypeError):
                return None
        return safe(ours), safe(stock)

    def rasa_memory(side: Dict, when: str, key: str) -> float:
        return side[when][side["rasa_server"]][key]

    def action_memory(side: Dict, when: str, key: str) -> Optional[float]:
        others = [m for name, m in side[when].items() if name != side["rasa_server"]]
        return others[0][key] if others else None

    def others(by_process: Dict[str, float], side: Dict) -> Optional[float]:
        values = [v for name, v in by_process.items() if name != side["rasa_server"]]
        return values[0] if values else None

    def actions_ready(side: Dict) -> Optional[float]:
        return others(side["ready_s"], side)

    table = []
    for phase, label in (("one", "1 conversation"), ("many", f"{CONCURRENCY} conversations")):
        for q in ("p50", "p95", "p99"):
            target, check = "", None
            if phase == "one" and q == "p95":
                target, check = f"<= {TARGET_P95_ONE_MS:.0f}", lambda v: v <= TARGET_P95_ONE_MS
            table.append(Row(f"latency {q}, {label} (ms)", *both(lambda s: s[phase][f"{q}_ms"]),
                             0, target, check))
        target, check = "", None
        if phase == "many":
            target, check = f">= {TARGET_THROUGHPUT_16:.0f}", lambda v: v >= TARGET_THROUGHPUT_16
        table.append(Row(f"throughput, {label} (msg/s)", *both(lambda s: s[phase]["throughput"]),
                         1, target, check))
        table.append(Row(f"errors, {label} (of {ours[phase]['messages']} messages)",
                         *both(lambda s: s[phase]["errors"]), 0, "0", lambda v: v == 0))
        table.append(Row(f"CPU per message, Rasa server, {label} (ms)",
                         *both(lambda s: s[phase]["cpu_ms_per_message"][s["rasa_server"]]), 1))
        table.append(Row(f"CPU per message, action server, {label} (ms)",
                         *both(lambda s: others(s[phase]["cpu_ms_per_message"], s)), 1))
    table += [
        Row("time from start to ready, Rasa server (s)",
            *both(lambda s: s["ready_s"][s["rasa_server"]]), 1),
        Row("time from start to ready, action server (s)", *both(actions_ready), 1),
        Row("time from start to ready, whole assistant (s)", *both(lambda s: s["ready_all_s"]), 1,
            f"<= {TARGET_READY_S:.0f}", lambda v: v <= TARGET_READY_S),
        Row("CPU from start to ready, Rasa server (s)",
            *both(lambda s: s["startup_cpu_s"][s["rasa_server"]]), 1),
        Row("CPU from start to ready, action server (s)",
            *both(lambda s: others(s["startup_cpu_s"], s)), 1),
        Row("first reply after ready (ms)", *both(lambda s: s["first_reply_ms"]), 0),
        Row("slowest reply of the first conversation after ready (ms)",
            *both(lambda s: s["cold_slowest_ms"]), 0),
        Row("resident memory, Rasa server, idle after start (MB)",
            *both(lambda s: rasa_memory(s, "memory_idle", "rss_mb")), 0),
        Row("resident memory, Rasa server, after the load (MB)",
            *both(lambda s: rasa_memory(s, "memory_loaded", "rss_mb")), 0),
        Row("resident memory, Rasa server, peak (MB)",
            *both(lambda s: rasa_memory(s, "memory_loaded", "peak_mb")), 0,
            f"<= {TARGET_RASA_RSS_MB:.0f}", lambda v: v <= TARGET_RASA_RSS_MB),
        Row("resident memory, action server, after the load (MB)",
            *both(lambda s: action_memory(s, "memory_loaded", "rss_mb")), 0),
        Row("resident memory, action server, peak (MB)",
            *both(lambda s: action_memory(s, "memory_loaded", "peak_mb")), 0),
        Row("training time, `rasa train` with an empty cache (s)",
            *both(lambda s: s["training_s"]), 0),
    ]
    return table


def markdown(results: Dict) -> str:
    info = results["machine"]
    ours, stock = results["ours"], results["stock"]
    lines = [
        "# Benchmark",
        "",
        f"Produced by `make bench` (`python -m bot.evaluation.bench`) on {info['date']}. "
        f"**All figures come from one run on one {info['nproc']}-core machine**, our assistant "
        "and the stock one measured one after the other by the same harness; other work on the "
        "machine at the same time shows up in them, so treat differences of a few percent as noise.",
        "",
        "*Ours* is this assistant: our action server and Rasa server (bot/services.py), our "
        "tracker store, the model trained from `config.yml` in this run. *Stock* is the assistant "
        "`rasa init` creates, trained and served by the benchmark with the same Rasa, the same "
        "environment (`bot.services.server_environment`) and the same harness; it has no custom "
        "actions, so no action server. The ratio is ours / stock. Targets apply to ours.",
        "",
        "| figure | ours | stock | ours / stock | target | |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows(results):
        lines.append("| " + " | ".join(row.cells()) + " |")
    notes = [
        "",
        "How it is measured:",
        "",
        f"- The message mix is fixed (`bot/evaluation/bench_messages.yml`): each conversation sends "
        f"one whole script of {len(results['scripts']['ours'])} messages under its own sender id. "
        "Ours: greeting, four topic questions, two FAQs, two behaviour checks, the self-check quiz "
        "(start, five answers of which three are buttons, stop), a crisis message, thanks, an "
        f"out-of-scope question, goodbye. Stock: {len(results['scripts']['stock'])} messages of its own intents (greet, "
        "moods, affirm, deny, bot challenge, goodbye). Twenty, because our REST channel allows "
        "a sender 20 messages in 10 s (`credentials.yml`) and answers more with 429, which would "
        "count as errors here; a person typing never comes near it.",
        f"- Requests go to `POST /webhooks/rest/webhook` (aiohttp client, in the benchmark's own "
        f"process on the same machine). After the first reply and a warm-up of "
        f"{WARMUP_CONVERSATIONS} conversations, *1 conversation* is {SEQUENTIAL_CONVERSATIONS} "
        f"conversations one after the other ({ours['one']['messages']} messages), and "
        f"*{CONCURRENCY} conversations* is {CONCURRENT_CONVERSATIONS} conversations, "
        f"{CONCURRENCY} at a time, each sending its next message as soon as the last reply "
        f"came ({ours['many']['messages']} messages). Latency is from sending a message to "
        "receiving all its replies; throughput is messages answered / wall-clock time of the phase.",
        "- An error is a transport failure, a timeout "
        f"({REQUEST_TIMEOUT:.0f} s), a status other than 200 or a body that is not a list of "
        f"replies. Empty replies (200 and `[]`) are not errors: ours "
        f"{ours['one']['empty_replies'] + ours['many']['empty_replies']}, stock "
        f"{stock['one']['empty_replies'] + stock['many']['empty_replies']}.",
        "- CPU per message: user + system CPU time the process (and its children) used during "
        "the phase, divided by the messages: what a message costs, however busy the machine "
        "was. The Rasa server answers on one event loop, so one core caps its throughput at "
        "about 1000 / (its CPU per message) messages per second.",
        "- Load on the machine: the 1-minute load average during the load phases reached "
        + ", ".join(
            f"{max(side[p].get('load_average', 0) for p in ('one', 'many')):.1f} ({name})"
            for name, side in (("ours", ours), ("stock", stock)) if "one" in side
        )
        + f" on {info['nproc']} cores; the benchmark's own client and servers count in it, "
        "anything else running at the time too.",
        f"- The first conversation after ready is the first of the warm-up; its slowest reply "
        f"(ours: {ours.get('cold_slowest_text', '-')!r}; stock: "
        f"{stock.get('cold_slowest_text', '-')!r}) shows what is still built on first use.",
        "- Ready: from starting the process to its first healthy answer (Rasa server: "
        "`GET /webhooks/rest/`, which answers once the model is loaded; action server: "
        "`GET /health`), both servers started together as `make run` does.",
        "- Resident memory: VmRSS (and VmHWM for the peak) from `/proc/<pid>/status`, summed "
        "over the process and its children, read after start and after the load.",
        "- Training: `rasa train --fixed-model-name ... --out <temporary directory>` with an empty "
        "`RASA_CACHE_DIRECTORY`, so nothing is reused from an earlier training."
        + (" Training times in this report were reused from an earlier run (`--skip-train`)."
           if results.get("training_reused") else ""),
        "",
        "Machine: " + ", ".join(
            f"{key} {info[key]}" for key in ("nproc", "cpu", "memory", "os")
        ) + ". Versions: " + ", ".join(
            f"{key} {info[key]}"
            for key in ("python", "rasa", "rasa-sdk", "tensorflow", "spacy", "sanic")
        ) + ".",
        "",
    ]
    return "\n".join(lines + notes)


def write_report(results: Dict) -> str:
    generated = markdown(results)
    kept = ""
    if REPORT.exists():
        previous = REPORT.read_text()
        if HAND_WRITTEN in previous:
            kept = previous[previous.index(HAND_WRITTEN) + len(HAND_WRITTEN):]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(generated + "\n" + HAND_WRITTEN + (kept or "\n"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2))
    return generated


def summary(results: Dict) -> str:
    table = [["figure", "ours", "stock", "ours/stock", "target", ""]]
    table += [row.cells() for row in rows(results)]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip() for r in table
    )


# ---------------------------------------------------------------- main

def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--skip-train", action="store_true",
        help="serve models/current.tar.gz (and the stock model of an earlier run) and reuse "
             "the training times of results/bench/bench.json",
    )
    parser.add_argument("--only", choices=("ours", "stock"), help="measure one assistant")
    args = parser.parse_args(argv)

    scripts = read_yaml(MESSAGES)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    previous = {}
    if (RESULTS / "bench.json").exists():
        previous = json.loads((RESULTS / "bench.json").read_text())
    results: Dict = {"machine": machine(), "scripts": scripts,
                     "training_reused": args.skip_train, "ours": {}, "stock": {}}
    stock_dir = work / "stock"
    try:
        print("creating the stock assistant (rasa init's project)", flush=True)
        create_stock_project(stock_dir)
        if args.skip_train:
            our_model, stock_model = DEFAULT_MODEL, STOCK_MODEL_KEEP
            for side in ("ours", "stock"):
                results[side]["training_s"] = previous.get(side, {}).get("training_s")
            if not our_model.exists() or (args.only != "ours" and not stock_model.exists()):
                raise RuntimeError("--skip-train needs models/current.tar.gz and an earlier full run")
        else:
            our_model, stock_model = work / "models" / "bench.tar.gz", stock_dir / "models" / "stock.tar.gz"
            print("training ours (rasa train, empty cache)...", flush=True)
            results["ours"]["training_s"] = train(REPO_ROOT, work / "models", "bench", logs / "train-ours.log")
            print(f"  {results['ours']['training_s']:.0f} s", flush=True)
            print("training stock (rasa train, empty cache)...", flush=True)
            results["stock"]["training_s"] = train(stock_dir, stock_dir / "models", "stock", logs / "train-stock.log")
            print(f"  {results['stock']['training_s']:.0f} s", flush=True)
            shutil.copyfile(stock_model, STOCK_MODEL_KEEP)

        if args.only != "stock":
            actions_port, rasa_port = free_port(), free_port()
            endpoints = work / "endpoints.yml"
            endpoints.write_text((REPO_ROOT / "endpoints.yml").read_text().replace(
                "127.0.0.1:5055", f"{LOOPBACK}:{actions_port}"))
            rasa = rasa_server(port=rasa_port, model=our_model, endpoints=endpoints)
            print("serving ours...", flush=True)
            results["ours"].update(measure(Assistant(
                "ours", [rasa, action_server(actions_port)], scripts["ours"],
                f"http://{LOOPBACK}:{rasa_port}/webhooks/rest/webhook"), logs))

        if args.only != "ours":
            port = free_port()
            stock = Service(
                "stock Rasa server",
                [sys.executable, "-m", "rasa", "run", "--model", str(stock_model),
                 "--endpoints", str(stock_dir / "endpoints.yml"),
                 "--credentials", str(stock_dir / "credentials.yml"),
                 "--interface", LOOPBACK, "--port", str(port)],
                f"http://{LOOPBACK}:{port}/webhooks/rest/",
                cwd=stock_dir,
            )
            print("serving stock...", flush=True)
            results["stock"].update(measure(Assistant(
                "stock", [stock], scripts["stock"],
                f"http://{LOOPBACK}:{port}/webhooks/rest/webhook"), logs))
    except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError) as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if args.only:
        print(json.dumps(results[args.only], indent=2))
        return 0
    write_report(results)
    print()
    print(summary(results))
    print(f"\nwritten to {REPORT.relative_to(REPO_ROOT)} and "
          f"{(RESULTS / 'bench.json').relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
