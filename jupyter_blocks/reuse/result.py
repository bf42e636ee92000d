"""What ``use()`` returns: the target's value and outputs, the names the cells defined,
and everything needed to see what ran (a glass brick)."""

from __future__ import annotations

import base64
import html
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .runner import Output

DUNDER_OR_INJECTED = ("get_ipython",)


@dataclass(frozen=True)
class CellRun:
    """One cell ``use()`` ran: its notebook, its number (from 1, as people count), its
    0-based index (as nbformat and the REST API count) and its id."""

    path: str
    number: int
    index: int
    id: str | None

    def __str__(self) -> str:
        return f"{self.path} cell {self.number}" + (f" ({self.id})" if self.id else "")


class Result(Mapping[str, Any]):
    """The result of ``use()``.

    - ``value``: the target cell's last expression (as ``Out`` would hold it), or None.
    - ``r["name"]`` / ``r.name``: a name the cells defined (or an override), from the
      fresh namespace they ran in; ``dict(r)`` gives them all. Attributes of the result
      itself (``value``, ``cells``...) win over names for ``r.name``; ``r["name"]``
      always gives the name.
    - ``cells``: the CellRun of every cell that ran, in order (the target last).
    - ``source``: the code that ran, each cell under a ``# %%`` marker naming it.
    - ``overrides``: the keyword arguments given.
    - ``skipped``: cells left out because an override replaced what they define.
    - ``outputs``: what the target printed and displayed while it ran.

    Displayed in a notebook, it shows one line of provenance, then the target's outputs
    and its value, as the target's own cell would.
    """

    def __init__(
        self,
        *,
        ref: str,
        path: str,
        value: Any,
        namespace: dict[str, Any],
        cells: list[CellRun],
        overrides: dict[str, Any],
        skipped: list[tuple[CellRun, list[str]]],
        outputs: list[Output],
        source: str,
        saved: str | None,
    ) -> None:
        self.ref = ref
        self.source = source
        self.path = path
        self.value = value
        self.cells = tuple(cells)
        self.overrides = dict(overrides)
        self.skipped = tuple(cell for cell, _ in skipped)
        self._replaced = skipped
        self.outputs = list(outputs)
        self.saved = saved
        self._names = {
            k: v
            for k, v in namespace.items()
            if not (k.startswith("__") and k.endswith("__")) and k not in DUNDER_OR_INJECTED
        }

    # -- the names the cells defined -------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        try:
            return self._names[name]
        except KeyError:
            raise KeyError(self._no_such(name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the result's own attributes come first.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.__dict__["_names"][name]
        except KeyError:
            raise AttributeError(self._no_such(name)) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._names))

    def _no_such(self, name: str) -> str:
        shown = ", ".join(sorted(self._names)[:20])
        return f"the cells of {self.ref} define no {name!r}; they define: {shown}"

    # -- what ran ----------------------------------------------------------------------
    @property
    def provenance(self) -> str:
        """One line: which block, from which notebook, which cells, with which
        overrides."""
        numbers = ", ".join(str(c.number) for c in self.cells)
        plural = "s" if len(self.cells) > 1 else ""
        line = f"use({self.ref!r}): {self.path}, ran cell{plural} {numbers}"
        if self.overrides:
            line += " with " + ", ".join(f"{k}={describe(v)}" for k, v in self.overrides.items())
        for cell, names in self._replaced:
            line += f"; cell {cell.number} skipped ({', '.join(names)} given)"
        if self.saved:
            line += f" (file saved {self.saved.replace('T', ' ').replace('+00:00', ' UTC')})"
        return line

    def __repr__(self) -> str:
        return f"<{self.provenance}>"

    # -- display -----------------------------------------------------------------------
    def _ipython_display_(self) -> None:
        from IPython.display import clear_output, display, publish_display_data

        publish_display_data(self._provenance_bundle())
        for output in self.outputs:
            if output.kind == "stream":
                stream = sys.stderr if output.name == "stderr" else sys.stdout
                stream.write(output.text)
                stream.flush()
            elif output.kind == "display":
                publish_display_data(
                    output.data,
                    output.metadata,
                    transient=output.transient,
                    update=output.update,
                )
            elif output.kind == "clear":
                clear_output(wait=output.text == "wait")
        if self.value is not None:
            display(self.value)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """One bundle for frontends that do not call ``_ipython_display_``: the
        provenance, the text and images the target produced, and its value."""
        plain = [self.provenance]
        parts = [self._provenance_bundle()["text/html"]]
        for output in self.outputs:
            if output.kind == "stream":
                plain.append(output.text.rstrip("\n"))
                parts.append(f"<pre>{html.escape(output.text)}</pre>")
            elif output.kind == "display":
                plain.append(str(output.data.get("text/plain", "")))
                parts.append(_html_of(output.data))
        if self.value is not None:
            plain.append(repr(self.value))
            formatter = getattr(self.value, "_repr_html_", None)
            value_html = formatter() if callable(formatter) else None
            parts.append(value_html or f"<pre>{html.escape(repr(self.value))}</pre>")
        return {"text/plain": "\n".join(plain), "text/html": "\n".join(parts)}

    def _provenance_bundle(self) -> dict[str, str]:
        return {
            "text/plain": self.provenance,
            "text/html": (
                '<div class="jp-Blocks-UseProvenance" style="font-size: 0.85em; '
                f'opacity: 0.75">{html.escape(self.provenance)}</div>'
            ),
        }


def _html_of(data: dict[str, Any]) -> str:
    if "text/html" in data:
        return str(_joined(data["text/html"]))
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            payload = _joined(data[mime])
            if isinstance(payload, bytes):
                payload = base64.b64encode(payload).decode()
            return f'<img src="data:{mime};base64,{payload}"/>'
    return f"<pre>{html.escape(str(_joined(data.get('text/plain', ''))))}</pre>"


def _joined(value: Any) -> Any:
    return "".join(value) if isinstance(value, list) else value


def describe(value: Any, limit: int = 40) -> str:
    """A short description of an override's value: its type, and its shape or a
    shortened repr."""
    shape = getattr(value, "shape", None)
    kind = type(value).__name__
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return f"{kind} {shape}"
    if isinstance(value, (int, float, complex, bool, str, bytes)) or value is None:
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    size = len(value) if isinstance(value, (list, tuple, dict, set, frozenset)) else None
    return f"{kind}({size})" if size is not None else kind
