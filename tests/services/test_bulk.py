"""Bulk upload of residents and requests, and the exports. All data here is SYNTHETIC."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import include, path

from config.urls import urlpatterns as _site_urlpatterns
from core.errors import ActionNotAllowed
from residents.models import Resident
from services import bulk, exports
from services.models import RequestStatusChange, ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
    synthetic_national_id,
    synthetic_phone,
)

# The site's routes plus the bulk pages, until the lead wires them into config/urls.py.
urlpatterns = [*_site_urlpatterns, path("bulk/", include("services.bulk_urls"))]

pytestmark = pytest.mark.django_db


def _csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


def _xlsx(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def _resident_row(place_community, n: int, **overrides) -> dict:
    row = {
        "community": place_community.code,
        "name": f"合成{n}",
        "phone": synthetic_phone(90_000 + n),
        "national_id": synthetic_national_id(900_000 + n),
        "birth_year": 1960 + n,
        "gender": "female",
        "household_size": 2,
        "employment_status": "retired",
        "income_band": "low",
        "education": "primary",
        "health_needs": "chronic",
        "elderly_living_alone": "false",
        "children_in_household": 0,
        "hukou_type": "local_urban",
        "preferred_channel": "hotline",
        "portrait_consent": "yes",
    }
    return {**row, **overrides}


@pytest.fixture
def place():
    community = CommunityFactory()
    other = CommunityFactory()
    return {
        "community": community,
        "other": other,
        "worker": WorkerFactory(communities=[community]),
        "category": ServiceCategoryFactory(sla_hours=48),
    }


def _request_row(place, **overrides) -> dict:
    row = {
        "community": place["community"].code,
        "category": place["category"].code,
        "description": "Synthetic request: help with shopping",
        "urgency": "high",
        "channel": "hotline",
        "created_at": "2025-03-01T09:30:00+08:00",
        "resident_national_id": "",
    }
    return {**row, **overrides}


def test_good_resident_file_imports_every_row_with_lookup_hashes(place):
    rows = [_resident_row(place["community"], n) for n in range(3)]
    result = bulk.bulk_import_residents(
        user=place["worker"], file=_csv(rows), filename="residents.csv"
    )
    assert result.created == 3
    imported = Resident.objects.filter(community=place["community"]).order_by("birth_year")
    assert imported.count() == 3
    first = imported[0]
    assert first.national_id == rows[0]["national_id"]
    assert first.national_id_hash and first.phone_hash
    assert first.preferred_channel == "hotline" and first.elderly_living_alone is False


def test_good_request_file_imports_rows_with_history_and_sla(place):
    resident = ResidentFactory(community=place["community"])
    rows = [
        _request_row(place),
        _request_row(place, urgency="", channel="", created_at="", description="Second"),
        _request_row(place, resident_national_id=resident.national_id),
    ]
    result = bulk.bulk_import_requests(
        user=place["worker"], file=_csv(rows), filename="requests.csv"
    )
    assert result.created == 3
    first = ServiceRequest.objects.get(
        created_at=datetime.fromisoformat(rows[0]["created_at"]), resident__isnull=True
    )
    # 48 h SLA x 0.5 for high urgency
    assert (first.expected_completion_at - first.created_at).total_seconds() == 24 * 3600
    assert first.status == "submitted" and first.logged_by == place["worker"]
    second = ServiceRequest.objects.get(description="Second")
    assert second.urgency == "normal" and second.channel == "community_worker"
    assert ServiceRequest.objects.filter(resident=resident).count() == 1
    history = RequestStatusChange.objects.filter(request__community=place["community"])
    assert history.count() == 3
    assert set(history.values_list("to_status", flat=True)) == {"submitted"}


def test_xlsx_upload_imports(place):
    rows = [_request_row(place), _request_row(place, description="Another")]
    result = bulk.bulk_import_requests(
        user=AdministratorFactory(), file=_xlsx(rows), filename="requests.xlsx"
    )
    assert result.created == 2
    resident_rows = [_resident_row(place["community"], 50)]
    assert (
        bulk.bulk_import_residents(
            user=place["worker"], file=_xlsx(resident_rows), filename="r.xlsx"
        ).created
        == 1
    )


def test_bad_request_file_reports_each_problem_and_imports_nothing(place):
    ServiceRequestFactory(community=place["community"], category=place["category"])
    before = (ServiceRequest.objects.count(), RequestStatusChange.objects.count())
    rows = [
        _request_row(place),  # row 2: fine
        _request_row(place, category="no_such_service"),  # row 3
        _request_row(place, urgency="whenever"),  # row 4
        _request_row(place, created_at="yesterday-ish"),  # row 5
        _request_row(place, description=""),  # row 6
        _request_row(place, resident_national_id="123456789012345678"),  # row 7
        _request_row(place, category=place["category"].parent.code),  # row 8: first level
    ]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="bad.csv")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (3, "category"),
        (4, "urgency"),
        (5, "created_at"),
        (6, "description"),
        (7, "resident_national_id"),
        (8, "category"),
    }
    assert all(p.reason for p in caught.value.problems)
    assert (ServiceRequest.objects.count(), RequestStatusChange.objects.count()) == before


def test_portrait_facts_are_imported_only_with_consent(place):
    from analytics.queries import resident_profiles_frame

    facts = {
        name: ""
        for name in (
            "birth_year",
            "gender",
            "household_size",
            "employment_status",
            "income_band",
            "education",
            "health_needs",
            "elderly_living_alone",
            "children_in_household",
            "hukou_type",
        )
    }
    minimal = {
        "community": place["community"].code,
        "name": "",
        "phone": "",
        "national_id": "",
        "preferred_channel": "",
        "portrait_consent": "",
        **facts,
    }
    without_consent = _resident_row(place["community"], 1, portrait_consent="no")
    partial = _resident_row(place["community"], 2, income_band="")
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_residents(
            user=place["worker"],
            file=_csv([minimal, without_consent, partial]),
            filename="residents.csv",
        )
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (3, "portrait_consent"),
        (4, "income_band"),
    }
    consenting = _resident_row(place["community"], 3)
    result = bulk.bulk_import_residents(
        user=place["worker"], file=_csv([minimal, consenting]), filename="residents.csv"
    )
    assert result.created == 2
    bare = Resident.objects.get(community=place["community"], birth_year__isnull=True)
    assert bare.hukou_type == "" and not bare.portrait_consents.exists()
    full = Resident.objects.get(community=place["community"], birth_year=1963)
    consent = full.portrait_consents.get()
    assert consent.recorded_by == place["worker"] and consent.withdrawn_at is None
    assert set(resident_profiles_frame().index) == {full.pk}


def test_bad_resident_file_reports_problems_never_echoes_identifiers(place):
    existing = ResidentFactory(community=place["community"])
    before = Resident.objects.count()
    bad_phone = "12ab"
    rows = [
        _resident_row(place["community"], 1),
        _resident_row(place["community"], 2, phone=bad_phone),  # row 3
        _resident_row(place["community"], 3, national_id=existing.national_id),  # row 4
        _resident_row(place["community"], 1),  # row 5: same ID as row 2
        _resident_row(place["community"], 4, birth_year="nineteen", gender="x"),  # row 6
        _resident_row(place["community"], 5, community="NO-SUCH-CODE"),  # row 7
    ]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_residents(user=place["worker"], file=_csv(rows), filename="bad.csv")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (3, "phone"),
        (4, "national_id"),
        (5, "national_id"),
        (6, "birth_year"),
        (6, "gender"),
        (7, "community"),
    }
    text = " ".join(str(p) for p in caught.value.problems)
    assert existing.national_id not in text and bad_phone not in text
    assert Resident.objects.count() == before


def test_missing_required_column_is_a_header_problem(place):
    rows = [{k: v for k, v in _request_row(place).items() if k != "category"}]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="x.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "category")]


def test_worker_cannot_import_into_a_community_they_do_not_serve(place):
    before = ServiceRequest.objects.count()
    rows = [_request_row(place), _request_row(place, community=place["other"].code)]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="x.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "community")]
    assert ServiceRequest.objects.count() == before
    resident_rows = [_resident_row(place["other"], 7)]
    with pytest.raises(bulk.BulkImportError):
        bulk.bulk_import_residents(user=place["worker"], file=_csv(resident_rows), filename="r.csv")
    assert not Resident.objects.filter(community=place["other"]).exists()


def test_residents_may_not_bulk_import(place):
    with pytest.raises(ActionNotAllowed):
        bulk.bulk_import_requests(
            user=UserFactory(), file=_csv([_request_row(place)]), filename="x.csv"
        )


def test_public_export_suppresses_small_counts_and_has_no_identifiers(place):
    resident = ResidentFactory(community=place["community"])
    month = datetime.fromisoformat("2025-02-10T10:00:00+00:00")
    for _ in range(6):
        ServiceRequestFactory(
            community=place["community"], category=place["category"], created_at=month
        )
    ServiceRequestFactory(
        resident=resident, category=place["category"], created_at=month.replace(month=3)
    )
    frame = exports.public_frame()
    assert list(frame.columns) == ["community", "category", "month", "requests"]
    counts = dict(zip(frame["month"], frame["requests"], strict=True))
    assert counts == {"2025-02": "6", "2025-03": "<5"}
    csv_text = exports.public_export(fmt="csv").content.decode("utf-8-sig")
    for secret in (resident.national_id, resident.phone, resident.name, "Synthetic"):
        assert secret not in csv_text
    xlsx = exports.public_export(fmt="xlsx").content
    assert list(pd.read_excel(io.BytesIO(xlsx)).columns) == list(exports.PUBLIC_EXPORT_COLUMNS)


def test_requests_export_is_scoped_to_the_worker(place):
    mine = ServiceRequestFactory(community=place["community"], category=place["category"])
    ServiceRequestFactory(community=place["other"], category=place["category"])
    frame = exports.requests_frame(user=place["worker"])
    assert list(frame["id"]) == [mine.pk]
    assert "description" not in frame.columns
    xlsx = exports.requests_export(user=place["worker"], fmt="xlsx").content
    assert len(pd.read_excel(io.BytesIO(xlsx))) == 1


def test_requests_export_names_the_assigned_worker(place):
    """By ``User.display_name``: the full name when set, else the user name; empty when
    nobody is assigned."""
    named = WorkerFactory(communities=[place["community"]], first_name="Min", last_name="Li")
    unnamed = WorkerFactory(communities=[place["community"]], first_name="", last_name="")
    rows = {
        ServiceRequestFactory(
            community=place["community"], category=place["category"], assigned_to=person
        ).pk: expected
        for person, expected in ((named, "Min Li"), (unnamed, unnamed.username), (None, ""))
    }
    frame = exports.requests_frame(user=place["worker"])
    assert dict(zip(frame["id"], frame["assigned_to_name"], strict=True)) == rows
    csv_text = exports.requests_export(user=place["worker"], fmt="csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].endswith(",assigned_to_name")
    assert "Min Li" in csv_text
    xlsx = pd.read_excel(
        io.BytesIO(exports.requests_export(user=place["worker"], fmt="xlsx").content)
    )
    assert "Min Li" in set(xlsx["assigned_to_name"])


@pytest.mark.urls(__name__)
def test_upload_page_shows_problem_table_without_values(client, place):
    client.force_login(place["worker"])
    bad_id = "123456789012345678"
    upload = io.BytesIO(_csv([_request_row(place, resident_national_id=bad_id)]))
    upload.name = "bad.csv"
    response = client.post("/bulk/upload/", {"kind": "requests", "file": upload})
    assert response.status_code == 422
    page = response.content.decode()
    problems = page.split('id="bulk-problems"', 1)[1].split("</section>", 1)[0]
    assert "resident_national_id" in problems and bad_id not in page
    good = io.BytesIO(_csv([_request_row(place)]))
    good.name = "good.csv"
    response = client.post("/bulk/upload/", {"kind": "requests", "file": good})
    assert response.status_code == 200 and "Imported 1 rows" in response.content.decode()


@pytest.mark.urls(__name__)
def test_upload_page_refuses_residents(client):
    client.force_login(UserFactory())
    assert client.get("/bulk/upload/").status_code == 403


def test_command_prints_problems_and_imports_nothing(place, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([_request_row(place, urgency="soon")]))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_requests", str(bad), "--user", place["worker"].username)
    assert "row 2, column urgency" in capsys.readouterr().err
    assert not ServiceRequest.objects.exists()
    good = tmp_path / "good.csv"
    good.write_bytes(_csv([_resident_row(place["community"], 9)]))
    call_command("import_residents", str(good), "--user", place["worker"].username)
    assert Resident.objects.filter(community=place["community"]).count() == 1


def test_created_at_mixes_offsets_naive_times_and_blanks(place, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    rows = [
        _request_row(place, created_at="2025-03-01T09:30:00+08:00", description="a"),
        _request_row(place, created_at="2025-03-01T01:30:00Z", description="b"),
        _request_row(place, created_at="2025-03-01 09:30", description="c"),
        _request_row(place, created_at="", description="d"),
        _request_row(place, created_at="2999-01-01T00:00:00", description="e"),
    ]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="x.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(6, "created_at")]
    bulk.bulk_import_requests(user=place["worker"], file=_csv(rows[:4]), filename="x.csv")
    times = dict(ServiceRequest.objects.values_list("description", "created_at"))
    assert times["a"] == times["b"] == times["c"]
    assert times["d"] > times["a"]


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (b"\xff\xfe\x00not a table", "x.csv", "could not be read"),
        (b"not a workbook", "x.xlsx", "could not be read"),
        (b"community,category,description\n", "x.csv", "no data rows"),
        (b"community,category,description", "x.txt", ".csv or .xlsx"),
    ],
)
def test_unreadable_or_empty_file_is_one_clear_problem(place, content, filename, reason):
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=content, filename=filename)
    [problem] = caught.value.problems
    assert problem.row == 1 and reason in problem.reason


@pytest.mark.urls(__name__)
def test_export_pages(client, place):
    ServiceRequestFactory(community=place["community"], category=place["category"])
    assert client.get("/bulk/export/public.csv").status_code == 200
    assert client.get("/bulk/export/public.pdf").status_code == 404
    assert client.get("/bulk/export/requests.csv").status_code == 302  # to the login page
    client.force_login(place["worker"])
    response = client.get("/bulk/export/requests.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="service-requests.xlsx"'


# The catalogue's extra questions, as the web, API and Open311 enforce them ----------------------


@pytest.fixture
def road_repair(place):
    """A service that asks one required question (a list) and one optional number."""
    place["category"].extra_fields = [
        {
            "code": "hazard",
            "label": "What is wrong?",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "pothole", "name": "Pothole"}, {"key": "lighting", "name": "Light"}],
        },
        {"code": "width_m", "label": "Width (m)", "datatype": "number", "required": False},
    ]
    place["category"].save()
    return place["category"]


def test_bulk_requests_need_the_services_required_answers(place, road_repair):
    before = ServiceRequest.objects.count()
    rows = [_request_row(place)]  # no answer to the required question
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="r.csv")
    assert {(p.row, p.column) for p in caught.value.problems} == {(2, "answer:hazard")}
    assert ServiceRequest.objects.count() == before


def test_bulk_request_answers_are_checked_and_stored_like_the_single_path(place, road_repair):
    rows = [
        _request_row(place, **{"answer:hazard": "pothole", "answer:width_m": "2.5"}),
        _request_row(place, **{"answer:hazard": "volcano", "answer:width_m": ""}),  # row 3
        _request_row(place, **{"answer:hazard": "lighting", "answer:width_m": "wide"}),  # row 4
    ]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="r.csv")
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (3, "answer:hazard"),
        (4, "answer:width_m"),
    }
    result = bulk.bulk_import_requests(user=place["worker"], file=_csv(rows[:1]), filename="r.csv")
    assert result.created == 1
    assert ServiceRequest.objects.get().attributes == {"hazard": "pothole", "width_m": 2.5}


def test_an_answer_to_a_question_the_service_does_not_ask_is_a_problem(place):
    rows = [_request_row(place, **{"answer:hazard": "pothole"})]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv(rows), filename="r.csv")
    assert {(p.row, p.column) for p in caught.value.problems} == {(2, "answer:hazard")}


# Row numbers with blank lines: a CSV's rows are named as the file shows them -----------------

# The request file as lines: None is a blank line. Blank lines at the start of the data, in the
# middle and several in a row; the faulty row is line 11 of the file.
_BLANK_LINE_LAYOUT = [None, None, "good", None, "good", None, None, None, "good", "bad", "good"]
_FAULTY_ROW = 11


def _rows_with_blank_lines(place) -> list[dict | None]:
    return [
        None
        if kind is None
        else _request_row(place, urgency="whenever" if kind == "bad" else "high")
        for kind in _BLANK_LINE_LAYOUT
    ]


def _csv_lines(rows: list[dict | None]) -> bytes:
    header = list(next(row for row in rows if row is not None))
    lines = [",".join(header)]
    lines += ["" if row is None else ",".join(str(row[c]) for c in header) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _xlsx_rows(rows: list[dict | None]) -> bytes:
    import openpyxl

    header = list(next(row for row in rows if row is not None))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([] if row is None else [row[c] for c in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_csv_rows_after_blank_lines_are_named_by_their_line(place):
    content = _csv_lines(_rows_with_blank_lines(place))
    assert content.decode().splitlines()[_FAULTY_ROW - 1].count("whenever") == 1
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=content, filename="gaps.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(_FAULTY_ROW, "urgency")]
    assert ServiceRequest.objects.count() == 0


def test_the_same_file_as_xlsx_names_the_same_row(place):
    content = _xlsx_rows(_rows_with_blank_lines(place))
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=content, filename="gaps.xlsx")
    assert [(p.row, p.column) for p in caught.value.problems] == [(_FAULTY_ROW, "urgency")]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_blank_rows_are_skipped_not_refused(place, suffix):
    rows = [None if kind is None else _request_row(place) for kind in _BLANK_LINE_LAYOUT]
    content = _csv_lines(rows) if suffix == "csv" else _xlsx_rows(rows)
    result = bulk.bulk_import_requests(
        user=place["worker"], file=content, filename=f"gaps.{suffix}"
    )
    assert result.created == ServiceRequest.objects.count() == 5


@pytest.mark.urls(__name__)
def test_upload_page_names_the_row_under_blank_lines(client, place):
    client.force_login(place["worker"])
    upload = io.BytesIO(_csv_lines(_rows_with_blank_lines(place)))
    upload.name = "gaps.csv"
    response = client.post("/bulk/upload/", {"kind": "requests", "file": upload})
    assert response.status_code == 422
    assert f'<td class="num">{_FAULTY_ROW}</td>' in response.content.decode()


def test_a_quoted_line_break_is_one_row_as_a_spreadsheet_shows_it(place):
    """A description over two lines is one record: a spreadsheet shows one row for it (a text
    editor two lines), and the rows under it are named as the spreadsheet names them."""
    multi_line = _request_row(place, description="Line one\nline two")
    content = (
        pd.DataFrame([multi_line, _request_row(place, urgency="whenever")])
        .to_csv(index=False)
        .encode()
    )
    assert content.count(b"\n") == 4  # four lines of text, three rows
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=content, filename="multi.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "urgency")]


def test_an_action_refusal_names_the_row_under_blank_lines(place, monkeypatch):
    """Rows the write action refuses are named by the file's rows, not by their position
    among the records."""
    from core.errors import RowsInvalid
    from services import actions

    def refuse_the_fourth(*, user, rows):
        raise RowsInvalid({3: {"description": ["Refused."]}})

    monkeypatch.setattr(actions, "requests_import", refuse_the_fourth)
    rows = [None if kind is None else _request_row(place) for kind in _BLANK_LINE_LAYOUT]
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=_csv_lines(rows), filename="g.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(_FAULTY_ROW, "description")]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_file_starting_with_blank_rows_is_refused_at_row_1(place, suffix):
    """The header is row 1: a file whose column names sit lower is refused saying so, not as
    wider than an empty header at its first data row."""
    rows = [_request_row(place)]
    if suffix == "csv":
        content = b"\r\n\r\n" + _csv_lines(rows)
    else:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(_xlsx_rows(rows)))
        workbook.active.insert_rows(1, amount=2)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    with pytest.raises(bulk.BulkImportError) as caught:
        bulk.bulk_import_requests(user=place["worker"], file=content, filename=f"x.{suffix}")
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (1, "file")
    assert "first row must hold the column names" in problem.reason


def test_a_refused_choice_names_each_by_its_label_with_the_code_to_write(place):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(bulk.BulkImportError) as refused:
        bulk.bulk_import_requests(
            user=place["worker"],
            file=_csv([_request_row(place, urgency="soon")]),
            filename="bad.csv",
        )
    (problem,) = refused.value.problems
    assert problem.column == "urgency"
    # The reader's words, the code the cell must hold in brackets, the reader's list comma.
    assert (
        problem.reason
        == "请从以下选项中选择：低（low）、一般（normal）、高（high）、特急（critical）。"
    )
