"""The API's permission refusals (403) are worded in the caller's language: Accept-Language
names English or Chinese, and the same refusal reads in each."""

from __future__ import annotations

import pytest

from services.models import ServiceRequest
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    return ResidentFactory(community=CommunityFactory(), with_account=True)


def _refusal(user, method: str, path: str, language: str, data=None) -> str:
    client = api_client(user)
    response = getattr(client, method)(
        path, data or {}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403, response.content
    return response.json()["detail"]


CASES = [
    (
        "get",
        "/api/v1/analysis-runs/",
        "Only community workers and administrators may see analysis runs.",
        "只有社区工作人员和管理员可以查看分析任务。",
    ),
    (
        "get",
        "/api/v1/review-tasks/",
        "Only administrators review low ratings.",
        "只有管理员可以复核低评分。",
    ),
    (
        "post",
        "/api/v1/capacities/",
        "Only administrators change supply capacity; workers may read it.",
        "只有管理员可以修改供给能力；社区工作人员可以查看。",
    ),
]


@pytest.mark.parametrize(("method", "path", "english", "chinese"), CASES)
def test_role_refusals_follow_accept_language(resident, method, path, english, chinese):
    user = resident.user if "capacities" not in path else WorkerFactory()
    assert _refusal(user, method, path, "en") == english
    assert _refusal(user, method, path, "zh-hans") == chinese
    assert _refusal(user, method, path, "zh-CN,zh;q=0.9") == chinese


def test_a_move_refused_to_the_resident_is_worded_in_their_language(resident):
    item = ServiceRequestFactory(
        community=resident.community, resident=resident, status=ServiceRequest.Status.SUBMITTED
    )
    path = f"/api/v1/requests/{item.pk}/accept/"
    english = _refusal(resident.user, "post", path, "en")
    assert english == "Only the workers of this community change its status."
    assert (
        _refusal(resident.user, "post", path, "zh-hans") == "只有本社区的工作人员可以更改其状态。"
    )
