"""The fixture notebooks are what their generator writes, in the shape Jupyter writes to
disk: so the tests that use them test what users' files hold."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

from helpers import FIXTURES


def generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", FIXTURES.parent / "make_fixtures.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_disk() -> dict[str, Any]:
    return {
        str(path.relative_to(FIXTURES)): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(FIXTURES.rglob("*.ipynb"))
    }


def test_the_committed_notebooks_are_what_the_generator_writes():
    rendered = generator().render()
    # Regenerate with: python tests/fixtures/make_fixtures.py
    assert sorted(rendered) == sorted(on_disk())
    for path, text in rendered.items():
        assert (FIXTURES / path).read_text(encoding="utf-8") == text, path


def multiline_values(nb: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every value nbformat stores as a list of lines, with where it is."""
    found = []
    cells = nb.get("cells") or [c for ws in nb.get("worksheets", []) for c in ws["cells"]]
    for cell in cells:
        for key in ("source", "input"):
            if key in cell:
                found.append((key, cell[key]))
        for name, bundle in (cell.get("attachments") or {}).items():
            found += [(f"attachment {name} {m}", v) for m, v in bundle.items() if "text" in m]
        for output in cell.get("outputs", []):
            if "text" in output:
                found.append((f"{output['output_type']} text", output["text"]))
            for mime, value in (output.get("data") or {}).items():
                if mime.startswith("text/") or mime == "image/svg+xml":
                    found.append((mime, value))
            for short in ("html", "svg", "latex"):
                if short in output:
                    found.append((short, output[short]))
    return found


def test_fixtures_hold_the_shapes_real_notebooks_have():
    notebooks = on_disk()
    versions = {(nb["nbformat"], nb["nbformat_minor"]) for nb in notebooks.values()}
    assert versions == {(3, 0), (4, 0), (4, 1), (4, 4), (4, 5)}
    everything = json.dumps(notebooks)
    for needle in ("((survey-table))", "{{embed ((survey-chart))", "[[survey.ipynb]]"):
        assert needle in everything
    for path, nb in notebooks.items():
        # Multiline strings are lists of lines, never one string
        for where, value in multiline_values(nb):
            assert isinstance(value, list), (path, where)
            assert all(line.endswith("\n") for line in value[:-1]), (path, where)
        if nb["nbformat"] == 4:
            has_ids = {"id" in cell for cell in nb["cells"]}
            assert has_ids == {nb["nbformat_minor"] >= 5}, path
    survey = notebooks["survey.ipynb"]
    outputs = [o for cell in survey["cells"] for o in cell.get("outputs", [])]
    bundles = [o["data"] for o in outputs if "data" in o]
    # JSON stays a JSON value; a PNG is one base64 string
    assert any(isinstance(b.get("application/json"), dict) for b in bundles)
    assert any(isinstance(b.get("image/png"), str) for b in bundles)
    assert any("image/svg+xml" in b for b in bundles)
    assert any('class="dataframe"' in "".join(b.get("text/html", [])) for b in bundles)
    assert {o["output_type"] for o in outputs} >= {"stream", "execute_result", "display_data"}
    sketch = next(c for c in survey["cells"] if c.get("id") == "survey-sketch")
    assert "![sketch](attachment:sketch.png)" in "".join(sketch["source"])
    assert isinstance(sketch["attachments"]["sketch.png"]["image/png"], str)


def test_notebooks_are_written_as_nbformat_writes_them():
    # JSON with one space of indent and sorted keys, ending in a newline
    for path in sorted(FIXTURES.rglob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
