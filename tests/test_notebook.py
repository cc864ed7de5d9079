"""The example notebook runs top to bottom, and the notebook DataFrame functions agree with the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgekit import api
from judgekit import notebook as nb
from tests.conftest import write_fact_items

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="install the test extras (nbformat, nbclient, ipykernel)")
    nbclient = pytest.importorskip("nbclient", reason="install the test extras (nbformat, nbclient, ipykernel)")
    pytest.importorskip("ipykernel", reason="install the test extras (nbformat, nbclient, ipykernel)")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    outputs = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
                      for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "bias_effect" in outputs and "comparison.html" in outputs


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nb")
    db = tmp / "n.duckdb"
    res = api.evaluate("bias", judge="scripted/bandwagon=0.5", data=str(write_fact_items(tmp / "d.jsonl", 16)),
                       db=db, probes=["position", "bandwagon"], make_report=False, progress=False)
    return db, res.run_id


def test_dataframe_functions(run):
    db, run_id = run
    assert nb.runs(db)["run_id"].tolist() == [run_id]
    v = nb.verdicts(db=db)
    assert len(v) == nb.runs(db)["n_verdicts"].iloc[0]
    assert {"cue_target", "template", "placement", "label", "kind"} <= set(v.columns) and "raw" not in v
    t = nb.verdicts(run_id, db, texts=True, probe="bandwagon", limit=5)
    assert len(t) == 5 and (t["probe"] == "bandwagon").all() and {"prompt", "first", "raw"} <= set(t.columns)
    cued = v[(v.probe == "bandwagon") & v.condition.str.startswith("cue_")]  # neutral controls favour none
    assert cued["cue_target"].isin(["A", "B"]).all()
    prof = nb.bias_profile(run_id, db)
    assert prof["probe"].tolist() == ["bandwagon"] and prof["judge"].iloc[0] == "scripted/bandwagon=0.5"
    assert prof["metric"].tolist() == ["cue_net_effect"] and {"bias_effect", "added_text_effect"} <= set(prof)
    m = nb.metrics(run_id, db, metric="bias_effect")
    assert (m["metric"] == "bias_effect").all() and len(m) > 1
    assert nb.card(db=db)["run"]["run_id"] == run_id
    cards = nb.cards(db=db)
    assert set(cards["probe"]) == {"position", "bandwagon"}
    heads = cards[cards["headline"]]
    assert set(zip(heads["probe"], heads["metric"], strict=True)) == {("position", "first_position_rate"),
                                                                     ("bandwagon", "cue_net_effect")}
