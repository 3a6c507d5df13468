"""Explanations of a solved scenario: certificates, reasons, chains, marginal values."""

from lcm_opt.services.explain.build import (
    Explained,
    explain,
    explain_scenario,
    focus,
    solve_explained,
)

__all__ = ["Explained", "explain", "explain_scenario", "focus", "solve_explained"]
