"""The XML/JSON writer and the parameter readers on their own (no database)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmltodict
from django.http import QueryDict
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from services.open311 import parsers, renderers
from services.open311.errors import Open311Error
from services.open311.representations import w3c_datetime

# The machine is shared: generation speed is not what these properties are about.
RELAXED = hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_xml_document_follows_the_spark_convention_and_drops_illegal_characters():
    text = renderers.xml_document(
        [{"service_code": "a\x00b\x1fc", "metadata": False, "description": None, "order": 2}],
        "services",
    )
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<services>')
    service = xmltodict.parse(text)["services"]["service"]
    assert service == {
        "service_code": "abc",
        "metadata": "false",
        "description": None,
        "order": "2",
    }


def test_xml_lists_of_plain_values_repeat_the_singular_element():
    text = renderers.xml_document({"formats": ["text/xml", "application/json"]}, "endpoint")
    assert xmltodict.parse(text)["endpoint"]["formats"]["format"] == [
        "text/xml",
        "application/json",
    ]


@RELAXED
@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=8))]
        ),
    )
)
def test_datetimes_we_write_read_back_as_the_same_instant(moment):
    written = w3c_datetime(moment)
    assert written[-6] in "+-" and written[-3] == ":"  # always an explicit ±hh:mm offset
    assert parsers.parse_w3c_datetime(written, "start_date") == moment.replace(microsecond=0)


def test_a_bare_date_is_a_whole_day_in_the_jurisdictions_time_zone():
    start = parsers.parse_w3c_datetime("2026-02-01", "start_date")
    end = parsers.parse_w3c_datetime("2026-02-01", "end_date", end_of_day=True)
    assert start.isoformat() == "2026-02-01T00:00:00+08:00"
    assert end - start == timedelta(days=1, microseconds=-1)


def test_default_window_is_90_days_to_now():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    filters = parsers.parse_request_filters(QueryDict(""), now=now)
    assert (filters.start, filters.end) == (now - timedelta(days=90), now)


def test_submission_collects_every_problem_at_once():
    with pytest.raises(Open311Error) as caught:
        parsers.parse_submission(QueryDict("lat=1&description=" + "x" * 4001))
    assert caught.value.status == 400
    assert caught.value.descriptions == [
        "service_code was not provided.",
        "lat and long must both be sent.",
        "description is longer than 4,000 characters (4,001).",
    ]


def test_attribute_keys_gather_repeated_and_bracketed_values():
    submission = parsers.parse_submission(
        QueryDict(
            "service_code=x&address_id=C1&attribute[one]=1"
            "&attribute[many][]=a&attribute[many][]=b&attribute[many]=c&attribute[blank]="
        )
    )
    assert submission.raw_attributes == {"one": ["1"], "many": ["a", "b", "c"], "blank": []}


def test_the_project_mounts_open311_at_open311_v2():
    """config/urls.py carries the one line that mounts these routes (the tests use a URLconf of
    their own with the same mount, see urls.py here)."""
    source = Path(__file__).resolve().parents[3] / "config" / "urls.py"
    calls = [
        ast.unparse(node)
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "path"
    ]
    assert "path('open311/v2/', include('services.open311.urls'))" in calls


PARAMETER_TEXT = st.text(max_size=40) | st.sampled_from(
    ["2026-01-01", "2026-01-01T00:00:00Z", "2026-02-30", "1e400", "nan", "-91", "open,closed"]
)


@RELAXED
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "service_request_id",
                "service_code",
                "status",
                "start_date",
                "end_date",
                "lat",
                "long",
                "address_string",
                "address_id",
                "description",
                "attribute[x]",
                "attribute[y][]",
                "attribute[",
            ]
        ),
        PARAMETER_TEXT,
    )
)
def test_parsers_answer_any_input_with_a_result_or_an_open311_error(params):
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    for parse in (parsers.parse_request_filters, parsers.parse_submission):
        try:
            parse(query)
        except Open311Error as error:
            assert error.status == 400 and error.descriptions


@RELAXED
@given(st.lists(st.text(max_size=12), max_size=3), st.sampled_from(list(range(6))))
def test_attribute_answers_give_a_value_or_an_open311_error(values, which):
    spec = [
        {"code": "q", "datatype": datatype, "values": [{"key": "a", "name": "A"}]}
        for datatype in (
            "string",
            "number",
            "datetime",
            "text",
            "singlevaluelist",
            "multivaluelist",
        )
    ][which]
    try:
        answers = parsers.parse_attributes({"q": values}, [spec], "svc")
    except Open311Error as error:
        assert error.status == 400
    else:
        assert set(answers) <= {"q"}
