"""The bulk upload's templates and its codes: a template filled in from its own Codes sheet
imports, a worker sees only their own communities, every column the importer constrains is
listed, and the lists read in the reader's language. All data here is SYNTHETIC."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pandas as pd
import pytest
from django.utils import translation

from residents.models import Resident
from services import bulk, bulk_templates
from services.models import ServiceCategory, ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    UserFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

KINDS = ("requests", "residents")
IMPORTED_MODEL = {"requests": ServiceRequest, "residents": Resident}
# Free text the importer takes as it is: every other column has a rule in the codes list.
FILLER = "SYNTHETIC"
NOT_A_CODE = "zz-not-a-code"


@pytest.fixture
def only_road_repair(db):
    """One active service, which asks a required list question (``hazard``)."""
    services = ServiceCategory.objects.filter(parent__isnull=False)
    services.exclude(code="road_repair").update(active=False)
    return services.get(code="road_repair")


@pytest.fixture
def worker_client(client):
    worker = WorkerFactory(communities=[CommunityFactory(code="SYN-ELM")])
    client.force_login(worker)
    return client


def _download(client, kind: str, fmt: str) -> bytes:
    response = client.get(f"/bulk/template/{kind}.{fmt}")
    assert response.status_code == 200, response.content[:300]
    return response.content


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _codes_from_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    """The Codes sheet's codes by column (its rows: column, code, meaning; a column's first
    row holds its rule and no code)."""
    codes: dict[str, list[str]] = {}
    for column, code, _meaning in rows[1:]:
        codes.setdefault(column, [])
        if code:
            codes[column].append(code)
    return codes


def _template(client, kind: str, fmt: str) -> tuple[list[str], dict[str, list[str]], object]:
    """The template's header, its codes (from its Codes sheet, or for a CSV the codes file
    beside it) and, for XLSX, the workbook."""
    content = _download(client, kind, fmt)
    if fmt == "csv":
        header = _csv_rows(content)[0]
        codes_csv = client.get(f"/bulk/codes/{kind}.csv")
        assert codes_csv.status_code == 200
        return header, _codes_from_rows(_csv_rows(codes_csv.content)), None
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert len(book.worksheets) == 2
    table, codes_sheet = book.worksheets
    header = [cell.value for cell in table[1]]
    rows = [["" if v is None else str(v) for v in row] for row in codes_sheet.values]
    return header, _codes_from_rows(rows), book


def _row_from_codes(kind: str, header: list[str], codes: dict[str, list[str]]) -> dict:
    """One row written only from the template's own codes: each column with codes takes its
    first; the rest are blank, but the free text a row needs and the portrait numbers."""
    row = {column: (codes.get(column) or [""])[0] for column in header}
    if kind == "requests":
        row["description"] = f"{FILLER} pothole on the main road"
    else:
        row["name"] = FILLER
        for column in bulk.RESIDENT_NUMBERS:
            row[column] = str(bulk.number_range(column)[0])
    return row


def _upload(client, kind: str, content: bytes, filename: str):
    upload = io.BytesIO(content)
    upload.name = filename
    return client.post("/bulk/upload/", {"kind": kind, "file": upload})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_template_filled_from_its_own_codes_imports_through_the_upload_page(
    worker_client, only_road_repair, kind, fmt
):
    header, codes, book = _template(worker_client, kind, fmt)
    required = bulk.REQUEST_REQUIRED if kind == "requests" else bulk.RESIDENT_REQUIRED
    assert tuple(header[: len(required)]) == required
    row = _row_from_codes(kind, header, codes)
    if kind == "requests":
        assert row["answer:hazard"] == "pothole"  # the service's required question, answered
    if fmt == "csv":
        content = pd.DataFrame([row], columns=header).to_csv(index=False).encode()
    else:
        table = book.worksheets[0]
        table.delete_rows(2, table.max_row)  # the example row goes, as it says
        table.append([row[column] for column in header])
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    model = IMPORTED_MODEL[kind]
    before = model.objects.count()
    response = _upload(worker_client, kind, content, f"filled.{fmt}")
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert "Imported 1 rows" in response.content.decode()
    assert model.objects.count() == before + 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_templates_example_row_would_import_for_the_user(worker_client, kind, fmt):
    """The example row (with the whole catalogue, whose first service asks a required
    question) is one that would import: it shows a good row, not only the columns."""
    content = _download(worker_client, kind, fmt)
    response = _upload(worker_client, kind, content, f"template.{fmt}")
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert "Imported 1 rows" in response.content.decode()


def _community_codes(client) -> set[str]:
    """Every community code a user's downloads and page offer."""
    found: set[str] = set()
    for kind in KINDS:
        for fmt in ("csv", "xlsx"):
            header, codes, _book = _template(client, kind, fmt)
            found |= set(codes["community"])
            rows = _csv_rows(_download(client, kind, "csv"))
            found |= {line[header.index("community")] for line in rows[1:]}
    page = client.get("/bulk/upload/").content.decode()
    card = page.split('id="bulk-codes"', 1)[1].split("</section>", 1)[0]
    for block in re.findall(r'data-column="community">(.*?)</details>', card, re.S):
        found |= set(re.findall(r"<li><code>([^<]+)</code>", block))
    return found


def test_a_workers_template_and_codes_list_only_their_own_communities(client):
    elm, pine, oak = (CommunityFactory(code=c) for c in ("SYN-ELM", "SYN-PINE", "SYN-OAK"))
    first = WorkerFactory(communities=[elm])
    second = WorkerFactory(communities=[pine, oak])
    client.force_login(first)
    assert _community_codes(client) == {"SYN-ELM"}
    client.force_login(second)
    assert _community_codes(client) == {"SYN-PINE", "SYN-OAK"}


def test_residents_get_neither_template_nor_codes(client):
    client.force_login(UserFactory())
    for url in ("/bulk/template/requests.xlsx", "/bulk/template/residents.csv"):
        assert client.get(url).status_code == 403
    assert client.get("/bulk/codes/requests.csv").status_code == 403


def test_an_unknown_kind_or_format_is_not_found(worker_client):
    assert worker_client.get("/bulk/template/capacities.csv").status_code == 404
    assert worker_client.get("/bulk/template/requests.ods").status_code == 404
    assert worker_client.get("/bulk/codes/capacities.csv").status_code == 404


# Every column the importer constrains is listed ----------------------------------------------


def _good_row(kind: str, community, category) -> dict:
    if kind == "requests":
        return {"community": community.code, "category": category.code, "description": FILLER}
    row = {name: "" for name in bulk.RESIDENT_COLUMNS}
    row.update(community=community.code, portrait_consent="yes", elderly_living_alone="no")
    row.update({c: str(bulk.number_range(c)[0]) for c in bulk.RESIDENT_NUMBERS})
    row.update({c: bulk.choice_codes(codes)[0] for c, codes in bulk.RESIDENT_CHOICES.items()})
    return row


def _problems(kind: str, user, row: dict) -> set[tuple[str, str]]:
    """The (column, reason) of each problem the importer finds in one row."""
    validate = bulk.validate_requests if kind == "requests" else bulk.validate_residents
    frame = pd.DataFrame([row], dtype=object).fillna("")
    frame.index = pd.RangeIndex(2, 3)
    _rows, problems = validate(user=user, frame=frame)
    return {(problem.column, problem.reason) for problem in problems}


def _problem_columns(kind: str, user, row: dict) -> set[str]:
    return {column for column, _reason in _problems(kind, user, row)}


@pytest.mark.parametrize("kind", KINDS)
def test_every_column_the_importer_constrains_is_in_the_codes_list(only_road_repair, kind):
    """The constrained columns are found by asking the importer itself: a column in its
    definitions (``bulk.REQUEST_COLUMNS``, ``bulk.RESIDENT_COLUMNS``) that refuses a value
    that is no code is one whose codes or rule the list must give, so a column added later
    without its codes fails here. Each code listed for a column is one the importer takes."""
    community = CommunityFactory()
    user = WorkerFactory(communities=[community])
    good = _good_row(kind, community, only_road_repair)
    if kind == "requests":
        good["answer:hazard"] = "pothole"
    assert _problem_columns(kind, user, good) == set()
    listed = {entry.column: entry for entry in bulk_templates.bulk_codes(user=user, kind=kind)}
    columns = bulk.REQUEST_COLUMNS if kind == "requests" else bulk.RESIDENT_COLUMNS
    constrained = {
        column
        for column in (*columns, *(c for c in good if c.startswith(bulk.ANSWER_PREFIX)))
        if column in _problem_columns(kind, user, {**good, column: NOT_A_CODE})
    }
    # The probe finds what it should: the community, and a choice column of each kind.
    assert {"community", "urgency" if kind == "requests" else "gender"} <= constrained
    assert constrained <= set(listed), constrained - set(listed)
    for column in constrained:
        assert listed[column].rule
        # A listed code is never refused for what refuses a value that is no code and not a
        # blank cell (a consent of "no" beside the portrait facts is refused, as a blank one
        # is: for another reason than its word).
        refused = _problems(kind, user, {**good, column: NOT_A_CODE}) - _problems(
            kind, user, {**good, column: ""}
        )
        assert refused, column
        for code in listed[column].codes:
            assert not refused & _problems(kind, user, {**good, column: code.code}), code


def test_the_codes_list_holds_the_answers_a_services_question_takes(only_road_repair):
    user = WorkerFactory(communities=[CommunityFactory()])
    answers = [
        entry
        for entry in bulk_templates.bulk_codes(user=user, kind="requests")
        if entry.column == "answer:hazard"
    ]
    assert len(answers) == 1
    keys = [value["key"] for value in only_road_repair.extra_fields[0]["values"]]
    assert [code.code for code in answers[0].codes] == keys


# A nationwide administrator's long list ------------------------------------------------------


def test_the_page_lists_the_first_communities_and_the_download_lists_all(client, monkeypatch):
    monkeypatch.setattr(bulk_templates, "COMMUNITIES_ON_PAGE", 3)
    codes = {CommunityFactory().code for _ in range(5)}
    client.force_login(AdministratorFactory())
    page = client.get("/bulk/upload/").content.decode()
    block = re.findall(r'data-column="community">(.*?)</details>', page, re.S)[0]
    assert len(re.findall(r"<li>", block)) == 3
    assert "The first 3 of 5 are shown" in block
    _header, listed, _book = _template(client, "requests", "xlsx")
    assert set(listed["community"]) == codes


# In the reader's language --------------------------------------------------------------------


def test_the_chinese_page_gives_chinese_meanings_with_full_width_punctuation(worker_client):
    response = worker_client.get("/zh-hans/bulk/upload/")
    assert response.status_code == 200
    card = response.content.decode().split('id="bulk-codes"', 1)[1].split("</section>", 1)[0]
    assert "可以使用的代码" in card
    with translation.override("zh-hans"):
        high = str(ServiceRequest.Urgency.HIGH.label)
        female = str(Resident.Gender.FEMALE.label)
    assert high != "High" and female != "Female"
    assert f"<code>high</code> {high}" in card
    assert f"<code>female</code> {female}" in card
    assert "（留空即为此项）" in card  # the default code, in full-width brackets
    text = re.sub(r"<code>.*?</code>|<[^>]+>", "", card)
    assert not re.search(r"[\u4e00-\u9fff][:;,.(]", text), re.findall(
        r".{8}[\u4e00-\u9fff][:;,.(].{8}", text
    )
    assert "从 1 到 30 的整数。" in text


def test_the_chinese_workbook_names_its_sheets_and_meanings_in_chinese(worker_client):
    content = worker_client.get("/zh-hans/bulk/template/residents.xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["居民", "代码"]
    rows = list(book["代码"].values)
    assert rows[0] == ("列", "代码", "含义")
    with translation.override("zh-hans"):
        retired = str(Resident.Employment.RETIRED.label)
    assert ("employment_status", "retired", retired) in rows
