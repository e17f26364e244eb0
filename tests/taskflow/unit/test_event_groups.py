"""What extract_events adds up over the groups a run is staged in (event_groups.RepeatedIds,
event_groups.RunKeys): the same answer whether the lines come in one group or in many, with memory
that follows the run's distinct ids and keys rather than its lines."""

from __future__ import annotations

import pandas as pd

from include.taskflow.event_groups import RepeatedIds, RunKeys


def _repeats(*groups: list[str]) -> list[str]:
    found = RepeatedIds()
    for ids in groups:
        found.add(pd.Series(ids, dtype="str", index=range(100, 100 + len(ids))))  # a group's own index
    return found.ids()


def test_an_id_on_two_lines_of_one_group_repeats():
    assert _repeats(["a", "b", "a", "c"]) == ["a"]


def test_an_id_seen_in_an_earlier_group_repeats_in_a_later_one():
    assert _repeats(["a", "b"], ["c"], ["d", "b"]) == ["b"]


def test_ids_each_on_one_line_of_the_run_do_not_repeat():
    assert _repeats(["a", "b"], ["c", "d"], []) == []


def test_an_id_on_three_lines_is_reported_once():
    assert _repeats(["a"], ["a", "a"], ["a"]) == ["a"]


def test_the_same_ids_split_into_groups_or_not_repeat_alike():
    ids = [f"e{i % 37}" for i in range(50)] + [f"u{i}" for i in range(30)]
    together = _repeats(ids)
    assert together == sorted({f"e{i}" for i in range(13)})
    assert _repeats(*[ids[i:i + 7] for i in range(0, len(ids), 7)]) == together


def _part(kind: str, rows: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"kind": kind, "id": list(rows), "lines": list(rows.values())})


def _summed(keys: RunKeys, rows: int = 200_000) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = {}
    for frame in keys.frames(rows):
        assert list(frame.columns) == ["kind", "id", "lines"] and 0 < len(frame) <= rows
        for k, i, n in frame.itertuples(index=False):
            assert (k, int(i)) not in out  # each key once
            out[k, int(i)] = int(n)
    return out


def test_the_keys_of_every_group_add_up_per_kind_and_id():
    keys = RunKeys()
    keys.add(_part("task", {1: 2, 2: 1}))
    keys.add(_part("task", {2: 3, 3: 1}))
    keys.add(_part("actor", {2: 1}))
    assert _summed(keys) == {("task", 1): 2, ("task", 2): 4, ("task", 3): 1, ("actor", 2): 1}


def test_the_keys_are_summed_as_they_come_so_the_run_holds_each_key_once():
    keys = RunKeys()
    for _ in range(300):  # 300 parts over the same 1,000 tasks, in another order each time
        keys.add(_part("task", {i: 1 for i in reversed(range(1000))}))
        assert keys.held() == 1000
    assert _summed(keys, rows=64) == {("task", i): 300 for i in range(1000)}  # in frames of 64 rows


def test_a_run_without_valid_lines_has_no_keys():
    assert list(RunKeys().frames()) == []


def test_many_ids_over_many_groups_repeat_and_add_up_as_a_count_of_every_line_gives():
    import random
    from collections import Counter

    rng = random.Random(17)
    lines = [f"ev-{rng.randrange(20_000)}" for _ in range(12_000)]   # ids spread over every bucket
    tasks = [rng.randrange(-50, 5_000_000) for _ in range(12_000)]
    repeats, keys = RepeatedIds(), RunKeys()
    for start in range(0, len(lines), 500):
        repeats.add(pd.Series(lines[start:start + 500], dtype="str"))
        group = Counter(tasks[start:start + 500])
        keys.add(_part("task", dict(group)))
    assert repeats.ids() == sorted(i for i, n in Counter(lines).items() if n > 1)
    assert _summed(keys, rows=1_000) == {("task", t): n for t, n in Counter(tasks).items()}


def test_the_hashes_a_caller_made_of_the_ids_find_the_same_repeats():
    import pyarrow as pa

    from include.warehouse_kit.profiling import text_hashes

    groups = [["a", "b", "a", "c"], ["d", "b"]]
    given = RepeatedIds()
    for ids in groups:
        given.add(pd.Series(ids, dtype="str"), text_hashes(pa.array(ids, type=pa.large_string())))
    assert given.ids() == _repeats(*groups) == ["a", "b"]
