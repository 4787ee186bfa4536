"""Leaky-bucket arithmetic (pure): what a bucket holds after a while, and when a cost fits."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spend:
    """The outcome of asking a bucket for `cost` points."""

    allowed: bool
    available: float  # after the spend when allowed, else what the bucket holds now
    retry_after_s: float  # 0 when allowed


def refilled(available: float, elapsed_s: float, maximum: float, rate: float) -> float:
    return min(maximum, available + max(0.0, elapsed_s) * rate)


def retry_after(cost: float, available: float, rate: float) -> float:
    """Seconds until the bucket holds `cost` points, rounded up to whole tenths."""
    missing = max(0.0, cost - available)
    return math.ceil(missing / rate * 10) / 10
