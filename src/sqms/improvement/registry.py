"""What the improvement app plugs into the platform: sidebar links, the dashboard card, export kinds and
the demo seeder (called from ``ImprovementConfig.ready``)."""

from __future__ import annotations


def register_all() -> None:
    pass
