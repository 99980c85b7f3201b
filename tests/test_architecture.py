"""The rooms of docs/architecture.md, as import-linter contracts (pyproject.toml).

``make test`` runs ``lint-imports`` before pytest; this test checks the same contracts so any
pytest run (CI included) fails on a violation, and shows that each contract would catch the
imports it exists to forbid.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from importlinter.application.use_cases import read_user_options
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract}


@pytest.fixture(scope="module")
def options():
    configure()
    return read_user_options(str(PYPROJECT))


@pytest.fixture(scope="module")
def graph(options):
    return grimp.build_graph(
        *options.session_options["root_packages"],
        include_external_packages=options.session_options.get("include_external_packages"),
        cache_dir=None,
    )


def _contracts(options) -> dict[str, object]:
    return {
        spec["name"]: CONTRACT_TYPES[spec["type"]](
            name=spec["name"], session_options=options.session_options, contract_options=spec
        )
        for spec in options.contracts_options
    }


def _contract(options, starts_with: str):
    (contract,) = [c for name, c in _contracts(options).items() if name.startswith(starts_with)]
    return contract


def test_every_contract_holds(options, graph):
    broken = [
        name
        for name, contract in _contracts(options).items()
        if not contract.check(graph, verbose=False).kept
    ]
    assert not broken, f"import contracts broken (run lint-imports for the chains): {broken}"


@pytest.mark.parametrize(
    ("contract", "importer", "imported"),
    [
        ("The engine", "analytics.engine.paper", "django"),
        ("The engine", "analytics.engine.supply.forecast", "residents.models"),
        ("The engine", "analytics.engine.gmm.estimator", "analytics.models"),
        ("The engine", "analytics.engine.equalization.schema", "core.errors"),
        ("Apps in one direction", "core.api", "residents.models"),
        ("Apps in one direction", "residents.actions", "services.models"),
        ("Apps in one direction", "services.actions", "analytics.models"),
        ("Apps in one direction", "notifications.actions", "services.models"),
        ("Apps in one direction", "residents.queries", "notifications.models"),
        ("Apps in one direction", "analytics.actions", "demo.city"),
        ("Apps in one direction", "geography", "core.errors"),
        ("Geography", "geography", "django"),
        ("The demo city's demand generator", "demo.demand", "django"),
        ("Benchmarks do not import the tests", "bench.bench_allocation_gap", "tests"),
    ],
)
def test_each_contract_catches_what_it_forbids(options, graph, contract, importer, imported):
    # A forbidden package nothing imports (the tests, for the benchmarks) is not in the graph:
    # add it, as the graph holds an outside package, for as long as the check takes.
    absent = imported not in graph.modules
    if absent:
        graph.add_module(imported, is_squashed=True)
    assert not graph.direct_import_exists(importer=importer, imported=imported)
    graph.add_import(importer=importer, imported=imported)
    try:
        assert not _contract(options, contract).check(graph, verbose=False).kept
    finally:
        graph.remove_import(importer=importer, imported=imported)
        if absent:
            graph.remove_module(imported)
