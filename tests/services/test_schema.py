"""The OpenAPI schema generates without warnings, validates, and documents what clients
rely on: the Idempotency-Key header, cursor pagination, the transition endpoints."""

from __future__ import annotations

import yaml
from django.core.management import call_command

from services import actions, workflow


def test_schema_validates_without_warnings(tmp_path, db):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    create = paths["/api/v1/requests/"]["post"]
    (key,) = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header"
    # The limit the API refuses beyond is stated, so a client need not find it by a 400.
    assert key["schema"] == {"type": "string", "maxLength": actions.IDEMPOTENCY_KEY_MAX_LENGTH}
    listing = paths["/api/v1/requests/"]["get"]
    assert "cursor" in {p["name"] for p in listing["parameters"]}
    moves = ["assign", "rate", *(m.name.replace("_", "-") for m in workflow.MOVES)]
    for action in moves:
        assert f"/api/v1/requests/{{id}}/{action}/" in paths
        assert "409" in paths[f"/api/v1/requests/{{id}}/{action}/"]["post"]["responses"]
    components = schema["components"]["schemas"]
    for move in (m for m in workflow.MOVES if len(m.reasons) > 1):
        path = f"/api/v1/requests/{{id}}/{move.name.replace('_', '-')}/"
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        branches = [
            components[branch["$ref"].split("/")[-1]]
            for branch in components[body["$ref"].split("/")[-1]]["oneOf"]
        ]
        # The move's own reasons, required; "other" only with a note that says something.
        reasons = [branch["properties"]["reason"]["pattern"] for branch in branches]
        plain = [r for r in move.reasons if r not in workflow.REASONS_NEEDING_A_NOTE]
        assert reasons == [f"^({'|'.join(plain)})$", "^(other)$"], move.name
        assert [branch["required"] for branch in branches] == [["reason"], ["note", "reason"]]
        assert branches[1]["properties"]["note"]["pattern"] == "\\S"
    # Identifiers are never URL or query parameters.
    for path, operations in paths.items():
        assert "national_id" not in path and "phone" not in path
        for operation in operations.values():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert not names & {"national_id", "phone", "name"}
