"""Commands about delivery models: ``carenet models list``, ``models show NAME``, ``models check FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carenet.cli.console import LazyConsole
from carenet.cli.lazy import WholeHelpGroup

if TYPE_CHECKING:  # loaded inside the commands, so that `carenet --help` stays quick
    from rich.table import Table

    from carenet.models import DeliveryModel

console = LazyConsole(width=140, markup=False)
"""Models may come from the user's own files: their text is printed as it is, never read as markup."""

models_app = typer.Typer(help="The delivery-model library: list, show and check models.",
                         no_args_is_help=True, cls=WholeHelpGroup)


def parameter_mismatches(model: DeliveryModel) -> list[str]:
    """Workforce lines whose ``parameter:`` path is missing from parameters.yaml or holds another value."""
    from carenet.params import parameter

    problems = []
    for i, line in enumerate(model.workforce.roles):
        if line.parameter is None or line.fte_per_10k is None:
            continue
        try:
            value = parameter(line.parameter)
        except KeyError as exc:
            problems.append(f"workforce.roles[{i}].parameter: {exc.args[0]}")
            continue
        if not isinstance(value, int | float) or abs(float(value) - line.fte_per_10k) > 1e-9:
            problems.append(f"workforce.roles[{i}] ({line.role}): fte_per_10k {line.fte_per_10k} differs from "
                            f"parameters.yaml {line.parameter} = {value!r}")
    return problems


def list_cmd() -> None:
    """List the models shipped in the library."""
    from rich.table import Column, Table

    from carenet.models import list_models, load_model

    grid = Table(Column("name", no_wrap=True), "title", "scale", "booking", "triage", show_lines=False)
    for name in list_models():
        m = load_model(name)
        scale = f"{m.scale.unit} {m.scale.min_patients:,}-{m.scale.max_patients:,}"
        booking = m.booking.policy + (f" ({m.booking.continuity_with})" if m.booking.continuity_with != "none" else "")
        triage = m.entry.triage if m.entry.triage_scope == "practice" else f"{m.entry.triage} (central)"
        grid.add_row(name, m.title, scale, booking, triage)
    console.print(grid)


def _workforce_table(m: DeliveryModel) -> Table:
    from rich.table import Table

    grid = Table("role", "establishment", "sessions/FTE", "employer", "tag", "source", title="Workforce")
    for line in m.workforce.roles:
        employer = line.employer + (f", {line.sites_each} sites each" if line.sites_each is not None else "")
        grid.add_row(line.role, line.describe(), f"{line.sessions_per_fte:g}", employer, line.tag,
                     line.parameter or line.source)
    return grid


def _teams_table(m: DeliveryModel) -> Table:
    from rich.table import Table

    grid = Table("team", "kind", "panel", "serves", "members", title="Teams")
    for t in m.teams:
        members = ", ".join(f"{x.role} {x.fte:g}" + (f" ({x.function})" if x.function else "") for x in t.members)
        serves = t.cohort.describe() if t.cohort else "everyone"
        if t.access is not None:
            serves += (f"; own diaries kept for them: {t.access.appointment_minutes}-minute appointments, "
                       f"{t.access.walk_in_share:.0%} held for walk-ins on the day")
        grid.add_row(t.name, t.kind, f"{t.panel_size:,}" if t.panel_size else "-", serves, members)
    return grid


def _mechanisms(m: DeliveryModel) -> Table:
    from rich.table import Table

    grid = Table("part", "design", "tag", "source", title="Mechanisms", show_lines=True)
    e, b, p, c = m.entry, m.booking, m.proactive, m.community
    triage = e.triage if e.triage == "none" else (
        f"{e.triage} by {e.triage_role}, {e.minutes_per_request:g} min, for {'/'.join(e.triaged_urgencies)}"
        + (", at one central desk for the network's practices" if e.triage_scope == "network" else ""))
    routes = "; ".join(f"{need} -> {'/'.join(roles)}" for need, roles in e.routing.items())
    modes = ", ".join(f"{k} {v:.0%}" for k, v in e.first_contact_modes.items())
    channels = ("national mix (parameters.yaml twin.demand.channel_mix)" if e.channels is None
                else ", ".join(f"{k} {v:.0%}" for k, v in e.channels.items()))
    grid.add_row("entry", f"{triage}\nmodes: {modes}\nchannels: {channels}; self-booking {e.self_booking:.0%} "
                          f"of online routine requests\nrouting: {routes}", e.tag, e.source)
    grid.add_row("panels", f"{m.panels.unit}, households together: {m.panels.keep_households_together}, "
                           f"weighting: {m.panels.workload_weighting}", m.panels.tag, m.panels.source)
    booking = f"{b.policy}, continuity with {b.continuity_with}, horizon {b.horizon_days} days"
    if b.team_only:
        booking += ", bookings stay in the team"
    grid.add_row("booking", booking, b.tag, b.source)
    if b.long_appointments:
        la = b.long_appointments
        grid.add_row("long appointments", f"{la.minutes} min with {'/'.join(la.roles)} for {la.cohort.describe()}, "
                                          f"{la.share_of_sessions:.0%} of sessions", la.tag, la.source)
    if p.annual_review:
        r = p.annual_review
        steps = [f"{r.review_role} {r.review_minutes} min"]
        if r.pre_check_role:
            steps.insert(0, f"{r.pre_check_role} pre-check {r.pre_check_lead_days} days before")
        if r.follow_up_role:
            steps.append(f"{r.follow_up_role} follow-up after {r.follow_up_after_days} days")
        grid.add_row("annual review", f"{'one bundled visit' if r.bundled else 'one visit per register'} "
                                      f"(cohort: {r.cohort.describe()}): " + " -> ".join(steps), r.tag, r.source)
    if p.care_plans:
        cp = p.care_plans
        grid.add_row("care plans", f"{cp.cohort.describe()}: key worker {cp.key_worker_role}, review every "
                                   f"{cp.review_interval_days} days", cp.tag, cp.source)
    for cm in p.case_management:
        grid.add_row("case management", f"{cm.cohort.describe()}: {cm.role} {cm.contacts_per_year:g}/year, "
                                        f"{cm.minutes} min ({cm.need_type})", cm.tag, cm.source)
    if c.social_prescribing:
        directory = ", ".join(f"{d.category} {d.weekly_capacity_per_10k:g}/wk" for d in c.directory)
        grid.add_row("community", f"social prescribing by {c.link_worker_role} for {'/'.join(c.referral_needs)}; "
                                  f"directory per 10k: {directory}", c.tag, c.source)
    else:
        grid.add_row("community", "no social prescribing", c.tag, c.source)
    if m.hub:
        roles = ", ".join(f"{h.role} {h.sessions_per_week_per_10k:g}" for h in m.hub.roles)
        grid.add_row("hub", f"sessions/week per 10k: {roles}; {'/'.join(m.hub.days)}; takes "
                            f"{'/'.join(m.hub.urgencies)}", m.hub.tag, m.hub.source)
    return grid


def show_cmd(name: str = typer.Argument(..., help="Library model name, or a path to a model file")) -> None:
    """Print one model: summary, sources, workforce, teams and every mechanism with its source."""
    from rich.text import Text

    from carenet.models import load_model

    m = load_model(name)
    console.print(Text.assemble((m.title, "bold"), f"  ({m.name})"))
    console.print(m.summary)
    console.print(f"scale: {m.scale.unit} of {m.scale.min_patients:,}-{m.scale.max_patients:,} patients "
                  f"[{m.scale.tag}] {m.scale.source}")
    console.print("based on: " + "; ".join(m.based_on))
    if m.composes:
        console.print("composes: " + ", ".join(m.composes))
    console.print("sources:")
    for s in m.sources:
        console.print(f"  - {s}")
    console.print(_workforce_table(m))
    if m.teams:
        console.print(_teams_table(m))
    console.print(_mechanisms(m))


def check_cmd(file: Path = typer.Argument(..., help="Model file (YAML) to check")) -> None:
    """Check a model file against the specification and its parameters.yaml references."""
    from carenet.models import ModelError, check_model_file

    m = check_model_file(file)
    problems = parameter_mismatches(m)
    if problems:
        raise ModelError(f"{file}: " + "; ".join(problems))
    console.print(f"{file}: model {m.name!r} ({m.title}) is valid")


def register(app: typer.Typer) -> None:
    """Attach ``carenet models …`` to ``app``."""
    models_app.command("list")(list_cmd)
    models_app.command("show")(show_cmd)
    models_app.command("check")(check_cmd)
    app.add_typer(models_app, name="models")
