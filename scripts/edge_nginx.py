"""Run deploy/nginx/liveblog.conf as an unprivileged-path nginx, for tests and benchmarks.

`EdgeCache(upstream=..., media_root=...)` renders the shipped template, wraps it in a main
configuration whose pid, logs, temporary files and cache all live in one new directory, starts
Debian's nginx in the foreground on a free loopback port and stops it again:

    with EdgeCache(upstream="127.0.0.1:8000", media_root=Path("media")) as edge:
        urllib.request.urlopen(edge.url + "/healthz/")

tests/test_edge_cache.py and scripts/bench_edge.py use it; production renders the same
template with envsubst (see the template's header).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "liveblog.conf"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
PLACEHOLDER = re.compile(r"\$\{(LIVEBLOG_[A-Z_]+)\}")
HOST = "127.0.0.1"

# One line per client request: when, status, what the cache did, the URL, how long it took.
LOG_FORMAT = "$msec $status $upstream_cache_status $request_method $request_uri $request_time"

MAIN = """\
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{
    worker_connections {connections};
}}
http {{
    include {mime_types};
    default_type application/octet-stream;
    log_format edge '{log_format}';
    access_log {access_log};
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {prefix}/liveblog.conf;
}}
"""


def nginx_binary() -> str | None:
    """Debian's nginx, or None where it is not installed."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def render(values: dict[str, str]) -> str:
    """The template with its ${LIVEBLOG_...} placeholders filled in, as envsubst would."""
    text = TEMPLATE.read_text()
    wanted = set(PLACEHOLDER.findall(text))
    missing = wanted - values.keys()
    if missing:
        raise ValueError(f"{TEMPLATE}: no value for {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


class EdgeCache:
    """nginx with the shipped configuration in front of `upstream` (host:port)."""

    def __init__(
        self,
        *,
        upstream: str,
        media_root: Path,
        port: int | None = None,
        workers: int = 1,
        connections: int = 1024,
        access_log: bool = False,
    ):
        self.binary = nginx_binary()
        if self.binary is None:
            raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
        self.upstream = upstream
        self.media_root = Path(media_root)
        self.port = port or free_port()
        self.workers = workers
        self.connections = connections
        self.prefix = Path(tempfile.mkdtemp(prefix="liveblog-edge-"))
        self.access_log = self.prefix / "access.log" if access_log else None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def cache_dir(self) -> Path:
        return self.prefix / "cache"

    def write_config(self) -> Path:
        (self.prefix / "temp").mkdir()
        site = render(
            {
                "LIVEBLOG_LISTEN": f"{HOST}:{self.port}",
                "LIVEBLOG_SERVER_NAME": HOST,
                "LIVEBLOG_UPSTREAM": self.upstream,
                "LIVEBLOG_CACHE_DIR": str(self.cache_dir),
                "LIVEBLOG_MEDIA_ROOT": str(self.media_root.resolve()),
            }
        )
        (self.prefix / "liveblog.conf").write_text(site)
        main = self.prefix / "nginx.conf"
        main.write_text(
            MAIN.format(
                prefix=self.prefix,
                workers=self.workers,
                connections=self.connections,
                # Run as root, workers would switch to `nobody`, who cannot read a temporary
                # media directory: keep them as the invoking user.
                user="user root;" if os.geteuid() == 0 else "",
                mime_types="/etc/nginx/mime.types",
                log_format=LOG_FORMAT,
                access_log=f"{self.access_log} edge" if self.access_log else "off",
            )
        )
        return main

    def start(self) -> "EdgeCache":
        main = self.write_config()
        command = [self.binary, "-p", str(self.prefix), "-e", str(self.prefix / "error.log")]
        command += ["-c", str(main)]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.url} within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # QUIT: finish the requests in flight, then exit.
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def cleanup(self) -> None:
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> "EdgeCache":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.cleanup()
