"""The README's sample output is what flake8 really prints for the bundled examples, and
its two commands are exactly the ones .ci/run runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.harness import run_flake8

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLE = re.compile(r"^(examples/\S+?):(\d+):\d+: (NL\d{3}) ", re.MULTILINE)


def test_readme_sample_lines_are_real_findings() -> None:
    sample = {(path, int(line), code) for path, line, code in SAMPLE.findall(README)}
    assert sample, "the README shows no sample output"
    found = run_flake8(*(ROOT / p for p in {p for p, _, _ in sample}))
    real = {(str(Path(path).relative_to(ROOT)), line, code)
            for path, pairs in found.items() for line, code in pairs}
    assert sample <= real


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^```sh\n(.+?)\n```", README, re.MULTILINE | re.DOTALL)
    assert len(commands) >= 2
    test_command = commands[1].strip()
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
