"""JSON merge patch (RFC 7396), for ``{{embed ((id)) outputs with {...}}}``: a Vega-Lite
output shown with changes (a bar chart instead of lines, another title) and no kernel.

RFC 7396 section 2 gives the algorithm; its Appendix A examples are in
``spec/syntax-cases.json`` (``merge_patch``), run by the Python and the frontend tests.
"""

from __future__ import annotations

from typing import Any

import orjson

# Vega-Lite mime types, as JupyterLab's Vega extension renders them.
VEGALITE_PREFIX = "application/vnd.vegalite."


class PatchError(ValueError):
    """The patch text is not a JSON object; the message says why."""


def parse_patch(text: str) -> dict[str, Any]:
    """The patch written after ``with``, or PatchError saying what is wrong."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise PatchError(f"the patch is not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise PatchError("the patch must be a JSON object")
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` applied (a new value; neither argument changes)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def patched_output(output: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """An output whose Vega-Lite specs have ``patch`` applied, or PatchError when it
    holds none (the patch applies to a chart, not to a table or a picture)."""
    data = output.get("data")
    if not isinstance(data, dict):
        raise PatchError("this output holds no Vega-Lite chart to patch")
    specs = [mime for mime in data if mime.startswith(VEGALITE_PREFIX)]
    if not specs:
        raise PatchError("this output holds no Vega-Lite chart to patch")
    patched = dict(data)
    for mime in specs:
        patched[mime] = merge_patch(data[mime], patch)
    return {**output, "data": patched}
