"""What a page may not contain under the strict CSP and with no network (tests of every page use these)."""

import re

EXTERNAL = re.compile(r"""(?:src|href|action|data|poster)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def page_client(user):
    """Return a client signed in with a session (pages) that also sends the user's token (API)."""
    from tests.support.api import token_client

    client = token_client(user)
    client.force_login(user)
    return client


def flash_messages(response) -> list[str]:
    """Return the texts of the messages a page shows after a redirect that was followed."""
    return [str(message) for message in response.context["messages"]] if response.context else []
