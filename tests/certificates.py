"""A throwaway self-signed certificate for 127.0.0.1, for HTTPS stand-ins of Slack (tests, bench)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def self_signed(folder: Path) -> tuple[str, str] | None:
    """(certificate, key) paths in `folder`, made with the `openssl` command; None without it."""
    if shutil.which("openssl") is None:
        return None
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key
