"""Measurements of Passerelle that are not pass/fail tests: `make eval` (relevance) lives here."""
