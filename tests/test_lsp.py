"""``netra-lint lsp`` end to end: a real LSP client session over stdio (pytest-lsp).

The server runs as ``python -m netra_lint lsp`` in a subprocess; the test initializes it,
opens a buggy file, waits for publishDiagnostics, asks for code actions, applies the
quick fix's edit, and checks that the fixed text is clean on the next change.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

BUGGY = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    websocket.accept()  # the coroutine is dropped
    async for prompt in websocket.iter_text():
        await websocket.send_text(f"you said {prompt}")
'''


# One server for the module: starting Python and importing libcst is most of the cost.
@pytest_lsp.fixture(scope="module",
                    config=ClientServerConfig(server_command=[sys.executable, "-m", "netra_lint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("workspace")
    params = types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")],
    )
    await lsp_client.initialize_session(params)
    lsp_client.root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions, non-overlapping) to ``text``."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        before = sum(len(line) for line in lines[:position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return before + index
            units += 2 if ord(char) > 0xFFFF else 1
        return before + len(line)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.timeout(60)
async def test_diagnostics_and_quick_fix(client: LanguageClient) -> None:
    folder = Path(client.root) / "plain"  # type: ignore[attr-defined]
    folder.mkdir()
    path = folder / "app.py"
    path.write_text(BUGGY, encoding="utf-8")
    uri = path.as_uri()

    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=BUGGY)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    diagnostics = client.diagnostics[uri]
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [("NL102", 7, 4)]
    only = diagnostics[0]
    assert only.source == "netra-lint"
    assert "not awaited" in only.message
    # the underline covers the call `websocket.accept()`
    assert (only.range.end.line, only.range.end.character) == (7, 4 + len("websocket.accept()"))

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=only.range,
        context=types.CodeActionContext(diagnostics=[only], only=[types.CodeActionKind.QuickFix]),
    ))
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, types.CodeAction)
    assert action.kind == types.CodeActionKind.QuickFix
    assert "NL102" in action.title and action.diagnostics[0].code == "NL102"
    fixed = apply_edits(BUGGY, action.edit.changes[uri])
    assert fixed == BUGGY.replace("    websocket.accept()", "    await websocket.accept()")

    # The editor applies the edit and sends the change: the diagnostic goes away.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []

    # Nothing left to fix: no actions.
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=9, character=0)),
        context=types.CodeActionContext(diagnostics=[]),
    ))
    assert not actions


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.timeout(60)
async def test_fix_all_source_action_and_config(client: LanguageClient) -> None:
    root = Path(client.root) / "configured"  # type: ignore[attr-defined]
    root.mkdir()
    # per-file configuration is the CLI's: NL1 ignored for this project except NL102
    (root / "pyproject.toml").write_text('[tool.netra-lint]\nignore = ["NL1"]\nselect = ["NL", "NL102"]\n',
                                         encoding="utf-8")
    text = BUGGY + '''

@app.websocket("/other")
async def other(websocket: WebSocket):
    websocket.accept()  # noqa: NL102
    await websocket.send_text("hi")
'''
    path = root / "two.py"
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]] == ["NL102"]  # the noqa'd one is silent

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
    ))
    assert actions and [a.kind for a in actions] == ["source.fixAll.netra-lint"]
    fixed = apply_edits(text, actions[0].edit.changes[uri])
    assert fixed.count("await websocket.accept()") == 1
    assert "    websocket.accept()  # noqa: NL102" in fixed  # a silenced finding is not fixed

    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]] == ["NL102"]


def test_edits_and_kinds_use_client_units() -> None:
    """Positions are UTF-16 code units for the client (an emoji is two)."""
    from pygls.workspace import TextDocument

    from netra_lint.finding import Finding
    from netra_lint.lsp import _wanted, finding_range, whole_document_edit

    text = 's = "😀"; websocket.accept()\n'
    document = TextDocument("file:///x.py", text)
    edit = whole_document_edit(document, text.replace("; websocket", "; await websocket"))
    assert edit.range.start == edit.range.end == types.Position(line=0, character=10)
    assert edit.new_text == "await "
    span = finding_range(document, Finding(1, 9, "NL102", "m"))
    assert (span.start.character, span.end.character) == (10, 10 + len("websocket.accept()"))
    assert _wanted("source.fixAll.netra-lint", ["source.fixAll"]) and _wanted("quickfix", None)
    assert not _wanted("quickfix", ["source"]) and _wanted("source.fixAll.netra-lint", ["source"])


def test_ranges_split_the_document_once() -> None:
    """Diagnostics for many findings split the document into lines once, not once per
    finding (which was quadratic: 37 s for the first diagnostics of a 1 MB file)."""
    from pygls.workspace import TextDocument

    from netra_lint.finding import Finding
    from netra_lint.lsp import diagnostics

    text = "".join(f'x{i} = "😀"; websocket.accept()\n' for i in range(300))
    document = TextDocument("file:///x.py", text)
    findings = [Finding(i + 1, 9 + len(str(i)), "NL102", "m") for i in range(300)]
    splits = 0
    original = TextDocument.lines

    class Counting(TextDocument):
        @property
        def lines(self):  # type: ignore[override]
            nonlocal splits
            splits += 1
            return original.fget(self)

    document.__class__ = Counting
    result = diagnostics(document, findings)
    assert splits == 1
    # the emoji is two UTF-16 units: the accept call starts one unit later than its code point
    assert [(d.range.start.line, d.range.start.character) for d in result[:2]] == [(0, 11), (1, 11)]
    assert (result[-1].range.start.character, result[-1].range.end.character) == (13, 13 + 18)


@pytest.mark.asyncio(loop_scope="module")
async def test_requests_are_answered_while_a_large_file_is_analysed(client: LanguageClient) -> None:
    """The analysis runs off the event loop: a request sent right after opening a large
    file is answered before that file's diagnostics arrive."""
    handler = BUGGY.split("\n\n\n", 1)[1]
    text = BUGGY.split("\n\n\n", 1)[0] + "\n\n\n" + "".join(
        handler.replace("/ws", f"/ws{i}").replace("def chat", f"def chat_{i}") + "\n\n"
        for i in range(400))
    path = client.root / "large.py"  # type: ignore[attr-defined]
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    # hover is no feature of this server: the loop answers it at once (MethodNotFound)
    with pytest.raises(Exception):
        await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=0)))
    assert uri not in client.diagnostics  # answered before the analysis finished
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]].count("NL102") == 400


@pytest.mark.asyncio(loop_scope="module")
async def test_a_bad_configuration_is_one_message_and_defaults(client: LanguageClient) -> None:
    """The configuration is read on the analysis thread; its error still reaches the
    client (once) as a window/showMessage, and the file is checked with the defaults."""
    project = client.root / "badconfig"  # type: ignore[attr-defined]
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.netra-lint]\nselect = "NL1"\n')
    uri = (project / "app.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=BUGGY)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[uri]] == ["NL102"]
    errors = [m.message for m in client.messages if "badconfig" in m.message
              or "expected a list of strings" in m.message]
    assert len(errors) == 1 and "bad value for 'select'" in errors[0]
