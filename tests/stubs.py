"""Local stand-ins for the outside world distribution talks to: a webhook receiver, a Web Push
service and a WebSub hub (HTTP servers on 127.0.0.1, each in a thread), and the real
django-tasks-db worker loop run in this process."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorder(ThreadingHTTPServer):
    """Records every POST (path, headers, body, time) and answers as `answer(n)` says for the
    n-th request (0-based): a status, optionally with headers and a body."""

    daemon_threads = True

    def __init__(self, answer=None):
        self.requests: list[dict] = []
        self.answer = answer or (lambda n: (204, {}, b""))
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):
        # A client that gave up (a timeout test) leaves a broken pipe behind: not an error here.
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers and push services do

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server: Recorder = self.server
        with server.lock:
            n = len(server.requests)
            server.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body, "at": time.time()}
            )
        status, headers, content = server.answer(n)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


def run_worker(until=None, *, timeout: float = 20) -> None:
    """Run the django-tasks-db worker (its own loop, in batch mode: every ready task, then
    stop) until `until()` holds; once when no condition is given."""
    from django_tasks_db.management.commands.db_worker import Worker

    deadline = time.monotonic() + timeout
    while True:
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()
        if until is None or until():
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not get there in time")
        time.sleep(0.05)
