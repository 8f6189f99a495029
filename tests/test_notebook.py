"""Results display themselves in Jupyter: docs/notebooks/journeymine.ipynb run by a real kernel."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "journeymine.ipynb"


@pytest.fixture(scope="module")
def executed():
    nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")
    pytest.importorskip("ipykernel", reason="ipykernel (the Python kernel) is in the test extra")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def outputs(cell) -> dict[str, str]:
    """The rich output of a cell, by MIME type (its last ``execute_result`` or ``display_data``)."""
    assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    results = [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
    assert results, f"no output from {cell.source!r}"
    return dict(results[-1]["data"])


def test_the_notebook_runs_without_errors(executed):
    for cell in executed:
        assert not [o for o in cell.outputs if o.output_type == "error"], (cell.source, cell.outputs)


def test_a_dfg_shows_its_process_map(executed):
    data = outputs(executed[1])
    assert "image/svg+xml" in data
    svg = data["image/svg+xml"]
    assert svg.lstrip().startswith(("<svg", "<?xml")) and "Website visit" in svg


def test_a_segmented_dfg_shows_one_map_per_segment(executed):
    data = outputs(executed[2])
    html = data["text/html"]
    for segment in ("first-time buyer", "mover", "refinancer"):
        assert segment in html
    assert html.count("<svg") == 3


def test_variants_and_the_journey_map_show_their_views(executed):
    variants = outputs(executed[3])
    assert "<svg" in variants.get("text/html", variants.get("image/svg+xml", ""))
    journey = outputs(executed[4])
    assert "<svg" in journey["text/html"] and "Orientation" in journey["text/html"]


def test_render_in_a_notebook(executed):
    assert "image/svg+xml" in outputs(executed[5])
