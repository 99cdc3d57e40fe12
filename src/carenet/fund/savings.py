"""Shared savings as in Gesundes Kinzigtal: risk-adjusted expected cost minus actual, over the whole population.

::

    savings = expected − actual;  rate = savings / expected
    |rate| < minimum_savings_rate            → payment 0
    savings > 0 and the quality gate is met   → payment = min(gain_share × savings, gain_cap × expected)
    savings > 0 and the gate is not met       → payment 0
    savings < 0                               → payment = −min(risk_share × (−savings), risk_cap × expected)

A cap left out is no cap. The network keeps a share of what it saves the wider system only when its
quality is good enough, and bears a share of any overspend either way.
"""

from __future__ import annotations

from carenet.fund.contract_spec import SharedSavings


def shared_savings_payment(rule: SharedSavings, expected: float, actual: float, gate_met: bool) -> float:
    """Pounds paid to (positive) or by (negative) the network."""
    if expected <= 0:
        return 0.0
    savings = expected - actual
    if abs(savings) / expected < rule.minimum_savings_rate:
        return 0.0
    if savings > 0:
        if not gate_met:
            return 0.0
        gain = rule.gain_share * savings
        return min(gain, rule.gain_cap * expected) if rule.gain_cap is not None else gain
    loss = rule.risk_share * -savings
    return -(min(loss, rule.risk_cap * expected) if rule.risk_cap is not None else loss)
