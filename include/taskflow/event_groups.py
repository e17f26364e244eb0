"""What extract_events adds up over the groups a run is staged in, in memory that follows the
run's distinct ids and keys rather than its lines: the event_ids on more than one valid line
(RepeatedIds) and the keys the lines name, with their line counts (RunKeys)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# RepeatedIds and RunKeys each hold a run's ids in BUCKETS sorted arrays, so that merging a
# group's ids in copies one bucket, not all the ids held.
BUCKET_BITS = 6
BUCKETS = 1 << BUCKET_BITS


def _buckets(of: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(bucket, positions in `of`) of each bucket `of` names (values in [0, BUCKETS))."""
    import numpy as np

    order = np.argsort(of, kind="stable")
    edges = np.searchsorted(of[order], np.arange(BUCKETS + 1))
    for bucket in range(BUCKETS):
        if edges[bucket] < edges[bucket + 1]:
            yield bucket, order[edges[bucket]:edges[bucket + 1]]


class RepeatedIds:
    """The event_ids on more than one valid line of the run, found group by group. The ids of
    the earlier groups are held as their sorted 32-bit hashes, 4 bytes an id: a line repeats an
    id when its 64-bit hash is an earlier line's of its group, or its 32-bit hash an earlier group's. An id
    whose hash an earlier, other id shares (about 2,000 of a full load's 4M ids) is taken for a
    repeat too, which changes nothing: the load ranks a repeated id's lines, and a line alone
    ranks first and loads."""

    def __init__(self) -> None:
        import numpy as np

        self._seen = [np.empty(0, dtype=np.uint32) for _ in range(BUCKETS)]  # by the hash's top bits
        self._found: set[str] = set()

    def add(self, ids: pd.Series, hashes: np.ndarray | None = None) -> None:
        """`hashes`: the ids' profiling.text_hashes, when the caller made them already."""
        import numpy as np
        import pyarrow as pa

        from include.warehouse_kit.profiling import text_hashes

        ids = ids.reset_index(drop=True)
        full = text_hashes(pa.array(ids, type=pa.string())) if hashes is None else hashes  # the low 32 bits are kept
        hashes = full.astype(np.uint32)
        earlier = np.zeros(len(ids), dtype=bool)
        for bucket, rows in _buckets(hashes >> (32 - BUCKET_BITS)):
            seen, wanted = self._seen[bucket], hashes[rows]
            at = np.searchsorted(seen, wanted)
            inside = at < len(seen)
            hit = np.zeros(len(rows), dtype=bool)
            hit[inside] = seen[at[inside]] == wanted[inside]
            earlier[rows] = hit
            new = np.unique(wanted[~hit])
            self._seen[bucket] = np.insert(seen, np.searchsorted(seen, new), new)
        # an earlier line of the group with the same 64-bit hash: the same id, or (rarely) a
        # collision, which is harmless as above
        order = np.argsort(full, kind="stable")
        within = np.zeros(len(ids), dtype=bool)
        within[order[1:]] = full[order[1:]] == full[order[:-1]]
        self._found.update(ids[earlier | within])

    def ids(self) -> list[str]:
        return sorted(self._found)


class RunKeys:
    """The groups' line_keys added up over the run: per kind, the ids seen so far with their
    lines (16 bytes a key), in BUCKETS arrays sorted by id (by id modulo BUCKETS), each group's
    merged in as it comes. Memory follows the run's distinct keys, not its lines."""

    def __init__(self) -> None:
        self._kinds: dict[str, list[tuple]] = {}  # kind -> per bucket (ids, lines), int64 arrays sorted by id

    def add(self, part: pd.DataFrame) -> None:
        import numpy as np

        for kind, rows in part.groupby("kind", sort=False):
            buckets = self._kinds.setdefault(kind, [(np.empty(0, np.int64), np.empty(0, np.int64))
                                                    for _ in range(BUCKETS)])
            all_ids, all_lines = rows["id"].to_numpy(dtype=np.int64), rows["lines"].to_numpy(dtype=np.int64)
            for bucket, positions in _buckets(all_ids % BUCKETS):
                order = np.argsort(all_ids[positions], kind="stable")
                ids, lines = all_ids[positions][order], all_lines[positions][order]
                known, counts = buckets[bucket]
                at = np.searchsorted(known, ids)
                seen = at < len(known)
                seen[seen] = known[at[seen]] == ids[seen]
                counts[at[seen]] += lines[seen]  # a part names each id once
                buckets[bucket] = (np.insert(known, at[~seen], ids[~seen]), np.insert(counts, at[~seen], lines[~seen]))

    def held(self) -> int:
        """The keys held: the run's distinct (kind, id)."""
        return sum(len(ids) for buckets in self._kinds.values() for ids, _ in buckets)

    def frames(self, rows: int = 200_000) -> Iterator[pd.DataFrame]:
        """The sums as (kind, id, lines) frames of at most `rows` rows (none for no keys)."""
        import numpy as np
        import pandas as pd

        def frame(kind: str, pieces: list[tuple]) -> pd.DataFrame:
            ids = np.concatenate([ids for ids, _ in pieces])
            return pd.DataFrame({"kind": pd.Series(kind, index=range(len(ids)), dtype="str"), "id": ids,
                                 "lines": np.concatenate([lines for _, lines in pieces])})

        for kind, buckets in self._kinds.items():
            pieces, size = [], 0
            for ids, lines in buckets:
                for start in range(0, len(ids), rows):
                    piece = (ids[start:start + rows], lines[start:start + rows])
                    if size + len(piece[0]) > rows:
                        yield frame(kind, pieces)
                        pieces, size = [], 0
                    pieces.append(piece)
                    size += len(piece[0])
            if pieces:
                yield frame(kind, pieces)
