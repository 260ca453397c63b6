"""Pure indicator functions: frames in, frames out, no I/O (see ARCHITECTURE.md).

- rates: cases per 100 000 by county and year (exact Poisson limits)
- markets: the same by market, nationally and by county x market
- series: monthly counts on a complete calendar; national population
- trends: year-on-year change with its test (Poisson / NB variance; exact conditional test)
- breaks: structural breaks in monthly counts (temporary breaks, outliers, level shifts)
- seizures: seizures by commodity, route, border point and transport mode
- justice: the justice chain (conversion, times between stages, assets frozen vs confiscated)
- eu: Romania against the EU-27 on Eurostat's crim_off_cat, and the agreement check
"""
