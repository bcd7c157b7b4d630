"""The short fault soak of `make test`: every kind of fault once during ~20 s of mixed load."""

import pytest

from tests.soak.soak import FAULT_KINDS, SoakConfig, print_report, run_soak, short_schedule

pytestmark = pytest.mark.slow
LOAD_S = 18.0


def test_nothing_is_lost_or_duplicated_while_the_broker_is_cut_and_the_workers_are_killed(tmp_path):
    config = SoakConfig(duration_s=LOAD_S, fault_schedule=short_schedule(LOAD_S), cut_s=2.5, down_s=0.5,
                        resend_after_s=3.0, drain_timeout_s=60, keep_dir=tmp_path)

    report = run_soak(config)
    print_report(report)

    assert not report.problems, report.summary()
    assert all(report.faults[kind] == 1 for kind in FAULT_KINDS), report.faults
    assert report.exchange.distinct == report.events_stored > 0
    assert {outcome.transport for outcome in report.outcomes} == {"http", "amqp"}
    assert {outcome.status for outcome in report.outcomes} == {"accepted", "rejected"}
