"""Market-intelligence analytics: pure array functions (scoring, diversification), no I/O."""
