"""Use cases. Each owns its transaction; edges (CLI, API) only parse input and present results."""
