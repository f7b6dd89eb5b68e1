"""The report as people and machines read it: text, json, markdown, github annotations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..one_line import shown_path
from .kinds import Severity

if TYPE_CHECKING:  # pydantic's models: `paved-road drift`'s arguments list FORMATS without them
    from .report import Finding, Report

_LABEL = {Severity.ERROR: "FAIL", Severity.WAIVED: "WAIVED", Severity.INFO: "info"}


def _where(finding: Finding) -> str:
    where = finding.path or "(template version)"
    if finding.part:
        where += f" [{finding.part}]"
    if finding.line:
        where += f":{finding.line}"
    return where


def _counts(report: Report) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    return (
        f"{counts[Severity.ERROR]} violation(s), {counts[Severity.WAIVED]} waived, "
        f"{counts[Severity.INFO]} note(s)"
    )


def _version_line(report: Report) -> str:
    assert report.template is not None
    lag = report.template.versions
    line = f"template: {report.template.src_path} at {report.template.commit}"
    if lag.latest is not None and lag.versions is not None:
        line += f" (newest release {lag.latest}, {lag.versions} release(s) behind)"
    return line


def cannot_check_line(report: Report) -> str:
    """One line on the terminal: the product as the user named it from where they stand."""
    return f"paved-road drift: cannot check {shown_path(report.product)}: {report.error}"


def text(report: Report) -> str:
    if report.error is not None:
        return cannot_check_line(report) + "\n"
    out = [f"paved-road drift: {report.product}", _version_line(report)]
    if report.sign_in == "none":
        out.append(NO_SIGN_IN)
    for finding in report.findings:
        out.append(f"{_LABEL[finding.severity]:<6} {finding.kind:<15} {_where(finding)}")
        out.append(f"       {finding.message}")
        if finding.waiver:
            out.append(f"       waiver: {finding.waiver}")
        if finding.severity is Severity.ERROR and finding.diff:
            out += ["       " + line for line in finding.diff.rstrip("\n").splitlines()]
    for waiver in report.waivers:
        part = f" [{waiver.part}]" if waiver.part else ""
        out.append(
            f"waiver {waiver.status:<7} {waiver.path}{part} until {waiver.expires}: {waiver.reason}"
        )
    verdict = "in policy" if report.exit_code == 0 else "drifted from the template"
    out.append(f"result: {verdict}: {_counts(report)} (exit {report.exit_code})")
    return "\n".join(out) + "\n"


NO_SIGN_IN = (
    "sign-in: none (auth=none): anyone who reaches the product can change its data "
    "(docs/identity.md)"
)


def json_format(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    if report.error is not None:
        return f"### paved-road drift: cannot check\n\n{_md_cell(report.error)}\n"
    icon = "✅" if report.exit_code == 0 else "❌"
    out = [
        f"### {icon} paved-road drift: {_counts(report)}",
        "",
        _version_line(report).replace("template: ", "Template: "),
        "",
    ]
    if report.sign_in == "none":
        out += [f"⚠️ {NO_SIGN_IN.replace('sign-in: ', 'Sign-in: ')}", ""]
    if report.findings:
        out += ["| | Finding | Where | What to do |", "|---|---|---|---|"]
        out += [
            f"| {_LABEL[f.severity]} | `{f.kind}` | `{_md_cell(_where(f))}` "
            f"| {_md_cell(f.message)} |"
            for f in report.findings
        ]
        out.append("")
    for finding in report.findings:
        if finding.severity is Severity.ERROR and finding.diff:
            out += [
                f"<details><summary>Diff of <code>{_md_cell(_where(finding))}</code></summary>",
                "",
                "```diff",
                finding.diff.rstrip("\n"),
                "```",
                "</details>",
                "",
            ]
    if report.waivers:
        out += ["| Waiver | Path | Expires | Reason |", "|---|---|---|---|"]
        out += [
            f"| {w.status} | `{_md_cell(w.path + (f' [{w.part}]' if w.part else ''))}` "
            f"| {w.expires} | {_md_cell(w.reason)} |"
            for w in report.waivers
        ]
        out.append("")
    out.append("How to fix each finding: see the paved-road drift guide (docs/drift.md).")
    return "\n".join(out) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


_COMMAND = {Severity.ERROR: "error", Severity.WAIVED: "warning", Severity.INFO: "notice"}


def github(report: Report) -> str:
    if report.error is not None:
        return f"::error title=paved-road drift::{_escape_data(cannot_check_line(report))}\n"
    out = []
    for finding in report.findings:
        props = []
        if finding.path:
            props.append(f"file={_escape_property(finding.path)}")
            if finding.line:
                props.append(f"line={finding.line}")
        props.append(f"title={_escape_property(f'paved-road drift: {finding.kind}')}")
        message = finding.message
        if finding.part:
            message = f"[{finding.part}] {message}"
        if finding.waiver:
            message += f" (waived: {finding.waiver})"
        out.append(f"::{_COMMAND[finding.severity]} {','.join(props)}::{_escape_data(message)}")
    for waiver in report.waivers:
        command = "warning" if waiver.status == "expired" else "notice"
        title = _escape_property(f"paved-road drift: waiver {waiver.status}")
        part = f" [{waiver.part}]" if waiver.part else ""
        message = f"{waiver.path}{part} until {waiver.expires}: {waiver.reason}"
        out.append(
            f"::{command} file=.paved-road/waivers.yml,title={title}::{_escape_data(message)}"
        )
    out.append(f"paved-road drift: {_counts(report)} (exit {report.exit_code})")
    return "\n".join(out) + "\n"


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text,
    "json": json_format,
    "markdown": markdown,
    "github": github,
}
