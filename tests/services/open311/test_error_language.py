"""Every GeoReport v2 error description in the reader's language: a client (or the person
it shows the error to) that sends ``Accept-Language: zh-Hans`` or ``zh-CN`` reads Chinese,
any other English; the codes stay the HTTP statuses."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from services import open311
from tests.services.open311.helpers import error_descriptions

CHINESE = ("zh-hans", "zh-CN,zh;q=0.9,en;q=0.8")


@pytest.fixture(autouse=True)
def _catalogue_and_communities(catalogue, communities):
    return catalogue, communities


def _get(path: str):
    return lambda client, fmt, keys, **headers: client.get(
        f"/open311/v2/{path.format(fmt=fmt)}", **headers
    )


def _post(body: str, *, content_type: str = "application/x-www-form-urlencoded"):
    def send(client, fmt, keys, **headers):
        return client.post(
            f"/open311/v2/requests.{fmt}",
            body.format(key=keys.key),
            content_type=content_type,
            **headers,
        )

    return send


# (what the client does, HTTP status, the English descriptions, the Chinese ones)
CASES = {
    "format": (
        _get("services.csv"),
        404,
        ["Format 'csv' is not supported: use .xml or .json."],
        ["不支持格式“csv”：请使用 .xml 或 .json。"],
    ),
    "jurisdiction": (
        _get("services.{fmt}?jurisdiction_id=elsewhere.example"),
        404,
        [
            "jurisdiction_id 'elsewhere.example' was not found; this endpoint serves "
            "'synthetic-city.example'."
        ],
        ["未找到 jurisdiction_id“elsewhere.example”；本端点服务于“synthetic-city.example”。"],
    ),
    "service_code": (
        _get("services/no_such_service.{fmt}"),
        404,
        ["service_code 'no_such_service' was not found."],
        ["未找到 service_code“no_such_service”。"],
    ),
    "request id": (
        _get("requests/999999.{fmt}"),
        404,
        ["service_request_id '999999' was not found."],
        ["未找到 service_request_id“999999”。"],
    ),
    "token": (
        _get("tokens/abc.{fmt}"),
        404,
        [
            "token 'abc' was not found: every service here is realtime, so POST requests "
            "answers with the service_request_id and issues no tokens."
        ],
        [
            "未找到 token“abc”：这里的服务都是实时的，POST requests 直接返回 "
            "service_request_id，不签发 token。"
        ],
    ),
    "resource": (
        _get("servicerequestupdates.{fmt}"),
        404,
        [
            "'servicerequestupdates.{fmt}' is not a GeoReport v2 resource: use discovery, "
            "services, services/<service_code>, requests, requests/<service_request_id> or "
            "tokens/<token>, followed by .xml or .json."
        ],
        [
            "“servicerequestupdates.{fmt}”不是 GeoReport v2 的资源：请使用 discovery、services、"
            "services/<service_code>、requests、requests/<service_request_id> 或 tokens/<token>，"
            "后接 .xml 或 .json。"
        ],
    ),
    "filters": (
        _get(
            "requests.{fmt}?status=pending&start_date=yesterday&end_date=1999-01-01"
            "&service_request_id="
        ),
        400,
        [
            "status 'pending' is not one of: open, closed.",
            "start_date 'yesterday' is not a W3C date and time with a time zone (e.g. "
            "2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00).",
            "end_date '1999-01-01': Give a date from 2000-01-01 to a year from now.",
        ],
        [
            "status“pending”不是 open、closed 之一。",
            "start_date“yesterday”不是带时区的 W3C 日期时间（例如 2010-01-01T00:00:00Z 或 "
            "2010-01-01T08:00:00+08:00）。",
            "end_date“1999-01-01”：请填写 2000-01-01 至一年后之间的日期。",
        ],
    ),
    "dates": (
        _get("requests.{fmt}?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00"),
        400,
        [
            "end_date '2026-01-01T00:00:00' must include a time zone, Z or ±hh:mm (e.g. "
            "2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00)."
        ],
        [
            "end_date“2026-01-01T00:00:00”必须包含时区，即 Z 或 ±hh:mm（例如 "
            "2010-01-01T00:00:00Z 或 2010-01-01T08:00:00+08:00）。"
        ],
    ),
    "ids": (
        _get("requests.{fmt}?service_request_id=12,abc"),
        400,
        ["service_request_id 'abc' is not a service request id."],
        ["service_request_id“abc”不是诉求编号。"],
    ),
    "method": (
        lambda client, fmt, keys, **headers: client.put(f"/open311/v2/services.{fmt}", **headers),
        400,
        ["PUT is not supported here; use GET."],
        ["此处不支持 PUT，请使用 GET。"],
    ),
    "null": (
        _get("services.{fmt}?jurisdiction_id=a%00b"),
        400,
        ["jurisdiction_id contains a null character, which is not allowed."],
        ["jurisdiction_id 含有空字符（NUL），这是不允许的。"],
    ),
    "no key": (
        _post("service_code=water_supply&address_id=SYN-N"),
        403,
        ["api_key is missing: submitting a request needs an API key."],
        ["缺少 api_key：提交诉求需要 API 密钥。"],
    ),
    "wrong key": (
        _post("api_key=wrong&service_code=water_supply&address_id=SYN-N"),
        403,
        ["Invalid api_key received -- can't proceed with create_request."],
        ["收到的 api_key 无效，无法创建诉求。"],
    ),
    "not a form": (
        _post('{{"api_key": "{key}"}}', content_type="application/json"),
        400,
        [
            "POST requests must be form-encoded (Content-Type: "
            "application/x-www-form-urlencoded), not 'application/json'."
        ],
        [
            "POST 请求必须以表单编码发送（Content-Type: application/x-www-form-urlencoded），"
            "而不是“application/json”。"
        ],
    ),
    "charset": (
        _post(
            "api_key={key}&service_code=water_supply",
            content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
        ),
        400,
        [
            "The body could not be read: GeoReport v2 bodies are UTF-8, sent as "
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8."
        ],
        [
            "无法读取请求正文：GeoReport v2 的正文须为 UTF-8 编码，以 Content-Type: "
            "application/x-www-form-urlencoded; charset=utf-8 发送。"
        ],
    ),
    "submission": (
        _post("api_key={key}&lat=91&long=x&attribute[a]b=1"),
        400,
        [
            "service_code was not provided.",
            "lat 91 is outside -90..90.",
            "long 'x' is not a number (WGS84 decimal degrees).",
            "'attribute[a]b' is not of the form attribute[code] or attribute[code][].",
        ],
        [
            "未提供 service_code。",
            "lat 91 超出 -90..90 的范围。",
            "long“x”不是数字（WGS84 十进制度数）。",
            "“attribute[a]b”不符合 attribute[code] 或 attribute[code][] 的格式。",
        ],
    ),
    "attributes": (
        _post(
            "api_key={key}&service_code=synthetic_all_types&address_id=SYN-N"
            "&attribute[size]=m&attribute[kinds][]=a&attribute[kinds][]=z&attribute[where]=1"
            "&attribute[where]=2&attribute[seen_at]=soon&attribute[colour]=red"
        ),
        400,
        [
            "attribute[size]: 'm' is not among the allowed keys s, l.",
            "attribute[kinds]: z not among the allowed keys a, b, c.",
            "attribute[where] takes one value, not 2.",
            "attribute[seen_at] 'soon' is not an ISO 8601 date and time (e.g. "
            "2024-05-01T09:00:00+08:00).",
            "attribute[colour] is not an attribute of service 'synthetic_all_types' (its "
            "attributes: where, count, seen_at, details, size, kinds).",
            "attribute[count] is required for service 'synthetic_all_types' (How many?).",
        ],
        [
            "attribute[size]：“m”不在允许的键 s、l 之中。",
            "attribute[kinds]：z 不在允许的键 a、b、c 之中。",
            "attribute[where] 只接受一个值，而不是 2 个。",
            "attribute[seen_at]“soon”不是 ISO 8601 日期时间（例如 2024-05-01T09:00:00+08:00）。",
            "attribute[colour] 不是服务“synthetic_all_types”的属性（它的属性："
            "where、count、seen_at、details、size、kinds）。",
            "服务“synthetic_all_types”需要 attribute[count]（How many?）。",
        ],
    ),
    "number": (
        _post(
            "api_key={key}&service_code=synthetic_all_types&address_id=SYN-N&attribute[count]=many"
        ),
        400,
        ["attribute[count] 'many' is not a number."],
        ["attribute[count]“many”不是数字。"],
    ),
    "community": (
        _post("api_key={key}&service_code=water_supply&address_id=NOWHERE"),
        400,
        ["address_id 'NOWHERE' is not a known community code."],
        ["address_id“NOWHERE”不是已知的社区代码。"],
    ),
    "no community": (
        _post("api_key={key}&service_code=water_supply&lat=10&long=10&address_string=Moon"),
        400,
        [
            "No community could be determined for this request: no community centre lies "
            "within 25 km of lat/long 10,10; address_string names no community; the api_key "
            "has no default community. Send address_id with a community code."
        ],
        [
            "无法确定这条诉求所属的社区：lat/long 10,10 周围 25 公里内没有社区中心；"
            "address_string 中没有社区名称；api_key 没有默认社区。请用 address_id 发送社区代码。"
        ],
    ),
}


@pytest.fixture
def keys(admin_key):
    return admin_key


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("case", CASES)
def test_error_descriptions_are_english_by_default(client, keys, case, fmt):
    send, status, english, _chinese = CASES[case]
    response = send(client, fmt, keys)
    assert response.status_code == status
    assert error_descriptions_in(response, fmt) == [e.format(fmt=fmt) for e in english]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("accept_language", CHINESE)
@pytest.mark.parametrize("case", CASES)
def test_error_descriptions_are_chinese_when_asked_for(client, keys, case, fmt, accept_language):
    send, status, _english, chinese = CASES[case]
    response = send(client, fmt, keys, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == status
    assert error_descriptions_in(response, fmt) == [c.format(fmt=fmt) for c in chinese]


def error_descriptions_in(response, fmt: str) -> list[str]:
    # An unsupported format is answered in the default format, JSON.
    return error_descriptions(response)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_general_service_error_is_in_the_readers_language(client, monkeypatch, fmt):
    def broken():
        raise RuntimeError("the database went away")

    monkeypatch.setattr("services.open311.queries.services", broken)
    response = client.get(f"/open311/v2/services.{fmt}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert error_descriptions(response) == [
        "本服务器出错，请求未能处理，错误已记录。请稍后再试；如果问题持续，请告知本站管理员。"
    ]
    english = error_descriptions(client.get(f"/open311/v2/services.{fmt}"))
    assert english[0].startswith("The request could not be processed because of an error")


def test_a_refusal_of_the_submitting_action_names_the_parameter_in_chinese(client, worker_key):
    """The shared action's own messages are translated already; the parameter before one is
    joined with the reader's colon."""
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": worker_key.key,
            "service_code": "water_supply",
            "address_id": "SYN-N",
            "lat": "31.0",
            "long": "118.78",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    [description] = error_descriptions(response)
    assert description.startswith("lat：")
    assert not description.isascii()


ERROR_MAKERS = {"bad_request", "forbidden", "not_found", "Open311Error", "ValueError"}


def test_every_error_text_of_the_endpoint_is_translated():
    """No text a client shows goes out untranslated: in the endpoint's code, an error is
    never built from a bare string or f-string (each goes through ``gettext``)."""
    untranslated = []
    for path in sorted(Path(open311.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            collects = (
                name in {"append", "extend"}
                and isinstance(func.value, ast.Name)
                and func.value.id in {"errors", "tried"}
            )
            if name not in ERROR_MAKERS and not collects:
                continue
            for arg in node.args:
                text = ast.unparse(arg)
                bare = isinstance(arg, ast.JoinedStr) or (
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                )
                if bare or (isinstance(arg, ast.GeneratorExp) and "gettext(" not in text):
                    untranslated.append(f"{path.name}:{node.lineno}: {text[:60]}")
    assert untranslated == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bodies_that_cannot_be_read_are_explained_in_chinese(client, keys, settings, fmt):
    def post(body, content_type="application/x-www-form-urlencoded"):
        response = client.post(
            f"/open311/v2/requests.{fmt}",
            body,
            content_type=content_type,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400
        [description] = error_descriptions(response)
        return description

    assert post(b"--x\r\nbroken", "multipart/form-data").startswith(
        "无法读取 multipart/form-data 正文（"
    )
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    assert post("a=1&b=2&c=3&d=4") == "请求的参数超过 3 个。"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    assert post("description=" + "x" * 3_000) == "请求正文超过 2,000 字节。"
