"""Command line (Typer + Rich): a thin edge over opentrade.services."""
