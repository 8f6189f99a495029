"""The connector conformance kit on the ga4 connector, Parquet files read through a glob."""

from __future__ import annotations

import pytest
from ga4_kit import INVALID, write_ga4_parquet

from journeymine.testing.conformance import check_connector


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:user_properties. no event of")  # frames where every amount is null
def test_conformance_parquet(tmp_path):
    # invalid=False: see ga4_kit.INVALID
    check_connector("ga4", write_ga4_parquet, directory=tmp_path, invalid=INVALID, examples=25, unicode=True)
