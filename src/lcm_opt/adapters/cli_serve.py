"""lcm-opt serve: the HTTP API under uvicorn (issue: HTTP API)."""

from __future__ import annotations
