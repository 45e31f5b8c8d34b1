"""`make dist`, one module per kind of artifact (scripts/dist.py drives them)."""
