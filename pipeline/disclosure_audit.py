"""DVC stage `disclosure_audit`: try to compute withheld counts back from everything under reports/.

Writes ``data/secure/disclosure_audit.json`` (locations and attacks, never values; never under
reports/) and fails the pipeline (exit 3) when any withheld count can be recovered
(``signalering.documents.audit``; docs/disclosure.md).
"""

from pathlib import Path

from signalering import io, params, progress
from signalering.documents import audit, disclosure
from signalering.errors import InputError

PARAMS = ("disclosure",)
REPORTS = Path("reports")
FINDINGS = Path("data/secure/disclosure_audit.json")


def main() -> None:
    p = params.load(PARAMS)
    min_cell = disclosure.check_min_cell((p.get("disclosure") or {}).get("min_cell", disclosure.DEFAULT_MIN_CELL))
    result = audit.audit_reports(REPORTS, min_cell)
    io.write_json(FINDINGS, result)
    if result["findings"]:
        raise InputError(str(REPORTS), audit.failure_reason(result, str(FINDINGS)))
    progress.summary("disclosure_audit", f"no withheld count recovered from {REPORTS}/; wrote {FINDINGS}")


if __name__ == "__main__":
    params.run_stage(main)
