"""Organization: the networks and the practices (a practice is ``partOf`` its network)."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.fhir.model import Context, Json, ResourceType, SearchParam, exported
from carenet.service.store.tables import CANONICAL

_NETWORKS, _PRACTICES = CANONICAL["networks"], CANONICAL["practices"]
_NULL_TEXT = sa.null().cast(sa.Text)


def _select() -> sa.Select:
    practices = sa.select(
        _PRACTICES.c.practice_id.label("id"), _PRACTICES.c.name, _PRACTICES.c.network_id.label("partof"),
        _PRACTICES.c.imd_score, _PRACTICES.c.list_size, _PRACTICES.c.postcode, _NULL_TEXT.label("network_kind"))
    networks = sa.select(
        _NETWORKS.c.network_id.label("id"), _NETWORKS.c.name, _NULL_TEXT.label("partof"),
        sa.null().cast(sa.Double).label("imd_score"), sa.null().cast(sa.Integer).label("list_size"),
        _NULL_TEXT.label("postcode"), _NETWORKS.c.kind.label("network_kind"))
    union = sa.union_all(practices, networks).subquery()
    return sa.select(union)


def _render(_connection: sa.Connection, rows: list[Json], context: Context) -> list[Json]:
    out = []
    for row in rows:  # one at a time, keeping the page's order
        if row["network_kind"] is not None:
            tables = {"networks": [{"network_id": row["id"], "name": row["name"], "kind": row["network_kind"]}]}
        else:
            tables = {"practices": [{"practice_id": row["id"], "name": row["name"], "network_id": row["partof"],
                                     "imd_score": row["imd_score"], "list_size": row["list_size"],
                                     "postcode": row["postcode"]}]}
        out += exported(tables, context, "Organization")
    return out


ORGANIZATION = ResourceType(
    "Organization", "The networks and their practices", _select, _render,
    (SearchParam("name", "name", "string", "Name starts with (any case)"),
     SearchParam("partof", "partof", "reference", "The network a practice belongs to (Organization/ID)",
                 target="Organization")))

__all__ = ["ORGANIZATION"]
