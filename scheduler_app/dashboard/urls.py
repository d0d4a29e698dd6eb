"""Dashboard routes, mounted at /dashboard/ by config/urls.py."""
urlpatterns: list = []
