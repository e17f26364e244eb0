"""Freed memory back to the operating system.

A long extract builds and drops one large frame after another. glibc keeps what they freed in
its heaps, fragmented, for reuse: the process's RSS climbs group after group although what it
holds does not (bench/notes.md). `release_freed` asks glibc to give it back (malloc_trim);
without glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed() -> None:
    if (trim := _malloc_trim()) is not None:
        trim(0)
