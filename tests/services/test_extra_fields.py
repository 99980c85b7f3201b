"""A service's extra questions are GeoReport v2 attributes: saving the catalogue refuses any
question an Open311 client could not read, naming the question and what is wrong."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from residents.models import User
from services import actions
from services.catalogue import SERVICES
from services.extra_fields import extra_field_problems
from services.models import ServiceCategory

LIST = {"code": "size", "label": "Size", "datatype": "singlevaluelist"}


@pytest.mark.parametrize(
    ("extra_fields", "problem"),
    [
        ({"code": "a"}, "The extra fields must be a list of questions."),
        (["a"], "Question 1 must be an object with a code, a label and a datatype."),
        (
            [{"label": "No code"}],
            "Question 1: the code must be text without spaces or square brackets.",
        ),
        (
            [{"code": "a[b]"}],
            "Question 1: the code must be text without spaces or square brackets.",
        ),
        (
            [{"code": "a"}, {"code": "a"}],
            "Question 2: the code a is used by another question.",
        ),
        (
            [{"code": "ok", "datatype": "boolean"}],
            "Question 1: the datatype boolean is not one of string, number, datetime, text, "
            "singlevaluelist, multivaluelist.",
        ),
        ([{"code": "a", "label": 3}], "Question 1: the label must be text."),
        ([{"code": "a", "required": "yes"}], "Question 1: required must be true or false."),
        (
            [LIST],
            "Question 1: a list question needs values, each with its own key and a name.",
        ),
        (
            [{**LIST, "values": [{"key": "s", "name": "S"}, {"key": "s", "name": "S2"}]}],
            "Question 1: a list question needs values, each with its own key and a name.",
        ),
        (
            [{**LIST, "values": [{"name": "no key"}]}],
            "Question 1: a list question needs values, each with its own key and a name.",
        ),
        (
            [{"code": "a", "datatype": "number", "values": [{"key": "1", "name": "One"}]}],
            "Question 1: only list questions (singlevaluelist, multivaluelist) have values.",
        ),
    ],
)
def test_each_problem_names_the_question(extra_fields, problem):
    assert extra_field_problems(extra_fields) == [problem]


def test_the_catalogues_questions_and_a_full_question_are_sound():
    assert extra_field_problems([]) == []
    for _dimension, _name, _name_zh, _sla, _cost, extra in SERVICES.values():
        assert extra_field_problems(extra) == []
    full = [
        {"code": "where", "label": "Where?", "datatype": "string", "required": False},
        {**LIST, "values": [{"key": "s", "name": "Small"}, {"key": 2}]},
    ]
    assert extra_field_problems(full) == []


def test_problems_are_told_in_chinese():
    with translation.override("zh-hans"):
        assert extra_field_problems([{"code": "a", "datatype": "boolean"}]) == [
            "第 1 个问题：数据类型 boolean 不属于 string, number, datetime, text, "
            "singlevaluelist, multivaluelist 之一。"
        ]


@pytest.mark.django_db
def test_saving_the_catalogue_refuses_a_question_open311_clients_cannot_read():
    """Through the one write path (the admin site saves through it): before, a datatype
    outside GeoReport v2 was stored and published in the service definition as it was."""
    administrator = User.objects.create(username="synthetic-admin", role=User.Role.ADMIN)
    parent = ServiceCategory.objects.create(code="synthetic_area", name="Synthetic area")
    category = ServiceCategory(
        code="synthetic_yes_no",
        name="Synthetic yes/no service",
        parent=parent,
        extra_fields=[{"code": "urgent", "label": "Urgent?", "datatype": "boolean"}],
    )
    with pytest.raises(ValidationError) as caught:
        actions.category_save(user=administrator, category=category)
    assert "extra_fields" in caught.value.message_dict
    assert not ServiceCategory.objects.filter(code="synthetic_yes_no").exists()
