"""Funding: need-weighted capitation, network budgets against cost, outcome contracts, equity (docs/fund.md)."""

from carenet.fund.capitation import COMPONENTS, Capitation, capitation, capitation_table
from carenet.fund.cream import cream_skimming
from carenet.fund.equity import Equity, equity
from carenet.fund.errors import FundError
from carenet.fund.prices import YearPrices, prices_for
from carenet.fund.profile import PracticeProfile
from carenet.fund.settings import FundSettings

__all__ = ["COMPONENTS", "Capitation", "Equity", "FundError", "FundSettings", "PracticeProfile", "YearPrices",
           "capitation", "capitation_table", "cream_skimming", "equity", "prices_for"]
