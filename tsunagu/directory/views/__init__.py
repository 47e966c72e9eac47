"""Views of the directory's staff pages, one module per topic."""
