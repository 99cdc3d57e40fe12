"""Which practices to fund: ``england`` (the NHS open data), a practices CSV, or a carenet dataset folder."""

from __future__ import annotations

from pathlib import Path

from carenet.fund.errors import FundError
from carenet.fund.profile import PracticeProfile, from_practices_table
from carenet.fund.settings import FundSettings

NHS_OPEN_DATA = Path("../shared/external/nhs-open-data")


def practices_profile(choice: str, settings: FundSettings, nhs_data: Path = NHS_OPEN_DATA) -> PracticeProfile:
    if choice == "england":
        from carenet.fund.england import read_england  # noqa: PLC0415

        return read_england(nhs_data, settings.need_weights, settings.morbidity_registers)
    path = Path(choice)
    if path.is_dir():
        from carenet.fund.dataset_profile import profile_from_dataset, read_dataset  # noqa: PLC0415

        return profile_from_dataset(read_dataset(path), settings.need_weights)
    if path.suffix.lower() == ".csv" or path.is_file():
        from carenet.population import read_practices_csv  # noqa: PLC0415

        return from_practices_table(read_practices_csv(path), str(path))
    raise FundError(f"--practices {choice!r}: give england, a practices CSV file or a carenet dataset folder")
