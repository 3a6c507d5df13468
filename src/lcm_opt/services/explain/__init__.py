"""Explanations of a solved scenario: certificates, reasons, chains, marginal values."""

from lcm_opt.services.explain.build import explain, explain_scenario

__all__ = ["explain", "explain_scenario"]
