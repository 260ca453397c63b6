"""Keep freed memory for reuse while a partner file streams through ingest.

Each 16 MB block is decoded, parsed, checked and written in buffers of tens of megabytes that
are freed a moment later. By default the C library hands such buffers back to the kernel at
once and polars' allocator (jemalloc) purges freed pages soon after, so every block faults
its memory in and zeroed afresh: at scale 1, ~490,000 page faults and 2 CPU-seconds of
kernel time, a quarter of the ingest's wall time on two cores. Kept for reuse, the kernel
time roughly halves and the peak grows by ~250 MiB (what one block's buffers hold); nothing
else changes. Only the streaming commands ask for it: a long-running server should give
memory back.
"""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # mallopt parameters of glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_KEEP = 1 << 30  # buffers up to 1 GiB come from the heap; the heap is not trimmed below it
# polars' jemalloc reads this when polars is loaded: freed pages are kept, never purged
_JEMALLOC = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")


def keep_freed_memory() -> None:
    """Ask both allocators to keep freed memory; call before polars is imported (after, only
    the C library's part applies). A no-op where the C library is not glibc."""
    if "polars" not in sys.modules:
        os.environ.setdefault(*_JEMALLOC)
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # musl, macOS: no mallopt, nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, _KEEP)
    mallopt(_M_TRIM_THRESHOLD, _KEEP)
