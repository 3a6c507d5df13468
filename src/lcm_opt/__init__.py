"""lcm-opt: provably optimal licence allocation."""

__version__ = "0.1.0"
