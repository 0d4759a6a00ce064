"""Fixes for gaps in moto 5.2.1 that Ephemera's tests would otherwise trip over.

Each patch is a small function registered in PATCHES; apply_all() runs them once.
"""

PATCHES = []


def apply_all() -> None:
    for patch in PATCHES:
        patch()
