-- A source line's amount as core values it: quantity * unit_price, to the cent.
round(quantity * unit_price, 2)
