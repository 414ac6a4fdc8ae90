"""How slack_sdk's calls reach Slack: urllib, given one TLS context and connections that stay open.

slack_sdk's clients (the Web API client, the webhook client behind Bolt's `respond`) call urllib
without an SSL context, and urllib closes each connection after one request. So by default every
Slack call made a default context, loading the whole CA bundle (about 20 ms of CPU), then paid a new
TCP and TLS handshake (about 1 ms of CPU and two round trips to Slack). urllib's process-wide opener,
which those calls use, gets handlers that keep one open connection per thread and host, all made with
one verifying context. A connection is used again only once its last response has been read to the
end and the server has not closed it; one the server closed as we reused it is replaced, once, but
only when the request could not even be sent: a connection dropped while we await the answer may
have been acted on (a message posted), and whether to try again is the caller's call.
"""

from __future__ import annotations

import functools
import http.client
import select
import socket
import ssl
import threading
import urllib.request
from urllib.error import URLError

# What a server's closing of an idle connection looks like when we send on it: the request never
# reached it, so sending again on a new connection is safe.
_CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def install_opener() -> None:
    """Makes urllib's process-wide opener ours; cheap, so every make_client may call it. The proxies are
    read from the environment here, once, as urllib's own ProxyHandler in the opener reads them: reading
    them on every call cost about half a millisecond of CPU a call."""
    proxied = frozenset(urllib.request.getproxies())
    urllib.request.install_opener(
        urllib.request.build_opener(_KeepAliveHTTPHandler(proxied), _KeepAliveHTTPSHandler(tls_context(), proxied))
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # made once per process: making one is the expensive part


class _Kept(threading.local):
    """Each thread's open connections, by scheme and host: a thread reads a whole response before it
    makes its next call, so a connection is never shared by two calls at once."""

    def __init__(self) -> None:
        self.connections: dict[tuple[str, str], tuple[http.client.HTTPConnection, http.client.HTTPResponse]] = {}


_kept = _Kept()


def _open(scheme: str, connect: type[http.client.HTTPConnection], req: urllib.request.Request,
          **connect_args: object) -> http.client.HTTPResponse:
    key = (scheme, req.host)
    connection = _reusable(_kept.connections.pop(key, None), req.timeout)
    reused = connection is not None
    headers = dict(req.unredirected_hdrs)
    headers.update({name: value for name, value in req.headers.items() if name not in headers})
    headers = {name.title(): value for name, value in headers.items()}
    while True:
        if connection is None:
            connection = connect(req.host, timeout=req.timeout, **connect_args)
        try:
            response = _send(connection, req, headers)
            break
        except BaseException as error:
            connection.close()
            if not (reused and _closed_while_idle(error)):
                raise
            connection, reused = None, False
    if not response.will_close:
        _kept.connections[key] = (connection, response)
    response.url = req.get_full_url()
    response.msg = response.reason  # what urllib's callers expect, as in urllib's own do_open
    return response


def _send(connection: http.client.HTTPConnection, req: urllib.request.Request, headers: dict[str, str]
          ) -> http.client.HTTPResponse:
    try:
        connection.request(req.get_method(), req.selector, req.data, headers,
                           encode_chunked=req.has_header("Transfer-encoding"))
    except OSError as error:  # refused, timed out: reported as urllib reports it
        raise URLError(error) from error
    return connection.getresponse()


def _closed_while_idle(error: BaseException) -> bool:
    """Refused while sending (reported as a URLError by `_send`); never a drop while awaiting the answer."""
    return isinstance(error, URLError) and isinstance(error.reason, _CLOSED_WHILE_IDLE)




def _reusable(kept: tuple[http.client.HTTPConnection, http.client.HTTPResponse] | None, timeout: float | None
              ) -> http.client.HTTPConnection | None:
    """The kept connection if its last response was read to the end and the server has neither closed
    it nor sent anything since."""
    if kept is None:
        return None
    connection, last = kept
    if connection.sock is None or not last.isclosed() or _readable(connection.sock):
        connection.close()
        return None
    connection.timeout = timeout
    # urlopen without a timeout passes a marker object rather than a number: the socket's default then.
    connection.sock.settimeout(timeout if isinstance(timeout, (int, float)) else socket.getdefaulttimeout())
    return connection


def _readable(sock: socket.socket) -> bool:
    """On an idle connection, something to read means the server has closed it. (poll, not select:
    select cannot watch a descriptor numbered above 1023, as a busy worker's may be.)"""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _proxied(req: urllib.request.Request, proxied: frozenset[str]) -> bool:
    """Through a proxy (HTTPS through one is a tunnel urllib sets up itself): urllib's own way then."""
    return req.has_proxy() or req.type in proxied


class _KeepAliveHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, proxied: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.proxied = proxied  # the schemes the environment sends through a proxy

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if _proxied(req, self.proxied):  # urllib's own one-shot connection
            return super().http_open(req)
        return _open("http", http.client.HTTPConnection, req)


class _KeepAliveHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext, proxied: frozenset[str] = frozenset()) -> None:
        super().__init__(context=context)
        self.context = context
        self.proxied = proxied

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if _proxied(req, self.proxied):
            return super().https_open(req)
        return _open("https", http.client.HTTPSConnection, req, context=self.context)
