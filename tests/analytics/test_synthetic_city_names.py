"""No invented facts about real places: every output computed from the SYNTHETIC city panel
(the equalization page in both languages, every CSV download, the API, the commands' text,
JSON, CSV and LaTeX files) names its cities by synthetic labels, never by a real city's name."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from analytics import kinds
from analytics.models import AnalysisRun
from geography import load_prefecture_cities
from tests.analytics import run_data

pytestmark = pytest.mark.django_db

_SUFFIXES = ("市", "地区", "盟")


def _real_names() -> set[str]:
    """Each real city's name, and its name without the administrative suffix (成都市 and
    成都), so that a shortened mention is caught too."""
    names = set()
    for name in load_prefecture_cities()["name"]:
        names.add(name)
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                names.add(name[: -len(suffix)])
    return names


def _real_names_in(text: str, names: set[str]) -> list[str]:
    return sorted(name for name in names if name in text)


def _body(response) -> str:
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return content.decode("utf-8-sig")


@pytest.fixture
def synthetic_run(client, django_capture_on_commit_callbacks):
    world = run_data.run_world().world
    client.force_login(world.admin, backend="django.contrib.auth.backends.ModelBackend")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analytics:run_list", kwargs={"kind": "equalization"}))
    run = AnalysisRun.objects.filter(kind=AnalysisRun.Kind.EQUALIZATION).latest("id")
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.result["synthetic"] is True
    return run


@pytest.mark.slow  # a real equalization run (system GMM by region, both specifications)
def test_no_real_city_name_in_any_output_of_a_synthetic_panel(client, synthetic_run, tmp_path):
    run = synthetic_run
    names = _real_names()
    outputs: dict[str, str] = {}
    for prefix in ("", "/zh-hans"):
        outputs[f"page{prefix}"] = client.get(f"{prefix}/analytics/runs/{run.pk}/").content.decode()
        for table in kinds.registry()[run.kind].tables:
            url = reverse("analytics:run_export", kwargs={"pk": run.pk, "table": table})
            outputs[f"csv{prefix} {table}"] = _body(client.get(f"{prefix}{url}"))
    outputs["api"] = _body(client.get(f"/api/v1/analysis-runs/{run.pk}/"))
    for command, arguments in (
        ("equalization", []),
        ("equalization", ["--json"]),
        ("reproduce_paper", ["--out", str(tmp_path)]),
    ):
        out = io.StringIO()
        call_command(command, *arguments, stdout=out)
        outputs[f"{command} {' '.join(arguments)}"] = out.getvalue()
    for path in sorted(tmp_path.iterdir()):
        outputs[path.name] = path.read_text()

    # The outputs really are there and really name cities (by their labels).
    assert {"table1.csv", "table1.tex", "table2_model1.tex", "adl_recovery.csv"} <= set(outputs)
    assert "Synthetic city" in outputs["csv equity-weights"]
    assert "合成城市" in outputs["page/zh-hans"]
    assert re.search(r"Synthetic city \d{3} · \w+", outputs["api"])
    found = {source: _real_names_in(text, names) for source, text in outputs.items()}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


@pytest.mark.slow  # a real equalization run (system GMM by region, both specifications)
def test_every_output_of_the_calibrated_table_1_says_so(client, synthetic_run, tmp_path):
    run = synthetic_run
    url = reverse("analytics:run_export", kwargs={"pk": run.pk, "table": "table1"})
    rows = _body(client.get(url)).splitlines()
    assert rows[0].split(",")[3] == "cv_pubindicator_status"
    assert all(row.split(",")[3] == "calibrated" for row in rows[1:])
    assert (
        "Calibrated, not reproduced." in client.get(f"/analytics/runs/{run.pk}/").content.decode()
    )
    out = io.StringIO()
    call_command("reproduce_paper", "--out", str(tmp_path), stdout=out)
    for text in (
        out.getvalue(),
        (tmp_path / "table1.csv").read_text(),
        (tmp_path / "table1.tex").read_text(),
    ):
        assert "calibrated" in text and "by construction" in text
    out = io.StringIO()
    call_command("reproduce_paper", "--json", "--out", str(tmp_path), stdout=out)
    assert json.loads(out.getvalue())["table1"]["calibrated"] is True


@pytest.mark.slow  # a real forecast, equalization and allocation
def test_an_allocation_weighted_by_a_synthetic_panel_names_no_real_city(
    client, django_capture_on_commit_callbacks
):
    """Communities of a real city (the factories' 南京市, as the demo's are of real cities),
    weighted by a SYNTHETIC equalization run: the allocation's pages, CSV, API and command text
    word the weights' reasons with the synthetic label, never the real city's name."""
    from analytics import actions
    from tests.analytics import tiny_city
    from tests.factories import AdministratorFactory

    communities = tiny_city.seed()
    assert {c.city.name for c in communities} == {"南京市"}
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        actions.analysis_run_start(kind="forecast", params={"horizon": 1}, user=admin)
        actions.analysis_run_start(kind="equalization", params={}, user=admin)
        run = actions.analysis_run_start(kind="allocation", params={"budget": 60_000}, user=admin)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.result["equity_weights_source"] == "equalization"

    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override("en"):  # unprefixed paths; the prefix picks the language
        paths = {"allocation": reverse("analytics:allocation")} | {
            f"csv {table}": reverse("analytics:run_export", kwargs={"pk": run.pk, "table": table})
            for table in kinds.registry()[run.kind].tables
        }
    outputs: dict[str, str] = {}
    for prefix in ("", "/zh-hans"):
        outputs[f"page{prefix}"] = client.get(f"{prefix}/analytics/runs/{run.pk}/").content.decode()
        for name, path in paths.items():
            response = client.get(f"{prefix}{path}")
            assert response.status_code == 200, (prefix, path)
            outputs[f"{name}{prefix}"] = _body(response)
    outputs["api"] = _body(client.get(f"/api/v1/analysis-runs/{run.pk}/"))
    out = io.StringIO()
    call_command("recommend_allocation", "--budget", "60000", stdout=out)
    outputs["recommend_allocation"] = out.getvalue()

    # The weights' reasons are there, naming the city by its synthetic label.
    assert "Synthetic city" in outputs["csv lines"]
    assert "合成城市" in outputs["csv lines/zh-hans"]
    names = _real_names()
    found = {source: _real_names_in(text, names) for source, text in outputs.items()}
    assert not any(found.values()), {k: v for k, v in found.items() if v}
