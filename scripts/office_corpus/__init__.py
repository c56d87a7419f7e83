"""Builders of the office-file test corpus (tests/fixtures/office/): realistic files as Chinese district commerce
offices hold them, each with the outcome a statistician expects. Entry point: scripts/make_office_files.py."""
