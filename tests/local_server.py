"""The HTTP server every local fake (Slack, the trackers, the model) runs on."""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class LocalServer(ThreadingHTTPServer):
    """The standard library's threading server with a longer listen queue: its default of five makes a burst
    of the app's threads (a sender's eight, a listener's thirty-two) wait a second or more for a retried
    connection under load, which times a test out rather than testing anything."""

    request_queue_size = 128
    daemon_threads = True
