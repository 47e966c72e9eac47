"""Staff pages of the directory, under /staff/directory/. Each part keeps its own URL list."""

from tsunagu.directory import urls_imports, urls_resources

app_name = "directory"

urlpatterns = [*urls_resources.urlpatterns, *urls_imports.urlpatterns]
