"""The htmx dashboard for people, under /dashboard/."""
