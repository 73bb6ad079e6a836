"""Start the Dagster UI on a free port, query its GraphQL API and screenshot pages in headless Chromium.

Used by the browser test and by `risk-assets screenshots`, which regenerates the README's images.
`dagster dev` is started in its own process group with default signal handlers restored (a
background process may otherwise ignore SIGINT/SIGTERM) and is stopped by its own PID.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from risk_assets.lib.home import PROJECT_ROOT

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


LOCATIONS_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""

ASSET_QUERY = """query Asset($key: AssetKeyInput!) { assetOrError(assetKey: $key) {
  __typename ... on AssetNotFoundError { message }
  ... on Asset {
    assetMaterializations(limit: 1) { runId metadataEntries { __typename label
      ... on MarkdownMetadataEntry { mdStr } ... on FloatMetadataEntry { floatValue }
      ... on IntMetadataEntry { intValue } ... on TextMetadataEntry { text } ... on PathMetadataEntry { path }
      ... on JsonMetadataEntry { jsonString } } }
    definition { description groupName kinds isMaterializable
      owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
      metadataEntries { __typename label ... on TableSchemaMetadataEntry { schema { columns { name description } } } }
      assetChecksOrError { __typename ... on AssetChecks { checks { name description blocking
        executionForLatestMaterialization { status evaluation { success severity metadataEntries { label } } } } } } } } } }"""


SENSOR_TICKS_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
  ... on RepositoryLocation { repositories { sensors { name sensorState { status
    ticks(limit: 1) { status timestamp runIds } } } } } } } } } }"""

ACTIVE_RUNS_QUERY = """{ runsOrError(filter: {statuses: [QUEUED, NOT_STARTED, STARTING, STARTED, CANCELING]}) {
  ... on Runs { results { runId jobName status } } } }"""


def unsettled(sensors: list[dict], active_runs: list[dict], since: float) -> str:
    """What the instance is still doing, in words, or '' once it is settled: no run queued or in
    progress, and every running sensor has finished a tick that started at or after `since` (the
    UI's start, or the last moment a run was seen in progress, whose end the sensors then evaluate).

    `sensors` are the UI's sensors (`name`, `sensorState` with `status` and its latest `ticks`),
    `active_runs` its runs not yet ended (`runId`, `jobName`, `status`)."""
    if active_runs:
        return "runs not ended: " + ", ".join(f"{r['runId'][:8]} ({r['jobName']}, {r['status']})" for r in active_runs)
    waiting = []
    for sensor in sensors:
        state = sensor.get("sensorState") or {}
        if state.get("status") != "RUNNING":
            continue
        ticks = state.get("ticks") or []
        if not ticks or ticks[0]["status"] == "STARTED" or ticks[0]["timestamp"] < since:
            waiting.append(sensor["name"])
    return f"sensors yet to tick: {', '.join(waiting)}" if waiting else ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium_path() -> str | None:
    """Path of a Chromium binary (Debian's `chromium` package), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _restore_default_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


class DagsterUI:
    """A running `dagster dev` serving the workspace at `base_url`."""

    def __init__(self, process: subprocess.Popen, base_url: str, log_path: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log_path = log_path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """POST a GraphQL query; returns `data`.

        Raises:
            RuntimeError: the API answered with errors (they are in the message).
        """
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def wait_for_code_locations(self, timeout_s: float = 180.0) -> list[str]:
        """Wait until every code location has finished loading; returns their names.

        `dagster dev` answers GraphQL before the code server has loaded the definitions, and a page
        captured then shows an empty graph.

        Raises:
            RuntimeError: a code location failed to load (its Python error is in the message).
            TimeoutError: still loading after `timeout_s`.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            data = self.graphql(LOCATIONS_QUERY)["workspaceOrError"]
            entries = data.get("locationEntries") or []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [f"{e['name']}: {e['locationOrLoadError']['message']}" for e in entries
                          if (e["locationOrLoadError"] or {}).get("__typename") == "PythonError"]
                if errors:
                    raise RuntimeError("code location failed to load: " + "\n".join(errors))
                return [e["name"] for e in entries]
            if time.monotonic() > deadline:
                raise TimeoutError(f"code locations still loading after {timeout_s:.0f} s: {entries}")
            time.sleep(1)

    def wait_until_settled(self, since: float, timeout_s: float = 900.0, poll_s: float = 2.0) -> None:
        """Wait until the instance is settled (`unsettled`): each running sensor has ticked since
        `since` (a Unix time) and every run its ticks launched has ended, so a page captured then shows
        the lake, not a run refreshing it.

        Raises:
            TimeoutError: not settled after `timeout_s`; what it still waited for is in the message.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            workspace = self.graphql(SENSOR_TICKS_QUERY)["workspaceOrError"]
            sensors = [sensor for entry in workspace.get("locationEntries", [])
                       for repo in (entry["locationOrLoadError"] or {}).get("repositories", [])
                       for sensor in repo["sensors"]]
            runs = self.graphql(ACTIVE_RUNS_QUERY)["runsOrError"].get("results") or []
            if runs:
                since = time.time()  # the sensors evaluate the lake again once these runs have ended
            waiting = unsettled(sensors, runs, since)
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the instance did not settle within {timeout_s:.0f} s: {waiting}")
            time.sleep(poll_s)

    def asset(self, key: str) -> dict:
        """The asset `key` as the UI sees it: definition (description, group, kinds, owners, checks
        with their latest execution) and its latest materialization's metadata entries.

        Raises:
            LookupError: the UI does not know the asset.
        """
        data = self.graphql(ASSET_QUERY, {"key": {"path": key.split("/")}})["assetOrError"]
        if data["__typename"] != "Asset":
            raise LookupError(f"the UI has no asset {key!r}: {data.get('message', data['__typename'])}")
        return data

    def capture(self, path: str, out: Path, click: str | None = None, ready: str | None = None,
                width: int = 1600, height: int = 1000, timeout_s: float = 60.0) -> Path:
        """Open `base_url + path` in headless Chromium, wait until the page shows the text `ready`
        (when given), click the element whose whole text is `click` (e.g. "Show Markdown", to open a
        model card, shown from its top) and save a PNG.

        Raises:
            FileNotFoundError: no Chromium is installed.
            LookupError: `ready` or `click` text did not appear within `timeout_s`.
        """
        out.parent.mkdir(parents=True, exist_ok=True)
        browser = _DevTools(width, height)
        try:
            browser.call("Page.enable")
            browser.call("Page.navigate", {"url": f"{self.base_url}{path}"})
            if ready and not browser.wait_for(f"document.body.innerText.includes({json.dumps(ready)})", timeout_s):
                raise LookupError(f"no text {ready!r} on {path} after {timeout_s:.0f} s")
            if click:
                if not browser.wait_for(_text_element(click), timeout_s):
                    raise LookupError(f"nothing to click with text {click!r} on {path} after {timeout_s:.0f} s")
                browser.evaluate(f"({_text_element(click)}).click(), true")
            time.sleep(3)  # let the graph layout and dialogs settle before the capture
            if click:
                # the opened dialog focuses its Close button, which scrolls a dialog taller than the
                # window to its end (or wherever its images left it): show it from its title instead
                browser.evaluate(_SCROLL_DIALOGS_TO_TOP)
                time.sleep(0.5)
            data = browser.call("Page.captureScreenshot", {"format": "png"})["data"]
        finally:
            browser.close()
        out.write_bytes(base64.b64decode(data))
        return out

    def screenshot(self, path: str, out: Path, width: int = 1600, height: int = 1000, wait_ms: int = 20000) -> Path:
        """Render `base_url + path` in headless Chromium and save a PNG at `out`.

        Raises:
            FileNotFoundError: no Chromium is installed (Debian package `chromium`).
            RuntimeError: Chromium did not write the file.
        """
        binary = chromium_path()
        if binary is None:
            raise FileNotFoundError("no chromium on PATH: apt-get install chromium")
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            command = [
                binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--virtual-time-budget={wait_ms}",
                f"--screenshot={out}",
                f"{self.base_url}{path}",
            ]
            subprocess.run(command, capture_output=True, timeout=180, check=False)
        if not out.exists() or out.stat().st_size == 0:
            raise RuntimeError(f"chromium wrote no screenshot of {path} to {out}")
        return out


class _DevTools:
    """A headless Chromium driven over the DevTools protocol: navigate, click by text, capture."""

    def __init__(self, width: int, height: int) -> None:
        binary = chromium_path()
        if binary is None:
            raise FileNotFoundError("no chromium on PATH: apt-get install chromium")
        self._profile = tempfile.TemporaryDirectory()
        self.process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as response:
            page = next(t for t in json.loads(response.read()) if t["type"] == "page")
        from websockets.sync.client import connect

        self._ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._next_id = 0
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method: str, params: dict | None = None) -> dict:
        """Send one DevTools command and return its result (events in between are skipped)."""
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self._ws.recv(timeout=120))
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"DevTools {method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str) -> object:
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float) -> bool:
        """Poll a JavaScript expression until it is truthy; False after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(f"!!({expression})"):
                return True
            time.sleep(0.5)
        return False

    def close(self) -> None:
        if getattr(self, "_ws", None) is not None:
            self._ws.close()
        _stop(self.process)
        self._profile.cleanup()


_SCROLL_DIALOGS_TO_TOP = "[...document.querySelectorAll('*')].forEach(e => { if (e.scrollTop) e.scrollTop = 0; }), true"
"""JavaScript: scroll everything scrolled back to its top (a dialog's overlay is one of them; the
page under it was opened at its top and not scrolled by anyone else)."""


def _text_element(text: str) -> str:
    """JavaScript: the innermost visible element whose text is `text` (case-insensitive), or null."""
    wanted = json.dumps(text.lower())
    return (
        "[...document.querySelectorAll('button, a, span, div')].filter(e => e.offsetParent !== null && "
        f"e.textContent.trim().replace(/^\\[|\\]$/g, '').toLowerCase() === {wanted}).pop() || null"
    )


@contextmanager
def dagster_ui(env: dict[str, str] | None = None, timeout_s: float = 120.0) -> Iterator[DagsterUI]:
    """Run `dagster dev -w workspace.yaml` on a free port until the block exits.

    `env` is added to the current environment (set RISK_HOME and DAGSTER_HOME there).

    Raises:
        TimeoutError: the UI did not answer within `timeout_s`; the log's tail is in the message.
    """
    port = free_port()
    dagster = Path(sys.executable).parent / "dagster"
    log_file = tempfile.NamedTemporaryFile(prefix="dagster-dev-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(dagster) if dagster.exists() else "dagster", "dev", "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_restore_default_signals,
    )
    ui = DagsterUI(process, f"http://127.0.0.1:{port}", Path(log_file.name))
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                status = ui.graphql("{ version }")
                if status.get("version"):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                tail = ui.log_path.read_text(errors="replace")[-3000:]
                raise TimeoutError(f"dagster dev did not answer on port {port}:\n{tail}")
            time.sleep(1)
        ui.graphql("mutation { setNuxSeen }")
        ui.wait_for_code_locations(timeout_s)
        yield ui
    finally:
        _stop(process)


def _stop(process: subprocess.Popen, grace_s: float = 30.0) -> None:
    """Stop `dagster dev` and every process of its session (webserver, daemon, and the runs its
    sensors launched, which write to the instance's folder): SIGTERM to the group, SIGKILL to whatever
    is left of it after `grace_s` or once the leader has exited, then wait until none is left (at
    most 10 s more), so the instance's folder can be removed without a process writing into it."""
    group = process.pid
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
