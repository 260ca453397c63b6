"""The portal: the server Public Ministry staff use to read the published site (site/current).

A JupyterHub OAuth client. It serves files of the current release only, checks the user's
custom scopes on every request and logs consultations; it imports no analysis module.
"""
