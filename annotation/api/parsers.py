"""Request body parsing for the REST API."""

import json
from typing import IO

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """The REST framework's JSON parser, refusing text that is not valid Unicode.

    JSON may spell a lone UTF-16 surrogate as an escape (``"\\ud800"``). Such a string cannot be written out
    as UTF-8: an error message that quotes the input (``"\\ud800" is not a valid choice``) failed its own
    response, and the database refuses it. Escaped pairs (emoji and the like) are ordinary characters.
    """

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: dict | None = None) -> object:
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ParseError(_("The request holds text that is not valid Unicode (a lone surrogate).")) from None
        return data
