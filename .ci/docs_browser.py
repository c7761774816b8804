"""Open pages in headless Chromium, save screenshots, and fail on console errors.

Talks the DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4, JSON
messages separated by NUL bytes), so no websocket library and no network are needed. Reported as
errors: ``console.error``/``console.assert`` calls, uncaught exceptions, and the browser's own
error-level log entries (a missing file, a blocked request, a failed script). ``console.log``,
``info`` and ``warn`` (the theme logs its colour mode with ``console.log``) are printed, not
counted.

Usage: python .ci/docs_browser.py OUT_DIR URL [URL ...]; exit status 1 if any page has an error.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _to_fds_3_4(read_end: int, write_end: int) -> None:
    """In the child: put the pipe ends on fds 3 and 4, inheritable (via copies, since a pipe
    end may already be fd 3 or 4, and dup2 onto itself would keep its close-on-exec flag)."""
    r, w = os.dup(read_end), os.dup(write_end)
    os.dup2(r, 3)
    os.dup2(w, 4)


class Browser:
    def __init__(self) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise SystemExit("docs_browser: chromium not found (apt-get install chromium)")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="nnla-docs-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
             f"--user-data-dir={self._profile}", "--window-size=1280,1600"],
            close_fds=False, stdin=subprocess.DEVNULL,  # fds 3 and 4 are set up below
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: _to_fds_3_4(to_chrome_r, from_chrome_w),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def _read(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                return None
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise SystemExit("docs_browser: chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60.0) -> dict:
        self._id += 1
        msg: dict = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._read(deadline - time.monotonic())
            if reply is None:
                break
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise SystemExit(f"docs_browser: {method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise SystemExit(f"docs_browser: no answer to {method} in {timeout} s")

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ev = self._read(left)
            if ev is not None:
                self.events.append(ev)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self._profile, ignore_errors=True)


def check_page(b: Browser, url: str, png: Path) -> list[str]:
    """Load ``url`` in a fresh tab, save a screenshot; return its error messages."""
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        b.call(f"{domain}.enable", session=s)
    b.events.clear()
    b.call("Page.navigate", {"url": url}, session=s)
    deadline = time.monotonic() + 60
    while not any(e.get("method") == "Page.loadEventFired" and e.get("sessionId") == s
                  for e in b.events):
        if time.monotonic() > deadline:
            return [f"{url}: no load event in 60 s"]
        b.pump(0.2)
    b.pump(2.0)  # scripts that run after load
    shot = b.call("Page.captureScreenshot", {"format": "png"}, session=s)
    png.write_bytes(base64.b64decode(shot["data"]))
    errors = []
    for e in b.events:
        if e.get("sessionId") != s:
            continue
        p = e.get("params", {})
        if e.get("method") == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            line = f"console.{p['type']}: {text}"
            if p["type"] in ("error", "assert"):
                errors.append(line)
            else:
                print(f"  ({line})")
        elif e.get("method") == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            errors.append(f"uncaught: {d.get('exception', {}).get('description', d['text'])}")
        elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
            entry = p["entry"]
            if not entry.get("url", "").endswith("/favicon.ico"):
                errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}")
    b.call("Target.closeTarget", {"targetId": target})
    return errors


def main(argv: list[str]) -> int:
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    b = Browser()
    failed = False
    try:
        for url in argv[2:]:
            png = out / (url.rstrip("/").rsplit("/", 1)[-1].replace(".html", "") + ".png")
            errors = check_page(b, url, png)
            size = png.stat().st_size if png.exists() else 0
            print(f"{url}: {len(errors)} console errors, screenshot {png} ({size} bytes)")
            for err in errors:
                print(f"  ERROR {err}")
            failed |= bool(errors) or size < 20000
    finally:
        b.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
