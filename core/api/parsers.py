"""Request body parsing for the REST API: JSON only, and JSON that every later step can handle."""

import json
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# Deeper than any body of the API; a value nested deeper cannot reach a serializer, whose checks and error
# messages (``str`` of the value) recurse as deep as the value goes.
MAX_NESTING = 32


class JSONParser(parsers.JSONParser):
    """The REST framework's JSON parser, refusing what would fail later instead of being refused cleanly.

    - Bytes that are not text in the request's encoding (UTF-8 unless the Content-Type says otherwise).
    - Arrays and objects nested deeper than ``MAX_NESTING``; nesting deep enough to exhaust Python's recursion
      limit stops the decoder itself.
    - A lone UTF-16 surrogate spelt as an escape (``"\\ud800"``). Such a string cannot be written out as UTF-8:
      an error message that quotes the input (``"\\ud800" is not a valid choice``) failed its own response,
      and the database refuses it. Escaped pairs (emoji and the like) are ordinary characters.
    """

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: dict | None = None) -> object:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The request body is not valid %(encoding)s text.") % {"encoding": encoding}) from None
        parse_constant = strict_constant if self.strict else None
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("The request body is not valid JSON: %(error)s") % {"error": exc}) from None
        if nesting_exceeds(data, MAX_NESTING):
            raise ParseError(_("The JSON is nested more than %(limit)d levels deep.") % {"limit": MAX_NESTING})
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ParseError(_("The request holds text that is not valid Unicode (a lone surrogate).")) from None
        return data


def nesting_exceeds(data: object, limit: int) -> bool:
    """Whether arrays and objects in ``data`` nest more than ``limit`` levels; level by level, not recursive."""
    level = [data] if isinstance(data, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        children = []
        for container in level:
            values = container.values() if isinstance(container, dict) else container
            children.extend(value for value in values if isinstance(value, dict | list))
        level = children
    return False
