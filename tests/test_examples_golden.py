"""Every bundled example evaluates, and gives the numbers recorded in tests/data (golden)."""

from __future__ import annotations

import json

import pytest
from golden_examples import GOLDEN, differences, example_paths, example_result


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_bundled_example_gives_the_recorded_numbers(path):
    expected = json.loads(GOLDEN.read_text())[path.name]
    found = differences(expected, json.loads(json.dumps(example_result(path))))
    assert not found, "\n".join(found[:20])
