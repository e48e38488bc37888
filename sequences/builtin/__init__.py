"""The built-in sequences, one TOML file each (package data)."""
