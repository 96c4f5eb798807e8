"""Configuration: [tool.netra-lint] in pyproject.toml, flake8's options, one Settings.

Proves every Settings field can be set from pyproject.toml and from flake8 with the same
result, that an unknown key or bad value is one line naming the key and the file, how
select/ignore/per-file-ignores/exclude decide, and that docs/usage.md's generated
references match the code (regenerate with NETRA_LINT_REGENERATE=1).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

import click
import pytest

from netra_lint import config as cfg
from netra_lint.codes import RULES
from netra_lint.config import Config, ConfigError, collect_files, load_config
from netra_lint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
USAGE = ROOT / "docs" / "usage.md"

# A valid example value for every Settings field type, as TOML text and as the expected value.
SAMPLES = {
    tuple[str, ...]: ('["a.B", "c"]', ("a.B", "c")),
    tuple[tuple[str, str], ...]: ('["open_*:close_*", "acquire:release"]',
                                  (("open_*", "close_*"), ("acquire", "release"))),
    str: ('"my_id|other_id"', "my_id|other_id"),
    bool: ("true", True),
    int: ("3", 3),
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_setting_has_a_converter_and_help() -> None:
    hints = typing.get_type_hints(Settings)
    for f in fields(Settings):
        assert hints[f.name] in cfg.CONVERTERS, f"config.py cannot read Settings.{f.name}"
        assert hints[f.name] in SAMPLES, f"add a sample value for {hints[f.name]}"
        assert f.metadata.get("help"), f"Settings.{f.name} has no help text"


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_each_setting_from_pyproject_and_flake8_is_the_same(name: str, tmp_path: Path) -> None:
    kind = typing.get_type_hints(Settings)[name]
    toml_value, expected = SAMPLES[kind]
    pyproject = write(tmp_path / "pyproject.toml",
                      f"[tool.netra-lint]\n{cfg.toml_key(name)} = {toml_value}\n")
    from_pyproject = load_config(pyproject).settings
    assert getattr(from_pyproject, name) == expected

    # flake8 hands over comma-separated lists as lists and single options as strings
    raw: object
    if kind == tuple[str, ...]:
        raw = list(expected)
    elif kind == tuple[tuple[str, str], ...]:
        raw = [f"{a}:{b}" for a, b in expected]
    else:
        raw = str(expected).lower() if kind is bool else str(expected)
    options = SimpleNamespace(**{("netra-" + name).replace("-", "_"): raw})
    assert cfg.settings_from_flake8(options) == from_pyproject


def test_full_table(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", """
[tool.netra-lint]
select = ["NL1", "NL3"]
ignore = ["nl108"]
per-file-ignores = { "tests/*" = ["NL3"], "legacy.py" = "NL101,NL104" }
exclude = ["migrations"]
extend-exclude = ["gen_*.py"]
websocket-types = ["myapp.Socket"]
resource-pairs = [["open", "close"]]
""")
    config = load_config(pyproject)
    assert config.select == ("NL1", "NL3")
    assert config.ignore == ("NL108",)
    assert config.per_file_ignores == (("tests/*", ("NL3",)), ("legacy.py", ("NL101", "NL104")))
    assert config.exclude == ("migrations",) and config.extend_exclude == ("gen_*.py",)
    assert config.settings.websocket_types == ("myapp.Socket",)
    assert config.settings.resource_pairs == (("open", "close"),)
    assert config.root == tmp_path and config.source == pyproject


@pytest.mark.parametrize("body, message", [
    ("websocket_types = []", "unknown key 'websocket_types' (did you mean 'websocket-types'?)"),
    ("selectt = ['NL1']", "unknown key 'selectt' (did you mean 'select'?)"),
    ("colour = true", "unknown key 'colour'"),
    ("id-names = '('", "bad value for 'id-names': invalid regular expression"),
    ("resource-pairs = ['connect']",
     "bad value for 'resource-pairs': resource pair 'connect' is not of the form acquire:release"),
    ("websocket-types = 3", "bad value for 'websocket-types': expected a list of strings"),
    ("select = ['E501']", "bad value for 'select': 'E501' is not a netra-lint code or code prefix"),
    ("ignore = ['NL9']", "bad value for 'ignore': 'NL9' is not a netra-lint code"),
    ("per-file-ignores = ['x']", "bad value for 'per-file-ignores': expected a table"),
])
def test_bad_config_is_one_line_naming_key_and_file(tmp_path: Path, body: str, message: str) -> None:
    pyproject = write(tmp_path / "pyproject.toml", f"[tool.netra-lint]\n{body}\n")
    with pytest.raises(ConfigError) as error:
        load_config(pyproject)
    text = str(error.value)
    assert "\n" not in text
    assert "pyproject.toml: [tool.netra-lint]: " in text
    assert message in text


def test_invalid_toml_and_missing_table(tmp_path: Path) -> None:
    broken = write(tmp_path / "pyproject.toml", "[tool.netra-lint\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML"):
        load_config(broken)
    other = write(tmp_path / "other.toml", "[tool.black]\n")
    with pytest.raises(ConfigError, match=r"other.toml: has no \[tool.netra-lint\] table"):
        load_config(other)
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "missing.toml")


def test_discovery_takes_the_nearest_pyproject_with_the_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.netra-lint]\nignore = ['NL3']\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.black]\nline-length = 100\n")  # no table: skipped
    deep = tmp_path / "pkg" / "src"
    deep.mkdir()
    config = load_config(start=deep)
    assert config.ignore == ("NL3",) and config.root == tmp_path
    assert load_config(start=deep, isolated=True).ignore == ()


def test_select_and_ignore_longest_prefix_wins() -> None:
    config = Config(select=("NL1",), ignore=("NL101",))
    assert not config.enabled("NL101") and config.enabled("NL108") and not config.enabled("NL301")
    config = Config(select=("NL101",), ignore=("NL1",))
    assert config.enabled("NL101") and not config.enabled("NL102")
    assert Config().codes_for(None) == tuple(RULES)


def test_per_file_ignores_and_exclude(tmp_path: Path) -> None:
    config = Config(per_file_ignores=(("tests/*", ("NL3",)), ("conftest.py", ("NL1",))),
                    extend_exclude=("migrations", "scripts/gen_*.py"), root=tmp_path)
    assert "NL301" not in config.codes_for(tmp_path / "tests" / "test_ids.py")
    assert "NL301" in config.codes_for(tmp_path / "app" / "ids.py")
    assert not any(c.startswith("NL1") for c in config.codes_for(tmp_path / "a" / "conftest.py"))
    assert config.is_excluded(tmp_path / "app" / "migrations" / "0001.py")
    assert config.is_excluded(tmp_path / "scripts" / "gen_ids.py")
    assert not config.is_excluded(tmp_path / "app" / "scripts" / "gen_ids.py")  # anchored at root
    assert config.is_excluded(tmp_path / ".venv" / "lib" / "x.py")  # the default exclude
    assert not config.is_excluded(tmp_path / "app" / "main.py")


def test_collect_files_respects_gitignore_and_exclude(tmp_path: Path) -> None:
    from tests.packaging import init_repo

    project = init_repo(tmp_path / "project")
    for name in ("app/main.py", "app/types.pyi", "generated/out.py", "build/lib/x.py",
                 "notes.txt", "app/skip_me.py", "ignored_dir/y.py"):
        write(project / name, "x = 1\n")
    write(project / ".gitignore", "generated/\nignored_dir/\n")
    config = Config(extend_exclude=("skip_*.py",), root=project)
    found = {p.relative_to(project).as_posix() for p in collect_files([project], config)}
    assert found == {"app/main.py", "app/types.pyi"}
    # outside git: the walk still applies exclude (but there is no .gitignore to read)
    plain = tmp_path / "plain"
    write(plain / "a.py", "")
    write(plain / "build" / "b.py", "")
    assert [p.name for p in collect_files([plain], Config(root=plain))] == ["a.py"]
    # an explicitly named file is checked unless exclude matches it
    assert collect_files([project / "generated" / "out.py"], config) == [project / "generated" / "out.py"]
    assert collect_files([project / "app" / "skip_me.py"], config) == []
    with pytest.raises(ConfigError, match="nope.py: no such file or directory"):
        collect_files([tmp_path / "nope.py"], config)


def test_flake8_bad_option_is_a_clear_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=NL", "--netra-id-names=(",
         str(ROOT / "examples" / "accept" / "nl102_buggy.py")],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "netra-lint: --netra-id-names: invalid regular expression" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_flake8_options_are_generated_from_settings() -> None:
    added = []
    cfg.add_flake8_options(SimpleNamespace(add_option=lambda *a, **k: added.append((a[0], k))))
    assert [name for name, _ in added] == [cfg.flake8_option(f.name) for f in fields(Settings)] + [
        "--netra-no-project"]  # the spelling of project = false that the SPEC promises
    # the names flake8 users already have keep working
    assert "--netra-resource-pairs" in dict(added) and "--netra-id-names" in dict(added)


# -- docs/usage.md: generated references ---------------------------------------------------

def commands_markdown() -> str:
    from netra_lint.cli import cli

    parts = []
    group_ctx = click.Context(cli, info_name="netra-lint", terminal_width=88, max_content_width=88,
                              **cli.context_settings)
    parts.append("```text\n$ netra-lint --help\n" + cli.get_help(group_ctx) + "\n```\n")
    for name, command in cli.commands.items():
        ctx = click.Context(command, info_name=name, parent=group_ctx, terminal_width=88,
                            max_content_width=88)
        parts.append(f"### `netra-lint {name}`\n\n```text\n" + command.get_help(ctx) + "\n```\n")
    return "\n".join(parts)


GENERATED = {"commands": commands_markdown, "configuration": cfg.reference_markdown}


def _section(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n)(.*?)(<!-- END GENERATED: {name} -->)", re.S)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_usage_reference_is_generated_from_the_code(name: str) -> None:
    text = USAGE.read_text(encoding="utf-8")
    match = _section(name).search(text)
    assert match, f"docs/usage.md lacks the generated {name} section"
    wanted = GENERATED[name]()
    if os.environ.get("NETRA_LINT_REGENERATE"):
        USAGE.write_text(text[:match.start(2)] + wanted + text[match.end(2):], encoding="utf-8")
        return
    assert match.group(2) == wanted, (
        f"docs/usage.md's {name} reference is out of date: "
        f"run NETRA_LINT_REGENERATE=1 pytest tests/test_config.py")


def test_every_key_is_documented() -> None:
    text = USAGE.read_text(encoding="utf-8")
    for key in cfg.known_keys():
        assert f"#### `{key}`" in text
