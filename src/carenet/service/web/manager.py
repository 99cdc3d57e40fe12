"""Screens of practice and network managers: overview, micro-team panels with the rebalance suggestion, diary
fill and third next available, and the scorecard of the live store (:mod:`carenet.service.web.scorecard`)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from carenet.service.api import App, Connection
from carenet.service.audit.log import AuditEntry, record, store_version
from carenet.service.booking.fill import diary_fill, third_next_available
from carenet.service.panels.logic import StaleSuggestion, accept, suggest, team_names
from carenet.service.panels.routes import PANEL_ROLES, panel_practice
from carenet.service.store.tables import CANONICAL
from carenet.service.web.render import MANAGERS, Viewer, page, redirect
from carenet.service.worklists.logic import local_now

router = APIRouter(include_in_schema=False)
FILL_DAYS = 10
PracticeChoice = Query(None, min_length=1, max_length=200)


def _manager(who) -> None:
    if who.role not in MANAGERS:
        raise HTTPException(403, f"the management screens are for practice and network managers; you are logged "
                                 f"in as {who.role}")


def practices_of(conn, who) -> list[sa.Row]:
    """The practices ``who`` manages: their own, or every practice of their network."""
    practices = CANONICAL["practices"]
    query = sa.select(practices.c.practice_id, practices.c.name, practices.c.list_size).order_by(
        practices.c.practice_id)
    if who.practice_id is not None:
        query = query.where(practices.c.practice_id == who.practice_id)
    elif who.network_id is not None:
        query = query.where(practices.c.network_id == who.network_id)
    else:
        return []
    return conn.execute(query).all()


def _chosen(conn, who, practice_id: str | None) -> tuple[list[sa.Row], str]:
    practices = practices_of(conn, who)
    if not practices:
        raise HTTPException(403, "your account manages no practice or network")
    ids = [p.practice_id for p in practices]
    if practice_id is not None and practice_id not in ids:
        raise HTTPException(403, f"practice {practice_id} is not one you manage")
    return practices, practice_id or ids[0]


@router.get("/manage")
def overview(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    _manager(who)
    return page(request, "manage.html", who, "Overview", practices=practices_of(conn, who),
                panels=who.role in PANEL_ROLES)


@router.get("/manage/panels")
def panels(request: Request, who: Viewer, app: App, conn: Connection,
           practice_id: str | None = PracticeChoice) -> Response:
    """The practice's panels against their shares, and the panel engine's suggestion to rebalance them."""
    practices, chosen = _chosen(conn, who, practice_id) if who.network_id else (None, None)
    practice = panel_practice(conn, who, chosen)
    today = local_now(app.clock(), app.settings).date()
    tolerance = app.settings.panel_rebalance_tolerance
    found = suggest(conn, practice, today, tolerance)
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "CareTeam", None, "search", "allowed",
                            "panels", f"panel sizes of {practice}: {len(found.panels)} panels"))
    teams = team_names(conn, practice)
    return page(request, "panels.html", who, "Micro-team panels", practice=practice, practices=practices,
                panels=found.to_json(tolerance, teams), teams=teams)


@router.post("/manage/panels")
def rebalance(request: Request, who: Viewer, app: App, conn: Connection, suggestion_id: str = Form(...),
              practice_id: str = Form("")) -> Response:
    """Accept the suggestion: its patients' new panels start today (each move guarded and audited)."""
    practice = panel_practice(conn, who, practice_id or None)
    now = app.clock()
    try:
        accept(conn, who, now, local_now(now, app.settings).date(), practice, suggestion_id,
               app.settings.panel_rebalance_tolerance)
    except StaleSuggestion as stale:
        raise HTTPException(409, str(stale)) from None
    return redirect(f"/manage/panels?practice_id={practice}", "rebalanced")


@router.get("/manage/diary")
def diary(request: Request, who: Viewer, app: App, conn: Connection,
          practice_id: str | None = PracticeChoice) -> Response:
    """Diary fill over the coming working days, and the third next available slot by role."""
    _manager(who)
    practices, practice = _chosen(conn, who, practice_id)
    if app.live is None:
        raise HTTPException(503, "this store has no network laid out for booking; start the service with --demo")
    now = app.clock()
    return page(request, "diary.html", who, "Diary fill", practice=practice, practices=practices, days=FILL_DAYS,
                fill=diary_fill(conn, app.live, [practice], now, FILL_DAYS),
                third=third_next_available(conn, app.live, [practice], now), now=app.live.local(now))



SCORECARD_SERIES = {"mean_wait_days": "Mean wait (days)", "same_day_share": "Seen the same day",
                    "within_14_days_share": "Seen within 14 days", "appointments": "Attended appointments",
                    "dna_rate": "Did not attend"}


def _charts(tables, series: str, by: str, app, as_of, card: dict) -> tuple[list, list[str]]:
    from carenet.service.scorecard.logic import spc_charts

    try:
        return spc_charts(tables, series, by, app.settings, as_of, card["period"]["days"])
    except Exception as why:  # a unit the record cannot give (no panels, no segments) is said, not fatal
        return [], [str(why)]


@router.get("/manage/scorecard")
def live_scorecard_page(request: Request, who: Viewer, app: App, conn: Connection,
                        practice_id: str | None = PracticeChoice, series: str = Query("mean_wait_days"),
                        by: str = Query("practice")) -> Response:
    """The five attributes measured on the live store over the period to today, SPC charts of a series by practice,
    team or segment, and the twin's predictions for the store's model beside them."""
    from carenet.service.scorecard.logic import BY, live_scorecard, measured_store, twin_predictions
    from carenet.service.web.charts import xmr_svg

    _manager(who)
    if series not in SCORECARD_SERIES or by not in BY:
        raise HTTPException(422, f"choose a series ({', '.join(SCORECARD_SERIES)}) and a unit ({', '.join(BY)})")
    practices = practices_of(conn, who)
    if not practices:
        raise HTTPException(403, "your account manages no practice or network")
    ids = [p.practice_id for p in practices]
    if practice_id is not None and practice_id not in ids:
        raise HTTPException(403, f"practice {practice_id} is not one you manage")
    scope = [practice_id] if practice_id else ids
    as_of = local_now(app.clock(), app.settings).date()
    label = practice_id or (who.practice_id or who.network_id or "")
    version = store_version(conn)  # kept results are current while no write has committed since
    card_key = ("card", tuple(scope), label, as_of, version)
    charts_key = ("charts", tuple(scope), as_of, series, by, version)
    card, drawn = app.scorecards.peek(card_key), app.scorecards.peek(charts_key)
    if card is None or drawn is None:
        with measured_store(conn, scope) as tables:
            card = app.scorecards.get(card_key, lambda: live_scorecard(tables, app.settings, as_of, label))
            drawn = app.scorecards.get(charts_key, lambda: _charts(tables, series, by, app, as_of, card))
    charts, short = drawn
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Patient", None, "search", "allowed",
                            "scorecard", f"the scorecard of {', '.join(scope)} (counts and rates, no patient)"))
    model = app.live.network.model.name if app.live is not None else None
    return page(request, "scorecard.html", who, "Scorecard", card=card, practices=practices,
                practice=practice_id or "", scope=scope, series=series, by=by, series_names=SCORECARD_SERIES,
                units=BY, charts=[(c, xmr_svg(c, f"{SCORECARD_SERIES[series]} - {c.unit}")) for c in charts],
                short=short, model=model, twin=twin_predictions(app.twin_scorecard, model),
                twin_file=app.twin_scorecard.name if app.twin_scorecard else None)


@router.get("/manage/social-prescribing")
def social_prescribing_loop(request: Request, who: Viewer, app: App, conn: Connection) -> Response:
    """The social-prescribing loop of the practices managed: each service's referrals by where they stand now."""
    from carenet.service.socialrx.summary import STATES, loop_summary

    _manager(who)
    practices = practices_of(conn, who)
    ids = [p.practice_id for p in practices]
    rows = loop_summary(conn, ids)
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "ServiceRequest", None, "search", "allowed",
                            "social-prescribing-loop", f"social prescribing counts of {', '.join(ids)}"))
    return page(request, "social_loop.html", who, "Social prescribing", rows=rows, states=STATES, scope=ids)


__all__ = ["SCORECARD_SERIES", "practices_of", "router"]
