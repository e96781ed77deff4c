"""Data sets bundled with fairtrack; see PROVENANCE.md in this folder."""
