"""Fixtures and helpers for the Python proof of the mobile bindings.

The suite loads the real compiled library through the Python module uniffi
generates (the same interface the Kotlin and Swift sources describe) and
drives it against a real `moa-server` process. `scripts/test.sh` builds
both and sets:

- `MOA_BINDINGS_PY`: the directory holding `moa_mobile_bindings.py` and
  `libmoa_mobile_bindings.so`;
- `MOA_SERVER_BIN`: the `moa-server` binary;
- `MOA_TEST_OIDC_PROVIDER`: the command of oidc-provider-mock, a real
  OpenID Connect provider (`scripts/lib.sh`'s `ensure_oidc_provider`), for
  the sign-in tests (`test_social.py`).

Each test gets its own server (a free port, a temp data directory) that it
can stop to go offline and start again on the same port and data.
"""

import asyncio
import gc
import os
import queue
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib

import pytest

_BINDINGS_DIR = os.environ.get("MOA_BINDINGS_PY")
if not _BINDINGS_DIR or not os.path.isfile(os.path.join(_BINDINGS_DIR, "moa_mobile_bindings.py")):
    raise pytest.UsageError(
        "MOA_BINDINGS_PY must name the directory of the generated moa_mobile_bindings.py "
        "and libmoa_mobile_bindings.so: run mobile-bindings/scripts/test.sh"
    )
sys.path.insert(0, _BINDINGS_DIR)

import moa_mobile_bindings as moa  # noqa: E402  (after the path is set)

PASSWORD = "correct horse battery staple"
# Generous: a loaded CI machine with two cores; things normally take
# milliseconds.
TIMEOUT = 20.0


# ----- the server ------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `moa-server` process on a fixed port and data directory."""

    def __init__(self, binary, data_dir, extra_args=()):
        self.binary = binary
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(data_dir, "server.log")
        self.process = None

    def start(self):
        assert self.process is None, "already running"
        deadline = time.monotonic() + TIMEOUT
        while True:
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--data-dir", self.data_dir,
                    "--bind", f"127.0.0.1:{self.port}",
                    # Every test signs up members from one address.
                    "--auth-rate-per-ip", "10000",
                    "--log-format", "json",
                    *self.extra_args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            )
            log.close()
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break  # exited: the port may still be held; try again
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                        return
                except OSError:
                    time.sleep(0.05)
            if time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError(f"moa-server did not start; see {self.log_path}:\n{self.log()}")
            self.process = None
            time.sleep(0.2)

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""


@pytest.fixture
def server(tmp_path):
    binary = os.environ.get("MOA_SERVER_BIN")
    if not binary or not os.access(binary, os.X_OK):
        raise pytest.UsageError("MOA_SERVER_BIN must name the moa-server binary")
    data = tmp_path / "server"
    data.mkdir()
    srv = Server(binary, str(data))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def shop_server(tmp_path):
    """A server taking payments at its embedded fake PortOne, with an admin
    (`admin@moa.example`, `PASSWORD`) made through the server's CLI."""
    binary = os.environ.get("MOA_SERVER_BIN")
    if not binary or not os.access(binary, os.X_OK):
        raise pytest.UsageError("MOA_SERVER_BIN must name the moa-server binary")
    data = tmp_path / "shop-server"
    data.mkdir()
    subprocess.run(
        [binary, "--data-dir", str(data), "--log-format", "json", "user", "create",
         "--email", "admin@moa.example", "--role", "admin", "--password", PASSWORD],
        check=True, capture_output=True,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    srv = Server(binary, str(data), ["--fake-payments", "--fake-sms", "--job-poll-ms", "100"])
    srv.start()
    yield srv
    srv.stop()


# ----- an OpenID Connect provider ----------------------------------------------


class OidcProvider:
    """oidc-provider-mock in its own process on a free port: a real OpenID
    Connect provider (discovery, JWKS, signed ID tokens, PKCE) that accepts
    any client id and secret. Its login page is a form: a test "signs in"
    by posting the subject to the authorize URL and reading the redirect,
    as a browser would."""

    def __init__(self, command, log_dir):
        self.command = command
        self.log_path = os.path.join(log_dir, "oidc.log")
        self.process = None
        self.issuer = None

    def start(self):
        import urllib.request

        for _ in range(5):
            port = _free_port()
            log = open(self.log_path, "ab")
            process = subprocess.Popen(
                [self.command, "--port", str(port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
            log.close()
            # The issuer is the host the provider is asked on: always this one.
            issuer = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1) as r:
                        if r.status == 200:
                            self.process, self.issuer = process, issuer
                            return self
                except OSError:
                    time.sleep(0.1)
            process.kill()
            process.wait()
        raise RuntimeError(f"oidc-provider-mock did not start; see {self.log_path}")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def set_user(self, sub, **claims):
        """Sets the claims of the provider account `sub` (email,
        email_verified, name, ...)."""
        status, body = http("PUT", f"{self.issuer}/users/{sub}", claims)
        assert 200 <= status < 300, f"setting user {sub}: {status} {body}"

    def authorize(self, authorize_url, sub):
        """Signs `sub` in on the login page `authorize_url` leads to, and
        answers where the provider redirects (the app's redirect URI with
        `code` and `state`), without following it."""
        import urllib.error
        import urllib.parse
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(
            authorize_url,
            data=urllib.parse.urlencode({"sub": sub}).encode(),
            method="POST",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        try:
            with opener.open(request, timeout=TIMEOUT) as answer:
                raise AssertionError(f"the login page answered {answer.status} instead of a redirect")
        except urllib.error.HTTPError as e:
            assert e.code in (302, 303), f"the login page answered {e.code}: {e.read()[:300]!r}"
            location = e.headers.get("location")
            assert location, "a redirect without a Location"
            return location


@pytest.fixture
def oidc(tmp_path):
    """A running OpenID Connect provider (`OidcProvider`)."""
    command = os.environ.get("MOA_TEST_OIDC_PROVIDER")
    if not command:
        pytest.fail(
            "MOA_TEST_OIDC_PROVIDER must name oidc-provider-mock's command: run "
            "mobile-bindings/scripts/test.sh (scripts/lib.sh's ensure_oidc_provider installs it)"
        )
    provider = OidcProvider(command, str(tmp_path)).start()
    yield provider
    provider.stop()


@pytest.fixture
def social_server(tmp_path, oidc):
    """A server offering sign-in with Google and with Kakao, both through
    the `oidc` provider (as two clients of it)."""
    binary = os.environ.get("MOA_SERVER_BIN")
    if not binary or not os.access(binary, os.X_OK):
        raise pytest.UsageError("MOA_SERVER_BIN must name the moa-server binary")
    data = tmp_path / "social-server"
    data.mkdir()
    args = []
    for provider in ("google", "kakao"):
        args += [
            f"--{provider}-client-id", f"moa-{provider}",
            f"--{provider}-client-secret", f"moa-{provider}-secret",
            f"--{provider}-issuer", oidc.issuer,
            f"--{provider}-scopes", "openid email profile",
        ]
    srv = Server(binary, str(data), args)
    srv.start()
    yield srv
    srv.stop()


def http(method, url, body=None, token=None):
    """A JSON request over plain HTTP (what an admin's tool or a browser
    does): answers (status, parsed body or text)."""
    import json
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


@pytest.fixture
def data_dir():
    """A fresh directory for a client's data, removed after the test."""
    made = []

    def make():
        d = tempfile.mkdtemp(prefix="moa-client-")
        made.append(d)
        return d

    yield make
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


# ----- nothing left alive ------------------------------------------------------


def settle(baseline, timeout=10.0):
    """Collects garbage until the Rust side holds no more handles than
    `baseline` (listeners are let go by their task, shortly after a
    cancel); answers the count."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        live = moa.live_handles()
        if live <= baseline or time.monotonic() > deadline:
            return live
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def no_leaks():
    """Every test must release every client, subscription and listener it
    made: checked after each one with the library's own count."""
    baseline = settle(0, timeout=0)
    yield
    live = settle(baseline)
    assert live == baseline, f"{live - baseline} handle(s) still alive on the Rust side"


_exit_status = 0


def pytest_sessionfinish(session, exitstatus):
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config):
    # If a failed test kept objects alive, Rust threads may still call into
    # Python (a listener, a release) while the interpreter shuts down, which
    # aborts the process: leave without finalizing instead, keeping pytest's
    # exit status.
    if settle(0) != 0:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status or 1)


# ----- events ----------------------------------------------------------------


class Recorder(moa.MoaListener):
    """A listener that keeps every event, for tests to wait on."""

    def __init__(self):
        self.events = queue.Queue()
        self.seen = []
        self.lagged = 0

    def on_event(self, event):
        self.events.put(event)

    def on_lagged(self, missed):
        self.lagged += missed

    def _drain(self):
        while True:
            try:
                self.seen.append(self.events.get_nowait())
            except queue.Empty:
                return

    async def wait_for(self, predicate, what, timeout=TIMEOUT):
        """The first event (seen so far or arriving) for which `predicate`
        is true; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            self._drain()
            for event in self.seen[checked:]:
                if predicate(event):
                    return event
            checked = len(self.seen)
            if time.monotonic() > deadline:
                kinds = sorted({type(e).__name__ for e in self.seen})
                raise AssertionError(f"no event: {what} (saw {len(self.seen)} events: {kinds})")
            await asyncio.sleep(0.02)

    def all(self, predicate):
        self._drain()
        return [e for e in self.seen if predicate(e)]


async def eventually(probe, what, timeout=TIMEOUT, interval=0.1):
    """Awaits `probe()` until it answers something truthy, and answers it."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = await probe()
        except moa.MoaError.Network as e:  # a reconnecting client
            last = e
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
        await asyncio.sleep(interval)


# ----- members ---------------------------------------------------------------


async def member(server_url, data_dir, name):
    """A client with a new member signed up: (client, me)."""
    client = await moa.MoaClient.open(data_dir, server_url)
    tag = uuid.uuid4().hex[:8]
    me = await client.sign_up(f"{name}-{tag}@moa.example", PASSWORD, f"{name}_{tag}", name.title())
    return client, me


async def verify_phone(client, server, number):
    """Verifies `number` as an app does: asks for a code, reads it where
    the server's fake SENS logs the texts it got (nothing is sent), and
    confirms it. Answers the account."""
    sent = await client.request_phone_verification(number)
    code = await texted_code(server, "0" + sent.phone.removeprefix("+82"))
    return await client.confirm_phone_verification(code)


async def texted_code(server, digits):
    """The last verification code the server's fake SENS logged for the
    number `digits` (01012345678)."""
    import re

    async def texted():
        with open(server.log_path, "r", errors="replace") as f:
            codes = [
                m.group(1)
                for line in f
                if "FAKE SENS got a text" in line and digits in line
                for m in [re.search(r"인증번호 \[(\d{6})\]", line)]
                if m
            ]
        return codes[-1] if codes else None

    return await eventually(texted, f"the code texted to {digits}")


# ----- a photo made on the spot ----------------------------------------------


def make_png(width, height, seed=1):
    """A real RGB PNG like a photo to a compressor: smooth colour gradients
    under fine sensor-like noise (which PNG keeps and JPEG does not), made
    without any imaging library."""
    stride = width * 3
    # One long run of smooth bytes (at most 250); each row is a window into
    # it at another offset, which gives diagonal colour bands cheaply.
    base = bytes(((i // 3) * (i % 3 + 1) // 9 + (i % 3) * 70) % 251 for i in range(stride + height * 3))
    smooth = b"".join(base[y * 3 : y * 3 + stride] for y in range(height))
    # Noise of 0..3 per byte, added without a per-byte Python loop: as big
    # integers the sums never carry (at most 250 + 3 per byte).
    noise = random.Random(seed).randbytes(len(smooth)).translate(bytes(b & 3 for b in range(256)))
    pixels = (int.from_bytes(smooth, "big") + int.from_bytes(noise, "big")).to_bytes(len(smooth), "big")
    raw = b"".join(b"\x00" + pixels[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
