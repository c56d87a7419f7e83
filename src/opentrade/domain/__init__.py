"""Domain logic of opentrade: pure functions over records and reference data."""
