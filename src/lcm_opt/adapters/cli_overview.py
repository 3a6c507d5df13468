"""lcm-opt overview: the LCM Allocations Overview per licence and per contract."""

from __future__ import annotations
