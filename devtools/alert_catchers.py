"""Alert catchers on loopback: an SMTP server (aiosmtpd) and a Slack-webhook receiver.

Used by the alert tests and by `make demo-alerts`. Each records what it receives and can
print it as it arrives (`echo=True`).
"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self, echo: bool = False) -> None:
        self.messages: list[dict] = []
        self.echo = echo

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("html", "plain"))
        received = {"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                    "subject": str(message["subject"]), "body": body.get_content() if body else ""}
        self.messages.append(received)
        if self.echo:
            print(f"\n--- email to {', '.join(received['to'])}\nSubject: {received['subject']}\n"
                  f"{received['body']}\n---", flush=True)
        return "250 Message accepted"


@contextmanager
def smtp_server(echo: bool = False):
    """Yields (connection JSON for smtp_alerts, list of received messages)."""
    inbox = _Inbox(echo)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        conn = json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                           "extra": {"disable_tls": True, "disable_ssl": True, "timeout": 5, "retry_limit": 0}})
        yield conn, inbox.messages
    finally:
        controller.stop()


@contextmanager
def json_post_server(path: str = "", on_body=None):
    """A loopback HTTP server that keeps the JSON body of every POST (gzip or not) and answers
    200; yields (its base URL + `path`, the bodies received). `on_body` sees each body."""
    received: list[dict] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            body = json.loads(data)
            with lock:
                received.append(body)
            if on_body is not None:
                on_body(body)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def webhook_server(echo: bool = False):
    """Yields (connection JSON for slack_alerts, list of received JSON bodies)."""

    def show(body: dict) -> None:
        if echo:
            print(f"\n--- Slack webhook POST\n{body.get('text', body)}\n---", flush=True)

    with json_post_server("/hook", show) as (url, received):
        yield json.dumps({"conn_type": "slackwebhook", "password": url}), received


def closed_endpoints() -> tuple[str, str]:
    """Connections that point at ports where nothing listens."""
    smtp = json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": free_port(),
                       "extra": {"disable_tls": True, "disable_ssl": True, "timeout": 2, "retry_limit": 0}})
    slack = json.dumps({"conn_type": "slackwebhook", "password": f"http://127.0.0.1:{free_port()}/hook"})
    return smtp, slack
