"""Freed memory back to the operating system, and Arrow's buffers from the system allocator.

A long extract builds and drops one large frame after another. glibc keeps what they freed in
its heaps, fragmented, for reuse: the process's RSS climbs group after group although what it
holds does not (bench/notes.md). `release_freed` asks glibc to give it back (malloc_trim);
without glibc it does nothing.

`arrow_from_system_allocator` gives Arrow (pyarrow's readers and writers, and pandas' string
columns, which pyarrow holds) the system allocator in place of its bundled mimalloc, which
keeps what a chunk's frames freed: a task's peak RSS then follows what it holds (bench/notes.md,
2026-12-08). Every task calls it first.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed() -> None:
    if (trim := _malloc_trim()) is not None:
        trim(0)


def arrow_from_system_allocator() -> None:
    """Arrow's default memory pool: the system allocator. Arrow reads the variable when it
    first allocates; a process that has already loaded pyarrow is switched directly."""
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    if "pyarrow" in sys.modules:
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
