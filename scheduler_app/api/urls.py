"""API routes, mounted at /scheduler/ by config/urls.py."""
urlpatterns: list = []
