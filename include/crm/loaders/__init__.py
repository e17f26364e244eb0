"""One module per CRM loader; each `load(wh, ctx)` is one transaction (warehouse_kit.load)."""
