"""gunicorn's settings for the web process (Procfile's `web:` line passes this file with --config).

The configuration is checked once in the master, before any worker starts: a bad one stops gunicorn
with one sentence, where workers would each print it and die, and be started again, forever. The
access log never records OAuth's one-time codes or state, and with LOG_FORMAT=json gunicorn's own lines
(start-up, workers, the access log) are JSON objects like the application's.
"""

import os
import sys

from gunicorn.glogging import Logger

from runtime.logs import redact_secrets


def on_starting(server: object) -> None:
    from app import configuration_problem

    problem = configuration_problem()
    if problem is not None:
        print(f"outcome-bot cannot start: {problem}", file=sys.stderr)
        sys.exit(2)


class RedactingLogger(Logger):
    """gunicorn's logger, with `code=` and `state=` in request lines, query strings and referers
    replaced: /slack/oauth_redirect carries both, and an access log is read by many."""

    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201 - gunicorn's signature
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_secrets(atoms[key])
        return atoms


logger_class = RedactingLogger
accesslog = "-"


def _log_format() -> str:
    """LOG_FORMAT as the application reads it: the environment first, then .env."""
    from dotenv import dotenv_values, find_dotenv

    return (os.environ.get("LOG_FORMAT") or dotenv_values(find_dotenv(usecwd=True)).get("LOG_FORMAT") or "").strip()


if _log_format().lower() == "json":
    logconfig_dict = {
        "formatters": {"generic": {"()": "runtime.logs.JsonFormatter"}},
        "loggers": {  # gunicorn's defaults, but each line once (they also reached the root logger's handler)
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
