"""The capacity check: what fits runs, and the message when it does not adds up."""

from __future__ import annotations

import re

import pytest

from pimnoc.config import parse_run
from pimnoc.errors import CapacityError
from pimnoc.evaluate import evaluate


def test_a_network_that_fits_on_the_only_pe_runs():
    spec = parse_run({"workload": {"networks": [{"model": "gcn"}]},
                      "design": {"integration": "2d", "pes": {"rows": 1, "cols": 1}}})
    result = evaluate(spec)
    assert result.pes_used == 1 and result.latency_s > 0


@pytest.mark.parametrize("pes", [(1, 1), (4, 4)])
def test_the_message_states_a_need_larger_than_the_design(pes):
    spec = parse_run({"workload": {"networks": [{"model": "resnet18", "input_hw": 32}]},
                      "design": {"integration": "2d", "pes": {"rows": pes[0], "cols": pes[1]}}})
    with pytest.raises(CapacityError) as info:
        evaluate(spec)
    found = re.search(r"needs (\d+) crossbars, (\d+) PEs of (\d+) crossbars.* has (\d+) PEs",
                      str(info.value))
    assert found, str(info.value)
    crossbars, pes_needed, per_pe, available = map(int, found.groups())
    assert available == pes[0] * pes[1] < pes_needed
    assert pes_needed == -(-crossbars // per_pe)
