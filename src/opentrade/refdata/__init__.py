"""Reference data that opentrade ships: code tables, standards and frameworks."""
