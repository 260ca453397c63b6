"""The publication boundary: from a run's results to the public view, and the outsider's scan.

Everything a reader outside `restricted/` can get (the public editions, the portal's open
pages, their chart data, the downloads) is built from the public view alone. The view is
derived in one step (`view.derive`) from the declarations in `policy.py`: a table or headline
value that the policy does not name never crosses. Before anything public is written out for
good, `scan.py` reads it as an outsider would and refuses it when it finds a disclosure.
"""
