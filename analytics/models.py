"""Analysis runs and their results (city-level equalization, portraits, forecasts, allocation)."""
