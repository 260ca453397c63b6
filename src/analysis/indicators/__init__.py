"""Pure indicator functions: frames in, frames out, no I/O (see ARCHITECTURE.md)."""
