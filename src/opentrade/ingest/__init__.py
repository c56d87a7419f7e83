"""File adapters: read CSV/XLSX the way district offices really have them, map headers, validate rows."""
