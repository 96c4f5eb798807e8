"""The two-phase initialisation example (NL501 (b)): the buggy app's health check fails
with the incident's "DatabaseManager not initialized" under Starlette's TestClient, with
and without the lifespan; the fixed app's does not; flake8 reports exactly the
annotated line."""

from __future__ import annotations

import pytest

from tests.harness import expected_from_annotations, run_flake8
from tests.test_examples_more import EXAMPLES, load

BUGGY = "init_order/buggy_two_phase.py"
FIXED = "init_order/fixed_two_phase.py"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("lifespan", [False, True])
def test_buggy_health_check_is_not_initialized(lifespan):
    from starlette.testclient import TestClient

    module = load(BUGGY)
    client = TestClient(module.app)
    with pytest.raises(RuntimeError, match="DatabaseManager not initialized"):
        if lifespan:
            with client:  # runs the lifespan: it initialises another instance
                client.get("/health")
        else:
            client.get("/health")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("lifespan", [False, True])
def test_fixed_health_check_is_ok(lifespan):
    from starlette.testclient import TestClient

    module = load(FIXED)
    client = TestClient(module.app)
    if lifespan:
        with client:
            response = client.get("/health")
    else:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_flake8_reports_the_annotated_lines():
    paths = [EXAMPLES / BUGGY, EXAMPLES / FIXED]
    found = run_flake8(*paths)
    for path in paths:
        assert found.get(str(path), set()) == expected_from_annotations(path), path.name
    assert expected_from_annotations(EXAMPLES / FIXED) == set()
    assert {code for _, code in expected_from_annotations(EXAMPLES / BUGGY)} == {"NL501"}
