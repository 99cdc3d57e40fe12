"""``carenet audit``: query the service's audit log and check its hash chain."""

from __future__ import annotations

import json

import typer

from carenet.cli.commands_store import DB_OPTION
from carenet.cli.console import LazyConsole
from carenet.cli.failures import literal
from carenet.schema.errors import CarenetError

console = LazyConsole()
FORMATS = ("table", "json", "fhir")


def audit(
    db: str = DB_OPTION,
    patient: str | None = typer.Option(None, "--patient", help="Only events about this patient"),
    user: str | None = typer.Option(None, "--user", help="Only events by this account (user id)"),
    break_glass: bool = typer.Option(False, "--break-glass", help="Only break-glass accesses"),
    limit: int = typer.Option(200, "--limit", min=1, max=1_000_000, help="At most this many events"),
    output: str = typer.Option("table", "--format", help="table, json (one object per event) or fhir (a Bundle of "
                                                         "AuditEvent)"),
    verify: bool = typer.Option(False, "--verify", help="Check every hash of the chain first; exit 1 if broken"),
) -> None:
    """Who read or changed which patient's data, when, with what outcome and why (oldest first)."""
    from rich.table import Table

    from carenet.service.audit.fhir import audit_event
    from carenet.service.audit.log import ChainBroken, entries, verify_chain
    from carenet.service.store import open_store

    if output not in FORMATS:
        raise CarenetError(f"--format {output!r}: use one of {', '.join(FORMATS)}")
    store = open_store(db, migrate_to=None)
    try:
        with store.engine.connect() as connection:
            if verify:
                try:
                    count = verify_chain(connection)
                except ChainBroken as broken:
                    raise CarenetError(f"{store.url}: {broken}") from None
                console.print(f"audit chain intact: {count:,} events", style="green", highlight=False)
            found = list(entries(connection, patient_id=patient, user_id=user,
                                 break_glass=True if break_glass else None, limit=limit))
    finally:
        store.close()
    if output == "fhir":
        print(json.dumps({"resourceType": "Bundle", "type": "searchset", "total": len(found),
                          "entry": [{"resource": audit_event(seq, e)} for seq, e in found]}, indent=1))
        return
    if output == "json":
        for seq, e in found:
            print(json.dumps({"seq": seq, **{k: v for k, v in vars(e).items() if k != "at"},
                              "at": e.at.isoformat()}))
        return
    grid = Table("seq", "when", "user", "role", "patient", "resource", "action", "outcome", "reason")
    for seq, e in found:
        flag = " [bold red]BREAK-GLASS[/]" if e.break_glass else ""
        grid.add_row(str(seq), f"{e.at:%Y-%m-%d %H:%M:%S}", literal(e.user_id or "-"), literal(e.role or "-"),
                     literal(e.patient_id or "-"), literal(e.resource), e.action, e.outcome,
                     literal(e.reason or "") + flag)
    console.print(grid)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
