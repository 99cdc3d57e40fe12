"""Upper bounds on the sizes a command accepts, checked before any work starts.

The bounds live in the ``limits`` block of ``parameters.yaml``; a size beyond one is refused with a
message naming the option, the limit, and the entry to raise if the size is meant.
"""

from __future__ import annotations

from carenet.schema.errors import CarenetError

OPTION_LIMITS: dict[str, str] = {
    "--days": "days",
    "--reps": "reps",
    "--steps": "sweep_steps",
    "--demo-patients": "simulated_patients",
    "--patients": "simulated_patients",
    "--batch-patients": "population_patients",
    "--practices": "r1_practices",
    "--workers": "workers",
    "--uncertainty": "uncertainty_draws",
}
"""Which ``limits`` entry bounds each option (a command may name another entry for the same option)."""


class LimitExceeded(CarenetError):
    """A size given to a command is beyond its limit in ``parameters.yaml``."""


def limit(name: str) -> int:
    """The value of ``limits.<name>`` in ``parameters.yaml``."""
    from carenet.params import parameter

    return int(parameter(f"limits.{name}.value"))


def check_limits(values: dict[str, float | int | None], entries: dict[str, str] | None = None) -> None:
    """Refuse any option in ``values`` (option → given value; None = not given) above its limit.

    ``entries`` overrides :data:`OPTION_LIMITS` for this command, e.g. ``{"--patients": "population_patients"}``.
    """
    chosen = {**OPTION_LIMITS, **(entries or {})}
    problems = []
    for option, value in values.items():
        if value is None:
            continue
        entry = chosen[option]
        bound = limit(entry)
        if value > bound:
            problems.append(f"{option} {value:,} is more than the limit of {bound:,} (limits.{entry} in "
                            f"parameters.yaml: {_rationale(entry)}); if that size is really meant, raise "
                            f"limits.{entry}.value there")
    if problems:
        raise LimitExceeded("; ".join(problems))


def check_run_length(years: float | None, days: int | None) -> None:
    """``--days``, or ``--years`` as working days, within ``limits.days``."""
    from carenet.params import parameter

    if days is not None:
        check_limits({"--days": days})
        return
    if years is None:
        return
    per_year = int(parameter("twin.calendar.working_days_per_year.value"))
    if years * per_year > limit("days"):
        raise LimitExceeded(f"--years {years:g} is {years * per_year:,.0f} working days, more than the limit of "
                            f"{limit('days'):,} (limits.days in parameters.yaml: {_rationale('days')}); if that "
                            "length is really meant, raise limits.days.value there")


def _rationale(entry: str) -> str:
    from carenet.params import parameter

    return str(parameter(f"limits.{entry}.rationale")).split(";")[0]


__all__ = ["OPTION_LIMITS", "LimitExceeded", "check_limits", "check_run_length", "limit"]
