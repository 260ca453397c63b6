# The servers' environment (make hub-setup installs this as <env>/etc/ipython/): every `nocta`
# kernel says when the one before it was stopped by the memory limit (nocta_memory_notice.py).
c.IPKernelApp.extensions = ["nocta_memory_notice"]  # noqa: F821 (c is IPython's config)
