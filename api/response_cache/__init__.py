"""The per-process response cache of public catalog reads, and what keeps it fresh."""
