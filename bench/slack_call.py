"""CPU per Slack Web API call over TLS, as production makes them: slack_sdk as it comes, with one
shared TLS context only, and as `bot.slack.make_client` sets it up (bot/slack_http.py: that context,
and connections kept open). The ack benchmark's stand-in for Slack speaks plain HTTP, so it leaves
this cost out.

Slack's side is the ack benchmark's responder, over TLS, with a throwaway self-signed certificate
(made by the `openssl` command). The client trusts it through SSL_CERT_FILE, next to the system's CA
bundle, so that loading the trust store costs what it does in production. The process's one shared
context is made at its first use, so run() must come before any other.
"""

from __future__ import annotations

import multiprocessing
import os
import ssl
import tempfile
import time
import urllib.request
from pathlib import Path

from slack_sdk import WebClient

from bench.ack import fake_slack
from bot.settings import Settings
from runtime import slack_http
from runtime.slack import make_client
from tests.certificates import self_signed

_VIEW = {"type": "modal", "title": {"type": "plain_text", "text": "Share an idea"}, "blocks": []}


def _cpu_per_call(client: WebClient, calls: int) -> float:
    client.views_open(trigger_id="t", view=_VIEW)
    started = time.process_time()
    for _ in range(calls):
        client.views_open(trigger_id="t", view=_VIEW)
    return (time.process_time() - started) / calls


def run(calls: int = 100) -> list[dict[str, float | str]] | None:
    """ms of CPU per views.open, per set-up; None without the `openssl` command."""
    with tempfile.TemporaryDirectory() as folder:
        certificate = self_signed(Path(folder))
        if certificate is None:
            return None
        (cert, key), bundle = certificate, str(Path(folder) / "bundle.pem")
        system = ssl.get_default_verify_paths().cafile
        Path(bundle).write_text((Path(system).read_text() if system else "") + Path(cert).read_text())
        receiving, sending = multiprocessing.Pipe(duplex=False)
        stop = multiprocessing.Event()
        slack = multiprocessing.Process(target=fake_slack, args=(sending, stop, False, (cert, key)), daemon=True)
        slack.start()
        api_url, _ = receiving.recv()
        before = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = bundle
        try:
            urllib.request.install_opener(None)  # urllib's own opener, as slack_sdk finds it
            as_it_comes = _cpu_per_call(WebClient(token="xoxb-bench", base_url=api_url), calls)
            urllib.request.install_opener(urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=slack_http.tls_context())))  # a new connection per call
            one_context = _cpu_per_call(WebClient(token="xoxb-bench", base_url=api_url), calls)
            settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret="bench", slack_api_url=api_url)
            ours = _cpu_per_call(make_client(settings), calls)
        finally:
            stop.set()
            slack.join(timeout=10)
            if before is None:
                os.environ.pop("SSL_CERT_FILE")
            else:
                os.environ["SSL_CERT_FILE"] = before
        certificates = Path(bundle).read_text().count("BEGIN CERTIFICATE")
    return [{"client": "slack_sdk as it comes", "ms": as_it_comes * 1000, "certificates": certificates},
            {"client": "one shared TLS context, a new connection per call", "ms": one_context * 1000,
             "certificates": certificates},
            {"client": "make_client (that context, connections kept open)", "ms": ours * 1000,
             "certificates": certificates}]
