"""JSON rendering with orjson: listing 1,000 jobs spent a fifth of its time in the standard
library's encoder (docs/benchmarks.md)."""
import json

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder()
OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS  # "Z" for UTC, as DRF's encoder writes it


class FastJSONRenderer(JSONRenderer):
    """Same output as DRF's JSONRenderer for our answers; DRF's encoder still handles the
    types orjson does not know (lazy strings, decimals...)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=_fallback.default, option=OPTIONS)
        except orjson.JSONEncodeError:
            # A lone surrogate (echoed from a request, say as an unknown field's name) is not
            # UTF-8: write it \\u-escaped in ASCII JSON instead of failing the answer.
            return json.dumps(data, cls=JSONEncoder, ensure_ascii=True).encode("ascii")
