"""Digests: what a channel hears each week (compose), when (schedule), and exactly once (runs)."""
