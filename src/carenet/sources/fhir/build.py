"""Turn the facts of one import into canonical tables: resolve references, derive what FHIR leaves out.

:class:`TableBuilder` holds what every table needs (the node graph with canonical ids, what is
learnt about each node, problems) and builds organisations and clinicians; ``build_contacts``,
``build_patients`` and ``build_care`` build the rest. Every step works a column at a time. The
derivations (documented in ``docs/fhir.md``):

* an Organization that another is ``partOf``, or that carries carenet's network-kind coding, is a
  network; every other Organization is a practice (or hub site);
* a clinician's role comes from its PractitionerRole code, else the Practitioner's qualification,
  else the configured default; its practice from the PractitionerRole organization, else the site of
  most of its appointments;
* a patient's practice comes from carenet's registration extension, else ``generalPractitioner``,
  else ``managingOrganization``, else the site of most of its appointments; ``registered_from`` from
  the extension, else the earliest appointment, else the date of birth; a death ends the registration;
* an ambulatory, virtual or home encounter is an appointment with the practitioner who took part;
* a CareTeam without a patient is a team; a patient's CareTeam is a panel row (its named or only
  practitioner, and the team it references), or, with several practitioners and no team reference,
  a team of its own holding that patient.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema import TABLES, conform
from carenet.sources.fhir.build_care import care_plan_table, condition_table, team_tables
from carenet.sources.fhir.build_contacts import Contacts, appointment_table, contact_rows
from carenet.sources.fhir.build_patients import patient_tables
from carenet.sources.fhir.defaults import FhirDefaults
from carenet.sources.fhir.graph import NO_NODE, Graph, StepProblems
from carenet.sources.fhir.groups import most_common
from carenet.sources.fhir.merge import Facts
from carenet.sources.fhir.ranges import check_extension_ranges
from carenet.sources.fhir.references import ReferenceIndex
from carenet.sources.housing import with_coded_homelessness
from carenet.sources.problems import ProblemLog

CLINICIAN_TYPES = ("Practitioner", "PractitionerRole")
_ID_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Organization",), "practices/networks"), (("Practitioner",), "clinicians"), (("Patient",), "patients"),
    (("CareTeam",), "teams"), (("CarePlan",), "care_plans"), (("Appointment", "Encounter"), "appointments"),
)
"""Resource types whose canonical ids share one table (an Appointment and an Encounter cannot both be
``a1``), and that table's name."""


class TableBuilder:
    """Build every canonical table of one import; problems go to ``problems``, notes to ``notes``."""

    def __init__(self, facts: Facts, index: ReferenceIndex, defaults: FhirDefaults, problems: ProblemLog):
        self.facts = facts
        self.tables = facts.tables
        self.graph = Graph(facts, index)
        self.defaults = defaults
        self.problems = problems
        self.notes: Counter[str] = Counter()
        g = self.graph
        # learnt as the tables are built, each from the ones before (indexed by node):
        self.org_practice = g.attribute()
        """Canonical practice id of an Organization that is a practice (None otherwise)."""
        self.org_network = g.attribute()
        """Canonical network id of an Organization that is a network (None otherwise)."""
        self.org_parent = g.attribute(NO_NODE, np.int64)
        self.pr_practitioner = g.attribute(NO_NODE, np.int64)
        self.pr_role = g.attribute()
        self._pr_organization: dict[int, tuple[int, str | None]] = {}
        self.clinician_role = g.attribute()
        self.clinician_practice = g.attribute()
        self.patient_practice = g.attribute()
        """Current practice of each imported patient (None: the patient is not imported)."""
        self.registered_from = g.attribute()

    def step(self) -> StepProblems:
        """A collector for the problems of one build step, reported in input order."""
        return StepProblems(self.graph, self.problems)

    def with_ids(self, table: pa.Table, nodes: np.ndarray) -> tuple[pa.Table, np.ndarray]:
        """The rows (and their nodes) that were given a canonical id; the rest were reported already."""
        usable = self.graph.canon[nodes] != None  # noqa: E711 - element-wise on an object array
        return table.filter(pa.array(usable)), nodes[usable]

    def resolve_one(self, step: StepProblems, order: tuple, source: int, ref: str | None,
                    accepted: tuple[str, ...], field: str, strict: bool = True) -> int:
        """The node one reference points to (NO_NODE when none), reporting a problem at ``source``."""
        if ref is None:
            return NO_NODE
        node, message = self.graph.outcome(ref, accepted, strict)
        if message:
            step.add(order, source, f"{field}: {message}")
        return node

    def clinician(self, node: int) -> tuple[int, str | None]:
        """(Practitioner node, role of the PractitionerRole) of a Practitioner or PractitionerRole node."""
        if node == NO_NODE or self.graph.kind_of(node) == "Practitioner":
            return node, None
        return int(self.pr_practitioner[node]), self.pr_role[node]

    def pr_organization(self, node: int) -> tuple[int, str | None]:
        """(Organization node, problem) of the organization of the PractitionerRole ``node``."""
        found = self._pr_organization.get(node)
        if found is None:
            table = self.tables["PractitionerRole"]
            ref = table["organization"][node - self.graph.offset["PractitionerRole"]].as_py()
            found = (NO_NODE, None) if ref is None else self.graph.outcome(ref, ("Organization",), True)
            self._pr_organization[node] = found
        return found

    # -- build ----------------------------------------------------------------------------------

    def build(self) -> dict[str, pa.Table]:
        self._assign_ids()
        check_extension_ranges(self)
        tables: dict[str, pa.Table] = {}
        networks, practices = self._organizations()
        self._practitioner_roles()
        contacts = contact_rows(self)
        clinicians = self._clinicians(contacts)
        patients, registrations = patient_tables(self, contacts)
        tables["networks"] = networks
        tables["practices"] = self._practices(practices, patients)
        tables["clinicians"] = clinicians
        tables["patients"] = patients
        tables["registrations"] = registrations
        teams, members, panels = team_tables(self)
        tables["teams"], tables["team_members"], tables["panels"] = teams, members, panels
        tables["conditions"] = condition_table(self)
        tables["patients"] = with_coded_homelessness(patients, tables["conditions"], uncoded_housed=False)
        tables["appointments"] = appointment_table(self, contacts)
        tables["care_plans"] = care_plan_table(self)
        return {name: conform(name, t) for name, t in tables.items()}

    # -- ids ------------------------------------------------------------------------------------

    def _assign_ids(self) -> None:
        """Canonical id of each resource: carenet's identifier, else the ODS code, else the FHIR id;
        the second resource mapping to an id already taken in its table is a problem."""
        g, step = self.graph, self.step()
        for group, (kinds, table_name) in enumerate(_ID_GROUPS):
            nodes = np.concatenate([g.nodes(k) for k in kinds])
            canonical = np.concatenate([_canonical(self.tables[k]) for k in kinds]) if len(nodes) else nodes
            repeat = pd.Series(canonical, dtype=object).duplicated().to_numpy()
            g.canon[nodes[~repeat]] = canonical[~repeat]
            if repeat.any():
                taken = {c: int(n) for c, n in zip(canonical[~repeat], nodes[~repeat], strict=True)}
                for row in np.flatnonzero(repeat):
                    first = taken[canonical[row]]
                    first_id = self.tables[g.kind_of(first)]["id"][first - g.offset[g.kind_of(first)]].as_py()
                    step.add((group, int(row)), nodes[row], f"maps to the same {table_name} id {canonical[row]!r} "
                                                            f"as {g.kind_of(first)}/{first_id}")
        for kind in ("PractitionerRole", "Goal"):
            g.canon[g.nodes(kind)] = self.tables[kind]["id"].to_numpy(zero_copy_only=False)
        step.flush()

    # -- organisations --------------------------------------------------------------------------

    def _organizations(self) -> tuple[pa.Table, np.ndarray]:
        """The networks table, and the Organization rows that are practices (or hub sites)."""
        g, step = self.graph, self.step()
        table, nodes = self.tables["Organization"], g.nodes("Organization")
        parent = g.resolve(table["part_of"], ("Organization",))
        for row in parent.problem_rows():
            step.add((int(row),), nodes[row], f"partOf: {parent.message[row]}")
        step.flush()
        has_kind = table["network_kind"].is_valid().to_numpy(zero_copy_only=False)
        network = has_kind | np.isin(nodes, parent.node[parent.node != NO_NODE])
        usable = g.canon[nodes] != None  # noqa: E711 - element-wise on an object array
        self.org_parent[nodes] = parent.node
        self.org_network[nodes[network & usable]] = g.canon[nodes[network & usable]]
        self.org_practice[nodes[~network & usable]] = g.canon[nodes[~network & usable]]
        rows = np.flatnonzero(network & usable)
        ids = g.canon[nodes[rows]]
        names = table["name"].take(rows).to_numpy(zero_copy_only=False)
        kinds = table["network_kind"].take(rows).to_numpy(zero_copy_only=False)
        networks = pa.table({
            "network_id": pa.array(ids, pa.string()),
            "name": pa.array(np.where(names == None, ids, names), pa.string()),  # noqa: E711
            "kind": pa.array(np.where(kinds == None, self.defaults.network_kind, kinds), pa.string()),  # noqa: E711
        }, schema=TABLES["networks"].schema)
        return networks, np.flatnonzero(~network & usable)

    def _practices(self, rows: np.ndarray, patients: pa.Table) -> pa.Table:
        table, nodes = self.tables["Organization"], self.graph.nodes("Organization")[rows]
        current = patients.filter(pc.is_null(patients["registered_to"]))
        counted = Counter(current["practice_id"].to_pylist())
        ids = self.graph.canon[nodes]
        given = table["list_size"].take(rows).to_pylist()
        names = table["name"].take(rows).to_numpy(zero_copy_only=False)
        return pa.table({
            "practice_id": pa.array(ids, pa.string()),
            "name": pa.array(np.where(names == None, ids, names), pa.string()),  # noqa: E711
            "network_id": pa.array(self.graph.canon[self.org_parent[nodes]], pa.string()),
            "imd_score": table["imd_score"].take(rows),
            "list_size": pa.array([n if n is not None else counted.get(pid, 0) for n, pid in zip(given, ids,
                                                                                                 strict=True)],
                                  pa.int32()),
            "postcode": table["postcode"].take(rows),
        })

    # -- clinicians -----------------------------------------------------------------------------

    def _practitioner_roles(self) -> None:
        g, step = self.graph, self.step()
        table, nodes = self.tables["PractitionerRole"], g.nodes("PractitionerRole")
        found = g.resolve(table["practitioner"], ("Practitioner",))
        for row in found.problem_rows():
            step.add((int(row),), nodes[row], f"practitioner: {found.message[row]}")
        step.flush()
        self.pr_practitioner[nodes] = found.node
        self.pr_role[nodes] = table["role"].to_numpy(zero_copy_only=False)
        unnamed = (found.node == NO_NODE) & table["practitioner"].is_null().to_numpy(zero_copy_only=False)
        if unnamed.any():
            self.notes["PractitionerRole without a practitioner"] += int(unnamed.sum())

    def _clinicians(self, contacts: Contacts) -> pa.Table:
        g, step = self.graph, self.step()
        roles = g.nodes("PractitionerRole")
        named = self.pr_practitioner[roles] != NO_NODE
        first_role = g.attribute(NO_NODE, np.int64)
        practitioners, first = np.unique(self.pr_practitioner[roles][named], return_index=True)
        first_role[practitioners] = roles[named][first]
        with_site = (contacts.clinician != NO_NODE) & (contacts.site != None)  # noqa: E711
        busiest = most_common(contacts.clinician[with_site], contacts.site[with_site])
        table, nodes = self.tables["Practitioner"], g.nodes("Practitioner")
        rows = np.flatnonzero(g.canon[nodes] != None)  # noqa: E711
        nodes = nodes[rows]
        pr = first_role[nodes]
        has_pr = pr != NO_NODE
        pr_table = self.tables["PractitionerRole"]
        pr_rows = pr[has_pr] - g.offset["PractitionerRole"]
        org = np.full(len(nodes), NO_NODE, dtype=np.int64)
        for i, role_node in zip(np.flatnonzero(has_pr), pr[has_pr], strict=True):
            org[i], message = self.pr_organization(int(role_node))
            if message:
                step.add((int(i),), role_node, f"organization: {message}")
        step.flush()
        practice = self.org_practice[org]
        network = self.org_network[org]
        for i in np.flatnonzero(org == NO_NODE):
            practice[i] = busiest.get(nodes[i])
        own_role = table["role"].take(rows).to_numpy(zero_copy_only=False)
        role = own_role.copy()
        fte = np.full(len(nodes), self.defaults.fte)
        working_days = np.full(len(nodes), None, dtype=object)
        sessions = np.full(len(nodes), np.nan)
        if has_pr.any():
            pr_role = self.pr_role[pr[has_pr]]
            role[has_pr] = np.where(pr_role == None, own_role[has_pr], pr_role)  # noqa: E711
            given_fte = pr_table["fte"].take(pr_rows).to_numpy(zero_copy_only=False)
            fte[has_pr] = np.where(np.isnan(given_fte), self.defaults.fte, given_fte)
            working_days[has_pr] = pr_table["working_days"].take(pr_rows).to_numpy(zero_copy_only=False)
            sessions[has_pr] = pr_table["sessions"].take(pr_rows).to_numpy(zero_copy_only=False)
        role[role == None] = self.defaults.role  # noqa: E711
        self.clinician_role[nodes] = role
        self.clinician_practice[nodes] = practice
        return pa.table({
            "clinician_id": pa.array(g.canon[nodes], pa.string()),
            "name": table["name"].take(rows),
            "role": pa.array(role, pa.string()),
            "practice_id": pa.array(practice, pa.string()),
            "network_id": pa.array(network, pa.string()),
            "fte": pa.array(fte, pa.float64()),
            "working_days": pa.array(working_days, pa.string()),
            "sessions_per_week": pa.array(sessions, pa.float64(), from_pandas=True),
        }, schema=TABLES["clinicians"].schema)


def _canonical(table: pa.Table) -> np.ndarray:
    """carenet's identifier, else the ODS code, else the FHIR id, per row."""
    columns = [table[c] for c in ("carenet_id", "ods") if c in table.column_names]
    return pc.coalesce(*columns, table["id"]).to_numpy(zero_copy_only=False) if columns else \
        table["id"].to_numpy(zero_copy_only=False)
