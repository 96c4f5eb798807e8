"""``netra-lint lsp``: a language server (pygls) with diagnostics and quick fixes.

Diagnostics are published on open, change (after a short pause in typing) and save, with
the configuration that ``netra-lint check`` would use for the file (the nearest
pyproject.toml with ``[tool.netra-lint]``), ``# noqa`` included. Safe fixes are offered as
``quickfix`` code actions, and all of a file's safe fixes as ``source.fixAll.netra-lint``;
an unsafe fix (NL106/NL107) is a ``quickfix`` whose title says it changes behaviour.

The analysis runs on one worker thread, never on the event loop: the server keeps reading
messages, answering requests and taking document changes while a large file is analysed.
A result for a version of the document that has changed meanwhile is dropped (the
newer version's analysis is already scheduled). Diagnostic ranges are computed from one
split of the document into lines, however many findings it has.
"""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from . import __version__
from .codes import RULES
from .config import Config, ConfigError, load_config
from .finding import Finding
from .fixes import fix_text, fix_title, is_fixable
from .report import rule_url, severity_of

SOURCE = "netra-lint"
FIX_ALL = "source.fixAll.netra-lint"
CHANGE_DELAY = 0.3  # seconds without typing before a changed document is checked again
_SPAN = re.compile(r"[\w.]+")

log = logging.getLogger(__name__)


class NetraLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("netra-lint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.config_errors: set[str] = set()
        # One thread: analyses run one at a time (the engine adjusts the interpreter's
        # recursion limit while it works), off the event loop.
        self.analysis = ThreadPoolExecutor(1, thread_name_prefix="netra-lint-analysis")

        self.event_loop: asyncio.AbstractEventLoop | None = None

    async def off_loop(self, function: Any, *args: Any) -> Any:
        self.event_loop = asyncio.get_running_loop()
        return await self.event_loop.run_in_executor(self.analysis, function, *args)

    # -- configuration -------------------------------------------------------------------
    def config_for(self, document: TextDocument) -> tuple[Config, Path | None]:
        path = Path(to_fs_path(document.uri)) if document.uri.startswith("file:") else None
        try:
            config = load_config(start=path.parent if path else None)
        except ConfigError as exc:
            message = f"netra-lint: {exc}; using the default configuration"
            if message not in self.config_errors:  # say it once, not on every keystroke
                self.config_errors.add(message)
                params = types.ShowMessageParams(type=types.MessageType.Error, message=message)
                if self.event_loop is not None:  # called on the analysis thread
                    self.event_loop.call_soon_threadsafe(self.window_show_message, params)
                else:
                    self.window_show_message(params)
            config = Config()
        return config, path

    # -- diagnostics ---------------------------------------------------------------------
    def findings(self, document: TextDocument) -> tuple[Config, Path | None, list[Finding]]:
        config, path = self.config_for(document)
        if path is not None and config.is_excluded(path):
            return config, path, []
        return config, path, config.check(document.source, path, document.path or document.uri)

    async def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        document = self.workspace.get_text_document(uri)
        version, source = document.version, document.source
        config, _, found = await self.off_loop(self.findings, document)
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version or current.source != source:
            return  # changed or closed meanwhile: the newer version is published instead
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=diagnostics(document, found, config.severity)))

    def publish_soon(self, uri: str) -> None:
        asyncio.ensure_future(self.publish(uri))

    def publish_later(self, uri: str) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(CHANGE_DELAY, self.publish_soon, uri)


def _span(line: str, col: int) -> int:
    """The end column of what a diagnostic underlines: the dotted name at ``col`` and,
    when it is called, its argument list when that closes on the same line."""
    match = _SPAN.match(line, col)
    end = match.end() if match else min(col + 1, len(line))
    if end < len(line) and line[end] == "(":
        depth = 0
        for index in range(end, len(line)):
            depth += {"(": 1, ")": -1}.get(line[index], 0)
            if depth == 0:
                return index + 1
    return max(end, col + 1) if line else col


def finding_range(document: TextDocument, finding: Finding,
                  lines: Sequence[str] | None = None) -> types.Range:
    """The range a diagnostic underlines, in the client's units. ``lines``: the document
    split once by the caller (``document.lines`` splits the whole text on every call)."""
    if lines is None:
        lines = document.lines
    line_number = min(max(finding.line - 1, 0), max(len(lines) - 1, 0))
    text = lines[line_number].rstrip("\r\n") if lines else ""
    start = min(finding.col, len(text))
    end = min(_span(text, start), len(text)) if text else start
    return document.position_codec.range_to_client_units(lines, ServerTextRange(
        ServerTextPosition(line_number, start), ServerTextPosition(line_number, end)))


def diagnostics(document: TextDocument, findings: Sequence[Finding],
                severity: Sequence[tuple[str, str]] = ()) -> list[types.Diagnostic]:
    """Every finding's diagnostic, from one split of the document into lines."""
    lines = document.lines if findings else ()
    return [diagnostic(document, f, severity, lines) for f in findings]


def diagnostic(document: TextDocument, finding: Finding,
               severity: Sequence[tuple[str, str]] = (),
               lines: Sequence[str] | None = None) -> types.Diagnostic:
    rule = RULES.get(finding.code)
    level = severity_of(finding.code, severity)
    return types.Diagnostic(
        range=finding_range(document, finding, lines),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error if level == "error" else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=rule_url(finding.code)),
        source=SOURCE,
        data={"fixable": is_fixable(finding), "name": rule.name if rule else finding.code},
    )


def whole_document_edit(document: TextDocument, new_text: str) -> types.TextEdit:
    """One edit replacing the part of the document that changed (common prefix and suffix
    kept), so the editor keeps the cursor and folding elsewhere."""
    old = document.source
    prefix = 0
    limit = min(len(old), len(new_text))
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < limit - prefix and old[len(old) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]):
        suffix += 1
    start = document.client_position_at_offset(prefix)
    end = document.client_position_at_offset(len(old) - suffix)
    return types.TextEdit(range=types.Range(start=start, end=end),
                          new_text=new_text[prefix:len(new_text) - suffix])


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """LSP's ``only`` filter: a requested kind covers itself and its sub-kinds."""
    if not only:
        return True
    requested = [getattr(o, "value", o) for o in only]
    return any(kind == o or kind.startswith(o + ".") for o in requested)


def code_actions(server: NetraLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    document = server.workspace.get_text_document(params.text_document.uri)
    config, path, findings = server.findings(document)
    # unsafe fixes are offered one by one as quick fixes that say they change behaviour,
    # never in "fix all"
    fixable = [f for f in findings if is_fixable(f, unsafe=True)]
    if not fixable:
        return []
    only = params.context.only
    codes = config.codes_for(path)
    filename = document.path or document.uri
    actions: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix.value, only):
        first, last = params.range.start.line, params.range.end.line
        for finding in fixable:
            if not first <= finding.line - 1 <= last:
                continue
            safe = is_fixable(finding)
            result = fix_text(document.source, filename, config.settings, codes, unsafe=not safe,
                              only=finding)
            if not result.changed:
                continue
            matching = [d for d in params.context.diagnostics
                        if d.code == finding.code and d.range.start.line == finding.line - 1]
            title = fix_title(finding.code)
            if not safe and "changes behaviour" not in title:
                title += " (changes behaviour)"
            actions.append(types.CodeAction(
                title=f"{title} ({finding.code})",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=matching or [diagnostic(document, finding)],
                is_preferred=safe,
                edit=types.WorkspaceEdit(changes={document.uri: [
                    whole_document_edit(document, result.text)]}),
            ))
    if _wanted(FIX_ALL, only):
        result = fix_text(document.source, filename, config.settings, codes)
        if result.changed:
            actions.append(types.CodeAction(
                title="Fix all safely fixable netra-lint findings",
                kind=FIX_ALL,
                edit=types.WorkspaceEdit(changes={document.uri: [
                    whole_document_edit(document, result.text)]}),
            ))
    return actions


def create_server() -> NetraLanguageServer:
    server = NetraLanguageServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NetraLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish_soon(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NetraLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish_later(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NetraLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        # project mode: a saved module may change what its importers are told (facts on
        # disk are re-validated by content), so the other open documents are re-checked
        from .engine.project import forget_projects

        forget_projects()
        ls.publish_soon(params.text_document.uri)
        for uri in list(ls.workspace.text_documents):
            if uri != params.text_document.uri:
                ls.publish_later(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NetraLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        handle = ls.pending.pop(params.text_document.uri, None)
        if handle is not None:
            handle.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=params.text_document.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL],
                                resolve_provider=False),
    )
    async def code_action(ls: NetraLanguageServer, params: types.CodeActionParams):
        return await ls.off_loop(code_actions, ls, params)

    return server


def serve() -> None:
    create_server().start_io()
