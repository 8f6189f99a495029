"""Golden tests on the real logs in ../shared/data: every engine gives the same results."""

from __future__ import annotations

import pytest

from helpers import shared_file
from test_engines import assert_same, both, results

pytestmark = pytest.mark.spark

REAL = {
    "running-example.xes": {},
    "helpdesk.xes.gz": {},
    "receipt.csv": {},
    "sepsis.csv": {"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"},
    "BPI2016_Complaints.csv": {
        "case": "CustomerID",
        "activity": "ComplaintTheme_EN",
        "timestamp": "ContactDate",
        "encoding": "latin-1",
    },
    "msnbc_sample.csv.gz": {"case": "user_id", "activity": "page_category", "order": "step"},
    "bpic2012.xes.gz": {},
}
SEGMENT = {
    "receipt.csv": "channel",
    "helpdesk.xes.gz": None,
    "bpic2012.xes.gz": "cohort:month",
    "sepsis.csv": "InfectionSuspected",
}


@pytest.mark.realdata
@pytest.mark.parametrize("name", list(REAL))
def test_real_logs(spark, name):
    path = shared_file(name)
    duck, sparkl = both(path, spark, **REAL[name])
    by = SEGMENT.get(name)
    assert_same(results(duck, by), results(sparkl, by))
