"""Count the figures for any period and unit, and the state of the data behind them."""
