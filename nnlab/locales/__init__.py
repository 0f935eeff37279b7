"""UI text catalogues, one module per area; `nnlab.i18n` discovers and merges them."""
