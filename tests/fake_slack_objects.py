"""Composition objects the fake Slack checks as Slack does, beside the Block Kit checker in fake_slack.py:
a confirm dialog (on a button, a select, an overflow) and an option group (a static select's options in
labelled groups). Each takes the checker, so its errors read like the rest."""

from __future__ import annotations

from typing import Any

__all__ = ["check_confirm", "check_option_group"]


def check_confirm(checker: Any, confirm: Any, pointer: str) -> None:
    if not isinstance(confirm, dict):
        checker.err("must provide an object", pointer)
        return
    checker.text(confirm.get("title"), f"{pointer}/title", 100, plain_only=True)
    checker.text(confirm.get("text"), f"{pointer}/text", 300)
    checker.text(confirm.get("confirm"), f"{pointer}/confirm", 30, plain_only=True)
    checker.text(confirm.get("deny"), f"{pointer}/deny", 30, plain_only=True)
    if "style" in confirm and confirm["style"] not in ("primary", "danger"):
        checker.err("must be a valid enum value (primary, danger)", f"{pointer}/style")


def check_option_group(checker: Any, group: Any, pointer: str) -> list:
    """The group's options, once its label and the number of them are checked."""
    if not isinstance(group, dict):
        checker.err("must provide an object", pointer)
        return []
    checker.text(group.get("label"), f"{pointer}/label", 75, plain_only=True)
    return checker.items(group.get("options"), f"{pointer}/options", 100)
