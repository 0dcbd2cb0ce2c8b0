"""Work shared with a forked copy of the process (pipeline/core/two_cores.py): both shares are
done, an error in the copy is raised here, and a copy that dies means the work is done here."""

from __future__ import annotations

import os

import pytest

from pipeline.core import two_cores

pytestmark = pytest.mark.skipif(not two_cores.available(), reason="one core, or no fork")


def _squares_and_pid(numbers: list[int]) -> tuple[list[int], int]:
    return [n * n for n in numbers], os.getpid()


def test_each_share_is_done_once_the_second_in_a_copy():
    (here, here_pid), (there, there_pid) = two_cores.share(_squares_and_pid, [1, 2], [3, 4])
    assert (here, there) == ([1, 4], [9, 16])
    assert here_pid == os.getpid() != there_pid


def test_an_error_in_the_copy_is_raised_here():
    def fails_on_three(numbers: list[int]) -> list[int]:
        if 3 in numbers:
            raise ValueError("three is not allowed")
        return numbers

    with pytest.raises(ValueError, match="three is not allowed"):
        two_cores.share(fails_on_three, [1], [3])


def test_a_copy_that_dies_means_its_share_is_done_here():
    parent = os.getpid()

    def dies_in_the_copy(numbers: list[int]) -> list[int]:
        if os.getpid() != parent:
            os._exit(1)  # as a copy killed by the system would
        return [n + 1 for n in numbers]

    assert two_cores.share(dies_in_the_copy, [1], [2]) == ([2], [3])


def test_a_nations_flags_are_the_same_shared_between_cores_or_not(monkeypatch):
    """raise_flags shares areas with a copy when there are several: the same flags either way."""
    from pipeline.core.catalogue import load_catalogue
    from pipeline.core.periods import Quarter
    from pipeline.flags import current

    catalogue = load_catalogue()
    counts = sorted(c for c, i in catalogue.indicators.items() if i.kind == "count")[:3]
    quarters, quarter = [], Quarter.parse("2021-22 Q1")
    for _ in range(20):
        quarters.append(str(quarter))
        quarter = quarter.next()
    rows = [
        {
            "area_code": f"E0600000{a}",
            "indicator_code": code,
            "period": period,
            "value": float(40 + (7 * k + 3 * a) % 9 + (25 * a if k >= 16 else 0)),
            "numerator": None,
            "denominator": None,
        }
        for a in range(4)
        for code in counts
        for k, period in enumerate(quarters)
    ]
    status = [
        {
            "area_code": f"E0600000{a}",
            "agency": catalogue.indicators[code].agency,
            "period": p,
            "status": "received",
        }
        for a in range(4)
        for code in counts
        for p in quarters
    ]

    def flags(shared_from: int) -> list[dict]:
        monkeypatch.setattr(current, "SHARED_FROM_AREAS", shared_from)
        return [vars(f) for f in current.raise_flags(rows, status, catalogue)]

    shared = flags(2)
    assert shared == flags(10**6)
    assert {f["area_code"] for f in shared} >= {"E06000001", "E06000003"}  # the steps are seen
