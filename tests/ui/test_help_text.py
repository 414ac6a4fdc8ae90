"""Help is read in Slack's mrkdwn, where `<…>` is a link, a mention or nothing: a placeholder such as `<day>`
must be written `&lt;day&gt;` or the reader sees a broken link where the word should be."""

import json
import re

import pytest

from ui.digests import digest_help
from ui.feedback import feedback_help
from ui.home import help_message

# What Slack reads between < and >: a person, a channel, a special mention, a link.
CONTROL = re.compile(r"<(?:[@#!]|https?://|mailto:)[^<>]*>")


@pytest.mark.parametrize("build", [help_message, digest_help, feedback_help])
def test_help_shows_its_placeholders_as_written(build):
    shown = json.dumps(build())
    assert "<" not in CONTROL.sub("", shown), shown
