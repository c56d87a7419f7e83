"""opentrade — the open-trade initiative platform for a city district (built-in instance: Yangpu, Shanghai)."""

__version__ = "0.1.0"
