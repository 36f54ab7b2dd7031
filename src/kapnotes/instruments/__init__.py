"""Standardized measures: items, ranges, severity bands with sources, and scoring."""
