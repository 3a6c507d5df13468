"""lcm-opt whatif: baseline and variants side by side (issue: what-if comparisons)."""

from __future__ import annotations
