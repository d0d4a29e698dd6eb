"""URL map: the admin; the API and dashboard mount here as their issues land."""
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
