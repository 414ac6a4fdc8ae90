"""A local HTTP server that speaks the OpenAI chat completions API, for the coach's tests.

It answers structured-output requests with JSON for the schema asked for (by its name), records
every request, and can be told to be slow, fail with a status (and headers, such as a 429's
Retry-After), send unparsable content, or answer 200 with something that is no completion at all (`raw`).
Like real endpoints it refuses an embeddings request with more inputs or characters than it takes.
Like OpenAI's strict mode it refuses a schema with keywords strict mode does not take (`maxLength`...),
and like an endpoint without structured outputs it can refuse `response_format` or ignore it (`structured`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.local_server import LocalServer

DEFAULT_ANSWERS: dict[str, dict[str, Any]] = {
    "OutcomeSuggestion": {
        "outcome": "Finance closes the month a day sooner",
        "problem": "Finance rebuilds the monthly report by hand from three exports",
    },
    "RequestVerdict": {"is_feature_request": True},
    "SameNeed": {"same_need": []},
    "DigestIntro": {"paragraph": "A busy week: two ideas moved on, with the reasons below."},
}


# What OpenAI's strict structured outputs refuse in a schema ("Invalid schema for response_format ...").
NOT_PERMITTED = frozenset({"minLength", "maxLength", "minProperties", "maxProperties", "patternProperties",
                           "unevaluatedProperties", "uniqueItems", "contains", "default"})


class FakeOpenAI:
    def __init__(self) -> None:
        self.answers = {name: dict(answer) for name, answer in DEFAULT_ANSWERS.items()}
        self.requests: list[dict[str, Any]] = []
        self.completed = 0
        self.delay = 0.0
        self.most_at_once = 0  # the most chat requests answered at the same time
        self._answering = 0
        self.status = 200
        self.malformed = False
        # A whole answer in place of a completion (status 200): what a proxy's or a portal's page looks like.
        self.raw: tuple[str, bytes] | None = None
        self.embeddings_status = 200
        self.embedding_delay = 0.0
        # What one embeddings request may hold, as endpoints limit it: OpenAI takes 2,048 inputs and about 300,000
        # tokens (some 1,200,000 characters); Hugging Face's text-embeddings-inference 32 inputs unless told more.
        # A request over either is refused with a 400, as they refuse it.
        self.embedding_inputs = 2048
        self.embedding_chars = 1_200_000
        # Each text's vector in place of the hashed words' (what a broken endpoint sends: zeros, NaN, odd sizes).
        self.vector_of: Callable[[str], list[float]] | None = None
        self.headers: dict[str, str] = {}
        # A model's context, in characters: a longer input (or chat) is refused with a 400, as real endpoints do.
        self.context_chars: int | None = None  # sent with every answer that is not a 200 (a 429's Retry-After)
        # "yes"; "refused": a 400 naming response_format (vLLM without guided decoding, many proxies);
        # "ignored": prose in place of the JSON asked for (older Ollama).
        self.structured = "yes"
        # The SameNeed answer worked out from the user message (a model talked into an answer by its input).
        self.same_need_of: Callable[[str], list[int]] | None = None
        # The usage every answer reports in place of the usual (an endpoint that counts oddly: Infinity, 1e30).
        self.usage: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._server = LocalServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def reply(self, body: dict[str, Any]) -> tuple[int, bytes] | tuple[int, bytes, str]:
        with self._lock:
            self.requests.append(body)
            self._answering += 1
            self.most_at_once = max(self.most_at_once, self._answering)
        try:
            return self._reply(body)
        finally:
            with self._lock:
                self._answering -= 1

    def _reply(self, body: dict[str, Any]) -> tuple[int, bytes] | tuple[int, bytes, str]:
        if self.delay:
            time.sleep(self.delay)
        if self.status != 200:
            return self.status, json.dumps({"error": {"message": "boom", "type": "server_error"}}).encode()
        if self.raw is not None:
            return 200, self.raw[1], self.raw[0]
        if self.context_chars and sum(len(str(m.get("content", ""))) for m in body["messages"]) > self.context_chars:
            return _too_long()
        asked = body.get("response_format", {}).get("json_schema", {})
        if asked and self.structured == "refused":
            return _bad_request("response_format of type json_schema is not supported by this server")
        refused = sorted(_keywords(asked.get("schema", {})) & NOT_PERMITTED) if asked.get("strict") else []
        if refused:
            return _bad_request(f"Invalid schema for response_format '{asked.get('name')}': "
                                f"'{refused[0]}' is not permitted.")
        schema = asked.get("name", "")
        answer = self.answers.get(schema, {})
        if schema == "SameNeed" and self.same_need_of is not None:
            answer = {"same_need": self.same_need_of(str(body["messages"][-1].get("content", "")))}
        content = "this is not json {" if self.malformed else json.dumps(answer)
        if self.structured == "ignored":
            content = "Sure! Here is what I think: " + json.dumps(answer)
        completion = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": self.usage or {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        }
        with self._lock:
            self.completed += 1
        return 200, json.dumps(completion).encode()

    def embed(self, body: dict[str, Any]) -> tuple[int, bytes] | tuple[int, bytes, str]:
        """Vectors of hashed words: texts sharing words point the same way, as real embeddings roughly do."""
        with self._lock:
            self.requests.append(body)
        if self.raw is not None:
            return 200, self.raw[1], self.raw[0]
        if self.embedding_delay:
            time.sleep(self.embedding_delay)
        if self.embeddings_status != 200:
            return self.embeddings_status, json.dumps({"error": {"message": "no embeddings here"}}).encode()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        if len(texts) > self.embedding_inputs:
            return 400, json.dumps({"error": {"message": f"'$.input' is invalid: {len(texts)} inputs, at most "
                                              f"{self.embedding_inputs} allowed", "type": "invalid_request_error"}
                                    }).encode()
        if sum(len(text) for text in texts) > self.embedding_chars:
            return 400, json.dumps({"error": {"message": "Requested too many tokens, max 300000 tokens per request",
                                              "type": "max_tokens_per_request"}}).encode()
        if self.context_chars and any(len(text) > self.context_chars for text in texts):
            return _too_long()
        data = []
        for index, text in enumerate(texts):
            vector = [0.0] * 64
            for word in text.lower().split():
                vector[zlib.crc32(word.encode()) % 64] += 1.0
            if self.vector_of is not None:
                vector = self.vector_of(text)
            data.append({"object": "embedding", "index": index, "embedding": vector})
        usage = self.usage or {"prompt_tokens": 10 * len(texts), "total_tokens": 10 * len(texts)}
        return 200, json.dumps({"object": "list", "data": data, "model": body.get("model"), "usage": usage}).encode()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _keywords(schema: Any) -> set[str]:
    """Every key used anywhere in a JSON schema (property names too: close enough for the check)."""
    if isinstance(schema, dict):
        return set(schema) | {key for value in schema.values() for key in _keywords(value)}
    if isinstance(schema, list):
        return {key for value in schema for key in _keywords(value)}
    return set()


def idea_ids(content: str) -> list[int]:
    """The ids of the ideas a SameNeed user message shows."""
    return [int(n) for n in re.findall(r"<idea id=(\d+)>", content)]


def _bad_request(message: str) -> tuple[int, bytes]:
    return 400, json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                      "param": "response_format", "code": None}}).encode()


def _too_long() -> tuple[int, bytes]:
    return 400, json.dumps({"error": {"message": "This model's maximum context length is exceeded",
                                      "type": "invalid_request_error", "code": "context_length_exceeded"}}).encode()


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.endswith("/embeddings"):
                status, payload, *kind = fake.embed(body)
            elif not self.path.endswith("/chat/completions"):
                status, payload, *kind = 404, b'{"error": {"message": "not found"}}'
            else:
                status, payload, *kind = fake.reply(body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind[0] if kind else "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (fake.headers.items() if status != 200 else ()):
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its deadline passed): exactly what the slow tests want

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
