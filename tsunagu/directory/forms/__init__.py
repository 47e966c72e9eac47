"""Forms of the directory's staff pages. They speak the domain and build the services' `*Data` values."""
